"""Review s8 (API leftovers): metric functions, chunked predict, path types, class_weight,
layer ownership under threads, plots of extreme data."""

from __future__ import annotations

import numpy as np
import pytest

from nonlin import Dense, Sequential, Softmax
from nonlin.core import Layer

FIT = dict(loss="cross_entropy", optimizer="sgd", epochs=1, batch_size=8, verbose=0, seed=0)


def _task(n=24, k=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 3)), rng.integers(0, k, n)


# -- 1. a metric function cannot write into the user's arrays -----------------------------------
def _scribbler(seen):
    def scribble(y_true, y_pred):
        seen.append((len(y_true), y_true.flags.writeable, y_pred.flags.writeable))
        for arr in (y_true, y_pred):
            if arr.flags.writeable:
                arr[...] = 7
        return 0.0
    return scribble


def test_metric_functions_see_read_only_views_in_fit_validation_and_evaluate() -> None:
    X, y = _task()
    Xv, yv = _task(10, seed=1)
    kept = [a.copy() for a in (X, y, Xv, yv)]
    seen: list[tuple[int, bool, bool]] = []
    model = Sequential([Dense(2), Softmax()])
    model.fit(X, y, metrics=[_scribbler(seen)], validation_data=(Xv, yv), **FIT)
    model.evaluate(X, y, metrics=[_scribbler(seen)])
    assert sorted({n for n, *_ in seen}) == [10, 24]  # training, validation and evaluate
    assert all(not w_true and not w_pred for _, w_true, w_pred in seen)
    for now, before in zip((X, y, Xv, yv), kept, strict=True):
        np.testing.assert_array_equal(now, before)


# -- 2. chunked predict / evaluate refuse a chunk of the wrong shape ----------------------------
class _Cut(Layer):
    """Its build keeps the width (the Layer default), its forward returns ``x[rows, cols]``."""

    def __init__(self, rows=slice(None), cols=slice(None)):
        self.rows, self.cols = rows, cols

    def forward(self, x, *, training=False):
        return x[self.rows, self.cols].copy()

    def backward(self, grad_out):
        return grad_out


@pytest.mark.parametrize(("layer", "received"), [
    (_Cut(cols=slice(0, 1)), r"\(4, 1\)"), (_Cut(rows=slice(0, 1)), r"\(1, 3\)")])
def test_chunked_predict_refuses_outputs_of_another_shape_instead_of_broadcasting(
        layer, received) -> None:
    X = np.random.default_rng(0).normal(size=(10, 3))
    model = Sequential([layer]).build(3, seed=0)
    with pytest.raises(ValueError, match=r"rows 0:4 of shape \(4, 3\).*Received shape " + received):
        model.predict(X, batch_size=4)
    with pytest.raises(ValueError, match=r"Received shape " + received):
        model.evaluate(X, X, loss="mse", batch_size=4, metrics=[lambda a, b: 0.0])


def test_chunked_predict_still_matches_one_pass() -> None:
    X, y = _task(10)
    model = Sequential([Dense(2), Softmax()]).build(3, seed=0)
    np.testing.assert_array_equal(model.predict(X, batch_size=4), model.predict(X))
