"The page at / as a person meets it, in real headless Chromium; the 2023 clients' endpoint; worker counts."
import json, subprocess, sys, time, urllib.request
from pathlib import Path

import pytest

from artcolor.testing.replica import free_port
from artcolor.testing.specimens import encode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from api.serve import cgroup_cpu_limit, default_workers  # noqa: E402


@pytest.fixture(scope='module')
def service():
    "The service as `make serve` starts it (python -m api), on a free loopback port, one worker."
    port = free_port()
    proc = subprocess.Popen([sys.executable, '-m', 'api', '--host', '127.0.0.1', '--port', str(port), '--workers', '1'],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f'http://127.0.0.1:{port}'
    deadline = time.time() + 60
    while True:
        try: urllib.request.urlopen(url + '/health', timeout=2); break
        except OSError:
            assert proc.poll() is None and time.time() < deadline, 'the service did not start'
            time.sleep(0.3)
    yield url
    proc.terminate(); proc.wait(10)


@pytest.fixture(scope='module')
def browser():
    from artcolor.scraping import new_driver
    d = new_driver()
    yield d
    d.quit()


def classify(url, data, path='/classify', name='a.png'):
    import httpx
    return httpx.post(url + path, files={'file': (name, data, 'application/octet-stream')}, timeout=30)


def result_text(browser, wait_for):
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(browser, 20).until(lambda d: d.execute_script(f"return !document.getElementById('{wait_for}').hidden"))
    return browser.execute_script("""return {label: document.getElementById('label').textContent,
        error: document.getElementById('error').textContent, bars: document.querySelectorAll('#bars .bar').length,
        swatches: Array.from(document.querySelectorAll('#palette .swatch span')).map(s => s.textContent),
        familiar: document.getElementById('familiar').textContent,
        bar_colours: Object.fromEntries(Array.from(document.querySelectorAll('#bars .bar')).map(
            b => [b.querySelector('span').textContent, getComputedStyle(b.querySelector('.fill')).backgroundColor]))}""")


def test_page_classifies_an_upload_like_the_api(service, browser, tmp_path, blue):
    img = tmp_path / 'painting.png'; img.write_bytes(encode(blue, '.png'))
    api = classify(service, img.read_bytes()).json()
    browser.get(service + '/')
    assert 'artcolor' in browser.title
    browser.find_element('id', 'file').send_keys(str(img))
    shown = result_text(browser, 'result')
    assert shown['label'] == api['label'] == 'BLUE'
    assert shown['bars'] == len(api['probabilities']) == 12
    assert [s.split(' · ')[0] for s in shown['swatches']] == [c['hex'] for c in api['palette']]
    assert ('unlike' in shown['familiar']) == (api['familiar'] is False)
    from artcolor.colors import FAMILY_COLORS, hex_to_bgr
    rgb = lambda f: 'rgb({}, {}, {})'.format(*hex_to_bgr(FAMILY_COLORS[f])[::-1])
    assert shown['bar_colours'] == {f: rgb(f) for f in api['probabilities']}          # each family's bar in its own colour
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(browser, 20).until(lambda d: d.execute_script("return !document.getElementById('mapbox').hidden"))
    size = browser.execute_script("const m = document.getElementById('map'); return [m.complete, m.naturalWidth, m.naturalHeight]")
    assert size == [True, 218, 218], size                                              # the family map beside the upload
    key = browser.find_element('id', 'mapkey').text.split('\n')
    assert key[0].startswith(max(api['family_shares'], key=api['family_shares'].get)), key   # its key, largest family first


def test_page_works_from_the_keyboard(service, browser):
    "The file chooser is reached with Tab (the input is hidden from sight, not from the keyboard)."
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys
    browser.get(service + '/')
    seen = []
    for _ in range(4):                                  # the keys go to the page, as a person presses them
        ActionChains(browser).send_keys(Keys.TAB).perform()
        seen.append(browser.switch_to.active_element.get_attribute('id'))
    assert 'file' in seen, seen


def test_the_family_map(service):
    "/classify/map: a blue field with a white band comes back painted in BLUE's and WHITE's display colours."
    import cv2, numpy as np
    from artcolor.colors import FAMILY_COLORS, hex_to_bgr
    band = np.full((160, 240, 3), (179, 95, 47), np.uint8); band[70:90] = (245, 245, 245)
    r = classify(service, encode(band, '.png'), '/classify/map')
    assert r.status_code == 200 and r.headers['content-type'] == 'image/png'
    painted = cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_COLOR)
    assert painted.shape == band.shape
    assert tuple(painted[10, 10]) == hex_to_bgr(FAMILY_COLORS['BLUE']) and tuple(painted[80, 10]) == hex_to_bgr(FAMILY_COLORS['WHITE'])
    assert classify(service, b'not an image', '/classify/map').status_code == 415
    assert classify(service, b'\x89PNG\r\n\x1a\n' + b'\0' * 40, '/classify/map').status_code == 422


def test_page_shows_the_apis_error_as_text(service, browser, tmp_path):
    bad = tmp_path / '<b>notes<i>.txt'; bad.write_text('this is not an image')
    browser.get(service + '/')
    browser.find_element('id', 'file').send_keys(str(bad))
    shown = result_text(browser, 'error')
    assert 'not an image' in shown['error'] and '<b>notes<i>.txt' in shown['error']     # the file name as text, not markup
    assert shown['error'].count('<b>notes<i>.txt') == 1, shown['error']                 # and only once
    assert browser.execute_script("return document.querySelectorAll('#error b').length") == 0


def test_classify_gives_palette_and_family_shares(service, blue):
    body = classify(service, encode(blue, '.jpg')).json()
    assert 1 <= len(body['palette']) <= 5 and abs(sum(c['share'] for c in body['palette']) - 1) < 1e-3
    assert all(len(c['hex']) == 7 and c['hex'].startswith('#') and c['family'] in body['family_shares'] for c in body['palette'])
    assert [c['share'] for c in body['palette']] == sorted((c['share'] for c in body['palette']), reverse=True)
    assert len(body['family_shares']) == 12 and abs(sum(body['family_shares'].values()) - 1) < 1e-3


def test_2023_clients_endpoint(service, blue):
    png = encode(blue, '.png')
    old = classify(service, png, '/img_classify')
    assert old.status_code == 200 and old.json() == {'prediction': classify(service, png).json()['label']}
    assert classify(service, b'not an image', '/img_classify').status_code == 415       # 4xx, not the 2023 service's 500
    spec = json.loads(urllib.request.urlopen(service + '/openapi.json').read())
    assert spec['paths']['/img_classify']['post']['deprecated'] is True
    example = spec['components']['schemas']['Classification']['examples'][0]
    assert example['palette'] and example['family_shares']


def test_default_workers(monkeypatch, tmp_path):
    assert default_workers({'WORKERS': '3'}) == 3 and default_workers({'WEB_CONCURRENCY': '5'}) == 5
    with pytest.raises(ValueError): default_workers({'WORKERS': '0'})
    assert 1 <= default_workers({}) <= len(__import__('os').sched_getaffinity(0))
    (tmp_path / 'cpu.max').write_text('150000 100000\n')
    assert cgroup_cpu_limit(tmp_path) == 1.5
    (tmp_path / 'cpu.max').write_text('max 100000\n')
    assert cgroup_cpu_limit(tmp_path) is None
    assert cgroup_cpu_limit(tmp_path / 'none') is None
