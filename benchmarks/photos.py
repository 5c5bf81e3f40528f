"""Photographs: what a 12- or 48-megapixel upload costs artcolor, against its own thumbnail and against palette libraries.

    .venv/bin/python benchmarks/photos.py [--scenes 40]      (`make bench`; the palette libraries come with the [bench] extra)

1. **In-process, the same files** (12-MP and 48-MP JPEG, PNG and WebP photographs, a 48-MP digital PNG
   of about 1.2 MB, and a 218-px thumbnail): artcolor's full answer (`Predictor.predict_image`: family, probabilities, familiarity, palette, shares) against
   fast-colorthief, modern_colorthief and Pylette, which give a palette only. Median seconds of 3
   runs, and the peak memory each adds, measured in a fresh process per file and tool.
2. **Through the service** (`python -m api`, as `make serve`): `--scenes` different 12-MP scenes (chapter
   0b's `photo_scenes`) and their own 218-px thumbnails: how often both get the same family, and the
   photo's median latency against its floor, the file's DCT-scaled decode at 1/8 plus a thumbnail's latency.
3. **Eight concurrent 48-MP uploads**: no errors, and how much each worker's peak memory grows.
4. **A 48-MP PNG through the service** (the digital one, within every limit): its answer, its latency, the
   family its own 218-px thumbnail gets, and the growth of each worker's peak memory.

Targets (issue 22): same family in at least 39 of 40 scenes; median latency at most 1.5x the floor; peak
growth at most 200 MB per worker; a 12-MP photo's full answer at least 3x faster than fast-colorthief's
palette. Issue 29: PNG and WebP read row by row, so the 48-MP PNG answers 200 with its thumbnail's family
and a worker's peak grows by at most 150 MB. Results go to `benchmarks/results/photos.json`, with the
machine and the date.
"""
import argparse, json, statistics, subprocess, sys, tempfile, time, urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.common import save_result, start_service, stop_service  # noqa: E402

TOOLS = {
    'artcolor (full answer)': "from artcolor.predict import Predictor; p = Predictor.load(); run = lambda f: p.predict_image(f)",
    'fast-colorthief (palette)': "import fast_colorthief; run = lambda f: fast_colorthief.get_palette(f, 5)",
    'modern_colorthief (palette)': "import modern_colorthief; run = lambda f: modern_colorthief.get_palette(f, 5)",
    'Pylette (palette)': "import pylette; run = lambda f: pylette.extract_colors(f, 5)",
}
# Peak memory is this process's VmHWM: getrusage's ru_maxrss would start from the parent's resident size (Linux
# carries it across fork and exec), so the growth of a child smaller than this benchmark read 0.
MEASURE = """import re, statistics, sys, time
{setup}
hwm = lambda: int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())[1]) / 1024
f = sys.argv[1]
base = hwm()                                                  # after the imports (and artcolor's model): what the file adds
times = []
for _ in range(3):                                            # the median leaves out a slower first call
    t = time.perf_counter(); run(f); times.append(time.perf_counter() - t)
print(statistics.median(times), hwm() - base)
"""


def in_process(files: dict) -> dict:
    "Median seconds and peak-memory growth (MB) of each tool on each file, each in a fresh interpreter."
    out = {}
    for tool, setup in TOOLS.items():
        for name, path in files.items():
            r = subprocess.run([sys.executable, '-c', MEASURE.format(setup=setup), str(path)], cwd=ROOT, capture_output=True, text=True)
            if r.returncode: out[f'{tool} | {name}'] = {'error': r.stderr.strip().splitlines()[-1]}; continue
            s, mb = map(float, r.stdout.split())
            out[f'{tool} | {name}'] = {'seconds': s, 'peak_growth_mb': mb}
            print(f'{tool:30s} {name:22s} {s * 1e3:9.1f} ms  +{mb:6.0f} MB', flush=True)
    return out


