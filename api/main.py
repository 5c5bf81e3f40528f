"""artcolor's HTTP service: the exported `artcolor.predict.Predictor` behind FastAPI.

HTTP only: every decision about images and models lives in the package (`artcolor.images` reads an
upload, `artcolor.serving.Classifier` budgets and batches it, `artcolor.predict` answers). Settings
come from `artcolor.data.Settings` (`ARTCOLOR_*` environment variables); `make serve` and the
container run `python -m api` (see `api/serve.py`).
"""
from __future__ import annotations

import asyncio, json
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, File, HTTPException, Request, UploadFile
from fastapi_offline import FastAPIOffline
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

import artcolor
from artcolor.colors import FAMILY_COLORS
from artcolor.data import Settings
from artcolor.images import LOSSLESS_WEBP_PIXELS, MAX_PIXELS, sniff_format
from artcolor.predict import Prediction, Predictor
from artcolor.serving import Busy, Classifier

import cv2  # noqa: E402  (after artcolor.images, which sets OpenCV's own pixel limit before OpenCV is first imported)
from threadpoolctl import threadpool_limits

PAGE = (Path(__file__).with_name('page.html')).read_text(encoding='utf-8').replace(
    '/*FAMILY_COLORS*/{}', json.dumps(FAMILY_COLORS))   # the page draws each family in its display colour
FORMATS = 'JPEG, PNG, WebP, GIF, BMP or TIFF'


# ---- what the service answers: the package's Prediction, declared once, with what HTTP adds ---------------------
class ModelIdentity(BaseModel):
    name: str
    version: str | None = None
    model: str | None = Field(None, description='the exported pipeline')
    sha256: str = Field(description="sha256 of the model artefact, checked against its card at start-up")
    trained_on: str


class Classification(Prediction):
    "/classify's answer: the prediction and the model that made it."
    model_config = ConfigDict(json_schema_extra={'examples': [{
        'label': 'BLUE', 'probabilities': {'BLUE': 0.85, 'TEAL': 0.07, 'PURPLE': 0.07},
        'features': {'b_bgr_mean': 179.0, 'g_bgr_mean': 95.0, 'r_bgr_mean': 47.0}, 'familiar': True, 'familiarity': 0.41,
        'palette': [{'hex': '#2f5fb3', 'share': 0.62, 'family': 'BLUE'}, {'hex': '#e8e4da', 'share': 0.38, 'family': 'WHITE'}],
        'family_shares': {'BLUE': 0.6, 'WHITE': 0.35, 'GRAY': 0.05}, 'error': None,
        'model': {'name': 'artcolor', 'version': artcolor.__version__, 'model': 'blend', 'sha256': '3f2a…', 'trained_on': 'gac2023_features.csv'}}]})
    model: ModelIdentity


class BatchItem(Prediction):
    "One file of /classify/batch: the prediction, or the status and error /classify would have answered for it alone."
    filename: str | None = None
    status: int = Field(description='what /classify would have answered for this file alone')


class LegacyPrediction(BaseModel):
    model_config = ConfigDict(json_schema_extra={'examples': [{'prediction': 'BLUE'}]})
    prediction: str = Field(description='the most probable colour family (as /classify `label`)')


class Health(BaseModel):
    status: str
    model: ModelIdentity


class Problem(BaseModel):
    detail: str = Field(description='what was wrong, in words')


ERRORS = {400: {'model': Problem, 'description': 'the body is not a well-formed multipart form'},
          408: {'model': Problem, 'description': 'the client paused too long while sending the body'},
          413: {'model': Problem, 'description': 'upload over the size limit'},
          415: {'model': Problem, 'description': 'not an image (sniffed from the bytes)'},
          422: {'model': Problem, 'description': f'missing field, unreadable or hostile image, over {MAX_PIXELS / 1e6:g} megapixels, or too slow to read'},
          503: {'model': Problem, 'description': 'the service is busy: the image waited its whole time budget for its turn; '
                'nothing is wrong with it, send it again after `Retry-After` seconds'}}


