"""Schedules with extreme but legal parameters: a growing rate that overflows float64
is refused by name and step (Keras' float32 gives inf), underflow gives 0.0, and no
RuntimeWarning escapes (pytest turns them into errors here)."""

from __future__ import annotations

import numpy as np
import pytest

from nonlin import SGD
from nonlin.core import Param
from nonlin.schedules import CosineDecay, ExponentialDecay, StepDecay


@pytest.mark.parametrize("step", [1100, np.int64(1100)])
@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay_that_overflows_names_the_step(step, staircase) -> None:
    # keras/src/optimizers/schedules/learning_rate_schedule.py allows decay_rate > 1
    schedule = ExponentialDecay(0.1, decay_steps=1, decay_rate=2.0, staircase=staircase)
    assert schedule(1000) == 0.1 * 2.0**1000  # still finite: returned as computed
    with pytest.raises(ValueError, match=r"Expected a finite learning rate from "
                       r"ExponentialDecay\(lr=0.1, .*\)\. Received: step=1100, "):
        schedule(step)
    with pytest.raises(ValueError, match="Received: step=1021"):
        ExponentialDecay(1e10, 1, 2.0)(1021)  # the power is finite, the product is not


def test_step_decay_that_overflows_names_the_step() -> None:
    with pytest.raises(ValueError, match=r"StepDecay\(.*gamma=10.0\)\. Received: step=400"):
        StepDecay(0.1, step_size=1, gamma=10.0)(np.int64(400))


def test_underflow_gives_zero_silently() -> None:
    assert ExponentialDecay(0.1, 1, 0.5)(np.int64(5000)) == 0.0
    assert StepDecay(0.1, 1, gamma=1e-3)(np.int64(500)) == 0.0


def test_cosine_warm_up_with_a_huge_peak_stays_finite() -> None:
    # Keras' order, (lr - warmup_from) * (step / warmup_steps): no overflow on the way
    assert CosineDecay(1e308, 10, warmup_steps=10)(5) == 5e307


def test_an_optimizer_stepping_into_overflow_changes_nothing() -> None:
    p = Param(np.ones(2), "w")
    opt = SGD(ExponentialDecay(0.1, decay_steps=1, decay_rate=2.0))
    opt.iterations = 1100
    p.grad[...] = 1.0
    with pytest.raises(ValueError, match="step=1100"):
        opt.step([p])
    np.testing.assert_array_equal(p.value, [1.0, 1.0])
