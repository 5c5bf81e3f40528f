"""Manifest benchmark: the cost of saving one batch of tiles when the manifest already holds 1,000 and 65,000 rows
(the whole site), the earlier way (merge into the DataFrame, rewrite pictures.csv) against `ManifestJournal` (merge in
memory, append the batch to the journal, fsync), measured in the same run on synthetic rows.

    .venv/bin/python benchmarks/manifest.py [--batch 50] [--repeat 20]
"""
import argparse, statistics, tempfile, time
from pathlib import Path

import pandas as pd

from artcolor.manifest import MANIFEST_COLUMNS, write_manifest
from artcolor.manifest import ManifestJournal, merge_rows
from benchmarks.common import save_result


def rows(start: int, n: int) -> list[dict]:
    return [{'color': 'BROWN', 'page_url': f'https://example.org/asset/x/{i:08d}', 'image_url': f'https://lh3.example/{i}=w218-c',
             'title': f'Painting {i}', 'creator': 'Someone', 'scraped_at': '2026-11-25T00:00:00+00:00'} for i in range(start, start + n)]


def per_batch_ms(existing: int, batch: int, repeat: int) -> tuple[float, float]:
    "Median ms to save one batch on top of `existing` rows: (rewrite the CSV, journal)."
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / 'pictures.csv'
        base = pd.DataFrame(rows(0, existing), columns=MANIFEST_COLUMNS)
        write_manifest(base, path)
        df, old = base, []
        for k in range(repeat):
            new = rows(existing + k * batch, batch)
            t = time.perf_counter(); df = merge_rows(df, new); write_manifest(df, path); old.append(time.perf_counter() - t)
        write_manifest(base, path)
        j, new_way = ManifestJournal(path), []
        for k in range(repeat):
            new = rows(existing + k * batch, batch)
            t = time.perf_counter(); j.save(new); new_way.append(time.perf_counter() - t)
        assert len(ManifestJournal(path).rows) == existing + repeat * batch          # everything saved is there
    return statistics.median(old) * 1e3, statistics.median(new_way) * 1e3


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--batch', type=int, default=50); ap.add_argument('--repeat', type=int, default=20)
    a = ap.parse_args()
    res = {n: per_batch_ms(n, a.batch, a.repeat) for n in (1_000, 65_000)}
    for n, (old, new) in res.items():
        print(f"{n:>6,} rows: rewrite pictures.csv {old:8.2f} ms per batch of {a.batch}; journal {new:6.2f} ms")
    print(f"journal at 65k / at 1k = {res[65_000][1] / res[1_000][1]:.2f} (target <= 2); "
          f"at 65k the journal is {res[65_000][0] / res[65_000][1]:.0f}x cheaper than rewriting")
    save_result('manifest', {'batch': a.batch, 'per_batch_ms': {f'{n:,} rows': {'rewrite': old, 'journal': new} for n, (old, new) in res.items()},
                             'journal_65k_over_1k': res[65_000][1] / res[1_000][1]})


if __name__ == '__main__':
    main()
