"""artcolor's HTTP service: the exported `artcolor.predict.Predictor` behind FastAPI.

HTTP only: every decision about images and models lives in the package. Settings come from
`artcolor.data.Settings` (`ARTCOLOR_*` environment variables); `make serve` runs `uvicorn api.main:app --host 127.0.0.1 --port 8000`.
"""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path

import cv2
from threadpoolctl import threadpool_limits
from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from artcolor.data import Settings
from artcolor.images import sniff_format
from artcolor.predict import Predictor
from artcolor.serving import MicroBatcher

PAGE = (Path(__file__).with_name('page.html')).read_text(encoding='utf-8')


# ---- response models -------------------------------------------------------------------------
class ModelIdentity(BaseModel):
    name: str
    version: str | None = None
    model: str | None = Field(None, description='the selected pipeline')
    sha256: str = Field(description="sha256 of the model artefact, checked against its card at start-up")
    trained_on: str


class Swatch(BaseModel):
    hex: str = Field(description='#rrggbb')
    share: float = Field(description='share of the pixels')
    family: str = Field(description='the family this colour falls in, pixel by pixel')


class Classification(BaseModel):
    model_config = ConfigDict(json_schema_extra={'examples': [{
        'label': 'BLUE', 'probabilities': {'BLUE': 0.85, 'TEAL': 0.07, 'PURPLE': 0.07},
        'features': {'b_bgr_mean': 179.0, 'g_bgr_mean': 95.0, 'r_bgr_mean': 47.0},
        'familiar': True, 'familiarity': 0.41,
        'palette': [{'hex': '#2f5fb3', 'share': 0.62, 'family': 'BLUE'}, {'hex': '#e8e4da', 'share': 0.38, 'family': 'WHITE'}],
        'family_shares': {'BLUE': 0.6, 'WHITE': 0.35, 'GRAY': 0.05},
        'model': {'name': 'artcolor', 'version': '0.1.0', 'model': 'svm+logreg vote', 'sha256': '3f2a…', 'trained_on': 'gac2023_features.csv'}}]})
    label: str = Field(description='the most probable colour family')
    probabilities: dict[str, float] = Field(description='probability of each family the model knows')
    features: dict[str, float] = Field(description='the 18 colour features the prediction was made from')
    familiar: bool | None = Field(None, description="whether the image is like the images the model learnt from "
                                  "(the criterion is in /model, `familiarity.criterion`); an unfamiliar answer deserves less trust")
    familiarity: float | None = Field(None, description='the score behind `familiar`, in [0, 1]: small means unusual')
    palette: list[Swatch] = Field(description='up to 5 dominant colours, largest share first; shares sum to 1')
    family_shares: dict[str, float] = Field(description="each of the 12 families' share of the pixels (sums to 1)")
    model: ModelIdentity


class BatchItem(BaseModel):
    model_config = ConfigDict(json_schema_extra={'examples': [
        {'filename': 'a.jpg', 'status': 200, 'label': 'RED', 'probabilities': {'RED': 0.8}, 'features': {},
         'familiar': True, 'familiarity': 0.3, 'palette': [{'hex': '#c0392b', 'share': 1.0, 'family': 'RED'}],
         'family_shares': {'RED': 1.0}, 'error': None},
        {'filename': 'notes.txt', 'status': 415, 'label': None, 'probabilities': None, 'features': None,
         'error': 'not an image: the bytes match no supported format (JPEG, PNG, GIF, WebP, BMP, TIFF)'}]})
    filename: str | None
    status: int = Field(description='what /classify would have answered for this file alone')
    label: str | None = None
    probabilities: dict[str, float] | None = None
    features: dict[str, float] | None = None
    familiar: bool | None = None
    familiarity: float | None = None
    palette: list[Swatch] | None = None
    family_shares: dict[str, float] | None = None
    error: str | None = None


class LegacyPrediction(BaseModel):
    model_config = ConfigDict(json_schema_extra={'examples': [{'prediction': 'BLUE'}]})
    prediction: str = Field(description='the most probable colour family (as /classify `label`)')


class Health(BaseModel):
    status: str
    model: ModelIdentity


class Problem(BaseModel):
    detail: str


ERRORS = {413: {'model': Problem, 'description': 'upload over the size limit'},
          415: {'model': Problem, 'description': 'not an image (sniffed from the bytes)'},
          422: {'model': Problem, 'description': 'missing field, undecodable image, or over 50 megapixels'}}


# ---- request size guard ----------------------------------------------------------------------
class BodySizeLimit:
    """Pure ASGI middleware: answer 413 for a POST body over its limit, before it is parsed.

    Neither FastAPI nor Starlette caps uploads. A declared Content-Length over the limit is refused
    without reading; a chunked body is counted as it arrives and cut off at the limit."""

    def __init__(self, app, limit_for):
        self.app, self.limit_for = app, limit_for

    async def __call__(self, scope, receive, send):
        if scope['type'] != 'http' or scope['method'] != 'POST':
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope['path'])
        declared = dict(scope['headers']).get(b'content-length')
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await _problem(send, 413, f'request body over the limit of {limit:,} bytes')
        state = {'received': 0, 'too_large': False, 'started': False}

        async def limited_receive():
            if state['too_large']:
                return {'type': 'http.disconnect'}
            message = await receive()
            if message['type'] == 'http.request':
                state['received'] += len(message.get('body', b''))
                if state['received'] > limit:
                    state['too_large'] = True
                    return {'type': 'http.disconnect'}
            return message

        async def guarded_send(message):
            if state['too_large']:
                return  # the app's answer to a cut-off body is replaced by the 413 below
            state['started'] = state['started'] or message['type'] == 'http.response.start'
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not state['too_large']:
                raise
        if state['too_large'] and not state['started']:
            await _problem(send, 413, f'request body over the limit of {limit:,} bytes')


