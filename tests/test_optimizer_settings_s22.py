"""Session 22 (optset22): optimizer settings set after construction are checked by fit,
compile and train_on_batch as the constructor checks them; centered RMSprop's ``v - a^2``
clamped at 0 (float32 rounding made it negative: NaN weights)."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import RMSprop
from nonlin.core import Param


def test_centered_rmsprop_float32_rounding_gives_no_nan() -> None:
    # v >= a^2 exactly; in float32, a constant g = 6720.277 with rho=0.5 makes v - a^2
    # about -2 at step 23, below -epsilon: sqrt gave NaN weights
    p = Param(np.zeros(1, np.float32))
    opt = RMSprop(0.001, rho=0.5, centered=True)
    reached = False
    with np.errstate(invalid="raise"):  # sqrt of a negative: FloatingPointError before
        for _ in range(40):
            p.grad[...] = np.float32(6720.277)
            opt.step([p])
            v, a = opt._param_slots["v"][0], opt._param_slots["average_gradient"][0]
            reached = reached or bool((v - a * a + np.float32(opt.epsilon) < 0).any())
    assert reached  # the case is reached
    assert np.isfinite(p.value).all()


def test_centered_rmsprop_unchanged_where_the_variance_is_not_negative() -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal(50)
    p = Param(w.copy())
    opt = RMSprop(0.01, centered=True, momentum=0.5)
    v = np.zeros(50)
    a = np.zeros(50)
    b = np.zeros(50)
    for _ in range(5):
        g = rng.standard_normal(50)
        p.grad[...] = g
        opt.step([p])
        v = 0.9 * v + (1 - 0.9) * (g * g)
        a = 0.9 * a + (1 - 0.9) * g
        b = 0.5 * b + 0.01 * g / np.sqrt(v - a * a + 1e-7)
        w = w - b
    np.testing.assert_allclose(p.value, w, rtol=1e-12, atol=1e-14)
