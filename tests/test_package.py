"The installed package is the one nbdev exports, and its data fallback works."
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
