"The installed package is the one nbdev exports, and its data fallback works."
import artcolor
from artcolor.colors import FAMILIES
from artcolor.data import dataset_path


def test_package_imports():
    assert artcolor.__version__
    assert len(FAMILIES) == 12


def test_reference_data_found():
    assert dataset_path().name in {'features.csv', 'gac2023_features.csv'}
