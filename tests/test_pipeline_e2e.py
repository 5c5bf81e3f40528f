"""End to end through the installed `artcolor` command, against a replica the scraper has not seen in
the notebooks: other families, other tile counts, a different batch size, dead and corrupt images."""
import subprocess, sys
from pathlib import Path

import pandas as pd
import pytest

from artcolor.testing.replica import ReplicaSite, free_port

ARTCOLOR = str(Path(sys.executable).with_name('artcolor'))


@pytest.fixture(scope='module')
def site():
    s = ReplicaSite({'GREEN': 23, 'YELLOW': 17, 'PURPLE': 9}, batch=7, load_delay_ms=400, late_every=3, late_ms=800,
                    dead={'green0004'}, corrupt={'yellow0011'}, slow={'purple0002'}, slow_s=1.0).start()
    yield s
    s.stop()


def run(*args, cwd=None):
    return subprocess.run([ARTCOLOR, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_scrape_download_features_predict(site, tmp_path):
    r = run('scrape', '--colors', 'GREEN', 'YELLOW', 'PURPLE', '--out', tmp_path, '--base-url', site.base_url,
            '--workers', 2, '--pause', 0.05)
    assert r.returncode == 0, r.stderr
    assert 'scraped 49 artworks of 3 families' in r.stdout
    m = pd.read_csv(tmp_path / 'pictures.csv', keep_default_na=False)
    assert m.groupby('color').size().to_dict() == {'GREEN': 23, 'PURPLE': 9, 'YELLOW': 17}
    assert not m.duplicated(['color', 'page_url']).any() and (m.image_url != '').all()

    r = run('scrape', '--colors', 'PURPLE', '--out', tmp_path, '--base-url', site.base_url, '--pause', 0)   # re-run merges
    assert r.returncode == 0 and len(pd.read_csv(tmp_path / 'pictures.csv')) == 49

    r = run('download', tmp_path, '--size', 96, '--concurrency', 8)
    assert r.returncode == 0, r.stderr
    assert 'download: 47 ok, 1 missing, 1 failed of 49' in r.stdout
    requests_after_first = sum(site.requests.values())
    assert run('download', tmp_path).returncode == 0
    assert sum(site.requests.values()) - requests_after_first == 2          # only the two that are not ok

    r = run('features', tmp_path, '--jobs', 2)
    assert r.returncode == 0, r.stderr
    f = pd.read_csv(tmp_path / 'features.csv')
    assert len(f) == 47 and {'color', 'b_bgr_mean', 'b_lab_std'} <= set(f.columns)

    imgs = sorted((tmp_path / 'img').glob('green*.jpg'))[:3]
    r = run('predict', *imgs)
    assert r.returncode == 0, r.stderr
    assert [line.split('\t')[1] for line in r.stdout.splitlines()] == ['GREEN'] * 3


def test_scrape_reports_a_dead_site(tmp_path):
    port = free_port()
    r = run('scrape', '--colors', 'RED', '--out', tmp_path, '--base-url', f'http://127.0.0.1:{port}')
    assert r.returncode == 1 and 'failed  RED' in r.stdout and 'ERR_CONNECTION_REFUSED' in r.stdout


@pytest.fixture(scope='module')
def site_2026():
    "Today's site: the colour API, and pages in the 2024-26 markup (thumbnails in data-bgsrc, painted in view)."
    s = ReplicaSite({'RED': 37, 'TEAL': 31, 'ORANGE': 12}, image_markup='bgsrc', api=True, api_page=10, api_throttle_once=True,
                    dead={'teal0005'}).start()
    yield s
    s.stop()


def test_default_scrape_reads_the_colour_api(site_2026, tmp_path):
    r = run('scrape', '--colors', 'RED', 'TEAL', 'ORANGE', '--out', tmp_path, '--base-url', site_2026.base_url, '--pause', 0)
    assert r.returncode == 0, r.stderr + r.stdout
    m = pd.read_csv(tmp_path / 'pictures.csv', keep_default_na=False)
    assert m.groupby('color').size().to_dict() == {'ORANGE': 12, 'RED': 37, 'TEAL': 31} and (m.source == 'api').all()
    assert (m[['image_url', 'title', 'creator', 'dominant_hex', 'museum', 'asset_id', 'total_on_site']] != '').all().all()
    r = run('download', tmp_path, '--size', 64)
    assert r.returncode == 0 and 'download: 79 ok, 1 missing, 0 failed of 80' in r.stdout, r.stdout


def test_browser_alone_when_the_api_is_gone(site_2026, tmp_path):
    site_2026.api = False                                  # the API answers 404 from now on
    try: r = run('scrape', '--via', 'browser', '--colors', 'RED', 'TEAL', '--out', tmp_path, '--base-url', site_2026.base_url, '--pause', 0)
    finally: site_2026.api = True
    assert r.returncode == 0, r.stderr + r.stdout
    m = pd.read_csv(tmp_path / 'pictures.csv', keep_default_na=False)
    assert len(m) == 68 and (m.image_url != '').all() and (m.creator != '').all() and (m.source == 'browser').all()
