"""Differential numerics audit: hard inputs checked against float64 references
(and PyTorch where it is installed)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nonlin.losses import CrossEntropy


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_one_hot_logits_spanning_the_float_range_stay_finite(dtype) -> None:
    # log_softmax promises stability for any finite z; z - max overflows to -inf for a
    # row spanning +-max, and a one-hot (or soft) target's 0 * -inf made the loss NaN.
    big = np.finfo(dtype).max
    z = np.array([[big, -big, 0.0], [1.0, 2.0, 3.0]], dtype=dtype)
    labels = np.array([0, 2])
    loss = CrossEntropy(from_logits=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for y in (np.eye(3, dtype=dtype)[labels], np.array([[1.0, 0, 0], [0.2, 0.3, 0.5]])):
            value = loss(y, z)
            assert np.isfinite(value)
            assert np.all(np.isfinite(loss.grad(y, z)))
        assert loss(np.eye(3, dtype=dtype)[labels], z) == pytest.approx(loss(labels, z), rel=1e-6)
