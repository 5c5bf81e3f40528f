"The HTTP service: every answer a client can get, and that no upload takes it down."
import json, os, shutil, subprocess, sys, time, urllib.request
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from api.main import Settings, create_app
from artcolor.data import MODELS_DIR
from artcolor.predict import ModelMismatch
from artcolor.testing.replica import free_port
from artcolor.testing.specimens import encode, flat, pil_bytes

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope='module')
def client():
    with TestClient(create_app(Settings(max_upload_mb=2))) as c:
        yield c


def post(client, data, name='x.jpg', ctype='image/jpeg'):
    return client.post('/classify', files={'file': (name, data, ctype)})


@pytest.fixture(scope='module')
def good_images(blue):
    rgba = np.dstack([blue[..., ::-1], np.full(blue.shape[:2], 255, np.uint8)])
    return {
        'jpeg': encode(blue, '.jpg'), 'png': encode(blue, '.png'), 'webp': encode(blue, '.webp'),
        'grey': pil_bytes(Image.fromarray(blue).convert('L'), 'JPEG'),
        'rgba': pil_bytes(Image.fromarray(rgba, 'RGBA'), 'PNG'),
        'gif': pil_bytes(Image.fromarray(blue[..., ::-1]), 'GIF'),
    }


def test_health_and_model_card(client):
    r = client.get('/health')
    assert r.status_code == 200 and r.json()['status'] == 'ok'
    card = client.get('/model').json()
    assert r.json()['model']['sha256'] == card['artifact']['sha256']
    assert len(card['feature_names']) == 18 and 'cv' in card


@pytest.mark.parametrize('kind', ['jpeg', 'png', 'webp', 'rgba', 'gif'])
def test_valid_images_classify(client, good_images, kind):
    r = post(client, good_images[kind], f'img.{kind}', 'application/octet-stream')
    assert r.status_code == 200, r.text
    body = r.json()
    assert body['label'] == 'BLUE'
    assert abs(sum(body['probabilities'].values()) - 1) < 1e-4
    assert len(body['features']) == 18 and body['model']['name'] == 'artcolor'


def test_answers_are_scikit_learns(client):
    """The service predicts through the compiled fast path: a familiar image's probabilities are the pipeline's own; an
    unfamiliar one's are the pipeline's leaning on people's names for its colours, exactly as `Predictor` documents."""
    from artcolor.predict import prepare_image
    predictor = client.app.state.service.predictor
    assert predictor._fast_proba is not None, predictor.fast_path
    rng = np.random.default_rng(1)
    kinds = set()
    for i in range(12):    # varied random colours and spreads, across the families
        img = np.clip(rng.uniform(0, 255, 3) + rng.normal(0, rng.uniform(5, 60), (96, 128, 3)), 0, 255).astype(np.uint8)
        body = post(client, encode(img, '.png')).json()
        feats = np.array([list(body['features'].values())])
        own = predictor.pipeline.predict_proba(feats)
        names = prepare_image(encode(img, '.png')).names[None]
        expected = predictor._lean_on_names(feats, own, predictor.pipeline.familiarity(feats), names)[0]
        got = np.array([body['probabilities'][c] for c in predictor.classes])
        assert np.abs(got - expected).max() < 1e-5, (i, got, expected)
        assert body['label'] == predictor.classes[int(expected.argmax())]
        if body['familiar']: assert np.abs(got - own[0]).max() < 1e-5         # familiar: the model's answer, untouched
        kinds.add(body['familiar'])
    assert kinds == {True, False}


def test_grey_image_is_a_neutral_family(client, good_images):
    r = post(client, good_images['grey'])
    assert r.status_code == 200 and r.json()['label'] in {'BLACK', 'WHITE', 'GRAY', 'BROWN'}


@pytest.mark.parametrize('rgb,family', [((128, 128, 128), 'GRAY'), ((0, 0, 255), 'BLUE'), ((255, 0, 0), 'RED'),
                                        ((0, 200, 0), 'GREEN'), ((250, 250, 250), 'WHITE'), ((5, 5, 5), 'BLACK')])
def test_flat_colours_get_their_family_and_are_unfamiliar(client, rgb, family):
    "What people send: a flat swatch gets its own family, not a far-off one, and is flagged as unlike any artwork."
    body = post(client, encode(flat(rgb), '.png')).json()
    assert body['label'] == family, body['probabilities']
    assert body['familiar'] is False and 0 <= body['familiarity'] < 0.01


