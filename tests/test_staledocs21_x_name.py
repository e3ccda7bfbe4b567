"""``fit``, ``evaluate``, ``predict`` and the ``*_on_batch`` methods take Keras' first parameter,
``x`` (since modelaudit): their messages name ``x``, as their signatures do, where they said
``X``. Functions whose parameter is ``X`` (``nonlin.tutorial.train``) still say ``X``."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
from nonlin import tutorial

FIT = {"loss": "cross_entropy", "optimizer": "sgd", "epochs": 1, "verbose": 0}


def _data() -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(0).normal(size=(12, 3))
    return X, (X[:, 0] > 0).astype(int)


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]).build(3, seed=0)


def _holed() -> np.ndarray:
    X, _ = _data()
    X[4, 1] = np.nan
    return X


@pytest.mark.parametrize("call", [
    lambda m, X, y: m.fit(X, y, **FIT),
    lambda m, X, y: m.evaluate(X, y, loss="cross_entropy"),
    lambda m, X, y: m.predict(X),
    lambda m, X, y: m.predict(X, batch_size=2),
    lambda m, X, y: m.train_on_batch(X, y),
])
def test_a_non_finite_input_names_x(call) -> None:
    _, y = _data()
    model = _model()
    model.compile(optimizer="sgd", loss="cross_entropy")
    with pytest.raises(ValueError, match=r"^Expected finite values in x\. Received NaN"):
        call(model, _holed(), y)


def test_text_input_names_x() -> None:
    _, y = _data()
    with pytest.raises(TypeError, match=r"^Expected a real numeric array for x\. "):
        _model().fit(np.array([["a", "b", "c"]] * 12), y, **FIT)


def test_targets_of_another_length_name_their_inputs() -> None:
    X, y = _data()
    with pytest.raises(ValueError, match=r"^Expected y with 12 rows, one per sample of x\. "):
        _model().fit(X, y[:5], **FIT)
    with pytest.raises(ValueError, match=r"^Expected X_val targets with 12 rows, one per sample "
                                         r"of X_val\. "):
        _model().fit(X, y, validation_data=(X, y[:5]), **FIT)


def test_y_left_out_says_when_x_may_be_a_source() -> None:
    X, _ = _data()
    with pytest.raises(TypeError, match=r"leave y out only when x is a batch source"):
        _model().evaluate(X, loss="cross_entropy")


def test_more_steps_than_batches_warns_naming_x() -> None:
    X, y = _data()
    with pytest.warns(UserWarning, match=r"^steps=9 asks for more batches than x holds"):
        _model().predict(X, steps=9, batch_size=4)


def test_steps_per_epoch_refusal_slices_x() -> None:
    X, y = _data()
    with pytest.raises(ValueError, match=r"fewer rows \(x\[:4\], y\[:4\]\)"):
        _model().fit(X, y, batch_size=2, steps_per_epoch=2, **FIT)


def test_data_that_overflows_before_any_step_names_x() -> None:
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(nonlin.DivergenceError, match=r"the data \(x or y\)"):
            nonlin.Sequential([nonlin.Dense(1)]).fit(X, X[:, :1] * 1e300, loss="mse",
                                                     optimizer="sgd", epochs=1, verbose=0,
                                                     seed=0)


def test_the_tutorial_keeps_its_own_parameter_name() -> None:
    X = tutorial.X_XOR.copy()
    X[3, 2] = np.inf
    with pytest.raises(ValueError, match=r"^Expected finite values in X\. "):
        tutorial.train(X, tutorial.Y_XOR)
    with pytest.raises(ValueError, match=r"one per sample of X\. "):
        tutorial.train(tutorial.X_XOR, tutorial.Y_XOR[:2])
