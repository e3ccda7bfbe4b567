"""A sparse X whose dense form would take 40 GB (50,000 x 100,000, 20 entries per row)
fits for one iteration and predicts within a small address-space limit and 200 MiB of
traced allocations (a dense batch of 500 rows would be 400 MB): run in a subprocess, so
that the old code's densifying fails there with a MemoryError rather than filling memory."""

import os
import subprocess
import sys

import pytest

pytest.importorskip("scipy.sparse")
pytest.importorskip("sklearn")
resource = pytest.importorskip("resource")

import nonlin  # noqa: E402

CHILD = r"""
import resource, tracemalloc, warnings
import numpy as np, scipy.sparse as sp
from nonlin.sklearn import MLPClassifier
warnings.simplefilter("ignore")
n, d, k = 50_000, 100_000, 20
rng = np.random.default_rng(0)
X = sp.csr_matrix((rng.random(n * k), rng.integers(0, d, n * k), np.arange(0, n * k + 1, k)),
                  shape=(n, d))
y = rng.integers(0, 2, n)
with open("/proc/self/status") as status:
    vm = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize"))
resource.setrlimit(resource.RLIMIT_AS, (vm + 2 * 2**30, resource.getrlimit(resource.RLIMIT_AS)[1]))
tracemalloc.start()
est = MLPClassifier((8,), max_iter=1, batch_size=500, random_state=0).fit(X, y)
proba = est.predict_proba(X)
peak = tracemalloc.get_traced_memory()[1]
assert proba.shape == (n, 2) and np.isfinite(proba).all()
print("peak MiB", peak / 2**20)
assert peak < 200 * 2**20, peak
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads /proc (Linux)")
def test_a_40_gb_sparse_x_fits_in_a_small_memory_limit():
    src = os.path.dirname(os.path.dirname(nonlin.__file__))
    env = {**os.environ, "PYTHONPATH": src, "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "peak MiB" in done.stdout
