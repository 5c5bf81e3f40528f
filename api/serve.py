"""Serve the API with one worker process per available core: `python -m api [--host H] [--port P] [--workers N]`.

The address and port default to the `HOST` and `PORT` environment variables (the container sets
`HOST=0.0.0.0 PORT=8000`), else 127.0.0.1:8000.

`make serve` and the Docker image both run this. The worker count is, in order: `--workers`, the
`WORKERS` or `WEB_CONCURRENCY` environment variable, else the cores this process may use (its CPU
affinity, capped by a cgroup CPU quota such as `docker run --cpus 1.5`, rounded up).

Each worker is a uvicorn server on its own listening socket bound with SO_REUSEPORT, so the
kernel spreads new connections across the workers. With `uvicorn --workers N` they share one
socket, and a burst of connections (16 clients starting together, as wrk does) can all be accepted
by whichever worker wakes first, leaving the others idle: measured here, one worker did all the
work at 640 req/s while the other used 0.03 s of CPU.

This process supervises them: a worker that dies (killed by the kernel's OOM killer, say) is logged
and replaced; the service stops only when asked (SIGTERM or SIGINT), each worker finishing the
requests in flight first. A worker that exits with an error within seconds of starting, three times
in a row, is not a crash but a broken start (a model that does not load): then the service stops,
saying so. A worker killed by a signal is always replaced.
A client gets `ARTCOLOR_HEADER_TIMEOUT_S` seconds to send a request's headers (the connection is
closed after it); `ARTCOLOR_BODY_TIMEOUT_S` bounds a pause in the body (408, `api.main.UploadGuard`).
"""
from __future__ import annotations

import argparse, math, multiprocessing, os, signal, socket, sys, time
from pathlib import Path

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from artcolor.parallel import usable_cores


def cgroup_cpu_limit(root: Path = Path('/sys/fs/cgroup')) -> float | None:
    "The CPU quota of this cgroup in cores (cgroup v2 `cpu.max`, or v1 `cpu.cfs_quota_us`), or None when there is none."
    try:
        quota, period = (root / 'cpu.max').read_text().split()[:2]
        return None if quota == 'max' else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota = int((root / 'cpu' / 'cpu.cfs_quota_us').read_text())
        period = int((root / 'cpu' / 'cpu.cfs_period_us').read_text())
        return None if quota <= 0 else quota / period
    except (OSError, ValueError):
        return None


def default_workers(env=os.environ) -> int:
    "Workers to start: WORKERS or WEB_CONCURRENCY if set, else the usable cores (affinity, capped by the cgroup quota)."
    for name in ('WORKERS', 'WEB_CONCURRENCY'):
        if env.get(name):
            n = int(env[name])
            if n < 1: raise ValueError(f'{name} must be at least 1, got {n}')
            return n
    cores = usable_cores()
    quota = cgroup_cpu_limit()
    return max(1, min(cores, math.ceil(quota)) if quota else cores)


class HeaderTimeout(HttpToolsProtocol):
    "uvicorn's httptools protocol, closing a connection whose request line and headers take longer than `header_timeout` seconds."
    header_timeout = 10.0

    def connection_made(self, transport):
        super().connection_made(transport)
        self._arm()

    def on_message_begin(self):
        super().on_message_begin()
        self._arm()                                    # the next request on a kept-alive connection

    def on_headers_complete(self):
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc):
        self._disarm()
        super().connection_lost(exc)

    def _arm(self):
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self.transport.close)

    def _disarm(self):
        if getattr(self, '_header_timer', None) is not None: self._header_timer.cancel()
        self._header_timer = None


def _worker(host: str, port: int, app: str = 'api.main:app'):
    "One uvicorn server on its own SO_REUSEPORT socket."
    import uvicorn
    from artcolor.data import settings
    HeaderTimeout.header_timeout = settings().header_timeout_s
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, 'SO_REUSEPORT'): sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port)); sock.listen(2048)
    config = uvicorn.Config(app, http=HeaderTimeout, log_level='warning', timeout_graceful_shutdown=30)
    uvicorn.Server(config).run(sockets=[sock])


def log(message: str):
    print(f'artcolor: {message}', file=sys.stderr, flush=True)


def serve(host: str, port: int, workers: int, app: str = 'api.main:app', quick_death_s: float = 5, quick_deaths: int = 3):
    "Run `workers` uvicorn processes on host:port, replacing any that dies, until SIGINT/SIGTERM (forwarded to them)."
    ctx = multiprocessing.get_context('spawn')
    start = lambda i: (ctx.Process(target=_worker, args=(host, port, app), name=f'artcolor-worker-{i}'), time.monotonic())
    procs, stopping, broken = {i: start(i) for i in range(workers)}, [], 0
    for p, _ in procs.values(): p.start()

    def stop(signum, frame):
        stopping.append(signum)
        for p, _ in procs.values():
            if p.is_alive(): p.terminate()              # uvicorn drains its requests in flight on SIGTERM
    signal.signal(signal.SIGTERM, stop); signal.signal(signal.SIGINT, stop)
    while procs:
        for i, (p, born) in list(procs.items()):
            p.join(0.2)
            if p.exitcode is None: continue
            if stopping: del procs[i]; continue
            broken = broken + 1 if p.exitcode > 0 and time.monotonic() - born < quick_death_s else 0   # an error at start, not a kill
            if broken >= quick_deaths:
                log(f'{p.name} died {broken} times within {quick_death_s:g} s of starting (exit code {p.exitcode}): stopping'); stop(None, None)
                continue
            log(f'{p.name} (pid {p.pid}) exited with {p.exitcode}; starting a new one')
            procs[i] = start(i); procs[i][0].start()
    sys.exit(1 if broken >= quick_deaths else 0)


def main(argv=None):
    ap = argparse.ArgumentParser(prog='python -m api', description=__doc__.splitlines()[0])
    ap.add_argument('--host', default=os.environ.get('HOST', '127.0.0.1'), help='address to listen on (default: $HOST, else 127.0.0.1)')
    ap.add_argument('--port', type=int, default=int(os.environ.get('PORT', 8000)), help='port (default: $PORT, else 8000)')
    ap.add_argument('--workers', type=int, help='worker processes (default: see above)')
    ap.add_argument('--app', default='api.main:app', help='the ASGI app (the benchmark serves its reference apps the same way)')
    a = ap.parse_args(argv)
    workers = a.workers or default_workers()
    print(f'artcolor: serving on http://{a.host}:{a.port} with {workers} worker process(es)', flush=True)
    serve(a.host, a.port, workers, a.app)


if __name__ == '__main__':
    main()
