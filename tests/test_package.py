"The installed package: its data travels with it, and serving needs only the model's own modules."
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


def test_a_clone_with_nothing_beside_it_finds_its_data(tmp_path):
    "A fresh clone alone in a folder (no shared/ beside it) reads every reference table and loads its model from itself."
    import shutil, subprocess
    from pathlib import Path
    import pytest
    root = Path(__file__).parents[1]
    if not (root / '.git').exists() or not shutil.which('git'): pytest.skip('not a git checkout')
    clone = tmp_path / 'alone' / 'artcolor'
    subprocess.run(['git', 'clone', '-q', '--depth', '1', f'file://{root}', str(clone)], check=True)
    assert not (clone.parent.parent / 'shared').exists() and not (clone.parent / 'shared').exists()
    out = _python("from artcolor.data import REFERENCE_FILES, dataset_path, load_dataset, ROOT\n"
                  "from artcolor.predict import Predictor\n"
                  "print(ROOT); print(sum(len(load_dataset(n)) for n in ('gac2021', 'gac2023', 'gac2026_tiles')))\n"
                  "print(all(dataset_path(n).is_relative_to(ROOT) for n in REFERENCE_FILES)); print(len(Predictor.load().classes))",
                  clone, PYTHONPATH=str(clone), ARTCOLOR_ROOT=None, ARTCOLOR_DATA=None, ARTCOLOR_MODEL=None).split()
    assert out == [str(clone), str(3140 + 2865 + 2791), 'True', '12'], out
