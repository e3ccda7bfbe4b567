"""``nonlin.sklearn.MLPRegressor(loss=MeanSquaredLogarithmicError())`` warns, as
``Sequential.fit`` does, that its unbounded (identity) output can give predictions below
``1e-7``, which get no gradient (session 20's leftover: the estimator said nothing)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import nonlin

pytest.importorskip("sklearn")
from nonlin.sklearn import MLPRegressor  # noqa: E402

FIRST = re.escape("MeanSquaredLogarithmicError takes values >= 0 (below 1e-7 their gradient "
                  "is 0), but the model's last layer, Dense (")


def _data() -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(0).normal(size=(30, 3))
    return X, np.abs(X @ np.array([1.0, 2.0, 3.0]))


def _warnings(call) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return [w for w in caught if w.category is UserWarning]


def _estimator(loss) -> MLPRegressor:
    return MLPRegressor(hidden_layer_sizes=(4,), max_iter=2, random_state=0, loss=loss)


def test_the_estimator_warns_as_sequential_fit_does() -> None:
    X, y = _data()
    msle = nonlin.MeanSquaredLogarithmicError()
    [from_fit] = _warnings(lambda: nonlin.Sequential([nonlin.Dense(4), nonlin.Dense(1)]).fit(
        X, y, loss=msle, optimizer="sgd", verbose=0))
    [from_estimator] = _warnings(lambda: _estimator(msle).fit(X, y))
    assert re.match(FIRST, str(from_fit.message)) and re.match(FIRST, str(from_estimator.message))
    assert from_estimator.category is from_fit.category is UserWarning
    text = str(from_estimator.message)
    assert "gives unbounded values." in text and "np.log1p(y)" in text
    assert from_estimator.filename == __file__  # the user's line, as fit's


def test_partial_fit_warns_too_and_the_object_is_left_as_given() -> None:
    X, y = _data()
    msle = nonlin.MeanSquaredLogarithmicError()
    est = _estimator(msle)
    for call in (lambda: est.partial_fit(X, y), lambda: est.partial_fit(X, y)):
        [w] = _warnings(call)
        assert re.match(FIRST, str(w.message)) and w.filename == __file__
    assert est.loss is msle and msle.reduction == "mean"


@pytest.mark.parametrize("loss", ["squared_error", "huber", nonlin.Huber(), nonlin.LogCosh(),
                                  nonlin.MeanAbsolutePercentageError()])
def test_other_losses_do_not_warn(loss) -> None:
    X, y = _data()
    assert not [w for w in _warnings(lambda: _estimator(loss).fit(X, y))
                if "gives unbounded values" in str(w.message)]


def test_negative_targets_are_refused_before_any_warning() -> None:
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="targets >= 0 for the mean squared logarithmic"):
            _estimator(nonlin.MeanSquaredLogarithmicError()).fit(X, y - 100)
