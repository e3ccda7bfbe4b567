"""An imbalanced tabular classifier (fraud, churn: 1-5 % positives), as a Keras,
PyTorch or scikit-learn practitioner trains one with nonlin (session 32)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
from nonlin.metrics import AUC


def _data(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = (X[:, 0] > 1.6).astype(int)  # about 5 % positives
    return X, y


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4, activation="relu"),
                              nonlin.Dense(1, activation="sigmoid")])


def _fit(model: nonlin.Sequential, X: np.ndarray, y: np.ndarray, **kwargs: object) -> object:
    return model.fit(X, y, epochs=1, batch_size=64, loss="binary_crossentropy",
                     optimizer="adam", verbose=0, seed=0, **kwargs)


def test_validation_data_without_a_positive_warns_naming_the_metrics() -> None:
    # a validation window holding no fraud: val_auc and val_recall read 0 every epoch, and
    # EarlyStopping(monitor="val_auc") stopped on them without a word
    X, y = _data()
    X_val, y_val = X[y == 0][:50], y[y == 0][:50]
    with pytest.warns(UserWarning, match=r"The validation_data rows hold no positive \(y > 0\) "
                      r"label in their 50 rows: 'auc', 'prc', 'recall' read 0"):
        history = _fit(_model(), X, y, validation_data=(X_val, y_val),
                       metrics=["auc", AUC(curve="PR", name="prc"), "precision", "recall"])
    assert history.history["val_auc"] == [0.0]  # Keras' value, kept


def test_validation_split_of_one_class_warns() -> None:
    X, y = _data()
    order = np.argsort(y, kind="stable")[::-1]  # positives first: the last rows hold none
    with pytest.warns(UserWarning, match=r"The validation_split rows hold no positive.*'auc'"):
        _fit(_model(), X[order], y[order], validation_split=0.1, metrics=["auc"])


def test_evaluate_on_rows_without_a_negative_warns_for_roc_auc_only() -> None:
    X, y = _data()
    model = _model()
    _fit(model, X, y)
    with pytest.warns(UserWarning, match=r"The evaluated rows hold no negative \(y <= 0\) label "
                      r"in their \d+ rows: 'auc' read 0"):
        model.evaluate(X[y == 1], y[y == 1],
                       metrics=["auc", AUC(curve="PR", name="prc"), "recall"])


def test_zero_weighted_positives_do_not_count() -> None:
    X, y = _data()
    model = _model()
    _fit(model, X, y)
    w = np.where(y == 1, 0.0, 1.0)
    with pytest.warns(UserWarning, match="hold no positive"):
        model.evaluate(X, y, sample_weight=w, metrics=["auc"])


def test_rows_of_both_classes_or_other_metrics_do_not_warn() -> None:
    X, y = _data()
    model = _model()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _fit(model, X, y, validation_data=(X[:100], y[:100]), metrics=["auc", "recall"])
        model.evaluate(X[y == 0], y[y == 0], metrics=["precision", "binary_accuracy"])


def _softmax_fit(metrics: list[object]) -> dict[str, list[float]]:
    X, y = _data()
    model = nonlin.Sequential([nonlin.Dense(2, activation="softmax")])  # no ties at 0.5
    return model.fit(X, y, epochs=1, batch_size=64, loss="sparse_categorical_crossentropy",
                     optimizer="adam", verbose=0, seed=0, metrics=metrics).history


@pytest.mark.parametrize("name", ["precision", "Recall"])
def test_precision_or_recall_named_on_a_binary_softmax_warns(name: str) -> None:
    # the PyTorch habit (2 logits, cross-entropy on labels) with metrics=["precision"]:
    # both one-hot columns are counted, and the "precision" logged was the accuracy
    cls = "Precision" if name == "precision" else "Recall"
    with pytest.warns(UserWarning, match=rf"The metric '{name}' counts every output column.*"
                      rf"reads the accuracy.*nonlin\.metrics\.{cls}\(class_id=1, "
                      rf"name='{name}'\)"):
        history = _softmax_fit(["accuracy", name])
    assert history[name] == history["accuracy"]  # what the warning says (Keras' counts, kept)


def test_class_id_metrics_on_a_binary_softmax_match_sklearn_and_do_not_warn() -> None:
    from sklearn.metrics import precision_score, recall_score

    from nonlin.metrics import Precision, Recall

    X, y = _data()
    model = nonlin.Sequential([nonlin.Dense(4, activation="relu"),
                               nonlin.Dense(2, activation="softmax")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, y, epochs=3, batch_size=64, loss="sparse_categorical_crossentropy",
                  optimizer="adam", verbose=0, seed=0, class_weight={0: 1.0, 1: 10.0})
        scores = model.evaluate(X, y, metrics=[Precision(class_id=1), Recall(class_id=1)])
    predicted = model.predict(X).argmax(axis=1)
    assert scores["precision"] == pytest.approx(precision_score(y, predicted), abs=1e-12)
    assert scores["recall"] == pytest.approx(recall_score(y, predicted), abs=1e-12)


def test_two_regression_outputs_or_softmax_logits_do_not_warn() -> None:
    # guard: the warning is for probabilities of a 2-class softmax only
    from nonlin.losses import CrossEntropy, MeanSquaredError
    from nonlin.metrics import get_metric

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        get_metric("precision", loss=MeanSquaredError(), n_outputs=2)
        get_metric("recall", loss=CrossEntropy(from_logits=True), n_outputs=2)
        get_metric("precision", loss=CrossEntropy(), n_outputs=3)