def json_bytes(model: BaseModel, status: int = 200) -> Response:
    "`model` serialised once, as the response (FastAPI would validate and serialise it again)."
    return Response(model.model_dump_json(), status, media_type='application/json')


# ---- uploads: size, pace -------------------------------------------------------------------------------------------
class UploadGuard:
    """Pure ASGI middleware for POST bodies: 413 over the size limit (a declared Content-Length without reading it, a
    chunked body as it arrives), 408 when the client pauses longer than `pause_s` between two parts of the body."""

    def __init__(self, app, limit_for, pause_s: float, per_image_mb: float):
        self.app, self.limit_for, self.pause_s, self.per_image_mb = app, limit_for, pause_s, per_image_mb

    def too_large(self, limit: int) -> str:
        return (f'the upload is too large: at most {self.per_image_mb:g} MB ({self.per_image_mb * 1e6:,.0f} bytes) an image; '
                f'this request may carry at most {limit:,} bytes, the form included')

    async def __call__(self, scope, receive, send):
        if scope['type'] != 'http' or scope['method'] != 'POST':
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope['path'])
        declared = dict(scope['headers']).get(b'content-length')
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await problem(send, 413, self.too_large(limit))
        state = {'received': 0, 'refuse': None, 'started': False, 'whole': False}

        async def guarded_receive():
            if state['refuse']: return {'type': 'http.disconnect'}
            if state['whole']: return await receive()     # after the body, only a disconnect can come: no pace to keep
            try: message = await asyncio.wait_for(receive(), self.pause_s)
            except asyncio.TimeoutError:
                state['refuse'] = (408, f'the body stopped arriving for {self.pause_s:g} s'); return {'type': 'http.disconnect'}
            if message['type'] == 'http.request':
                state['whole'] = not message.get('more_body', False)
                state['received'] += len(message.get('body', b''))
                if state['received'] > limit:
                    state['refuse'] = (413, self.too_large(limit)); return {'type': 'http.disconnect'}
            return message

        async def guarded_send(message):
            if state['refuse']: return                  # the app's answer to a cut-off body is replaced below
            state['started'] = state['started'] or message['type'] == 'http.response.start'
            await send(message)

        try: await self.app(scope, guarded_receive, guarded_send)
        except Exception:
            if not state['refuse']: raise
        if state['refuse'] and not state['started']: await problem(send, *state['refuse'])


async def problem(send, status: int, detail: str):
    body = Problem(detail=detail).model_dump_json().encode()
    await send({'type': 'http.response.start', 'status': status,
                'headers': [(b'content-type', b'application/json'), (b'content-length', str(len(body)).encode()), (b'connection', b'close')]})
    await send({'type': 'http.response.body', 'body': body})


# ---- the service's state, given to every route -------------------------------------------------------------------
class Service:
    "The loaded predictor, its request path and the settings: what every route depends on."

    def __init__(self, settings: Settings, predictor: Predictor):
        self.settings, self.predictor = settings, predictor
        self.identity = ModelIdentity(**predictor.identity)
        self.classifier = Classifier(predictor, settings.max_model_batch, timeout_s=settings.image_timeout_s)

    async def read(self, upload: UploadFile) -> bytes:
        "The upload's bytes, or an HTTPException with the status /classify answers."
        limit, name = self.settings.max_upload_bytes, upload.filename or 'upload'
        data = await upload.read(limit + 1)
        if len(data) > limit: raise HTTPException(413, f'{name} is too large: at most {limit / 1e6:g} MB ({limit:,} bytes) an image')
        if not data: raise HTTPException(422, f'{name} is empty')
        if sniff_format(data) is None:
            raise HTTPException(415, f'{name} is not an image: the bytes match no supported format ({FORMATS}), whatever its name or type says')
        return data

    async def classify(self, upload: UploadFile) -> Prediction:
        "One upload's prediction; an HTTPException for what /classify refuses."
        try: pred = await self.classifier.classify(await self.read(upload))
        except Busy as e: raise busy(e) from None
        if pred.error: raise HTTPException(422, pred.error)
        return pred

    async def family_map(self, upload: UploadFile) -> bytes:
        "One upload's family map as PNG bytes; an HTTPException for what /classify/map refuses."
        try: png = await self.classifier.family_map(await self.read(upload))
        except Busy as e: raise busy(e) from None
        if isinstance(png, str): raise HTTPException(422, png)
        return png


