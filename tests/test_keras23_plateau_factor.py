"""``ReduceLROnPlateau``'s ``factor``: Keras 3 refuses only ``factor >= 1.0``
(keras/src/callbacks/reduce_lr_on_plateau.py); 0, or a negative factor, takes the rate to
``min_lr`` at the first reduction (``max(lr * factor, min_lr)``), and it stays there."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nonlin
from nonlin.callbacks import ReduceLROnPlateau


def _rates(factor: float, min_lr: float) -> list[float]:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 1))
    model = nonlin.Sequential([nonlin.Dense(1)])
    plateau = ReduceLROnPlateau(monitor="loss", factor=factor, patience=0, min_delta=1e9,
                                min_lr=min_lr)
    history = model.fit(X, y, loss="mse", optimizer=nonlin.SGD(lr=0.1), epochs=4, verbose=0,
                        seed=0, callbacks=[plateau])
    return [*history.history["learning_rate"], model.optimizer.lr]


@pytest.mark.parametrize("factor", [0, 0.0, -0.5, -3])
def test_a_factor_of_zero_or_below_drops_the_rate_to_min_lr(factor: float) -> None:
    # the first epoch sets best; each later one "fails" (min_delta=1e9) and reduces
    assert _rates(factor, 0.0) == [0.1, 0.1, 0.0, 0.0, 0.0]
    assert _rates(factor, 0.01) == [0.1, 0.1, 0.01, 0.01, 0.01]


def test_a_factor_in_zero_one_is_unchanged() -> None:
    assert _rates(0.5, 0.0) == [0.1, 0.1, 0.05, 0.025, 0.0125]


@pytest.mark.parametrize("factor", [1, 1.0, 2.5, math.inf, math.nan, -math.inf, "0.5", None])
def test_one_or_more_and_non_finite_factors_are_refused(factor: object) -> None:
    with pytest.raises(ValueError, match=r"^Expected a finite factor < 1\.0 .*Received: factor="):
        ReduceLROnPlateau(factor=factor)  # type: ignore[arg-type]
