"""The README's measured figures are rendered from the files that measured them (tools/results.py), never typed."""
import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'tools'))
import results  # noqa: E402


def test_readme_block_is_what_the_files_say():
    r = subprocess.run([sys.executable, 'tools/results.py', '--check'], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_block_follows_the_files():
    "Each rendered figure moves with its file: change a result and the block changes with it."
    card = json.loads((ROOT / 'models' / 'artcolor.json').read_text())
    block = results.block()
    fair = card['cv']['tables']['gac2021_rgb_meanstd.csv']
    assert f"accuracy {fair['accuracy']:.3f}" in block
    api = results.load('api')
    assert f"{api['shipped_over_floor']:.2f}× a floor service" in block
    assert f"{results.load('photos')['service']['same_family']} of" in block
