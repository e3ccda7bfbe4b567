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


def _normalized_reference(x: np.ndarray) -> np.ndarray:
    """``(x - mean) / sqrt(var + 1e-3)`` per column, in float64 from exactly summed means."""
    import math

    x64 = x.astype(np.float64)
    mean = np.array([math.fsum(col) for col in x64.T]) / x.shape[0]
    var = np.array([math.fsum(col) for col in ((x64 - mean) ** 2).T]) / x.shape[0]
    return (x64 - mean) / np.sqrt(var + 1e-3)


@pytest.mark.parametrize("offset", [1e4, 1e5])
def test_batchnorm_float32_batch_mean_does_not_drift_for_large_offsets(offset) -> None:
    # A float32 column sum (NumPy adds axis-0 rows one by one) drifted by several ulps of
    # the mean, which x - mean then amplified: 5x PyTorch's error at 1e5 + N(0, 1).
    from nonlin.normalization import BatchNorm

    rng = np.random.default_rng(0)
    x = (offset + rng.standard_normal((256, 4))).astype(np.float32)
    layer = BatchNorm()
    layer.build(4, rng)
    layer.cast_state(np.float32)
    layer.gamma.value = layer.gamma.value.astype(np.float32)
    layer.beta.value = layer.beta.value.astype(np.float32)
    y = layer.forward(x, training=True)
    # float32 inputs near 1e5 are spaced 0.0078 apart; the result may not be much worse
    assert np.abs(y - _normalized_reference(x)).max() < 2 * np.spacing(np.float32(offset))
    torch = pytest.importorskip("torch")
    ref = torch.nn.functional.batch_norm(torch.tensor(x), None, None, training=True, eps=1e-3)
    worst_torch = np.abs(ref.numpy() - _normalized_reference(x)).max()
    assert np.abs(y - _normalized_reference(x)).max() <= 1.5 * worst_torch


@pytest.mark.parametrize(("dtype", "eps"), [(np.float32, "1e-7"), (np.float64, "1e-15")])
def test_probability_clipping_is_the_documented_epsilon(dtype, eps) -> None:
    from nonlin.losses import BinaryCrossEntropy

    for cls in (BinaryCrossEntropy, CrossEntropy):
        assert eps in cls.__doc__  # the docstring states the value in use
    eps = float(eps)
    p = np.array([[0.0, 1.0]], dtype=dtype)
    low, high = np.log(dtype(eps)), np.log1p(-dtype(1 - eps))  # log p at the clipped ends
    assert CrossEntropy()(np.array([0]), p) == pytest.approx(-low, rel=1e-6)
    assert BinaryCrossEntropy()(np.array([[1.0, 0.0]]), p) == pytest.approx(-low - high, rel=1e-6)
