"""Numerical parity with PyTorch (and Keras 3's formulas, written out here).

Every test that imports torch (``pytest.importorskip``: torch is not a dev
dependency, CI skips them) has a torch-free twin that checks the same behaviour
against the formula, so CI still verifies it. float64 throughout.
"""

from __future__ import annotations

import numpy as np
import pytest

from nonlin import losses as L
from nonlin.core import Param

_RNG = np.random.default_rng(0)
_W0 = [_RNG.normal(size=(4, 3)), _RNG.normal(size=(3,))]
_A = [_RNG.normal(size=(4, 3)), _RNG.normal(size=(3,))]
_STEPS = 6


def _grad(ws):
    """The gradient of ``sum(A sin(w)) + sum(w^4) / 4``: it changes with ``w``."""
    return [a * np.cos(w) + w**3 for a, w in zip(_A, ws, strict=True)]


def _run_nonlin(opt, steps=_STEPS):
    ps = [Param(w.copy()) for w in _W0]
    for _ in range(steps):
        for p, g in zip(ps, _grad([p.value for p in ps]), strict=True):
            p.grad[...] = g
        opt.step(ps)
    return [p.value for p in ps]


def _maxdiff(a, b):
    pairs = zip(a, b, strict=True)
    return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in pairs)


def _torch():
    torch = pytest.importorskip("torch")
    torch.set_default_dtype(torch.float64)
    return torch


# -- cross-entropy from logits: the gradient of the loss it computes ----------

_Z = np.array([[1.0, -0.5, 2.0], [0.3, 0.1, -1.0]])
_Y_ROWS = np.array([[0.5, 0.2, 0.1], [1.0, 1.0, 0.0]])  # rows summing to 0.8 and 2


def test_cross_entropy_logits_gradient_for_rows_not_summing_to_one_matches_torch():
    torch = _torch()
    z = torch.tensor(_Z, requires_grad=True)
    value = torch.nn.functional.cross_entropy(z, torch.tensor(_Y_ROWS))
    value.backward()
    loss = L.CrossEntropy(from_logits=True)
    assert loss(_Y_ROWS, _Z) == pytest.approx(value.item(), rel=1e-14)
    np.testing.assert_allclose(loss.grad(_Y_ROWS, _Z), z.grad.numpy(), rtol=0, atol=1e-15)


def test_cross_entropy_logits_gradient_for_rows_not_summing_to_one_is_the_derivative():
    # L_i = -sum_j y_ij (z_ij - logsumexp(z_i)): dL_i/dz_ij = s_i softmax(z_i)_j - y_ij
    p = np.exp(_Z) / np.exp(_Z).sum(axis=1, keepdims=True)
    expected = (_Y_ROWS.sum(axis=1, keepdims=True) * p - _Y_ROWS) / len(_Z)
    loss = L.CrossEntropy(from_logits=True)
    np.testing.assert_allclose(loss.grad(_Y_ROWS, _Z), expected, rtol=1e-14, atol=1e-16)
    h, e = 1e-6, np.zeros_like(_Z)  # central differences of the value agree too
    e[1, 2] = h
    numeric = (loss(_Y_ROWS, _Z + e) - loss(_Y_ROWS, _Z - e)) / (2 * h)
    assert loss.grad(_Y_ROWS, _Z)[1, 2] == pytest.approx(numeric, rel=1e-7)
