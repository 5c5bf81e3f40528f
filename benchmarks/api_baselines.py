"""Two reference services for benchmarks/api.py (not part of artcolor).

- `ceiling`: a do-nothing FastAPI endpoint that only reads the upload: the framework's ceiling here.
- `floor`: FastAPI + artcolor's exact decode + the 18 features, no model: the floor any /classify stands on.
- `design_2023`: the 2023 project's design, classic NumPy features and a StandardScaler + SVC(C=100,
  gamma=0.01) computed inside an `async def` endpoint (blocking the event loop).
"""
import cv2
import numpy as np
from fastapi import FastAPI, File, UploadFile
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from artcolor.data import load_dataset
from artcolor.features import FEATURE_NAMES, classic_features

ceiling = FastAPI()


@ceiling.post('/classify')
async def read_only(file: UploadFile = File(...)):
    data = await file.read()
    return {'bytes': len(data)}


design_2023 = FastAPI()
_ref = load_dataset('gac2023')
_svm = make_pipeline(StandardScaler(), SVC(C=100, gamma=0.01)).fit(_ref[FEATURE_NAMES].values, _ref.color)


@design_2023.post('/classify')
async def classify_2023(file: UploadFile = File(...)):
    img = cv2.imdecode(np.frombuffer(await file.read(), np.uint8), cv2.IMREAD_COLOR)
    return {'label': str(_svm.predict([classic_features(img)])[0])}


floor = FastAPI()


@floor.post('/classify')
async def decode_and_features(file: UploadFile = File(...)):
    "What every /classify must do before the model: read the upload, decode it exactly, compute the 18 features."
    from starlette.concurrency import run_in_threadpool
    from artcolor.features import extract_features
    from artcolor.images import load_image
    data = await file.read()
    feats = await run_in_threadpool(lambda: extract_features(load_image(data)))
    return {'features': feats.round(6).tolist()}
