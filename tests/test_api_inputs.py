"""Inputs of the Python API: label dtypes, class weights and validation_split, NumPy scalars
as numbers, values beyond a float32 model's range, fresh predict outputs, predict's batch_size."""

from __future__ import annotations

import numpy as np
import pytest

from nonlin import (
    CrossEntropy,
    Dense,
    Sequential,
    Softmax,
)
from nonlin.metrics import Accuracy, TopKAccuracy
from nonlin.validation import check_labels

FIT = dict(loss="cross_entropy", optimizer="adam", epochs=1, batch_size=8, verbose=0, seed=0)


def _task(n=40, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 4)), rng.integers(0, k, n)


# -- 1. class labels of any float width, and booleans ------------------------------------
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int8, np.uint16])
def test_integral_labels_of_any_dtype_train_and_evaluate_like_int64(dtype) -> None:
    X, y = _task()
    results = []
    for labels in (y, y.astype(dtype)):
        model = Sequential([Dense(3), Softmax()])
        history = model.fit(X, labels, validation_data=(X, labels), metrics=["accuracy"], **FIT)
        results.append((history.history, model.evaluate(X, labels, metrics=["top_k_accuracy"])))
    assert results[0] == results[1]


def test_bool_labels_are_classes_0_and_1_everywhere() -> None:
    X, y = _task(k=2)
    yb = y.astype(bool)
    results = []
    for labels in (y, yb):
        model = Sequential([Dense(2), Softmax()])
        history = model.fit(X, labels, validation_split=0.25, **FIT)
        p = model.predict(X)
        results.append((history.history, model.evaluate(X, labels), CrossEntropy()(labels, p),
                        CrossEntropy().grad(labels, p), Accuracy()(labels, p),
                        TopKAccuracy(1)(labels, p)))
    for a, b in zip(*results, strict=True):
        np.testing.assert_equal(a, b)


def test_bool_labels_are_not_a_mask_when_n_samples_equals_n_classes() -> None:
    p = np.array([[0.9, 0.1], [0.2, 0.8]])
    labels = np.array([False, True])  # classes 0 and 1: -log(0.9) and -log(0.8)
    assert CrossEntropy()(labels, p) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, bool, ">i4", np.uint64])
def test_check_labels_converts_to_int64(dtype) -> None:
    labels = check_labels(np.array([0, 1, 1, 0], dtype=dtype), 2)
    assert labels.dtype == np.int64 and labels.tolist() == [0, 1, 1, 0]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_fractional_labels_are_refused_with_the_value(dtype) -> None:
    X, _ = _task(n=4)
    y = np.array([0, 1, 0.5, 1], dtype=dtype)
    with pytest.raises(ValueError, match=r"integer class labels in y. Received y\[2\]=0.5"):
        Sequential([Dense(2), Softmax()]).fit(X, y, **FIT)
    with pytest.raises(ValueError, match=r"Received y_true\[2\]=0.5"):
        CrossEntropy()(y, np.full((4, 2), 0.5))


