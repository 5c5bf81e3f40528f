"The installed package: its data home, and serving needs only the model's own modules."
import artcolor
from artcolor.colors import FAMILIES
from artcolor.data import dataset_path


def test_package_imports():
    assert artcolor.__version__
    assert len(FAMILIES) == 12


def test_reference_data_found():
    assert dataset_path().name in {'features.csv', 'gac2023_features.csv'}


def test_bundled_model_names_all_twelve_families():
    from artcolor.predict import Predictor
    p = Predictor.load()
    assert sorted(p.classes) == sorted(FAMILIES)
    assert p._fast_proba is not None, p.fast_path        # the blend runs on the checked fast path


def _python(code: str, cwd, **env):
    "Run `code` in a fresh interpreter; its stdout."
    import os, subprocess, sys
    env = {k: v for k, v in {**os.environ, **env}.items() if v is not None}       # None: unset
    out = subprocess.run([sys.executable, '-c', code], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_serving_imports_no_selection_or_training_code():
    "Importing the API and loading the bundled model needs the model's own modules, not chapter 5's selection or 5c's training."
    from pathlib import Path
    mods = _python("import sys, api.main\nfrom artcolor.predict import Predictor\nPredictor.load()\n"
                   "print(' '.join(m for m in sys.modules if m.startswith('artcolor')))", Path(__file__).parents[1]).split()
    assert 'artcolor.blend' in mods and 'artcolor.models' not in mods and 'artcolor.training' not in mods, mods


def test_no_third_party_file_is_tracked():
    "No file git tracks equals a table or the picture of the data home: other people's data stays out of the repository."
    import hashlib, subprocess
    from pathlib import Path
    from artcolor.data import data_home
    root = Path(__file__).parents[1]
    sha = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()
    theirs = {sha(p) for p in data_home().iterdir() if p.is_file() and p.name != 'README.md'}
    assert theirs, 'the data home is empty: run make reference'
    tracked = subprocess.run(['git', 'ls-files', '-z'], cwd=root, capture_output=True, check=True).stdout.decode().split('\0')
    assert not [f for f in tracked if f and (root / f).is_file() and sha(root / f) in theirs]


def test_a_clone_with_nothing_beside_it(tmp_path):
    """A fresh clone alone in a folder (no mirror beside it, no network): it loads its bundled model, and training stops
    at once with one line that says how to get the reference data, no traceback."""
    import shutil, subprocess, sys, time
    from pathlib import Path
    import pytest
    root = Path(__file__).parents[1]
    if not (root / '.git').exists() or not shutil.which('git'): pytest.skip('not a git checkout')
    clone = tmp_path / 'alone' / 'artcolor'
    subprocess.run(['git', 'clone', '-q', '--depth', '1', f'file://{root}', str(clone)], check=True)
    assert not (clone.parent.parent / 'shared').exists() and not (clone.parent / 'shared').exists()
    assert sorted(p.name for p in (clone / 'data' / 'external').iterdir()) == ['README.md']     # the card alone
    env = dict(PYTHONPATH=str(clone), ARTCOLOR_ROOT=None, ARTCOLOR_DATA=None, ARTCOLOR_MODEL=None, ARTCOLOR_TRAINING_TABLE=None)
    out = _python("from artcolor.data import ROOT, data_home\nfrom artcolor.predict import Predictor\n"
                  "print(ROOT); print(data_home()); print(len(Predictor.load().classes))", clone, **env).split()
    assert out == [str(clone), str(clone / 'data' / 'external'), '12'], out
    import os
    t = time.perf_counter()
    r = subprocess.run([str(Path(sys.executable).with_name('artcolor')), 'train', '--out', str(tmp_path / 'm')], cwd=clone, capture_output=True,
                       text=True, timeout=120, env={k: v for k, v in {**os.environ, **env}.items() if v is not None})
    assert r.returncode == 2 and time.perf_counter() - t < 30, (r.returncode, r.stderr)
    assert 'artcolor reference fetch' in r.stderr and 'Traceback' not in r.stderr, r.stderr
