"""Review of the session-32 numerics fuzzing merge (``BinaryFocalCrossentropy``'s kept
difference, ``CategoricalFocalCrossentropy`` from logits on confident right rows).

* ``BinaryFocalCrossentropy(gamma=0)`` is ``BinaryCrossEntropy``, bit for bit (the guide
  says so): the kept difference of a confident right positive had made it differ.
* ``CategoricalFocalCrossentropy(from_logits=True)``: a confident right row (the top logit's
  lead past ~15 in float32, ~35 in float64) got a gradient 0 or several times off, and a
  loss 0; against mpmath at 60 digits. ``gamma=0`` keeps ``CrossEntropy``'s bits (guard).
"""

from __future__ import annotations

import numpy as np
import pytest

mpmath = pytest.importorskip("mpmath")  # the dev extra's (the references at 60 digits)

import nonlin  # noqa: E402
from nonlin._scratch import using  # noqa: E402


def categorical_reference(y, z, gamma, alpha, smoothing=0.0, weights=None):
    """Mean loss and gradient of the categorical focal loss from logits, in mpmath:
    ``L_i = -sum_j a_j y_j (1 - p_j)^gamma log p_j``, ``dp_j/dz_k = p_j (d_jk - p_k)``."""
    mpmath.mp.dps = 60
    n, k = z.shape
    alphas = list(alpha) if isinstance(alpha, tuple) else [alpha] * k
    weights = np.ones(n) if weights is None else weights
    total, grad = mpmath.mpf(0), np.empty((n, k))
    for i in range(n):
        row = [mpmath.mpf(float(v)) for v in z[i]]
        lse = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in row))
        logp = [v - lse for v in row]
        p = [mpmath.exp(v) for v in logp]
        q = [mpmath.fsum(p[m] for m in range(k) if m != j) for j in range(k)]  # 1 - p_j
        t = [mpmath.mpf(float(y[i, j])) * (1 - smoothing) + mpmath.mpf(smoothing) / k
             for j in range(k)]
        w = mpmath.mpf(float(weights[i]))
        total += w * -mpmath.fsum(alphas[j] * t[j] * q[j] ** gamma * logp[j] for j in range(k))
        dldp = [-alphas[j] * t[j] * (-gamma * q[j] ** (gamma - 1) * logp[j] + q[j] ** gamma
                                     / p[j]) for j in range(k)]
        for m in range(k):
            g = mpmath.fsum(dldp[j] * p[j] * ((j == m) - p[m]) for j in range(k))
            grad[i, m] = float(w * g / n)
    return float(total / n), grad


CASES = [  # (dtype, logits, targets): confident right rows, past the threshold
    (np.float32, [[0.0, 16.5]], [[0.0, 1.0]]),
    (np.float32, [[0.0, 20.0], [3.0, -1.0]], [[0.0, 1.0], [1.0, 0.0]]),
    (np.float32, [[-2.0, 18.0, 1.0]], [[0.0, 1.0, 0.0]]),
    (np.float32, [[16.5, 0.0, 0.0]], [[1.0, 0.0, 0.0]]),  # 1 - p = 1.15 eps, summed as 2 eps
    (np.float64, [[0.0, 38.0]], [[0.0, 1.0]]),
    (np.float64, [[1.0, -3.0, 40.0], [0.5, 0.0, -0.5]], [[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]),
]


@pytest.mark.parametrize(("dtype", "z", "y"), CASES)
@pytest.mark.parametrize(("gamma", "alpha"), [(2.0, 0.25), (0.5, 1.0), (3.0, (0.2, 0.5, 0.3))])
def test_categorical_focal_logits_confident_right_rows(dtype, z, y, gamma, alpha):
    z, y = np.array(z, dtype), np.array(y, dtype)
    if isinstance(alpha, tuple):
        alpha = alpha[: z.shape[1]]
    loss = nonlin.CategoricalFocalCrossentropy(from_logits=True, gamma=gamma, alpha=alpha)
    value, ref = categorical_reference(y, z, gamma, alpha)
    grad = loss.grad(y, z)
    rtol = 1e-4 if dtype == np.float32 else 1e-12  # float32: the rounding of a lead-4 row
    assert grad.dtype == dtype
    np.testing.assert_allclose(grad, ref, rtol=rtol, atol=0)
    assert float(loss(y, z)) == pytest.approx(value, rel=rtol, abs=0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_categorical_focal_logits_confident_rows_smoothing_and_weights(dtype):
    lead = 17.0 if dtype == np.float32 else 37.5
    z = np.array([[0.0, lead, -1.0], [lead, 0.5, 0.0], [0.3, 0.0, 2.0]], dtype)
    y = np.eye(3, dtype=dtype)[[1, 0, 2]]
    w = np.array([0.5, 2.0, 1.0])
    for smoothing in (0.0, 0.1):
        loss = nonlin.CategoricalFocalCrossentropy(from_logits=True, label_smoothing=smoothing)
        value, ref = categorical_reference(y, z, 2.0, 0.25, smoothing, w)
        rtol = 1e-5 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(loss.grad(y, z, sample_weight=w), ref, rtol=rtol, atol=0)
        assert float(loss(y, z, sample_weight=w)) == pytest.approx(value, rel=rtol, abs=0)
    labels = np.array([1, 0, 2])  # integer labels: the same rows
    loss = nonlin.CategoricalFocalCrossentropy(from_logits=True)
    np.testing.assert_array_equal(loss.grad(labels, z), loss.grad(y, z))
    pool: dict = {}
    with using(pool):  # as in fit: the buffers of a pool, twice, the same bits
        first = loss.grad_terms(y, z, np.empty_like(z)).copy()
        second = loss.grad_terms(y, z, np.empty_like(z))
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, loss.grad_terms(y, z, np.empty_like(z)))
    np.testing.assert_allclose(first / 3, categorical_reference(y, z, 2.0, 0.25)[1],
                               rtol=1e-5 if dtype == np.float32 else 1e-12, atol=0)


@pytest.mark.parametrize(("dtype", "z"), [(np.float32, 16.5), (np.float32, 30.0),
                                          (np.float64, 37.0), (np.float64, 60.0)])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_binary_focal_gamma_zero_is_binary_cross_entropy_bit_for_bit_far_out(dtype, z,
                                                                             smoothing):
    y = np.array([[1.0, 0.0, 1.0]], dtype)
    zz = np.array([[z, -z, 2.0]], dtype)
    focal = nonlin.BinaryFocalCrossentropy(gamma=0.0, from_logits=True,
                                           label_smoothing=smoothing)
    bce = nonlin.BinaryCrossEntropy(from_logits=True, label_smoothing=smoothing)
    np.testing.assert_array_equal(focal.grad(y, zz), bce.grad(y, zz))
    assert focal(y, zz) == bce(y, zz)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_categorical_focal_gamma_zero_keeps_cross_entropy_bits_far_out(dtype):
    """Guard (passes before and after): gamma 0 stays CrossEntropy's bits past the lead."""
    z = np.array([[0.0, 40.0, 1.0], [2.0, 0.0, 1.0]], dtype)
    y = np.eye(3, dtype=dtype)[[1, 0]]
    focal = nonlin.CategoricalFocalCrossentropy(gamma=0.0, alpha=1.0, from_logits=True,
                                                label_smoothing=0.1)
    ce = nonlin.CrossEntropy(from_logits=True, label_smoothing=0.1)
    np.testing.assert_array_equal(focal.grad(y, z), ce.grad(y, z))
