"""A schedule of one's own giving a negative or NaN rate is refused, naming it and the step
(was: a negative rate climbed the loss silently; NaN ended as a divergence)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nonlin
from nonlin.schedules import Schedule


class _Falls(Schedule):
    """0.01 for two steps, then ``value``."""

    def __init__(self, value: float) -> None:
        self.value = value

    def __call__(self, step: int) -> float:
        return 0.01 if step < 2 else self.value

    def get_config(self) -> dict:
        return {"value": self.value}


@pytest.mark.parametrize("value", [-0.01, math.nan])
def test_fit_refuses_a_schedule_rate_below_0_or_nan(value: float) -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(1)])
    with pytest.raises(ValueError, match=r"learning rate >= 0 from the schedule .* at step 2"):
        model.fit(X, y, loss="mse", optimizer=nonlin.SGD(_Falls(value)), batch_size=10,
                  epochs=1, seed=0, verbose=0)


def test_a_rate_of_0_is_a_rate() -> None:
    opt = nonlin.Adam(_Falls(0.0))
    opt.iterations = 5
    assert opt.current_lr() == 0.0
