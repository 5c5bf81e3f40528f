"""How model search grows with the rows: fit + 5-fold CV of every candidate at about 3k, 10k, 30k and 65k rows (the
whole site), and the exponent of a log-log fit of time against rows, locally or on a Dask scheduler.

    .venv/bin/python benchmarks/train_scale.py [--sizes 3000 10000 30000 65000] [--budget 120] [--scheduler local]

The rows are the real 2023 reference rows resampled with a small jitter (2% of each feature's spread): timing data
only, never used for accuracy. A measurement whose time, extrapolated from the smaller sizes already measured, would
exceed `--budget` seconds is not run; its predicted time is printed in brackets instead.
"""
import argparse, contextlib, time

import joblib
import numpy as np
from sklearn.base import clone
from sklearn.model_selection import cross_validate

from artcolor.data import load_dataset
from artcolor.features import FEATURE_NAMES
from artcolor.models import CV, candidates


def resampled(n: int, seed: int = 0):
    "n rows drawn (with replacement) from the real 2023 rows, with a 2% jitter: for timing only."
    df = load_dataset('gac2023'); rng = np.random.default_rng(seed)
    X, y = df[FEATURE_NAMES].to_numpy(float), df.color.to_numpy()
    idx = rng.integers(0, len(y), n)
    return X[idx] + rng.normal(0, 0.02, (n, X.shape[1])) * X.std(0), y[idx]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--sizes', type=int, nargs='+', default=[3000, 10000, 30000, 65000])
    ap.add_argument('--budget', type=float, default=120, help='largest predicted seconds for one measurement')
    ap.add_argument('--scheduler', help="a Dask scheduler's address or 'local' (default: this machine, 2 processes)")
    a = ap.parse_args()
    engine = contextlib.nullcontext()
    if a.scheduler:
        from artcolor.parallel import dask_client
        engine = contextlib.ExitStack(); engine.enter_context(dask_client(a.scheduler)); engine.enter_context(joblib.parallel_config(backend='dask'))
    data, results = {n: resampled(n) for n in a.sizes}, {}
    print(f"{'candidate':32s}" + ''.join(f"{n:>12,}" for n in a.sizes) + '   exponent')
    with engine:
        for name, (pipe, _) in candidates().items():
            measured, cells, times = {}, [], []
            for n in a.sizes:
                if len(measured) >= 2:
                    ns, ts = np.log(list(measured)), np.log(list(measured.values()))
                    k, c = np.polyfit(ns, ts, 1); predicted = float(np.exp(c) * n ** k)
                elif measured: predicted = list(measured.values())[-1] * (n / list(measured)[-1]) ** 2
                else: predicted = 0
                if predicted > a.budget:
                    cells.append(f"({predicted:,.0f} s)"); times.append((n, predicted, 'predicted')); continue
                X, y = data[n]
                t = time.perf_counter(); cross_validate(clone(pipe), X, y, cv=CV, n_jobs=-1); measured[n] = time.perf_counter() - t
                cells.append(f"{measured[n]:,.1f} s"); times.append((n, measured[n], 'measured'))
            k = np.polyfit(np.log(list(measured)), np.log(list(measured.values())), 1)[0] if len(measured) >= 2 else float('nan')
            print(f"{name:32s}" + ''.join(f"{c:>12s}" for c in cells) + f"   {k:8.2f}", flush=True)
            results[name] = {'times': times, 'exponent': float(k)}
    from benchmarks.common import save_result
    save_result('train_scale', {'sizes': a.sizes, 'budget_s': a.budget, 'scheduler': a.scheduler, 'candidates': results})


if __name__ == '__main__':
    main()
