"Past one machine: a real `dask scheduler` with two `dask worker` processes, and a worker killed mid-run."
import os, signal, subprocess, sys, time
from pathlib import Path

import cv2
import numpy as np
import pytest

distributed = pytest.importorskip('distributed')
from artcolor.parallel import map_chunks  # noqa: E402
from artcolor.testing.replica import free_port  # noqa: E402
from artcolor.features import extract_files  # noqa: E402

BIN = Path(sys.executable).parent



@pytest.fixture(scope='module')
def real_cluster(tmp_path_factory):
    "`dask scheduler` and two single-threaded `dask worker` processes from the project's venv, on loopback."
    port = free_port(); addr = f'tcp://127.0.0.1:{port}'
    log = tmp_path_factory.mktemp('dask')
    procs = [subprocess.Popen([str(BIN / 'dask'), 'scheduler', '--host', '127.0.0.1', '--port', str(port), '--dashboard-address', ':0'],
                              stdout=open(log / 'scheduler.log', 'w'), stderr=subprocess.STDOUT)]
    time.sleep(1)
    procs += [subprocess.Popen([str(BIN / 'dask'), 'worker', addr, '--nthreads', '1', '--nworkers', '1', '--dashboard-address', ':0'],
                               stdout=open(log / f'worker{i}.log', 'w'), stderr=subprocess.STDOUT) for i in range(2)]
    with distributed.Client(addr, timeout=30) as c:
        c.wait_for_workers(2, timeout=60)
    yield addr
    for p in procs[::-1]: p.send_signal(signal.SIGINT)
    for p in procs:
        try: p.wait(20)
        except subprocess.TimeoutExpired: p.kill()


def jpegs(folder: Path, n: int):
    rng = np.random.default_rng(0); out = []
    for i in range(n):
        img = np.clip(rng.uniform(0, 255, 3) + rng.normal(0, 25, (218, 218, 3)), 0, 255).astype(np.uint8)
        p = folder / f'{i:04d}.jpg'; cv2.imwrite(str(p), img); out.append(p)
    return out


def test_features_on_real_workers_equal_local_and_workers_spend_the_cpu(real_cluster, tmp_path):
    paths = jpegs(tmp_path, 400)
    (tmp_path / 'broken.jpg').write_bytes(b'\xff\xd8\xff broken'); paths.insert(7, tmp_path / 'broken.jpg')
    local = extract_files(paths, n_jobs=1, progress=False)
    with distributed.Client(real_cluster) as c:
        before = c.run(lambda: time.process_time())
    t = time.process_time()
    remote = extract_files(paths, chunk_size=25, progress=False, scheduler=real_cluster)
    client_cpu = time.process_time() - t
    with distributed.Client(real_cluster) as c:
        after = c.run(lambda: time.process_time())
    workers_cpu = sum(after[w] - before[w] for w in after)
    assert remote.equals(local)
    assert remote.error[7].startswith('ImageError')                   # an unreadable file stays an error row
    assert workers_cpu > 2 * client_cpu, (workers_cpu, client_cpu)
    assert all(after[w] - before[w] > 0.05 for w in after)             # both workers did work


def _slow_identity(chunk, delay):
    time.sleep(delay); return list(chunk)


def test_a_worker_killed_mid_run_loses_nothing():
    "Dask runs a dead worker's tasks again elsewhere: every chunk's result comes back, in order."
    import distributed
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
         distributed.Client(cluster) as client:
        chunks = [[i] for i in range(8)]
        victim = sorted(client.run(os.getpid).values())[0]
        killed = []
        def on_done(_):
            if not killed: os.kill(victim, signal.SIGKILL); killed.append(victim)
        res = map_chunks(_slow_identity, chunks, 0.4, scheduler=cluster.scheduler_address, on_done=on_done)
    assert killed and res == chunks


def test_training_on_real_workers_equals_local(real_cluster, tmp_path):
    "`train --scheduler ADDRESS`: the same CV numbers and the same model as on this machine."
    import joblib
    from artcolor.data import load_dataset
    from artcolor.features import FEATURE_NAMES
    from artcolor.training import train
    ref = load_dataset('gac2023')
    ref.groupby('color').sample(n=30, random_state=0).to_csv(tmp_path / 'features.csv', index=False)
    tiles = load_dataset('gac2026_tiles').groupby('color').sample(n=20, random_state=0).rename(columns={'color': 'color_label'})
    tiles.to_csv(tmp_path / 'tiles.csv', index=False)
    quick = ['svm_2023 (baseline)', 'logreg_derived']                  # the mechanics of the search, not the whole grid
    from artcolor.blend import bgr_model
    light = dict(models=quick, bgr=bgr_model(max_iter=10), progress=False)   # fewer boosting rounds: the same code path
    local = train(tmp_path, tmp_path / 'local', extra=[tmp_path / 'tiles.csv'], **light)
    remote = train(tmp_path, tmp_path / 'remote', extra=[tmp_path / 'tiles.csv'], scheduler=real_cluster, **light)
    drop_time = lambda sel: [{k: v for k, v in r.items() if k != 'fit_s'} for r in sel]
    assert drop_time(remote['selection']) == drop_time(local['selection'])
    for k in ('accuracy', 'f1_macro', 'confusion'): assert remote['cv'][k] == local['cv'][k]
    assert remote['cv']['tables']['tiles.csv']['accuracy'] == local['cv']['tables']['tiles.csv']['accuracy']
    a, b = (joblib.load(tmp_path / m / 'artcolor.joblib') for m in ('local', 'remote'))
    X = ref[FEATURE_NAMES].to_numpy(float)[:200]
    assert np.abs(a.predict_proba(X) - b.predict_proba(X)).max() < 1e-12
