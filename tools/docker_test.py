"""Build the container image from the working tree and check it as a deployment would (`make docker-test`).

    python tools/docker_test.py [--tag artcolor:test] [--no-build]

Checks, each printed as it passes: the image builds; its size (and, when the base image is there to
compare, the size above it); it runs as a non-root user; with `--cpus 1` it starts one worker and with
`--cpus 2` two (the worker-per-core rule reading the container's CPU quota); it answers /health and
classifies a JPEG; a hostile upload gets a 4xx; the HEALTHCHECK turns healthy; it runs with a
read-only root filesystem (a tmpfs on /tmp, as the Kubernetes manifests mount); and SIGTERM (`docker
stop`) stops it cleanly, exit code 0. Containers use the host's network (`--network host`): some
engines have no bridge network, and every check talks to 127.0.0.1 on a free port.
"""
from __future__ import annotations

import argparse, json, subprocess, sys, time, urllib.request
from pathlib import Path

from artcolor.testing.replica import free_port

ROOT = Path(__file__).resolve().parent.parent


def sh(*cmd, check=True, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, check=check, **kw)


def ok(what: str): print(f'  ok  {what}', flush=True)



def post(port: int, data: bytes, timeout=30) -> tuple[int, dict]:
    body = b'--b\r\nContent-Disposition: form-data; name="file"; filename="x.jpg"\r\nContent-Type: image/jpeg\r\n\r\n' + data + b'\r\n--b--\r\n'
    req = urllib.request.Request(f'http://127.0.0.1:{port}/classify', body, {'Content-Type': 'multipart/form-data; boundary=b'})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r: return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e: return e.code, json.loads(e.read() or b'{}')


class Container:
    "One `docker run -d` of the image on a free host port, stopped and removed on exit."

    def __init__(self, tag: str, *args: str):
        self.port = free_port()
        self.id = sh('docker', 'run', '-d', '--network', 'host', '-e', f'PORT={self.port}', '-e', 'HOST=127.0.0.1', *args, tag).stdout.strip()

    def logs(self) -> str: return sh('docker', 'logs', self.id, check=False).stdout + sh('docker', 'logs', self.id, check=False).stderr

    def wait_healthy_http(self, seconds=90) -> dict:
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f'http://127.0.0.1:{self.port}/health', timeout=2) as r: return json.loads(r.read())
            except OSError: time.sleep(0.5)
        raise AssertionError(f'no answer on /health within {seconds} s:\n{self.logs()}')

    def inspect(self, fmt: str) -> str: return sh('docker', 'inspect', '--format', fmt, self.id).stdout.strip()

    def __enter__(self): return self

    def __exit__(self, *exc): sh('docker', 'rm', '-f', self.id, check=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--tag', default='artcolor:test'); ap.add_argument('--no-build', action='store_true')
    a = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from artcolor.testing.specimens import encode, flat, hostile_files
    if not a.no_build:
        t = time.time()
        r = sh('docker', 'build', '--network', 'host', '-t', a.tag, ROOT, check=False)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        ok(f'image built in {time.time() - t:.0f} s')
    size = int(sh('docker', 'image', 'inspect', '--format', '{{.Size}}', a.tag).stdout)
    base = sh('docker', 'image', 'inspect', '--format', '{{.Size}}', 'python:3.11-slim', check=False)
    above = size - int(base.stdout) if base.returncode == 0 else None
    ok(f'image size {size / 1e6:.0f} MB' + (f', {above / 1e6:.0f} MB above python:3.11-slim' if above is not None else ''))
    if above is not None: assert above <= 600e6, f'{above / 1e6:.0f} MB above the base (target: at most 600)'
    user = sh('docker', 'run', '--rm', '--network', 'host', a.tag, 'id', '-u').stdout.strip()
    assert user != '0', 'the image runs as root'
    ok(f'runs as uid {user}, not root')

    for cpus, workers in (('1', 1), ('2', 2)):
        with Container(a.tag, '--cpus', cpus) as c:
            c.wait_healthy_http()
            assert f'with {workers} worker process(es)' in c.logs(), c.logs()
            ok(f'--cpus {cpus}: {workers} worker(s)')

    blue = encode(flat((47, 95, 179), 218, noise=10), '.jpg')
    with Container(a.tag, '--read-only', '--tmpfs', '/tmp', '--health-interval', '2s', '--health-start-period', '5s') as c:
        health = c.wait_healthy_http()
        assert health['status'] == 'ok', health
        status, body = post(c.port, blue)
        assert status == 200 and body['label'] == 'BLUE', (status, body)
        ok(f"/health answers and a JPEG is classified ({body['label']}), on a read-only root filesystem")
        with urllib.request.urlopen(f'http://127.0.0.1:{c.port}/docs', timeout=5) as r: docs = r.read().decode()
        for asset in ('swagger-ui-bundle.js', 'swagger-ui.css'):            # the API docs need no CDN
            assert f'/static-offline-docs/{asset}' in docs, docs[:300]
            with urllib.request.urlopen(f'http://127.0.0.1:{c.port}/static-offline-docs/{asset}', timeout=5) as r: assert r.status == 200
        ok('/docs served from the image itself (no CDN)')
        for name, data in hostile_files().items():
            status, body = post(c.port, data)
            assert 400 <= status < 500 and 'OpenCV' not in body.get('detail', ''), (name, status, body)
        ok(f'{len(hostile_files())} hostile uploads answered 4xx')
        deadline = time.time() + 60
        while c.inspect('{{.State.Health.Status}}') != 'healthy':
            assert time.time() < deadline, f"HEALTHCHECK is {c.inspect('{{.State.Health.Status}}')}"
            time.sleep(1)
        ok('HEALTHCHECK healthy')
        t = time.time()
        sh('docker', 'stop', '--time', '30', c.id)
        code = c.inspect('{{.State.ExitCode}}')
        assert code == '0', f'exit code {code} after SIGTERM:\n{c.logs()}'
        ok(f'SIGTERM: stopped cleanly in {time.time() - t:.1f} s (exit code 0)')
    print(f'docker-test: {a.tag} passed every check')
    from benchmarks.common import save_result
    save_result('docker', {'tag': a.tag, 'size_mb': size / 1e6, 'above_base_mb': None if above is None else above / 1e6,
                          'base_mb': int(base.stdout) / 1e6 if base.returncode == 0 else None}, 'make docker-test')


if __name__ == '__main__':
    main()
