"""`make check`: the fast loop for one change. After the export, clean and lint checks (the Makefile runs them first),
test only what the change touched: the notebooks and the test files changed since `--base` (default: the last commit;
uncommitted and new files count), with nbdev's own nbdev_test and pytest. `make test` remains the whole check.

Each notebook is run as the report's test run runs it (tools/book.py): its outputs are kept in _build/executed and
refused where a reader should not see them (stderr, a warning), so what would stop `make test` stops here first;
`python tools/book.py --build-only` then builds the report with the new outputs.

    python tools/check.py               # what changed since HEAD
    python tools/check.py --base main   # what changed since main
"""
from __future__ import annotations

import argparse, json, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / 'tools'))
import book  # noqa: E402  (the report's own test run: nbdev_test, keeping each notebook's outputs)


def test_notebook(nb: Path) -> int:
    "nbdev_test `nb` as the report's run does; 1 if it fails or shows a reader stderr or a warning."
    try: book.execute([str(nb)])
    except SystemExit as e:
        if e.code: return 1
    cells = json.loads((book.EXECUTED / nb.name).read_text())['cells']
    bad = [f"{nb.stem}, cell {c.get('id')}: {n}" for c in cells if c['cell_type'] == 'code' for n in book.noise(c.get('outputs', []))]
    if bad: print("check: outputs a reader should not see (fix each at its source):\n  " + '\n  '.join(bad))
    return 1 if bad else 0


def changed(base: str) -> list[Path]:
    "Files changed since `base`: committed after it, uncommitted, or new (untracked and not ignored)."
    git = lambda *a: subprocess.run(['git', *a], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    names = set(git('diff', '--name-only', base)) | set(git('ls-files', '--others', '--exclude-standard'))
    return sorted(ROOT / n for n in names if (ROOT / n).exists())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--base', default='HEAD', help='compare with this commit (default: HEAD)')
    a = ap.parse_args()
    files = changed(a.base)
    nbs = [f for f in files if f.parent.name == 'nbs' and f.suffix == '.ipynb' and not f.name.startswith('_')]
    tests = [f for f in files if f.parent.name == 'tests' and f.name.startswith('test_') and f.suffix == '.py']
    print(f"check: {len(nbs)} notebook(s) and {len(tests)} test file(s) changed since {a.base}: "
          + (' '.join(f.relative_to(ROOT).as_posix() for f in nbs + tests) or 'nothing to run'))
    t, status = time.perf_counter(), 0
    for nb in nbs: status |= test_notebook(nb)
    if tests:
        status |= subprocess.run([sys.executable, '-m', 'pytest', '-q', '-n', 'auto', '--dist', 'loadfile', *map(str, tests)], cwd=ROOT).returncode
    print(f"check: {'passed' if status == 0 else 'FAILED'} in {time.perf_counter() - t:.0f} s (make test runs everything)")
    sys.exit(status)


if __name__ == '__main__':
    main()
