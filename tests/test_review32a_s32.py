"""Review of the session-32 imbalanced-classification warnings (``_one_class_scores``,
``metrics._warn_pooled``): false warnings on models of several outputs, metrics that read
0 without a warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
from nonlin._at_metrics import SensitivityAtSpecificity, SpecificityAtSensitivity
from nonlin.metrics import AUC, Recall


def _data(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    return X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5).astype(int)  # labels 0, 1, 2


def _softmax(k: int, X: np.ndarray, y: np.ndarray) -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(k, activation="softmax")])
    model.fit(X, y, epochs=2, batch_size=32, loss="sparse_categorical_crossentropy",
              optimizer="adam", verbose=0, seed=0)
    return model


@pytest.mark.parametrize("k", [2, 3])
def test_integer_labels_of_one_class_on_a_softmax_do_not_warn(k: int) -> None:
    # the labels are one-hot for the metrics: the pooled columns hold both classes, and
    # 'auc' and 'recall' do not read 0 (the merged check took label 0 for "no positive")
    X, y = _data()
    y = np.minimum(y, k - 1)
    model = _softmax(k, X, y)
    zeros = y == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scores = model.evaluate(X[zeros], y[zeros], metrics=["auc", Recall()])
        model.fit(X, y, epochs=1, verbose=0, seed=0, metrics=[AUC(), Recall()],
                  validation_data=(X[zeros], y[zeros]))
    assert scores["auc"] > 0 and scores["recall"] > 0


def _sigmoid() -> tuple[nonlin.Sequential, np.ndarray, np.ndarray]:
    X, y = _data()
    y = (y > 0).astype(int)
    model = nonlin.Sequential([nonlin.Dense(1, activation="sigmoid")])
    model.fit(X, y, epochs=2, batch_size=32, loss="binary_crossentropy", optimizer="adam",
              verbose=0, seed=0)
    return model, X, y


def test_specificity_metrics_on_rows_without_a_negative_warn() -> None:
    # a specificity of 0/0 reads 0 (Keras' divide_no_nan): both read 0 on positives alone
    model, X, y = _sigmoid()
    metrics = [SensitivityAtSpecificity(0.5, name="sens"),
               SpecificityAtSensitivity(0.5, name="spec"), AUC(curve="PR", name="prc")]
    with pytest.warns(UserWarning, match=r"hold no negative \(y <= 0\) label in their \d+ "
                      r"rows: 'sens', 'spec' read 0"):
        scores = model.evaluate(X[y == 1], y[y == 1], metrics=metrics)
    assert scores["sens"] == 0.0 and scores["spec"] == 0.0


def test_zero_weights_count_no_row_and_the_count_names_the_weighted_rows() -> None:
    # guard (passes before and after): the weight masks replaced a copy of y
    model, X, y = _sigmoid()
    w = np.where(y == 1, 0.0, 1.0)
    with pytest.warns(UserWarning, match=rf"in their {int((y == 0).sum())} rows"):
        model.evaluate(X, y, sample_weight=w, metrics=["auc"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.evaluate(X, y, sample_weight=np.zeros(len(y)), metrics=["auc"])
