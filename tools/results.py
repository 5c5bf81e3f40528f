"""The README's measured figures, rendered from the files that measured them (never typed by hand).

    python tools/results.py           # rewrite the block between the README's `measured` markers
    python tools/results.py --check   # exit 1 if the README's block is not what the files say (make test runs this)

Sources: the model card (`models/artcolor.json`, written by `artcolor train`) and the benchmarks' results
(`benchmarks/results/NAME.json`, each written by `benchmarks/NAME.py` with its date and machine).
"""
from __future__ import annotations

import argparse, json, re, sys
from pathlib import Path

from artcolor.data import MODELS_DIR, benchmark_result as load

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / 'README.md'
START, END = '<!-- measured: start (tools/results.py writes this block) -->', '<!-- measured: end -->'


def block() -> str:
    "The README's block of measured figures, from the card and the results files."
    card = json.loads((MODELS_DIR / 'artcolor.json').read_text())
    t = card['cv']['tables']
    fair, sv, tiles = t['gac2021_rgb_meanstd.csv'], t['gac2023_features.csv'], t['gac2026_tiles_meanrgb.csv']
    api, photos, start, feats, dock = load('api'), load('photos'), load('startup'), load('features'), load('docker')
    s = api['services']
    lines = [
        f"- **The fair sample** (`gac2021_rgb_meanstd.csv`, 5-fold CV, artworks kept whole): accuracy {fair['accuracy']:.3f}, "
        f"BROWN recall {fair['recall']['BROWN']:.2f}, BLACK {fair['recall']['BLACK']:.2f}; the 2023 recipe on the same folds and features "
        f"{fair['baseline_2023']['accuracy']:.3f} (`models/artcolor.json`).",
        f"- The 2023 support vectors (`gac2023_features.csv`): {sv['accuracy']:.3f} against the 2023 recipe's {sv['baseline_2023']['accuracy']:.3f}; "
        f"the 2026 tiles (`gac2026_tiles_meanrgb.csv`, mean colour only): {tiles['accuracy']:.3f}.",
        f"- The service (`benchmarks/api.py`, wrk, {api['connections']} connections, one 218-px JPEG, {api['date'][:10]}): "
        f"{s['shipped']['rps']:,.0f} requests/s, p99 {s['shipped']['p99']:.0f} ms, {s['shipped']['errors']} errors; "
        f"{api['shipped_over_floor']:.2f}× a floor service that only decodes and computes the 18 features, "
        f"{api['shipped_over_2023']:.1f}× the 2023 service design.",
        f"- Photographs (`benchmarks/photos.py`, {photos['date'][:10]}): a 12-MP JPEG gets its own thumbnail's family in "
        f"{photos['service']['same_family']} of {photos['service']['scenes']} scenes, at {photos['service']['latency_over_floor']:.2f}× its floor "
        f"(the file's decode at 1/8 plus a thumbnail's answer); eight concurrent 48-MP uploads grow a worker's peak memory by "
        f"{photos['service']['concurrent_48mp']['worker_peak_growth_mb']:.0f} MB; the full answer for a 12-MP photo is "
        f"{photos['twelve_mp_vs_fast_colorthief']:.1f}× faster than fast-colorthief's palette alone.",
        f"- Start-up (`benchmarks/startup.py`): ready with the model in {start['service']['ready_s']:.2f} s, {start['service']['rss_mb']:.0f} MB; "
        f"features (`benchmarks/features.py`): {feats['speedup_per_image']:.0f}× the 2023 loop's per-image cost, "
        f"{feats['speedup_two_over_one']:.2f}× with two worker processes.",
        f"- The container image (`make docker-test`, {dock['date'][:10]}): {dock['size_mb']:.0f} MB"
        + (f", {dock['above_base_mb']:.0f} MB above the `python:3.11-slim` it was built on ({dock['base_mb']:.0f} MB)." if dock.get('base_mb') else '.'),
    ]
    return '\n'.join([START, *lines, END])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0]); ap.add_argument('--check', action='store_true')
    a = ap.parse_args()
    text = README.read_text()
    pattern = re.compile(re.escape(START) + '.*?' + re.escape(END), re.S)
    if not pattern.search(text): sys.exit(f'README.md has no block between {START!r} and {END!r}')
    new = pattern.sub(lambda m: block(), text)
    if a.check:
        if new != text: sys.exit('FAIL: README.md\'s measured figures are not what the card and benchmarks/results say: run `python tools/results.py`')
        print('README.md: measured figures match the card and benchmarks/results'); return
    README.write_text(new)


if __name__ == '__main__':
    main()
