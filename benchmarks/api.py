"""API benchmark: requests per second, p50/p99 latency and errors of the artcolor service under 16
concurrent clients sending one 218-px JPEG, against, in the same run, a do-nothing FastAPI endpoint
that only reads the upload (the ceiling), the 2023 design (classic features + SVC in async def),
and, for scale, the ceiling plus the exact decoding and features of the upload with no model (the floor
under any service that must compute them).

    .venv/bin/python benchmarks/api.py [--seconds 15] [--clients 16] [--workers 2] [--http h11 --loop asyncio]

Each service runs under uvicorn with `--workers` processes on a free loopback port; the load
generator (httpx, asyncio) shares the same cores, as it would on this 2-core machine. By default
uvicorn picks uvloop and httptools (installed with `uvicorn[standard]`), as `make serve` does;
`--http h11 --loop asyncio` measures the pure-Python stack instead. Note that with `--workers N` and
asyncio's loop, uvicorn 0.54 leaves Nagle's algorithm on for accepted connections (its listening
socket is made with proto 0, so asyncio skips TCP_NODELAY; uvicorn issue #3149); uvloop sets it.
"""
import argparse, asyncio, socket, subprocess, sys, time, urllib.request
from pathlib import Path

import cv2
import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {'artcolor (api.main:app)': 'api.main:app', 'ceiling: read-only endpoint': 'benchmarks.api_baselines:ceiling',
            '2023 design: classic + SVC in async def': 'benchmarks.api_baselines:design_2023',
            'floor: read + exact decode + features': 'benchmarks.api_baselines:decode_only'}


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0)); return s.getsockname()[1]


def start(target, workers, http='auto', loop='auto'):
    port = free_port()
    proc = subprocess.Popen([sys.executable, '-m', 'uvicorn', target, '--host', '127.0.0.1', '--port', str(port),
                             '--workers', str(workers), '--http', http, '--loop', loop, '--log-level', 'warning'], cwd=ROOT)
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f'http://127.0.0.1:{port}/docs', timeout=1); return proc, port
        except OSError: time.sleep(0.3)
    proc.kill(); raise RuntimeError(f'{target} did not start')


async def load(port, jpeg, seconds, clients):
    lat, errors = [], 0
    stop = time.perf_counter() + seconds
    async with httpx.AsyncClient(base_url=f'http://127.0.0.1:{port}', timeout=30,
                                 limits=httpx.Limits(max_connections=clients)) as c:
        async def client():
            nonlocal errors
            while time.perf_counter() < stop:
                t = time.perf_counter()
                try:
                    r = await c.post('/classify', files={'file': ('a.jpg', jpeg, 'image/jpeg')})
                    if r.status_code != 200: errors += 1
                except httpx.HTTPError: errors += 1
                lat.append(time.perf_counter() - t)
        t0 = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - t0
    lat = np.array(lat) * 1000
    return {'rps': len(lat) / elapsed, 'p50': np.percentile(lat, 50), 'p99': np.percentile(lat, 99), 'errors': errors, 'n': len(lat)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seconds', type=float, default=15); ap.add_argument('--clients', type=int, default=16)
    ap.add_argument('--workers', type=int, default=2)
    ap.add_argument('--http', default='auto', help="uvicorn's HTTP parser: auto (httptools when installed, as in `make serve`) or h11")
    ap.add_argument('--loop', default='auto', help="uvicorn's event loop: auto (uvloop when installed, as in `make serve`) or asyncio")
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    img = np.clip(np.array([60, 60, 190], float) + rng.normal(0, 20, (218, 218, 3)), 0, 255).astype(np.uint8)
    jpeg = cv2.imencode('.jpg', img, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
    res = {}
    for name, target in SERVICES.items():
        proc, port = start(target, a.workers, a.http, a.loop)
        try:
            asyncio.run(load(port, jpeg, 2, a.clients))           # warm-up
            res[name] = asyncio.run(load(port, jpeg, a.seconds, a.clients))
        finally:
            proc.terminate(); proc.wait(20)
        r = res[name]
        print(f"{name:42s} {r['rps']:7.1f} req/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  errors {r['errors']} of {r['n']}", flush=True)
    ours, ceil, old, floor = (res[k]['rps'] for k in SERVICES)
    print(f"artcolor / ceiling = {ours / ceil:.2f} (target >= 0.8) | artcolor / 2023 design = {ours / old:.2f} (target >= 3)")
    print(f"for scale: decoding and features alone (no model) / ceiling = {floor / ceil:.2f}; "
          f"3x the 2023 design would be {3 * old / ceil:.2f}x the ceiling")


if __name__ == '__main__':
    main()