def busy(e: Busy) -> HTTPException:
    "503 with `Retry-After`: the image is fine, the service had no time for it."
    return HTTPException(503, str(e), headers={'Retry-After': str(e.retry_after_s)})


async def one_file(request: Request):
    "422 when a form for one image carries several: they go to /classify/batch (FastAPI would keep only the last)."
    form = await request.form()                       # parsed once: FastAPI reads the same cached form
    if len(form.getlist('file')) > 1:
        raise HTTPException(422, f"{len(form.getlist('file'))} files in the field 'file': this endpoint answers one image; "
                                 "send several to /classify/batch, in fields named 'files'")


def service(request: Request) -> Service:
    return request.app.state.service


router = APIRouter()


@router.get('/health', response_model=Health, summary='Liveness, with the loaded model')
async def health(svc: Service = Depends(service)):
    return Health(status='ok', model=svc.identity)


@router.get('/model', summary="The model card: data, CV metrics, classes, library versions")
async def model_card(svc: Service = Depends(service)) -> dict:
    return svc.predictor.card


@router.post('/classify', response_model=Classification, responses=ERRORS, summary='Classify one image', dependencies=[Depends(one_file)])
async def classify(file: UploadFile = File(description='the image'), svc: Service = Depends(service)):
    """The image's most probable family, every family's calibrated probability, whether it looks like the artworks the
    model learnt from (`familiar`), its palette and the share of its pixels people would give each family.
    A transparent image is read over white; an animated one by its first frame; EXIF orientation is not applied
    (it changes no answer, only how `/classify/map` is turned)."""
    pred = await svc.classify(file)
    return json_bytes(Classification.model_construct(**dict(pred), model=svc.identity))


@router.post('/classify/map', response_class=Response, summary="Where each family is: the image as the model read it, each pixel in its family's colour",
             responses={200: {'content': {'image/png': {}}, 'description': "a PNG of the image at the thumbnails' scale (218 px on its shorter "
                              "side at most), each pixel painted in the display colour of the family people would call it"}, **ERRORS},
             dependencies=[Depends(one_file)])
async def classify_map(file: UploadFile = File(description='the image'), svc: Service = Depends(service)):
    "The family map of one image, with /classify's limits and errors: the picture behind `family_shares`."
    return Response(await svc.family_map(file), media_type='image/png')


@router.post('/img_classify', response_model=LegacyPrediction, responses=ERRORS, deprecated=True,
             summary="The 2023 service's endpoint, kept for its clients: use /classify", dependencies=[Depends(one_file)])
async def img_classify(file: UploadFile = File(description='the image'), svc: Service = Depends(service)):
    "Answers `{\"prediction\": FAMILY}` as the 2023 service did, with /classify's limits and 4xx errors instead of its 500s."
    return LegacyPrediction(prediction=(await svc.classify(file)).label)


@router.post('/classify/batch', response_model=list[BatchItem], responses=ERRORS,
             summary='Classify several images; a bad file gives an error entry, never fails the others')
async def classify_batch(request: Request, files: list[UploadFile] = File(description='the images'), svc: Service = Depends(service)):
    """Several images in one form, each in a field named `files` (at most `ARTCOLOR_MAX_BATCH_FILES`, 32 by default, each
    within /classify's limits): one entry per file, in order, with the status /classify would have answered for it alone
    and its `error` where that is not 200. The files are read one after another, so the request takes as long as they do."""
    if len(files) > svc.settings.max_batch_files:
        raise HTTPException(422, f'too many files: {len(files)} (at most {svc.settings.max_batch_files})')
    items = []
    for f in files:                          # one after another: another client's image never waits for the whole batch
        if await request.is_disconnected(): raise HTTPException(422, 'the client left')       # the rest is not read
        try: pred, status = await svc.classifier.classify(await svc.read(f)), 200
        except HTTPException as e: pred, status = Prediction(error=e.detail), e.status_code
        except Busy as e: pred, status = Prediction(error=str(e)), 503
        items.append(BatchItem.model_construct(**dict(pred), filename=f.filename, status=422 if pred.error and status == 200 else status))
    return Response(b'[' + b','.join(i.model_dump_json().encode() for i in items) + b']', media_type='application/json')


