"""`make check`: the fast loop for one change. After the export, clean and lint checks (the Makefile runs them first),
test only what the change touched: the notebooks and the test files changed since `--base` (default: the last commit;
uncommitted and new files count), with nbdev's own nbdev_test and pytest. `make test` remains the whole check.

    python tools/check.py               # what changed since HEAD
    python tools/check.py --base main   # what changed since main
"""
from __future__ import annotations

import argparse, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


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
    for nb in nbs:
        status |= subprocess.run([BIN / 'nbdev_test', '--path', str(nb), '--timing'], cwd=ROOT).returncode
    if tests:
        status |= subprocess.run([sys.executable, '-m', 'pytest', '-q', '-n', 'auto', '--dist', 'loadfile', *map(str, tests)], cwd=ROOT).returncode
    print(f"check: {'passed' if status == 0 else 'FAILED'} in {time.perf_counter() - t:.0f} s (make test runs everything)")
    sys.exit(status)


if __name__ == '__main__':
    main()
