"""API benchmark with wrk: the service as shipped against, in the same run, the floor and the 2023 design.

    .venv/bin/python benchmarks/api.py [--seconds 15] [--connections 16]     (needs wrk: `make bench` installs it)

Every service runs on a free loopback port and receives the same 218-px JPEG as a multipart upload
from wrk (Debian's C load generator: a few hundredths of a millisecond of CPU per request, so the
server, not the client, is measured on this 2-core machine):

- **artcolor as shipped**: `python -m api`, the command of `make serve` and of the Docker image
  (one worker per core);
- **floor**: FastAPI reading the upload, artcolor's exact decode and the 18 features, no model,
  with the same number of workers, started the same way (`python -m api --app ...`, one
  SO_REUSEPORT socket per worker, so both spread connections evenly): what any /classify must do;
- **2023 design**: classic features and an SVC inside an `async def` endpoint, one uvicorn worker,
  as its README ran it.

For each: requests per second, p50 and p99 latency, non-2xx responses and socket errors, and the
server's CPU time per request (all its processes, from /proc). The ratios printed last are the
targets (issue 22): shipped / floor >= 0.65 and shipped / 2023 >= 8. Results go to
`benchmarks/results/api.json`, with the machine and the date.
"""
import argparse, os, re, subprocess, sys, tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from api.serve import default_workers  # noqa: E402
from benchmarks.common import save_result, start_service, stop_service  # noqa: E402

LUA = """local f = assert(io.open(os.getenv("ARTCOLOR_BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.headers["Content-Type"] = "multipart/form-data; boundary=artcolorbench"
"""


def tree_cpu_seconds(pid) -> float:
    "CPU seconds (user + system) used so far by `pid` and every process below it (Linux /proc)."
    parents, cpu = {}, {}
    for stat in Path('/proc').glob('[0-9]*/stat'):
        try:
            f = stat.read_text().rsplit(')', 1)[1].split()
            parents[int(stat.parent.name)] = int(f[1]); cpu[int(stat.parent.name)] = (int(f[11]) + int(f[12])) / os.sysconf('SC_CLK_TCK')
        except (OSError, IndexError, ValueError): pass
    tree, grew = {pid}, True
    while grew:
        new = {p for p, pp in parents.items() if pp in tree} - tree
        tree |= new; grew = bool(new)
    return sum(cpu.get(p, 0) for p in tree)


def wrk(port, seconds, connections, script, body_path):
    env = dict(os.environ, ARTCOLOR_BENCH_BODY=str(body_path))
    out = subprocess.run(['wrk', '-t1', f'-c{connections}', f'-d{seconds}s', '--latency', '-s', script,
                          f'http://127.0.0.1:{port}/classify'], capture_output=True, text=True, env=env, check=True).stdout
    unit = {'us': 1e-3, 'ms': 1.0, 's': 1e3}
    lat = {q: float(v) * unit[u] for q, v, u in re.findall(r'^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$', out, re.M)}
    non2xx = re.search(r'Non-2xx or 3xx responses: (\d+)', out)
    sock = re.search(r'Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)', out)
    return {'rps': float(re.search(r'Requests/sec:\s+([\d.]+)', out)[1]), 'requests': int(re.search(r'(\d+) requests in', out)[1]),
            'p50': lat.get('50'), 'p99': lat.get('99'), 'errors': (int(non2xx[1]) if non2xx else 0) + (sum(map(int, sock.groups())) if sock else 0)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seconds', type=int, default=15); ap.add_argument('--connections', type=int, default=16)
    ap.add_argument('--warmup', type=int, default=3)
    a = ap.parse_args()
    if not subprocess.run(['sh', '-c', 'command -v wrk'], capture_output=True).stdout:
        sys.exit("wrk is not installed: `make bench` installs it (Debian's wrk), or `apt-get install wrk`")
    workers = default_workers()
    py = sys.executable
    services = {
        'artcolor as shipped (python -m api)': [py, '-m', 'api', '--host', '127.0.0.1', '--port', '{port}'],
        f'floor: decode + 18 features, no model ({workers} workers)': [py, '-m', 'api', '--app', 'benchmarks.api_baselines:floor',
                                                                       '--host', '127.0.0.1', '--port', '{port}', '--workers', str(workers)],
        '2023 design (one worker, as its README ran it)': [py, '-m', 'uvicorn', 'benchmarks.api_baselines:design_2023', '--host', '127.0.0.1',
                                                           '--port', '{port}', '--log-level', 'warning'],
    }
    rng = np.random.default_rng(0)
    img = np.clip(np.array([60, 60, 190], float) + rng.normal(0, 20, (218, 218, 3)), 0, 255).astype(np.uint8)
    jpeg = cv2.imencode('.jpg', img, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()
    body = (b'--artcolorbench\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
            + jpeg + b'\r\n--artcolorbench--\r\n')
    res = {}
    with tempfile.TemporaryDirectory() as d:
        (Path(d) / 'body').write_bytes(body); (Path(d) / 'post.lua').write_text(LUA)
        for name, cmd in services.items():
            proc, port = start_service(cmd)
            try:
                wrk(port, a.warmup, a.connections, Path(d) / 'post.lua', Path(d) / 'body')
                cpu0 = tree_cpu_seconds(proc.pid)
                r = wrk(port, a.seconds, a.connections, Path(d) / 'post.lua', Path(d) / 'body')
                r['server_ms'] = (tree_cpu_seconds(proc.pid) - cpu0) / max(r['requests'], 1) * 1000
            finally:
                stop_service(proc)
            res[name] = r
            print(f"{name:52s} {r['rps']:8.1f} req/s  p50 {r['p50']:7.2f} ms  p99 {r['p99']:7.2f} ms  errors {r['errors']} of {r['requests']}"
                  f"  server CPU {r['server_ms']:.2f} ms/request", flush=True)
    ours, floor_, old = (res[k]['rps'] for k in services)
    print(f"shipped / floor = {ours / floor_:.2f} (target >= 0.65) | shipped / 2023 design = {ours / old:.1f} (target >= 8)"
          f" | {workers} workers, {a.connections} connections, {a.seconds} s each")
    save_result('api', {'workers': workers, 'connections': a.connections, 'seconds': a.seconds,
                        'services': dict(zip(['shipped', 'floor', 'design_2023'], res.values())),
                        'shipped_over_floor': ours / floor_, 'shipped_over_2023': ours / old})


if __name__ == '__main__':
    main()
