import io
import cv2
import numpy as np
import pytest
from PIL import Image


def encode(ext: str, img: np.ndarray, *params) -> bytes:
    return cv2.imencode(ext, img, list(params))[1].tobytes()


def pil_bytes(im: Image.Image, fmt: str, **kw) -> bytes:
    b = io.BytesIO(); im.save(b, fmt, **kw); return b.getvalue()


@pytest.fixture(scope='session')
def blue() -> np.ndarray:
    "A textured blue image (BGR), which the bundled model calls BLUE."
    rng = np.random.default_rng(0)
    return np.clip(np.array([179, 95, 47], float) + rng.normal(0, 10, (218, 218, 3)), 0, 255).astype(np.uint8)