def test_real_looking_image_is_familiar(client):
    "A photograph is like the artworks the model learnt from."
    from sklearn.datasets import load_sample_images
    photo = load_sample_images().images[0][..., ::-1]
    body = post(client, encode(np.ascontiguousarray(photo), '.jpg')).json()
    assert body['familiar'] is True and body['familiarity'] > 0.01
    assert set(body['probabilities']) == set(client.get('/model').json()['classes'])
    assert len(body['probabilities']) == 12


def test_too_large_is_413_declared_and_chunked(client):
    big = b'\xff\xd8\xff' + bytes(2_100_000)
    assert post(client, big).status_code == 413
    # no Content-Length: a chunked body is counted as it arrives
    def chunks():
        for _ in range(40): yield bytes(100_000)
    r = client.post('/classify', content=chunks(), headers={'content-type': 'multipart/form-data; boundary=xyz'})
    assert r.status_code == 413


@pytest.mark.parametrize('data,name,ctype', [
    (b'hello, this is text', 'photo.jpg', 'image/jpeg'),          # lies about being a JPEG
    (b'<svg xmlns="http://www.w3.org/2000/svg"/>', 'x.svg', 'image/svg+xml'),
    (b'%PDF-1.4 ...', 'x.png', 'image/png'),
    (b'\x00' * 100, 'x.webp', 'image/webp'),
])
def test_not_an_image_is_415(client, data, name, ctype):
    r = post(client, data, name, ctype)
    assert r.status_code == 415 and 'not an image' in r.json()['detail']


