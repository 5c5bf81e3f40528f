"""Features on a Dask cluster against this machine: files per second of `extract_files` with one local process,
with two local processes (loky's pool, started inside the timing), and with `scheduler='local'` (a LocalCluster of two single-threaded worker
processes), on the same few hundred synthetic 218-px JPEGs in one run; and the same rows from all three.

    .venv/bin/python benchmarks/cluster.py [--n 2000]
"""
import argparse, tempfile, time
from pathlib import Path

from benchmarks.features import make_jpegs
from artcolor.parallel import dask_client
from artcolor.features import extract_files
from benchmarks.common import save_result


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0]); ap.add_argument('--n', type=int, default=2000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        paths = make_jpegs(Path(d), a.n)
        from loky import get_reusable_executor
        get_reusable_executor().shutdown(wait=True)        # the two-process run starts its pool inside the timing, as a first call does
        with dask_client('local', workers=2):
            pass                                           # start-up once, so the run below measures the work (it starts its own)
        res, frames = {}, {}
        for name, kw in [('1 local process', {'n_jobs': 1}), ('2 local processes (pool start included)', {'n_jobs': 2}),
                         ("LocalCluster, 2 workers (scheduler='local')", {'scheduler': 'local'})]:
            t = time.perf_counter(); frames[name] = extract_files(paths, progress=False, **kw); res[name] = a.n / (time.perf_counter() - t)
            print(f"{name:45s} {res[name]:7.0f} files/s", flush=True)
    one = res['1 local process']
    same = all(f.equals(frames['1 local process']) for f in frames.values())
    cluster = list(res.values())[2]
    print(f"identical rows: {same}; cluster / one process = {cluster / one:.2f} (includes starting the cluster); "
          f"two processes / one = {res['2 local processes (pool start included)'] / one:.2f} (includes starting the pool)")
    save_result('cluster', {'files': a.n, 'files_per_second': res, 'identical_rows': bool(same)})


if __name__ == '__main__':
    main()
