"""Regressions from the session-32 numerical fuzzing (``benchmarks/fuzz_numerics.py``).

``BinaryFocalCrossentropy(from_logits=True)``: the gradient of a confident right positive
(target 1, logit past 15.9 in float32, 36.0 in float64) took ``p - 1`` with ``p`` rounded
to 1, which lost ``-(1 - p)``: a third (gamma 2) to two thirds (gamma 0.5) of the gradient.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("hypothesis")  # the dev extra's; a minimal install skips this module
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import nonlin  # noqa: E402


def focal_grad_reference(z: float, gamma: float) -> float:
    """dL/dz of the binary focal loss at target 1, logit z > 0: -s^gamma (gamma b p + s)
    with e = exp(-z), s = 1 - p = e / (1 + e), p = 1 / (1 + e), b = -log p = log1p(e):
    no cancellation, a few ulps of float64 (checked against mpmath at 50 digits)."""
    e = math.exp(-z)
    s, p, b = e / (1 + e), 1 / (1 + e), math.log1p(e)
    return -(s ** gamma) * (gamma * b * p + s)


def focal_grad(z: float, gamma: float, dtype: type, **kw: object) -> float:
    loss = nonlin.BinaryFocalCrossentropy(from_logits=True, gamma=gamma, **kw)
    return float(loss.grad(np.ones((1, 1), dtype), np.full((1, 1), z, dtype))[0, 0])


@pytest.mark.parametrize(("dtype", "z"), [(np.float32, 16.5), (np.float32, 17.5),
                                          (np.float64, 37.0), (np.float64, 38.0),
                                          (np.float64, 80.0), (np.float64, 130.0)])
@pytest.mark.parametrize("gamma", [2.0, 0.5, 3.0])
def test_focal_logits_gradient_of_a_confident_right_positive(dtype: type, z: float,
                                                             gamma: float) -> None:
    ref = focal_grad_reference(z, gamma)
    assert ref < 0 and abs(ref) > np.finfo(dtype).tiny * 2**20  # normal, well inside range
    rtol = 1e-5 if dtype == np.float32 else 1e-13
    assert focal_grad(z, gamma, dtype) == pytest.approx(ref, rel=rtol, abs=0)


def test_focal_logits_gradient_with_class_balancing_and_a_wrong_negative() -> None:
    """The other entries beyond the threshold: a target 0 at a large logit (p - y = p,
    no cancellation) is unchanged, and class balancing scales the fixed term by alpha."""
    z, gamma, alpha = 30.0, 2.0, 0.25
    got = focal_grad(z, gamma, np.float32, apply_class_balancing=True, alpha=alpha)
    assert got == pytest.approx(alpha * focal_grad_reference(z, gamma), rel=1e-5, abs=0)
    loss = nonlin.BinaryFocalCrossentropy(from_logits=True, gamma=gamma)
    wrong = loss.grad(np.zeros((1, 1), np.float32), np.full((1, 1), z, np.float32))
    assert wrong.dtype == np.float32 and wrong[0, 0] == pytest.approx(1.0, rel=1e-5, abs=0)


@settings(max_examples=40, derandomize=True, deadline=None, database=None)
@given(z=st.floats(16.0, 85.0), gamma=st.sampled_from([0.5, 1.0, 2.0, 4.0]))
def test_focal_logits_gradient_relative_accuracy_float32(z: float, gamma: float) -> None:
    ref = focal_grad_reference(float(np.float32(z)), gamma)
    if not abs(ref) > np.finfo(np.float32).tiny * 2**10:  # left to underflow
        return
    got = focal_grad(z, gamma, np.float32)
    assert math.isfinite(got) and got == pytest.approx(ref, rel=1e-5, abs=0)
