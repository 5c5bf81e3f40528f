"Shared fixtures; image encoders, swatches and hostile files are in `artcolor.testing.specimens`."
import numpy as np
import pytest


@pytest.fixture(scope='session')
def blue() -> np.ndarray:
    "A textured blue image (BGR), which the bundled model calls BLUE."
    rng = np.random.default_rng(0)
    return np.clip(np.array([179, 95, 47], float) + rng.normal(0, 10, (218, 218, 3)), 0, 255).astype(np.uint8)
