"""Multilabel review (session 33, multilabel33b): ``class_weight`` on a multilabel target in
``Sequential.fit`` warns (Keras' arg-max weighs a row of several labels by its first one),
keeping Keras' weights."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin

_Y = np.array([[1, 1, 0], [0, 0, 1], [1, 0, 1], [0, 1, 0]] * 5)
_X = np.random.default_rng(0).normal(size=(len(_Y), 2))


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(3), nonlin.Sigmoid()])


def _fit(y: np.ndarray, **kwargs: object) -> nonlin.Sequential:
    model = _model()
    model.fit(_X, y, loss="binary_crossentropy", optimizer="adam", epochs=2, seed=0,
              verbose=0, **kwargs)
    return model


def test_class_weight_on_multilabel_rows_warns_naming_a_row_and_the_way_out() -> None:
    with pytest.warns(UserWarning, match=r"arg-max column, as Keras 3 does.*\[1\., 1\., 0\.\]"
                      r".*compute_sample_weight") as caught:
        _fit(_Y, class_weight={0: 1.0, 1: 3.0})
    assert caught[0].filename == __file__  # points at the user's fit


def test_class_weight_on_rows_of_no_label_warns() -> None:
    y = np.array([[0, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]] * 5)
    with pytest.warns(UserWarning, match=r"several positive labels or of none.*\[0\., 0\., 0\.\]"):
        _fit(y, class_weight={2: 2.0})


def test_class_weight_on_multilabel_rows_keeps_keras_arg_max_weights() -> None:
    with pytest.warns(UserWarning, match="arg-max"):
        weighted = _fit(_Y, class_weight={0: 1.0, 1: 3.0, 2: 0.5})
    table = np.array([1.0, 3.0, 0.5])
    by_hand = _fit(_Y, sample_weight=table[_Y.argmax(axis=1)])
    for a, b in zip(weighted.get_weights(), by_hand.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_class_weight_on_multilabel_rows_warns_in_train_on_batch() -> None:
    model = _model()
    model.compile(optimizer="adam", loss="binary_crossentropy")
    with pytest.warns(UserWarning, match="arg-max column"):
        model.train_on_batch(_X, _Y, class_weight={1: 2.0})


def test_one_hot_and_probability_rows_do_not_warn() -> None:
    one_hot = np.eye(3)[[0, 1, 2, 1] * 5]
    soft = np.array([[0.4, 0.3, 0.3], [0.1, 0.8, 0.1]] * 10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _fit(one_hot, class_weight={1: 2.0})
        _fit(soft, class_weight={1: 2.0})
