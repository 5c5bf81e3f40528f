"""What every benchmark shares: starting a service on a free port, and writing its results (JSON, with the machine and the date).

Each benchmark writes `benchmarks/results/NAME.json`; the report's landing page, chapter 7a and the
README render their figures from those files (`artcolor.data.benchmark_result`, `tools/results.py`), never from numbers typed by hand.
"""
import datetime, json, os, platform, subprocess, time, urllib.request
from pathlib import Path

from artcolor.parallel import usable_cores
from artcolor.testing.replica import free_port

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / 'benchmarks' / 'results'


def machine() -> dict:
    "The machine a result was measured on."
    cores = usable_cores()
    cpu = next((l.split(':', 1)[1].strip() for l in Path('/proc/cpuinfo').read_text().splitlines() if l.startswith('model name')), platform.processor()) \
        if Path('/proc/cpuinfo').exists() else platform.processor()
    return {'cores': cores, 'cpu': cpu, 'python': platform.python_version(), 'system': platform.platform(terse=True)}


def save_result(name: str, result: dict, command: str | None = None) -> Path:
    "Write `result` to benchmarks/results/NAME.json with the date, the machine and the command that measured it."
    RESULTS.mkdir(parents=True, exist_ok=True)
    doc = {'benchmark': name, 'command': command or f'.venv/bin/python benchmarks/{name}.py',
           'date': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'), 'machine': machine(), **result}
    path = RESULTS / f'{name}.json'
    path.write_text(json.dumps(doc, indent=1, default=float) + '\n')
    print(f'-> {path.relative_to(ROOT)}')
    return path


def start_service(cmd: list, env: dict | None = None, ready_path: str = '/docs', seconds: float = 90):
    "Start a service command with {port} filled in; returns (process, port) once `ready_path` answers."
    port = free_port()
    proc = subprocess.Popen([c.format(port=port) for c in cmd], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})})
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f'http://127.0.0.1:{port}{ready_path}', timeout=1); return proc, port
        except OSError: time.sleep(0.3)
    proc.kill(); raise RuntimeError(f'{cmd} did not start')


def stop_service(proc):
    proc.terminate()
    try: proc.wait(30)
    except subprocess.TimeoutExpired: proc.kill()
