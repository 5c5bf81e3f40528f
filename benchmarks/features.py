"""Feature extraction benchmark: the 2023 classic NumPy features against `extract_features`, and
`extract_files` with 1 and 2 workers against the 2023 loop (imread + classic, one file at a time).
Rates are the best of 5 runs (the 2023 loop: one run, it is slow enough).

    .venv/bin/python benchmarks/features.py [--n 300]

Everything is measured in the same run on the same few hundred 218-px JPEGs (synthetic, with the
colour structure of paintings: smooth fields plus texture), so the ratios hold on any machine.
"""
import argparse, tempfile, time
from pathlib import Path
import cv2, numpy as np
from artcolor.features import classic_features, extract_features, extract_extended, extract_files


def make_jpegs(folder: Path, n: int, size: int = 218, seed: int = 0) -> list[Path]:
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(n):
        base = cv2.resize(rng.integers(0, 256, (4, 4, 3), dtype=np.uint8), (size, size), interpolation=cv2.INTER_CUBIC)
        noise = rng.normal(0, 18, (size, size, 3))
        img = np.clip(base + noise, 0, 255).astype(np.uint8)
        p = folder / f'{i:04d}.jpg'; cv2.imwrite(str(p), img, [cv2.IMWRITE_JPEG_QUALITY, 90]); paths.append(p)
    return paths


def per_image_ms(fn, imgs, repeat=3):
    best = float('inf')
    for _ in range(repeat):
        t = time.perf_counter()
        for im in imgs: fn(im)
        best = min(best, time.perf_counter() - t)
    return best / len(imgs) * 1e3


def rate(fn, n, repeat=5):
    "Files per second of the best of `repeat` runs (as timeit does: the others are the machine's noise)."
    best = float('inf')
    for _ in range(repeat):
        t = time.perf_counter(); fn(); best = min(best, time.perf_counter() - t)
    return n / best


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--n', type=int, default=300)
    n = ap.parse_args().n
    with tempfile.TemporaryDirectory() as d:
        paths = make_jpegs(Path(d), n)
        imgs = [cv2.imread(str(p)) for p in paths]
        worst = max(np.abs(extract_features(im) - classic_features(im)).max() for im in imgs)
        classic = per_image_ms(classic_features, imgs)
        fast = per_image_ms(extract_features, imgs)
        ext = per_image_ms(extract_extended, imgs)
        cv2.setNumThreads(1)
        fast1 = per_image_ms(extract_features, imgs)
        cv2.setNumThreads(-1)
        loop = rate(lambda: [classic_features(cv2.imread(str(p))) for p in paths], n, repeat=1)
        extract_files(paths[:16], n_jobs=2, chunk_size=4, progress=False)  # start the worker pool outside the timing
        one = rate(lambda: extract_files(paths, n_jobs=1, progress=False), n)
        two = rate(lambda: extract_files(paths, n_jobs=2, progress=False), n)
    print(f"{n} JPEGs of 218x218; largest |extract_features - classic| = {worst:.1e}")
    print(f"per image: classic {classic:.2f} ms | extract_features {fast:.3f} ms ({classic / fast:.1f}x), "
          f"one OpenCV thread {fast1:.3f} ms ({classic / fast1:.1f}x) | extract_extended {ext:.2f} ms")
    print(f"files/s: 2023 loop (imread + classic) {loop:.0f} | extract_files 1 worker {one:.0f} ({one / loop:.1f}x) "
          f"| 2 workers {two:.0f} ({two / loop:.1f}x, {two / one:.2f}x over 1 worker)")
    from benchmarks.common import save_result
    save_result('features', {'files': n, 'max_difference_from_classic': worst,
                             'per_image_ms': {'classic': classic, 'extract_features': fast, 'extract_features_one_thread': fast1, 'extract_extended': ext},
                             'files_per_second': {'2023 loop': loop, 'extract_files, 1 worker': one, 'extract_files, 2 workers': two},
                             'speedup_per_image': classic / fast, 'speedup_two_over_one': two / one, 'speedup_two_over_2023_loop': two / loop})


if __name__ == '__main__':
    main()
