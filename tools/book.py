"""Build the report: the notebooks in nbs/ as a Jupyter Book (1.x), executed afresh.

    python tools/book.py            # prepare _build/book_src, then build _build/html (clean, -n -W --keep-going)
    python tools/book.py --prepare  # only write the Jupyter Book source folder

Jupyter Book knows nothing of nbdev. Preparing copies every notebook of nbs/_toc.yml into a build
folder and turns nbdev's `#|` directives into what Jupyter Book understands:
- `#| default_exp …` cells are dropped; `#| export`-style lines are removed (the code stays);
- `#| hide` cells get the `remove-cell` tag: they still run (they hold the test imports) but do not show;
- `#| echo: false` / `#| hide_input` cells get `remove-input`;
- `#| slow` / `#| network` cells get `skip-execution`: shown, never run (as nbdev_test skips them);
- `#| label: fig-…` and `#| fig-cap: …` become myst-nb figure metadata (a numbered caption and a target);
- for the reader: a cell of imports only gets `remove-cell` (it still runs), and a cell of checks only
  (`assert`, `test_eq`, `test_fail`, …) gets `hide-input`, folded behind a "show" toggle.

Executing: Jupyter Book runs every chapter afresh, one after the other, in a `python3` kernel of this
interpreter that logs errors only (see `kernelspec`). Running chapters two at a time was tried and was
slower on 2 cores (462 s against 390 s: each chapter's NumPy and scikit-learn already use both).
"""
from __future__ import annotations

import argparse, ast, json, os, re, shutil, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS, SRC, OUT = ROOT / 'nbs', ROOT / '_build' / 'book_src', ROOT / '_build'
DIRECTIVE = re.compile(r'^\s*#\|\s?(.*)$')
OPTION = re.compile(r'([\w-]+)\s*:?\s*(.*)')
SKIP_FLAGS = {'slow', 'network'}


def split_directives(source: str) -> tuple[dict, str]:
    "Leading `#|` lines as {name: value or True}, and the code without them."
    lines, opts = source.splitlines(), {}
    while lines and DIRECTIVE.match(lines[0]):
        key, value = OPTION.match(DIRECTIVE.match(lines.pop(0))[1].strip()).groups()   # `key: value` or `key value`
        opts[key] = value.strip().strip('"') or True
    return opts, '\n'.join(lines)


def code_kind(code: str) -> str | None:
    "'imports' for a cell of imports only, 'checks' for a cell of assertions and fastcore test calls only, else None."
    try: body = ast.parse(code).body
    except SyntaxError: return None           # IPython syntax: leave it as it is
    if not body: return None
    if all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in body): return 'imports'
    def check(n):
        if isinstance(n, ast.Assert): return True
        return (isinstance(n, ast.Expr) and isinstance(n.value, ast.Call) and isinstance(n.value.func, ast.Name)
                and n.value.func.id.startswith('test_'))
    return 'checks' if all(map(check, body)) else None


def convert_cell(cell: dict) -> dict | None:
    "The cell as Jupyter Book should see it, or None to drop it."
    if cell['cell_type'] != 'code': return cell
    src = cell['source'] if isinstance(cell['source'], str) else ''.join(cell['source'])
    opts, code = split_directives(src)
    if 'default_exp' in opts: return None
    meta = dict(cell.get('metadata', {}))
    tags = list(meta.get('tags', []))
    if 'hide' in opts: tags.append('remove-cell')
    if opts.get('echo') == 'false' or 'hide_input' in opts: tags.append('remove-input')
    if SKIP_FLAGS & set(opts): tags.append('skip-execution')
    kind = code_kind(code)
    if kind == 'imports' and 'remove-cell' not in tags: tags.append('remove-cell')
    if kind == 'checks' and not {'remove-cell', 'remove-input'} & set(tags): tags.append('hide-input')
    if 'label' in opts or 'fig-cap' in opts:
        meta.setdefault('mystnb', {})['figure'] = {k: v for k, v in (('name', opts.get('label')), ('caption', opts.get('fig-cap'))) if v}
    if tags: meta['tags'] = tags
    return {**cell, 'source': code, 'metadata': meta, 'outputs': [], 'execution_count': None}


def toc_files() -> list[str]:
    "Notebook names listed in nbs/_toc.yml, in order."
    import yaml
    toc = yaml.safe_load((NBS / '_toc.yml').read_text())
    files = [toc['root']]
    for part in toc.get('parts', [toc]):
        files += [c['file'] for c in part.get('chapters', [])]
    return files


def prepare(src: Path = NBS, dst: Path = SRC) -> list[Path]:
    "Write the Jupyter Book source folder; returns the notebooks written."
    shutil.rmtree(dst, ignore_errors=True); dst.mkdir(parents=True)
    for cfg in ('_config.yml', '_toc.yml'): shutil.copy(src / cfg, dst / cfg)
    written = []
    for name in toc_files():
        nb = json.loads((src / f'{name}.ipynb').read_text())
        nb['cells'] = [c for c in map(convert_cell, nb['cells']) if c is not None]
        (dst / f'{name}.ipynb').write_text(json.dumps(nb, indent=1, ensure_ascii=False))
        written.append(dst / f'{name}.ipynb')
    return written


def kernelspec(root: Path) -> Path:
    """A `python3` kernel for the build: this interpreter's ipykernel, logging errors only. Each chapter's kernel
    listens on 127.0.0.1 for the build's few seconds, so ipykernel's warning that its TCP transport is not
    encrypted (one per chapter, not a finding here) is left out; errors in cells still fail the build."""
    spec = root / 'kernels' / 'python3'; spec.mkdir(parents=True, exist_ok=True)
    (spec / 'kernel.json').write_text(json.dumps({
        'argv': [sys.executable, '-m', 'ipykernel_launcher', '-f', '{connection_file}', '--IPKernelApp.log_level=ERROR'],
        'display_name': 'Python 3 (artcolor build)', 'language': 'python'}))
    return root


def build(dst: Path = SRC, out: Path = OUT) -> Path:
    "A clean, warnings-as-errors build of `dst` into `out`/html; returns the index page."
    for d in ('html', '.doctrees', 'jupyter_execute'): shutil.rmtree(out / d, ignore_errors=True)
    jb = Path(sys.executable).with_name('jupyter-book')
    cmd = [str(jb), 'build', str(dst), '--path-output', str(out.parent), '-n', '-W', '--keep-going', '--quiet']
    subprocess.run(cmd, check=True, cwd=ROOT)
    return out / 'html' / 'index.html'


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--prepare', action='store_true', help='only write the Jupyter Book source folder')
    a = ap.parse_args()
    t = time.perf_counter()
    nbs = prepare()
    if a.prepare:
        print(f"prepared {len(nbs)} notebooks in {SRC}"); return
    os.environ['JUPYTER_PATH'] = os.pathsep.join(filter(None, [str(kernelspec(OUT / 'jupyter')), os.environ.get('JUPYTER_PATH')]))
    try:
        index = build()
    except subprocess.CalledProcessError:
        sys.exit("report: the build failed (a cell error or a Sphinx warning, both fatal); see the messages above")
    size = sum(p.stat().st_size for p in index.parent.rglob('*') if p.is_file())
    print(f"report: {len(nbs)} chapters executed and built in {time.perf_counter() - t:.0f} s, "
          f"{size / 1e6:.1f} MB -> {index.relative_to(ROOT)}")


if __name__ == '__main__':
    main()