@router.get('/', response_class=HTMLResponse, include_in_schema=False)
async def page(svc: Service = Depends(service)):
    return PAGE.replace('/*LIMITS*/', f'at most {svc.settings.max_upload_mb:g} MB and {MAX_PIXELS / 1e6:g} megapixels')


# ---- the app -------------------------------------------------------------------------------------------------------
def create_app(settings: Settings | None = None, predictor: Predictor | None = None) -> FastAPI:
    "The service; the model is loaded once, in the lifespan, unless a `predictor` is given."
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        cv2.setNumThreads(1); threadpool_limits(1)      # one process per core: OpenCV's and BLAS's own threads would only contend
        app.state.service = svc = Service(settings, predictor or Predictor.load(settings.model))
        svc.classifier.start()
        yield
        await svc.classifier.stop()

    app = FastAPIOffline(title='artcolor', version=artcolor.__version__, lifespan=lifespan,   # /docs served from the package, no CDN
                         description='Classify an artwork image into a Google Arts & Culture colour family. '
                                     f'Upload a {FORMATS} as the multipart/form-data field `file` (e.g. `curl -F file=@picture.jpg`), '
                                     f'at most {settings.max_upload_bytes / 1e6:g} MB ({settings.max_upload_bytes:,} bytes) and '
                                     f'{MAX_PIXELS / 1e6:g} megapixels ({LOSSLESS_WEBP_PIXELS / 1e6:g} for a lossless WebP); each image may '
                                     f'wait {settings.image_timeout_s:g} s for its turn (503 and `Retry-After` after it: send it again) '
                                     f'and take {settings.image_timeout_s:g} s to read (422 after it). Several images: `/classify/batch`, '
                                     f'at most {settings.max_batch_files} files in fields named `files`.')
    slack = 64 * 1024                                    # multipart boundaries and headers around the files
    per_path = lambda path: settings.max_upload_bytes * (settings.max_batch_files if path.endswith('/batch') else 1) + slack
    app.add_middleware(UploadGuard, limit_for=per_path, pause_s=settings.body_timeout_s, per_image_mb=settings.max_upload_mb)
    app.add_exception_handler(RequestValidationError, unreadable_request)
    app.add_exception_handler(StarletteHTTPException, http_problem)
    app.include_router(router)
    return app


async def http_problem(request: Request, e: StarletteHTTPException) -> JSONResponse:
    "Every refusal as the documented `Problem`: `{\"detail\": \"...\"}`."
    return JSONResponse({'detail': str(e.detail)}, e.status_code, e.headers)


async def unreadable_request(request: Request, e: RequestValidationError) -> JSONResponse:
    "A request FastAPI could not read (a missing field): 422 with one sentence, not FastAPI's list."
    return JSONResponse({'detail': validation_message(e)}, 422)


def validation_message(e: RequestValidationError) -> str:
    "A request FastAPI could not read, in one sentence (its default answer is a list, not the documented string)."
    def one(err):
        loc = err.get('loc', ())
        if loc[:1] == ('body',) and loc[1:2] in (('file',), ('files',)):     # no image where one was expected
            name = loc[1]
            got = 'is missing' if err.get('type') == 'missing' else 'holds text, not a file'
            return (f"the form field '{name}' {got}: send the image as multipart/form-data in a field named '{name}' "
                    f"(e.g. curl -F {name}=@picture.jpg)")
        where = '.'.join(str(x) for x in loc[1:]) or 'the request'
        return f"{where}: {err.get('msg', 'invalid').lower()}"
    return '; '.join(one(err) for err in e.errors()) or 'the request could not be read'


app = create_app()
