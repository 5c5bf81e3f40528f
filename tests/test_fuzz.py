"A short fuzzing pass over the image reader and the upload path (`make fuzz` runs it for minutes)."
import os, subprocess, sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNS = os.environ.get('ARTCOLOR_FUZZ_RUNS', '2000')   # artcolor's own code instrumented: 2,000 runs take seconds


@pytest.mark.parametrize('target', ['load_image', 'upload'])
def test_fuzz_finds_nothing(target, tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / 'tests' / 'fuzz' / 'targets.py'), target, str(tmp_path / 'corpus'),
                          f'-runs={RUNS}', '-timeout=5', '-rss_limit_mb=3072', '-max_len=300000', f'-artifact_prefix={tmp_path}/'],
                         cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, 'PYTHONPATH': str(ROOT)})
    assert out.returncode == 0, out.stderr[-3000:]
    assert 'Done' in out.stderr, out.stderr[-1000:]
