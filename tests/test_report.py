"""The published report: nbdev directives converted, and the built pages opened in real headless
Chromium: every chapter loads, the EDA and model chapters show their captioned figures, no local
link is broken, no `#|` text shows. The book is built (tools/book.py) if it is missing or older than
a notebook; `make test` builds it just before running pytest."""
import functools, http.server, sys, threading, urllib.error, urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools'))
import book  # noqa: E402

HTML = ROOT / '_build' / 'html'


def test_directives_become_jupyter_book_metadata():
    cell = lambda src: {'cell_type': 'code', 'source': src, 'metadata': {}, 'outputs': [], 'execution_count': 3}
    assert book.convert_cell(cell('#| default_exp features')) is None
    c = book.convert_cell(cell('#| export\ndef f(): pass'))
    assert c['source'] == 'def f(): pass' and 'tags' not in c['metadata']
    assert book.convert_cell(cell('#| hide\nfrom fastcore.test import *'))['metadata']['tags'] == ['remove-cell']
    assert book.convert_cell(cell('#| network\nscrape()'))['metadata']['tags'] == ['skip-execution']
    assert book.convert_cell(cell('#| echo: false\nx'))['metadata']['tags'] == ['remove-input']
    c = book.convert_cell(cell('#| label: fig-a\n#| fig-cap: "A: caption"\nplot()'))
    assert c['metadata']['mystnb']['figure'] == {'name': 'fig-a', 'caption': 'A: caption'} and c['source'] == 'plot()'
    md = {'cell_type': 'markdown', 'source': '# Title', 'metadata': {}}
    assert book.convert_cell(md) is md


def test_every_notebook_is_in_the_toc():
    listed = set(book.toc_files())
    on_disk = {p.stem for p in (ROOT / 'nbs').glob('*.ipynb') if not p.name.startswith('_')}
    assert listed == on_disk


@pytest.fixture(scope='module')
def site():
    index = HTML / 'index.html'
    newest = max(p.stat().st_mtime for p in (ROOT / 'nbs').glob('*.ipynb'))
    if not index.exists() or index.stat().st_mtime < newest:
        book.prepare(); book.build()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f'http://127.0.0.1:{server.server_address[1]}/'
    server.shutdown()


@pytest.fixture(scope='module')
def browser():
    from artcolor.scraping import new_driver
    d = new_driver()
    yield d
    d.quit()


def page_facts(driver, url):
    driver.get(url)
    return driver.execute_script("""
      const main = document.querySelector('main') || document.body;
      return {title: document.title, h1: (main.querySelector('h1') || {}).textContent || '',
              text: main.innerText, images: main.querySelectorAll('img').length,
              captions: Array.from(main.querySelectorAll('figcaption')).map(f => f.innerText),
              links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href)};""")


def test_every_chapter_loads_clean(site, browser):
    for name in book.toc_files():
        f = page_facts(browser, urljoin(site, f'{name}.html'))
        assert f['h1'].strip(), name
        assert '#|' not in f['text'], f"nbdev directive shown on {name}"
        assert 'Traceback' not in f['text'], f"an error output on {name}"


def test_figures_with_captions(site, browser):
    for name, at_least in [('04_eda', 6), ('05_models', 4), ('03_features', 2), ('index', 1)]:
        f = page_facts(browser, urljoin(site, f'{name}.html'))
        assert f['images'] >= at_least, (name, f['images'])
        assert len(f['captions']) >= at_least and all('Fig' in c for c in f['captions']), (name, f['captions'])
    eda = page_facts(browser, urljoin(site, '04_eda.html'))
    assert any('gac2026_tiles' in c for c in eda['captions'])          # a figure says which data it shows


def test_no_broken_local_links(site, browser):
    checked = set()
    for name in book.toc_files():
        for link in page_facts(browser, urljoin(site, f'{name}.html'))['links']:
            target, frag = urldefrag(link)
            if not target.startswith(site) or target in checked: continue
            checked.add(target)
            try:
                assert urllib.request.urlopen(target, timeout=5).status == 200
            except urllib.error.HTTPError as e:
                pytest.fail(f"broken link on {name}.html: {link} ({e.code})")
    assert len(checked) >= len(book.toc_files())


def test_quarto_config_lists_every_chapter():
    "_quarto.yml stays valid and complete for contributors who have Quarto (nothing here runs Quarto)."
    import yaml
    q = yaml.safe_load((ROOT / '_quarto.yml').read_text())
    assert q['project']['type'] == 'website'
    assert q['website']['sidebar']['contents'] == [f'nbs/{n}.ipynb' for n in ['index'] + sorted(book.toc_files()[1:])]