def post(port: int, data: bytes) -> tuple[float, dict]:
    body = (b'--b\r\nContent-Disposition: form-data; name="file"; filename="p"\r\nContent-Type: application/octet-stream\r\n\r\n'
            + data + b'\r\n--b--\r\n')
    req = urllib.request.Request(f'http://127.0.0.1:{port}/classify', body, {'Content-Type': 'multipart/form-data; boundary=b'})
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as r: answer = json.loads(r.read())
    return time.perf_counter() - t, answer


def dct_decode_seconds(data: bytes) -> float:
    "The file's decode at 1/8 scale by libjpeg (the entropy decoding no reader can skip): median of 3."
    buf, times = np.frombuffer(data, np.uint8), []
    for _ in range(3):
        t = time.perf_counter(); cv2.imdecode(buf, cv2.IMREAD_REDUCED_COLOR_8); times.append(time.perf_counter() - t)
    return statistics.median(times)


def worker_peaks(pid: int) -> dict:
    "VmHWM (peak resident memory, MB) of each worker process under the service `pid`."
    out = {}
    for child in subprocess.run(['pgrep', '-P', str(pid)], capture_output=True, text=True).stdout.split():
        try:
            if 'spawn_main' not in Path(f'/proc/{child}/cmdline').read_text(errors='replace'): continue
            hwm = next(l for l in Path(f'/proc/{child}/status').read_text().splitlines() if l.startswith('VmHWM'))
            out[int(child)] = int(hwm.split()[1]) / 1024
        except (OSError, StopIteration): pass
    return out


