"""Download benchmark: images per second of `artcolor.download.download` against a serial loop
(one urllib request after another, as the 2023 project fetched), in the same run, from a local
replica that adds 50 ms latency to every image.

    .venv/bin/python benchmarks/download.py [--n 200] [--latency 0.05] [--concurrency 16]
"""
import argparse, tempfile, time, urllib.request
from pathlib import Path
import pandas as pd
from artcolor.download import download, thumbnail_url
from artcolor.testing.replica import ReplicaSite
from artcolor.manifest import MANIFEST_COLUMNS, write_manifest


def manifest(site, n):
    ids = site.asset_ids('RED')[:n]
    return pd.DataFrame([{'color': 'RED', 'page_url': f'{site.base_url}/asset/a/{i}', 'image_url': f'{site.base_url}/img/{i}=w218-c',
                          'title': '', 'creator': '', 'scraped_at': ''} for i in ids], columns=MANIFEST_COLUMNS)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=200)
    ap.add_argument('--latency', type=float, default=0.05)
    ap.add_argument('--concurrency', type=int, default=16)
    a = ap.parse_args()
    with ReplicaSite({'RED': a.n}, latency_s=a.latency) as site, tempfile.TemporaryDirectory() as d:
        m = manifest(site, a.n)
        serial_dir = Path(d) / 'serial'; serial_dir.mkdir()
        t = time.perf_counter()
        for i, url in enumerate(m.image_url):
            (serial_dir / f'{i}.jpg').write_bytes(urllib.request.urlopen(thumbnail_url(url), timeout=20).read())
        serial = a.n / (time.perf_counter() - t)
        write_manifest(m, Path(d) / 'pictures.csv')
        t = time.perf_counter()
        df = download(d, concurrency=a.concurrency, progress=False)
        ours = a.n / (time.perf_counter() - t)
        assert (df.status == 'ok').all(), df.status.value_counts()
    print(f"{a.n} images, {a.latency * 1000:.0f} ms latency each: serial loop {serial:.1f} img/s | "
          f"download(concurrency={a.concurrency}) {ours:.1f} img/s (verified, atomic) | ratio {ours / serial:.1f}x")
    from benchmarks.common import save_result
    save_result('download', {'images': a.n, 'latency_s': a.latency, 'concurrency': a.concurrency,
                             'images_per_second': {'serial loop': serial, 'download': ours}, 'speedup': ours / serial})


if __name__ == '__main__':
    main()
