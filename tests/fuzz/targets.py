"""Fuzz targets (atheris, coverage-guided libFuzzer) for the image reader and the HTTP upload path.

    python tests/fuzz/targets.py load_image CORPUS_DIR [libFuzzer flags, e.g. -runs=2000 -max_total_time=60]
    python tests/fuzz/targets.py upload CORPUS_DIR [...]

`make fuzz` runs both for minutes; `make test` runs a short pass (tests/test_fuzz.py). `seed(dir)`
writes the starting corpus: chapter 0b's hostile files and a few valid images of every format.
A finding is an exception other than artcolor's ImageError (load_image), a status other than
200/413/415/422 (upload), an input slower than libFuzzer's -timeout, or memory over -rss_limit_mb.
"""
import sys
from pathlib import Path

import atheris

import numpy, cv2, PIL.Image, pyvips   # noqa: F401,E401  (the libraries, imported first: only artcolor's own code is instrumented)
with atheris.instrument_imports(include=['artcolor']):
    from artcolor.images import ImageError, load_thumbnail


def seed(folder):
    "Write the starting corpus into `folder`."
    import cv2  # noqa: F811 (seeding runs in its own process)
    from PIL import Image
    from artcolor.testing.specimens import encode, flat, hostile_files, photo, pil_bytes
    folder = Path(folder); folder.mkdir(parents=True, exist_ok=True)
    img = photo(0, (64, 80))
    files = {**hostile_files(), 'jpg': encode(img, '.jpg'), 'png': encode(img, '.png'), 'webp': encode(img, '.webp'),
             'bmp': encode(img, '.bmp'), 'tiff': encode(img, '.tiff'), 'gif': pil_bytes(Image.fromarray(img[..., ::-1]), 'GIF'),
             'rgba': pil_bytes(Image.new('RGBA', (9, 7), (1, 2, 3, 100)), 'PNG'), 'flat': encode(flat((0, 0, 255), 16), '.jpg', cv2.IMWRITE_JPEG_QUALITY, 50)}
    for i, data in enumerate(files.values()): (folder / f'seed{i:02d}').write_bytes(data)


def load_image_target(data: bytes):
    try: load_thumbnail(data)
    except ImageError: pass


_client = None

def upload_target(data: bytes):
    global _client
    if _client is None:
        from fastapi.testclient import TestClient
        from api.main import Settings, create_app
        _client = TestClient(create_app(Settings(max_upload_mb=1))).__enter__()
    r = _client.post('/classify', files={'file': ('x', data, 'application/octet-stream')})
    if r.status_code not in (200, 413, 415, 422) or not isinstance(r.json().get('detail', ''), str):
        raise AssertionError(f'{r.status_code}: {r.text[:200]}')


if __name__ == '__main__':
    target, corpus, *flags = sys.argv[1:]
    if not any(Path(corpus).iterdir() if Path(corpus).is_dir() else []): seed(corpus)
    atheris.Setup([sys.argv[0], corpus, *flags], {'load_image': load_image_target, 'upload': upload_target}[target])
    atheris.Fuzz()
