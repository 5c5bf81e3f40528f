"""Test the notebooks and build the report from that one execution: the notebooks in nbs/ as a Jupyter Book (1.x).

    python tools/book.py                 # nbdev_test every notebook (keeping what each cell showed), then build _build/html
    python tools/book.py --build-only    # build from the notebooks the last run executed (no execution)
    python tools/book.py --prepare       # only write the Jupyter Book source folder
    python tools/book.py --workers 1     # notebooks tested at once (default 2)

Executing once: every chapter is executed by nbdev's own `nbdev_test` (the project's tst_flags, `#| eval: false`,
.notest files: what CI runs for notebooks), with one addition: each notebook that passes is written, with its cells'
outputs, to _build/executed. The book is then built from those outputs (Jupyter Book's execution is off), so a
chapter runs once per `make test` and the report shows exactly what the test saw. A chapter that fails stops the
run before the build. Progress bars are off there (tqdm draws only on a terminal).

Jupyter Book knows nothing of nbdev. Preparing copies every notebook of nbs/_toc.yml into a build
folder and turns nbdev's `#|` directives into what Jupyter Book understands:
- `#| default_exp …` cells are dropped; `#| export`-style lines are removed (the code stays);
- `#| hide` cells get the `remove-cell` tag: they still run (they hold the test imports) but do not show;
- `#| echo: false` / `#| hide_input` cells get `remove-input`;
- `#| slow` / `#| network` cells get `skip-execution`: shown, never run (as nbdev_test skips them);
- `#| label: fig-…` and `#| fig-cap: …` become myst-nb figure metadata (a numbered caption and a target);
- for the reader: a cell of imports only gets `remove-cell` (it still runs), and a cell of checks only
  (`assert`, `test_eq`, `test_fail`, …) gets `hide-input`, folded behind a "show" toggle.

"""
from __future__ import annotations

import argparse, ast, json, os, re, shutil, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NBS, SRC, OUT = ROOT / 'nbs', ROOT / '_build' / 'book_src', ROOT / '_build'
EXECUTED = OUT / 'executed'      # each notebook as nbdev_test executed it, with its outputs
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


def _defines_private_only(body) -> bool:
    "Every statement defines a name starting with `_` (a helper the reader needn't see), or is an import."
    def names(n):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)): return [n.name]
        if isinstance(n, ast.Assign): return [t.id for t in n.targets if isinstance(t, ast.Name)] or ['?']
        if isinstance(n, (ast.Import, ast.ImportFrom)): return ['_']
        return ['?']
    return all(all(x.startswith('_') for x in names(n)) for n in body)


def code_kind(code: str) -> str | None:
    """'imports' for a cell of imports only, 'checks' for a cell of assertions and fastcore test calls only, 'plumbing' for a
    cell that only defines private helpers (`_name`), else None."""
    try: body = ast.parse(code).body
    except SyntaxError: return None           # IPython syntax: leave it as it is
    if not body: return None
    if all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in body): return 'imports'
    if _defines_private_only(body): return 'plumbing'
    def check(n):
        if isinstance(n, ast.Assert): return True
        return (isinstance(n, ast.Expr) and isinstance(n.value, ast.Call) and isinstance(n.value.func, ast.Name)
                and n.value.func.id.startswith('test_'))
    return 'checks' if all(map(check, body)) else None


def convert_cell(cell: dict, outputs: list | None = None) -> dict | None:
    "The cell as Jupyter Book should see it (with `outputs`, what its execution showed), or None to drop it."
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
    if kind in ('checks', 'plumbing') and not {'remove-cell', 'remove-input'} & set(tags): tags.append('hide-input')
    if 'label' in opts or 'fig-cap' in opts:
        meta.setdefault('mystnb', {})['figure'] = {k: v for k, v in (('name', opts.get('label')), ('caption', opts.get('fig-cap'))) if v}
    if 'fig-alt' in opts or 'fig-cap' in opts:         # the image's alt text: what it shows, in words (its caption unless told)
        meta.setdefault('mystnb', {})['image'] = {'alt': opts.get('fig-alt') or opts['fig-cap']}
    if tags: meta['tags'] = tags
    return {**cell, 'source': code, 'metadata': meta, 'outputs': outputs or [], 'execution_count': None}


def toc_files() -> list[str]:
    "Notebook names listed in nbs/_toc.yml, in order."
    import yaml
    toc = yaml.safe_load((NBS / '_toc.yml').read_text())
    files = [toc['root']]
    for part in toc.get('parts', [toc]):
        files += [c['file'] for c in part.get('chapters', [])]
    return files


def _source(cell) -> str: return cell['source'] if isinstance(cell['source'], str) else ''.join(cell['source'])

