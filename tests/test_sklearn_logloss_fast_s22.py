"""``BatchObjective``'s log loss takes its row maxima down the columns of ``z``'s transpose
and reduces through ``np.add.reduce`` into buffers kept per batch shape (session 22, for
speed): the same bits as the plain formula ``z.max(axis=1)``, ``sum(axis=1)``, also for
signed-zero ties, infinities and NaN, and a bounded number of buffers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nonlin._sklearn_rules import BatchObjective
from nonlin.core import Param


def _plain(y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The per-sample losses and gradient as written before session 22."""
    eps = np.finfo(z.dtype).eps
    shifted = z - z.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sums = exp.sum(axis=1)
    picked = (y * shifted).sum(axis=1)
    log_p = np.minimum(np.maximum(picked - np.log(sums), math.log(eps)), math.log1p(-eps))
    grad = (exp / sums[:, None] - y) * (1.0 / z.shape[0])
    return -log_p, grad


def _batch(dtype: type, n: int, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, k)).astype(dtype) * 30
    z[0] = [0.0, -0.0] * (k // 2)  # a maximum tied between +0 and -0
    z[1, 0], z[2, 1], z[3, 2] = np.inf, -np.inf, np.nan
    z[4, :] = -1e300 if dtype == np.float64 else -3e38
    z[4, 3] = 0.0  # one entry left after the shift: log(sums) == 0
    y = np.eye(k, dtype=dtype)[rng.integers(0, k, n)]
    return y, z


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log_loss_bits_as_the_plain_formula(dtype: type) -> None:
    objective = BatchObjective("log_loss", 0.0, [Param(np.zeros((3, 2)))])
    with np.errstate(all="ignore"):
        for n, k in ((200, 10), (147, 10), (33, 4), (200, 10)):  # batch shapes come back
            y, z = _batch(dtype, n, k, seed=n + k)
            losses = objective._sample_losses(y, z).copy()
            grad = objective._grad(y, z)
            want_losses, want_grad = _plain(y, z)
            assert losses.tobytes() == want_losses.astype(dtype).tobytes()
            assert grad.tobytes() == want_grad.astype(dtype).tobytes()


def test_log_loss_buffers_stay_few() -> None:
    """partial_fit's batches of many sizes: buffers for at most four shapes."""
    objective = BatchObjective("log_loss", 0.0, [Param(np.zeros((3, 2)))])
    for n in range(1, 30):
        y, z = _batch(np.float64, n + 5, 10, seed=n)
        with np.errstate(all="ignore"):
            objective._sample_losses(y, z)
    assert len(objective._bufs) <= 4
