"""The published report: nbdev directives converted, and the built pages opened in real headless
Chromium: every chapter loads, the EDA and model chapters show their captioned figures, no local
link is broken, no `#|` text shows, and every page reads well at 1280 and 390 px. `make test` builds
the book (tools/book.py) just before running pytest; a missing or stale book skips these tests."""
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
    if not index.exists() or index.stat().st_mtime < newest:       # the book is built from one run of every chapter
        pytest.skip('the built report is missing or older than a notebook: `make report` (or make test) builds it')
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
    "_quarto.yml stays valid and complete for contributors who have Quarto (nothing here runs Quarto): its sidebar is the book's."
    import yaml
    q = yaml.safe_load((ROOT / '_quarto.yml').read_text())
    toc = yaml.safe_load((ROOT / 'nbs' / '_toc.yml').read_text())
    assert q['project']['type'] == 'website'
    side = q['website']['sidebar']['contents']
    assert side[0] == 'nbs/index.ipynb'
    assert [(s['section'], s['contents']) for s in side[1:]] == [(p['caption'], [f"nbs/{c['file']}.ipynb" for c in p['chapters']])
                                                                 for p in toc['parts']]


# ---- the book read as a reader reads it: every page at a desktop's 1280 px and a phone's 390 px ------------------
READ_PAGE = """
const main = document.querySelector('main') || document.body, vw = document.documentElement.clientWidth;
const out = {overflowing: [], stderr: [], warnings: [], clipped: [], wide_tables: [], bad_alt: [], issue_words: [], shrunk: [], wider_than_screen: [], unmarked_scroll: [], first_screen_images: 0};
for (const pre of main.querySelectorAll('div.cell_input pre, div.highlight pre')) {
  if (pre.offsetParent && pre.scrollWidth > pre.clientWidth + 1) out.overflowing.push(pre.innerText.split('\\n')[0].slice(0, 80));
}
for (const o of main.querySelectorAll('.output.stderr, .stderr')) out.stderr.push(o.innerText.slice(0, 120));
for (const o of main.querySelectorAll('.cell_output')) { const m = o.innerText.match(/\\b\\w*Warning\\b:?[^\\n]{0,80}/); if (m) out.warnings.push(m[0]); }
for (const t of main.querySelectorAll('table')) {
  if (!t.offsetParent) continue;
  const r = t.getBoundingClientRect();
  let box = t.parentElement, scrolls = false;
  while (box && box !== main) { const ox = getComputedStyle(box).overflowX; if (ox === 'auto' || ox === 'scroll') { scrolls = true; break; } box = box.parentElement; }
  if (r.right > vw + 1 && !scrolls) out.clipped.push(t.innerText.slice(0, 60));
  if (t.scrollWidth > (box && scrolls ? box.clientWidth : vw) + 1) {
    out.wide_tables.push(t.innerText.slice(0, 60));
    const holder = t.closest('div.cell_output') || t.closest('.pst-scrollable-table-container') || t.parentElement;
    const hint = holder.previousElementSibling;                                                 // artcolor.js's line above it
    if (scrolls && !(hint && hint.classList.contains('scroll-hint') && !hint.hidden)) out.unmarked_scroll.push(t.innerText.slice(0, 60));
  }
}
for (const img of main.querySelectorAll('img')) {
  const alt = img.getAttribute('alt') || '';
  if (!alt.trim() || /^[0-9a-f]{16,}/i.test(alt.trim()) || /\\.png$/.test(alt.trim())) out.bad_alt.push(img.src.split('/').pop());
  const r = img.getBoundingClientRect(), natural = parseFloat(img.style.width);
  if (r.top < window.innerHeight && r.height > 120 && r.width > 200) out.first_screen_images += 1;
  if (natural && r.width < 0.85 * natural) out.shrunk.push(img.src.split('/').pop() + ': ' + Math.round(r.width) + ' of ' + natural + ' px');
}
if (document.documentElement.scrollWidth > vw + 1) out.wider_than_screen = [document.documentElement.scrollWidth + ' px'];
const prose = Array.from(main.querySelectorAll('p, li, figcaption, h1, h2, h3')).map(e => e.innerText).join('\\n');
const m = prose.match(/[^\\n]{0,40}\\bissues?\\b[^\\n]{0,40}/gi); if (m) out.issue_words = m;
return out;"""


def read_page(driver, url, width):
    driver.set_window_size(width, 800 if width > 600 else 844)
    driver.get(url)
    driver.execute_script("return document.fonts.ready.then(() => true)")
    for _ in range(50):                                   # images laid out before anything is measured
        if driver.execute_script("return Array.from(document.images).every(i => i.complete)"): break
    return driver.execute_script(READ_PAGE)


@pytest.mark.parametrize('width', [1280, 390])
def test_the_book_reads_well(site, browser, width):
    """No code block wider than its column and no figure shrunk below 85% of its size (its text stays at least 8 pt) at 1280 px;
    no stderr or warning, no table cut off, no page wider than the screen, a table that scrolls sideways says so above it,
    every image described in words, no issue talk, at both widths."""
    problems = {}
    for name in book.toc_files():
        f = read_page(browser, urljoin(site, f'{name}.html'), width)
        bad = {k: v for k, v in f.items() if k not in ('first_screen_images', 'wide_tables') and v and (k not in ('overflowing', 'shrunk') or width == 1280)}
        if name == 'index' and width == 390 and f['wide_tables']: bad['landing tables wider than a phone'] = f['wide_tables']
        if bad: problems[name] = bad
    browser.set_window_size(1280, 900)
    assert not problems, problems


def test_the_landing_page_opens_with_a_picture(site, browser):
    "At 1280 x 800, the first screen of the landing page shows a picture, not only text."
    f = read_page(browser, urljoin(site, 'index.html'), 1280)
    browser.set_window_size(1280, 900)
    assert f['first_screen_images'] >= 1, f


def test_helper_chapters_come_after_the_analysis():
    "The reader's path: every contributors' chapter comes after every analysis chapter."
    order = book.toc_files()
    helpers = [n for n in order if n.startswith('00') and n != '00_colors'] + ['05a_fastpath', '07_cli']
    analysis = ['00_colors', '01_scraping', '02_download', '03_features', '04_eda', '05_models', '08a_fair', '08_trust', '06_predict']
    assert max(order.index(a) for a in analysis) < min(order.index(h) for h in helpers), order