async def _problem(send, status: int, detail: str):
    body = Problem(detail=detail).model_dump_json().encode()
    await send({'type': 'http.response.start', 'status': status,
                'headers': [(b'content-type', b'application/json'), (b'content-length', str(len(body)).encode()), (b'connection', b'close')]})
    await send({'type': 'http.response.body', 'body': body})


# ---- the app ---------------------------------------------------------------------------------
def create_app(settings: Settings | None = None, predictor: Predictor | None = None) -> FastAPI:
    "The service; the model is loaded once, in the lifespan, unless a `predictor` is given."
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.predictor = predictor or Predictor.load(settings.model)
        # one process per core (uvicorn --workers): OpenCV's and BLAS's own threads would only contend (BLAS's spin)
        cv2.setNumThreads(1); threadpool_limits(1)
        # concurrent requests share one model call (see artcolor.predict.MicroBatcher); decoding runs off the loop
        app.state.batcher = MicroBatcher(app.state.predictor.predict_images, settings.max_model_batch).start()
        yield
        await app.state.batcher.stop()

    app = FastAPI(title='artcolor', version='0.1.0', lifespan=lifespan,
                  description='Classify an artwork image into a Google Arts & Culture colour family. '
                              'Upload a JPEG, PNG, WebP, GIF, BMP or TIFF as the multipart field `file` '
                              f'(at most {settings.max_upload_bytes / 1e6:g} MB and 50 megapixels).')
    multipart_slack = 64 * 1024
    app.add_middleware(BodySizeLimit, limit_for=lambda path: (settings.max_upload_bytes * settings.max_batch_files
                                                              if path.endswith('/batch') else settings.max_upload_bytes) + multipart_slack)

    def identity(request: Request) -> dict:
        return request.app.state.predictor.identity

    async def read_checked(upload: UploadFile) -> bytes:
        "The upload's bytes, or an HTTPException with the status /classify answers."
        data = await upload.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise HTTPException(413, f'{upload.filename or "upload"} is over the limit of {settings.max_upload_bytes:,} bytes')
        if not data:
            raise HTTPException(422, f'{upload.filename or "upload"} is empty')
        if sniff_format(data) is None:
            raise HTTPException(415, f'{upload.filename or "upload"} is not an image: the bytes match no supported format '
                                     '(JPEG, PNG, GIF, WebP, BMP, TIFF), whatever its name or content type says')
        return data

    async def classify_many(request: Request, blobs: list[bytes]):
        "Predictions for sniffed bytes; a failure of one image stays in its own Prediction's `error`."
        return await asyncio.gather(*(request.app.state.batcher.submit(b) for b in blobs))

    @app.get('/health', response_model=Health, summary='Liveness, with the loaded model')
    async def health(request: Request):
        return {'status': 'ok', 'model': identity(request)}

    @app.get('/model', summary="The model card: data, CV metrics, classes, library versions")
    async def model_card(request: Request) -> dict:
        return request.app.state.predictor.card

    @app.post('/classify', response_model=Classification, responses=ERRORS, summary='Classify one image')
    async def classify(request: Request, file: UploadFile = File(description='the image')):
        data = await read_checked(file)
        pred = (await classify_many(request, [data]))[0]
        if pred.error:
            raise HTTPException(422, pred.error)
        return {'label': pred.label, 'probabilities': pred.probabilities, 'features': pred.features,
                'familiar': pred.familiar, 'familiarity': pred.familiarity, 'palette': pred.palette,
                'family_shares': pred.family_shares, 'model': identity(request)}

    @app.post('/img_classify', response_model=LegacyPrediction, responses=ERRORS, deprecated=True,
              summary="The 2023 service's endpoint, kept for its clients: use /classify")
    async def img_classify(request: Request, file: UploadFile = File(description='the image')):
        "Answers `{\"prediction\": FAMILY}` as the 2023 service did, with /classify's limits and 4xx errors instead of its 500s."
        data = await read_checked(file)
        pred = (await classify_many(request, [data]))[0]
        if pred.error:
            raise HTTPException(422, pred.error)
        return {'prediction': pred.label}

    @app.get('/', response_class=HTMLResponse, include_in_schema=False)
    async def page():
        return PAGE

    @app.post('/classify/batch', response_model=list[BatchItem], responses=ERRORS,
              summary='Classify several images; a bad file gives an error entry, never fails the others')
    async def classify_batch(request: Request, files: list[UploadFile] = File(description='the images')):
        if len(files) > settings.max_batch_files:
            raise HTTPException(422, f'too many files: {len(files)} (at most {settings.max_batch_files})')
        items, good = [], {}
        for i, f in enumerate(files):
            try:
                good[i] = await read_checked(f)
                items.append({'filename': f.filename, 'status': 200})
            except HTTPException as e:
                items.append({'filename': f.filename, 'status': e.status_code, 'error': e.detail})
        if good:
            for i, pred in zip(good, await classify_many(request, list(good.values()))):
                items[i].update({'status': 422, 'error': pred.error} if pred.error else
                                {'label': pred.label, 'probabilities': pred.probabilities, 'features': pred.features,
                                 'familiar': pred.familiar, 'familiarity': pred.familiarity,
                                 'palette': pred.palette, 'family_shares': pred.family_shares})
        return items

    return app


app = create_app()