def noise(outputs: list) -> list[str]:
    "What a reader should never see in a cell's outputs: stderr, warnings, tracebacks (the build refuses them)."
    found = []
    for o in outputs:
        text = ''.join(o.get('text', '')) if o.get('output_type') == 'stream' else ''.join(o.get('data', {}).get('text/plain', ''))
        if o.get('output_type') == 'stream' and o.get('name') == 'stderr': found.append(f"stderr: {text.strip()[:120]!r}")
        elif o.get('output_type') == 'error': found.append(f"an error: {o.get('ename')}")
        elif re.search(r'\b\w*Warning\b:', text): found.append(f"a warning: {text.strip()[:120]!r}")
    return found


def executed_outputs(name: str, src: Path = NBS, executed: Path = EXECUTED) -> dict:
    "Cell id -> outputs of notebook `name` as the last test run executed it; an error if it was not run, or changed since."
    path = executed / f'{name}.ipynb'
    if not path.exists(): sys.exit(f"report: {name}.ipynb has not been executed: run `python tools/book.py` (it tests, then builds)")
    ran = {c['id']: c for c in json.loads(path.read_text())['cells'] if c['cell_type'] == 'code'}
    for c in json.loads((src / f'{name}.ipynb').read_text())['cells']:
        code = lambda cell: split_directives(_source(cell))[1].strip()      # nbdev's run drops some directive lines
        if c['cell_type'] == 'code' and c['id'] in ran and code(ran[c['id']]) != code(c):
            sys.exit(f"report: {name}.ipynb changed since it was executed: run `python tools/book.py` again")
    return {i: c.get('outputs', []) for i, c in ran.items()}


def prepare(src: Path = NBS, dst: Path = SRC, executed: Path | None = EXECUTED) -> list[Path]:
    "Write the Jupyter Book source folder, each code cell with what its execution showed (none if `executed` is None)."
    shutil.rmtree(dst, ignore_errors=True); dst.mkdir(parents=True)
    for cfg in ('_config.yml', '_toc.yml'): shutil.copy(src / cfg, dst / cfg)
    if (src / '_static').is_dir(): shutil.copytree(src / '_static', dst / '_static')     # the report's own CSS
    written, bad = [], []
    for name in toc_files():
        nb = json.loads((src / f'{name}.ipynb').read_text())
        outs = executed_outputs(name, src, executed) if executed else {}
        bad += [f"{name}, cell {i}: {n}" for i, o in outs.items() for n in noise(o)]
        nb['cells'] = [c for c in (convert_cell(c, outs.get(c.get('id'))) for c in nb['cells']) if c is not None]
        (dst / f'{name}.ipynb').write_text(json.dumps(nb, indent=1, ensure_ascii=False))
        written.append(dst / f'{name}.ipynb')
    if bad: sys.exit("report: outputs a reader should not see (fix each at its source):\n  " + '\n  '.join(bad))
    return written


def execute(paths: list[str] | None = None, workers: int = 1) -> float:
    """nbdev's `nbdev_test` on `paths` (default: every notebook), each passing notebook kept with its outputs in EXECUTED;
    exits non-zero if one fails (as nbdev_test does). Returns the seconds it took."""
    from execnb.nbio import write_nb
    from execnb.shell import CaptureShell
    from nbdev.test import nbdev_test
    EXECUTED.mkdir(parents=True, exist_ok=True)
    if workers > 1:      # notebooks side by side: one BLAS/OpenMP thread each, or their spinning threads fight (5x slower here)
        os.environ.update({k: '1' for k in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS')})
    run_all = CaptureShell.run_all
    def run_and_keep(self, nb, *args, **kwargs):
        run_all(self, nb, *args, **kwargs)                 # a failing cell raises: nothing is kept for that notebook
        write_nb(nb, EXECUTED / Path(nb.path_).name)
    CaptureShell.run_all = run_and_keep                    # the test workers are forked from here, so they keep it too
    t = time.perf_counter()
    for p in paths or [None]:
        nbdev_test(path=p, n_workers=workers, timing=True)
    return time.perf_counter() - t


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
    ap.add_argument('--build-only', action='store_true', help='build from the notebooks the last run executed')
    ap.add_argument('--workers', type=int, default=2, help='notebooks tested at once (each with one BLAS thread when more than one)')
    a = ap.parse_args()
    t = time.perf_counter()
    if not (a.prepare or a.build_only):
        shutil.rmtree(EXECUTED, ignore_errors=True)
        print(f"notebooks: every chapter tested and executed once in {execute(workers=a.workers):.0f} s")
    nbs = prepare(executed=None if a.prepare else EXECUTED)
    if a.prepare:
        print(f"prepared {len(nbs)} notebooks in {SRC}"); return
    try:
        index = build()
    except subprocess.CalledProcessError:
        sys.exit("report: the build failed (a cell error or a Sphinx warning, both fatal); see the messages above")
    size = sum(p.stat().st_size for p in index.parent.rglob('*') if p.is_file())
    print(f"report: {len(nbs)} chapters tested and built in {time.perf_counter() - t:.0f} s, "
          f"{size / 1e6:.1f} MB -> {index.relative_to(ROOT)}")


if __name__ == '__main__':
    main()
