"""Start-up of the service: time and memory to import `api.main` and to load the model, in fresh processes.

    .venv/bin/python benchmarks/startup.py [--runs 5]

The baseline, measured in the same run, is the same start-up plus the plotting stack that the
service used to import through `artcolor.models` (matplotlib's pyplot and seaborn): what
`import api.main` cost before serving and plotting were separated (2.2 s and 230 MB then).
It also lists any module of the report, scraping or notebook tool-chain that the service imports:
there must be none.
"""
import argparse, json, statistics, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ('matplotlib', 'seaborn', 'selenium', 'IPython', 'jupyter_book', 'nbdev')
PROBE = """
import json, resource, sys, time
t = time.perf_counter()
{extra}
import api.main
t_import = time.perf_counter() - t
from artcolor.predict import Predictor
Predictor.load()
print(json.dumps({{'import_s': t_import, 'ready_s': time.perf_counter() - t,
                  'rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  'heavy': sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r}))}}))
"""


def measure(extra: str, runs: int) -> dict:
    "Median of `runs` fresh interpreters (the first one also warms the disk cache and is dropped)."
    out = []
    for _ in range(runs + 1):
        r = subprocess.run([sys.executable, '-c', PROBE.format(extra=extra, heavy=HEAVY)], cwd=ROOT,
                           capture_output=True, text=True, check=True)
        out.append(json.loads(r.stdout))
    out = out[1:]
    return {k: statistics.median(o[k] for o in out) for k in ('import_s', 'ready_s', 'rss_mb')} | {'heavy': out[0]['heavy']}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--runs', type=int, default=5)
    a = ap.parse_args()
    now = measure('', a.runs)
    before = measure('import matplotlib.pyplot, seaborn', a.runs)
    for name, m in (('api.main now', now), ('with the plotting stack (the old shape)', before)):
        print(f"{name:42s} import {m['import_s']:.2f} s, ready (model loaded) {m['ready_s']:.2f} s, "
              f"peak memory {m['rss_mb']:.0f} MB, report/scrape/notebook modules: {', '.join(m['heavy']) or 'none'}")
    print(f"ratio: start-up {before['ready_s'] / now['ready_s']:.2f}x faster, memory {before['rss_mb'] / now['rss_mb']:.2f}x smaller")
    from benchmarks.common import save_result
    save_result('startup', {'runs': a.runs, 'service': now, 'with_plotting_stack': before})
    if now['heavy']: sys.exit(f"FAIL: the service imports {now['heavy']}")


if __name__ == '__main__':
    main()
