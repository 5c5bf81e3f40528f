"""API benchmark: requests per second, p50/p99 latency and errors of the artcolor service under 16
concurrent clients sending one 218-px JPEG, against, in the same run, a do-nothing FastAPI endpoint
that only reads the upload (the ceiling) and the 2023 design (classic features + SVC in async def).
For each it also prints the CPU time per request of the server's workers and of the load generator,
and how the work split between the workers.

    .venv/bin/python benchmarks/api.py [--seconds 15] [--clients 16] [--workers 2] [--http h11 --loop asyncio]

Each service runs under uvicorn with `--workers` processes on a free loopback port; the load
generator (httpx, asyncio) shares the same cores, as it would on this 2-core machine. By default
uvicorn picks uvloop and httptools (installed with `uvicorn[standard]`), as `make serve` does;
`--http h11 --loop asyncio` measures the pure-Python stack instead. Note that with `--workers N` and
asyncio's loop, uvicorn 0.54 leaves Nagle's algorithm on for accepted connections (its listening
socket is made with proto 0, so asyncio skips TCP_NODELAY; uvicorn issue #3149); uvloop sets it.
"""
import argparse, asyncio, os, socket, subprocess, sys, time, urllib.request
from pathlib import Path

import cv2
import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {'artcolor (api.main:app)': 'api.main:app', 'ceiling: read-only endpoint': 'benchmarks.api_baselines:ceiling',
            '2023 design: classic + SVC in async def': 'benchmarks.api_baselines:design_2023'}


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


def worker_cpu_seconds(pid) -> dict:
    "CPU seconds (user + system) used so far by each uvicorn worker process under `pid` (Linux /proc; else empty)."
    out = {}
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try:
            fields = stat.read_text().rsplit(')', 1)[1].split()
            if int(fields[1]) == pid and b'multiprocessing.spawn' in (stat.parent / 'cmdline').read_bytes():
                out[stat.parent.name] = (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')
        except (OSError, IndexError, ValueError): pass
    return out


async def load(port, jpeg, seconds, clients, pid, warmup=2.0, stagger=0.05):
    """Warm up, then measure `seconds` of `clients` looping on POST /classify over keep-alive connections.

    The warm-up opens the connections one at a time (`stagger` apart), as clients arrive in practice. Opened
    all at once, they queue together on the shared listening socket and one worker's accept loop can take
    them all, leaving the other worker idle for the whole run: a result that would measure that luck."""
    lat, errors = [], 0
    async with httpx.AsyncClient(base_url=f'http://127.0.0.1:{port}', timeout=30,
                                 limits=httpx.Limits(max_connections=clients)) as c:
        async def client(delay, until, record):
            nonlocal errors
            await asyncio.sleep(delay)
            while time.perf_counter() < until:
                t = time.perf_counter()
                try:
                    r = await c.post('/classify', files={'file': ('a.jpg', jpeg, 'image/jpeg')})
                    ok = r.status_code == 200
                except httpx.HTTPError: ok = False
                if record: lat.append(time.perf_counter() - t); errors += not ok
        warm_until = time.perf_counter() + warmup + clients * stagger
        await asyncio.gather(*(client(i * stagger, warm_until, False) for i in range(clients)))
        cpu0, gen0, t0 = worker_cpu_seconds(pid), time.process_time(), time.perf_counter()
        await asyncio.gather(*(client(0, t0 + seconds, True) for _ in range(clients)))
        elapsed, cpu1, gen1 = time.perf_counter() - t0, worker_cpu_seconds(pid), time.process_time()
    used = sorted((cpu1[w] - cpu0.get(w, 0) for w in cpu1), reverse=True)
    n = max(len(lat), 1)
    lat = np.array(lat) * 1000
    return {'rps': len(lat) / elapsed, 'p50': np.percentile(lat, 50), 'p99': np.percentile(lat, 99), 'errors': errors,
            'n': len(lat), 'split': ' / '.join(f'{u / max(sum(used), 1e-9):.0%}' for u in used),
            'server_ms': sum(used) / n * 1000, 'client_ms': (gen1 - gen0) / n * 1000}


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
            res[name] = asyncio.run(load(port, jpeg, a.seconds, a.clients, proc.pid))
        finally:
            proc.terminate(); proc.wait(20)
        r = res[name]
        print(f"{name:42s} {r['rps']:7.1f} req/s  p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms  errors {r['errors']} of {r['n']}", flush=True)
        print(f"{'':42s} CPU per request: server {r['server_ms']:.2f} ms (workers {r['split']}), load generator {r['client_ms']:.2f} ms", flush=True)
    ours, ceil, old = (res[k]['rps'] for k in SERVICES)
    print(f"artcolor / ceiling = {ours / ceil:.2f} (target >= 0.8) | artcolor / 2023 design = {ours / old:.2f} (target >= 3)"
          f" | 3x the 2023 design would be {3 * old / ceil:.2f}x the ceiling")


if __name__ == '__main__':
    main()
