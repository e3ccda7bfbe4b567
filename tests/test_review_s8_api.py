"""Review s8 (API leftovers): metric functions, chunked predict, path types, class_weight,
layer ownership under threads, plots of extreme data."""

from __future__ import annotations

import numpy as np

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


class _Identity(Layer):
    def forward(self, x, *, training=False):
        return x

    def backward(self, grad_out):
        return grad_out


def test_a_metric_function_cannot_write_through_outputs_that_are_the_users_X() -> None:
    X = np.random.default_rng(0).normal(size=(6, 2))
    kept = X.copy()
    model = Sequential([_Identity()]).build(2, seed=0)
    model.evaluate(X, X, loss="mse", metrics=[_scribbler([])])
    np.testing.assert_array_equal(X, kept)