def test_undecodable_or_bomb_is_422(client, blue):
    jpg = encode(blue, '.jpg')
    assert post(client, jpg[:len(jpg) // 2]).status_code == 422                   # truncated
    assert post(client, jpg[:3]).status_code == 422                               # magic only
    assert post(client, b'').status_code == 422                                   # empty
    bomb = pil_bytes(Image.new('1', (8000, 8000)), 'PNG')                         # 64 MP in a few kB
    r = post(client, bomb, 'bomb.png', 'image/png')
    assert r.status_code == 422 and 'too large' in r.json()['detail']
    assert post(client, pil_bytes(Image.new('1', (30000, 30000)), 'PNG')).status_code == 422


def test_missing_field_is_422(client, blue):
    assert client.post('/classify').status_code == 422
    r = client.post('/classify', files={'image': ('a.jpg', encode(blue, '.jpg'), 'image/jpeg')})
    assert r.status_code == 422 and "field named 'file'" in r.json()['detail'], r.text        # says what to send
    r = client.post('/classify', data={'file': 'hello'})                                        # text, not a file
    assert r.status_code == 422 and 'holds text, not a file' in r.json()['detail'] and 'pydantic' not in r.text.lower()


def test_several_files_for_one_image_is_422(client, blue):
    jpg = encode(blue, '.jpg')
    for path in ('/classify', '/classify/map', '/img_classify'):
        r = client.post(path, files=[('file', ('a.jpg', jpg, 'image/jpeg')), ('file', ('b.jpg', jpg, 'image/jpeg'))])
        assert r.status_code == 422 and '/classify/batch' in r.json()['detail'], (path, r.text)


def test_busy_is_503_with_retry_after(blue, monkeypatch):
    "An image whose turn does not come within its budget: 503 and Retry-After (the file is fine), not a 422."
    from artcolor import serving
    async def waits(self, data, kind): raise serving.Busy('the service is busy: try again', 3)
    monkeypatch.setattr(serving.Classifier, '_submit', waits)
    with TestClient(create_app(Settings())) as c:
        jpg = encode(blue, '.jpg')
        r = c.post('/classify', files={'file': ('a.jpg', jpg, 'image/jpeg')})
        assert r.status_code == 503 and r.headers['retry-after'] == '3' and 'busy' in r.json()['detail']
        assert c.post('/classify/map', files={'file': ('a.jpg', jpg, 'image/jpeg')}).status_code == 503
        items = c.post('/classify/batch', files=[('files', ('a.jpg', jpg, 'image/jpeg'))]).json()
        assert items[0]['status'] == 503 and 'busy' in items[0]['error']


def test_batch_mixes_good_and_bad(client, good_images, blue):
    jpg = encode(blue, '.jpg')
    files = [('files', ('a.jpg', jpg, 'image/jpeg')), ('files', ('notes.txt', b'text', 'text/plain')),
             ('files', ('cut.jpg', jpg[:100], 'image/jpeg')), ('files', ('b.webp', good_images['webp'], 'image/webp'))]
    r = client.post('/classify/batch', files=files)
    assert r.status_code == 200
    items = r.json()
    assert [i['status'] for i in items] == [200, 415, 422, 200]
    assert [i['filename'] for i in items] == ['a.jpg', 'notes.txt', 'cut.jpg', 'b.webp']
    assert items[0]['label'] == items[3]['label'] == 'BLUE' and items[1]['error']
    assert isinstance(items[0]['familiar'], bool) and items[1]['familiar'] is None


def test_batch_limits(client, blue):
    jpg = encode(blue, '.jpg')
    r = client.post('/classify/batch', files=[('files', (f'{i}.jpg', jpg, 'image/jpeg')) for i in range(33)])
    assert r.status_code == 422 and 'too many files' in r.json()['detail']
    assert client.post('/classify/batch').status_code == 422


def test_server_survives_the_hostile_set(client, blue):
    hostile = [b'', b'\xff', b'\xff\xd8\xff' + os.urandom(5000), b'GIF89a' + os.urandom(300), b'RIFF\x00\x00\x00\x00WEBPVP8 ',
               b'\x89PNG\r\n\x1a\n' + os.urandom(200), b'BM' + os.urandom(100), b'II*\x00' + os.urandom(64), os.urandom(10_000)]
    for data in hostile:
        r = post(client, data)
        assert r.status_code in (413, 415, 422), (data[:12], r.status_code, r.text)
    assert client.get('/health').status_code == 200
    assert post(client, encode(blue, '.jpg')).json()['label'] == 'BLUE'


def test_openapi_documents_the_errors(client):
    spec = client.get('/openapi.json').json()
    responses = spec['paths']['/classify']['post']['responses']
    assert {'200', '413', '415', '422', '503'} <= set(responses)
    docs = client.get('/docs')
    assert docs.status_code == 200 and 'cdn.' not in docs.text                     # served by the service: works offline
    for asset in ('swagger-ui-bundle.js', 'swagger-ui.css'):
        assert f'/static-offline-docs/{asset}' in docs.text and client.get(f'/static-offline-docs/{asset}').status_code == 200


def test_tampered_model_refuses_to_start(tmp_path):
    shutil.copy(MODELS_DIR / 'artcolor.joblib', tmp_path / 'artcolor.joblib')
    card = json.loads((MODELS_DIR / 'artcolor.json').read_text()); card['artifact']['sha256'] = '0' * 64
    (tmp_path / 'artcolor.json').write_text(json.dumps(card))
    with pytest.raises(ModelMismatch, match='refusing to unpickle'):
        with TestClient(create_app(Settings(model=tmp_path / 'artcolor.joblib'))):
            pass



def test_uvicorn_process_answers_health(blue):
    "The same command as `make serve` and the Dockerfile's CMD, on a free loopback port."
    port = free_port()
    proc = subprocess.Popen([sys.executable, '-m', 'api', '--host', '127.0.0.1', '--port', str(port)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f'http://127.0.0.1:{port}/health', timeout=2) as r:
                    body = json.loads(r.read()); break
            except OSError:
                assert proc.poll() is None, proc.stdout.read().decode()
                assert time.time() < deadline, 'uvicorn did not answer /health within 60 s'
                time.sleep(0.3)
        assert body['status'] == 'ok' and len(body['model']['sha256']) == 64
    finally:
        proc.terminate(); proc.wait(10)


def test_make_serve_and_dockerfile_run_the_same_command():
    make = (ROOT / 'Makefile').read_text()
    docker = (ROOT / 'Dockerfile').read_text()
    assert 'python -m api --host $(HOST) --port $(PORT)' in make
    assert 'CMD ["python", "-m", "api"]' in docker and 'HOST=0.0.0.0 PORT=8000' in docker       # the same command, on 0.0.0.0:8000
