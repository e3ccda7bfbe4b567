"""Review of s32-regress32: the Poisson divergence names the last layer only when it gave a
negative prediction (and names that prediction), and the large-target hint is given only
for losses whose targets may be standardized (MSE, MAE, Huber, LogCosh)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin


def _counts(n: int, rate: float) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 3)), rng.poisson(rate, size=(n, 1)).astype(float)


def test_poisson_nan_from_overflowed_predictions_is_not_blamed_on_the_last_layer() -> None:
    """Weights that overflow every prediction to inf: the loss is NaN (inf - y log inf)
    before any step, with no prediction below 0: the data or weights, not the last layer."""
    X = np.ones((8, 2))
    y = np.full((8, 1), 2.0)
    model = nonlin.Sequential([nonlin.Dense(1)])
    model.build(2)
    model.set_weights([np.array([[1e308], [1e308]]), np.array([-np.finfo(float).max])])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Poisson under a Dense: fit warns
        with pytest.raises(nonlin.DivergenceError) as info:
            model.fit(X, y, loss="poisson", optimizer=nonlin.SGD(0.01), epochs=1, verbose=0)
    message = str(info.value)
    assert "before any update of this fit" in message, message
    assert "below 0" not in message, message


def test_poisson_nan_names_the_negative_prediction_it_came_from() -> None:
    X, y = _counts(64, 3.0)
    model = nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(1)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(nonlin.DivergenceError) as info:
            model.fit(X, y + 5, loss="poisson", optimizer=nonlin.SGD(1e3), epochs=5,
                      batch_size=16, seed=0, verbose=0)
    message = str(info.value)
    assert "Dense (layers[2]), gave (p = -" in message, message
    p = float(message.split("(p = ")[1].split(" on this batch")[0])
    assert p < 0


def test_poisson_from_a_generator_names_the_negative_prediction_too() -> None:
    """Guard (passes before and after, wording aside): the batch source's loop takes the
    same path; the message names the layer and no data overflow."""
    X, y = _counts(64, 3.0)

    def batches():
        while True:
            for start in range(0, 64, 16):
                yield X[start:start + 16], y[start:start + 16] + 5

    model = nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(1)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(nonlin.DivergenceError) as info:
            model.fit(batches(), loss="poisson", optimizer=nonlin.SGD(1e3), epochs=5,
                      steps_per_epoch=4, seed=0, verbose=0)
    assert "Dense (layers[2])" in str(info.value) and "overflow" not in str(info.value)


@pytest.mark.parametrize("loss,last", [("poisson", "exp"), ("mape", None)])
def test_large_target_hint_only_where_standardized_targets_are_valid(loss, last) -> None:
    """Counts of about 500 under Poisson (standardized, they are negative: refused) or
    MAPE (near 0, it divides by them): a divergence there does not say to standardize."""
    X, y = _counts(200, 500.0)
    layers = [nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(1)]
    if last == "exp":
        layers.append(nonlin.Exp())
    model = nonlin.Sequential(layers)
    with pytest.raises(nonlin.DivergenceError, match="Lower the learning rate") as info:
        model.fit(X, y, loss=loss, optimizer=nonlin.SGD(1e6), epochs=20, seed=0, verbose=0)
    assert "targets reach" not in str(info.value)


def test_large_target_hint_under_huber_and_mae_still_given() -> None:
    """Guard (passes before and after): the losses that take any real target keep it."""
    X, y = _counts(200, 1.0)
    y = (X @ np.array([1.0, -2.0, 0.5]))[:, None] * 1e5
    for loss in ("huber", "mae"):
        model = nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(1)])
        with pytest.raises(nonlin.DivergenceError) as info:
            model.fit(X, y, loss=loss, optimizer=nonlin.SGD(1e6), epochs=20, seed=0,
                      verbose=0)
        assert "targets reach" in str(info.value), (loss, str(info.value))


@pytest.mark.parametrize("first", ["variance_weighted_average", "uniform_average"])
def test_r2_score_refuses_an_aggregation_given_as_its_name(first: str) -> None:
    """Keras' ``R2Score("variance_weighted_average")`` aggregates so; nonlin's first
    argument is the name: it named a uniform-average metric after the aggregation."""
    from nonlin.metrics import R2Score

    with pytest.raises(ValueError, match="class_aggregation=") as info:
        R2Score(first)
    assert f"name='{first}'" in str(info.value)
    assert R2Score("r2vw", class_aggregation="variance_weighted_average").name == "r2vw"