def smooth_48mp() -> np.ndarray:
    "A 48-MP digital picture (flat blocks on a horizontal ramp, faint row noise), as tests/test_intake.py's: a PNG of about 1.2 MB."
    rng = np.random.default_rng(0)
    img = np.repeat(np.repeat(rng.integers(40, 200, (12, 16, 3), dtype=np.uint8), 500, 0), 500, 1)
    img += (np.arange(8000) * 48 // 8000).astype(np.uint8)[None, :, None]
    img += rng.integers(0, 3, (6000, 1, 1), dtype=np.uint8)
    return img


def through_service(scenes: list, big48: bytes, png48: tuple) -> dict:
    from artcolor.images import shrink
    from artcolor.testing.specimens import encode
    proc, port = start_service([sys.executable, '-m', 'api', '--host', '127.0.0.1', '--port', '{port}'])
    try:
        photo_s, thumb_s, same, floors = [], [], 0, []
        for img in scenes:
            jpg, thumb = encode(img, '.jpg', cv2.IMWRITE_JPEG_QUALITY, 90), encode(shrink(img), '.jpg', cv2.IMWRITE_JPEG_QUALITY, 90)
            (tp, a), (tt, b) = post(port, jpg), post(port, thumb)
            photo_s.append(tp); thumb_s.append(tt); same += a['label'] == b['label']; floors.append(dct_decode_seconds(jpg))
        floor = statistics.median(floors) + statistics.median(thumb_s)
        before = worker_peaks(proc.pid)
        with ThreadPoolExecutor(8) as ex: answers = list(ex.map(lambda _: post(port, big48)[1], range(8)))
        after = worker_peaks(proc.pid)
        png, png_thumb = png48                                    # then the 48-MP PNG, twice (each worker may get one)
        (t1, p1), (t2, p2), (_, pt) = post(port, png), post(port, png), post(port, png_thumb)
        after_png = worker_peaks(proc.pid)
    finally:
        stop_service(proc)
    growth = {pid: after[pid] - before.get(pid, after[pid]) for pid in after}
    png_growth = {pid: after_png[pid] - after.get(pid, after_png[pid]) for pid in after_png}
    return {'scenes': len(scenes), 'same_family': same, 'photo_median_s': statistics.median(photo_s), 'thumbnail_median_s': statistics.median(thumb_s),
            'floor_s': floor, 'latency_over_floor': statistics.median(photo_s) / floor,
            'concurrent_48mp': {'uploads': 8, 'errors': sum('label' not in a for a in answers), 'bytes': len(big48),
                                'worker_peak_growth_mb': max(growth.values()) if growth else None},
            'png_48mp': {'bytes': len(png), 'seconds': [t1, t2], 'labels': [p1.get('label'), p2.get('label')],
                         'thumbnail_label': pt.get('label'), 'same_family': p1.get('label') == p2.get('label') == pt.get('label'),
                         'worker_peak_growth_mb': max(png_growth.values()) if png_growth else None}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--scenes', type=int, default=40)
    a = ap.parse_args()
    from artcolor.images import shrink
    from artcolor.testing.specimens import encode, photo, photo_scenes
    with tempfile.TemporaryDirectory() as d:
        d, files = Path(d), {}
        for mp, size in (('12-MP', (3000, 4000)), ('48-MP', (6000, 8000))):
            img = photo(1, size)
            for kind, ext, params in (('JPEG', '.jpg', (cv2.IMWRITE_JPEG_QUALITY, 90)), ('PNG', '.png', (cv2.IMWRITE_PNG_COMPRESSION, 1)),
                                      ('WebP', '.webp', (cv2.IMWRITE_WEBP_QUALITY, 90))):
                files[f'{mp} {kind}'] = d / f'{mp}{ext}'; files[f'{mp} {kind}'].write_bytes(encode(img, ext, *params))
        smooth = smooth_48mp()
        png48 = (encode(smooth, '.png', cv2.IMWRITE_PNG_COMPRESSION, 1), encode(shrink(smooth), '.png'))
        files['48-MP digital PNG'] = d / 'digital.png'; files['48-MP digital PNG'].write_bytes(png48[0])
        files['218-px thumbnail'] = d / 'thumb.jpg'; files['218-px thumbnail'].write_bytes(encode(photo(1, (218, 291)), '.jpg'))
        big48 = encode(photo(0, (6000, 8000), noise=2), '.jpg', cv2.IMWRITE_JPEG_QUALITY, 80)
        tools = in_process(files)
    service = through_service(photo_scenes(a.scenes, (3000, 4000)), big48, png48)
    full, fct = tools['artcolor (full answer) | 12-MP JPEG'], tools.get('fast-colorthief (palette) | 12-MP JPEG', {})
    result = {'in_process': tools, 'service': service,
              'twelve_mp_vs_fast_colorthief': fct.get('seconds', float('nan')) / full['seconds']}
    print(json.dumps(service, indent=1))
    print(f"same family {service['same_family']}/{service['scenes']} (target >= 39/40); photo latency / floor = {service['latency_over_floor']:.2f} "
          f"(target <= 1.5); 8 x 48 MP: worker peak +{service['concurrent_48mp']['worker_peak_growth_mb']:.0f} MB (target <= 200), "
          f"{service['concurrent_48mp']['errors']} errors; 12 MP full answer vs fast-colorthief palette: {result['twelve_mp_vs_fast_colorthief']:.1f}x faster (target >= 3)")
    png = service['png_48mp']
    print(f"48-MP PNG ({png['bytes'] / 1e6:.1f} MB) through the service: {png['labels']} in {max(png['seconds']):.2f} s, its thumbnail "
          f"{png['thumbnail_label']}; worker peak +{png['worker_peak_growth_mb']:.0f} MB (target <= 150)")
    for kind in ('PNG', 'WebP', 'digital PNG'):
        for mp in ('12-MP', '48-MP'):
            r = tools.get(f'artcolor (full answer) | {mp} {kind}')
            if r and 'seconds' in r: print(f"artcolor, {mp} {kind}: {r['seconds']:.2f} s, +{r['peak_growth_mb']:.0f} MB")
    save_result('photos', result)


if __name__ == '__main__':
    main()
