"""A ``Metric`` subclass without a name of its own logs under its class name in snake case,
Keras 3's ``auto_name`` (``F1Score`` -> ``"f1_score"``), not as ``"metric"``; every built-in
metric keeps its name."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import metrics
from nonlin.metrics import AUC, Accuracy, Metric, get_metric


class F1Score(Metric):
    def _compute(self, y_true: np.ndarray, y_pred: np.ndarray, w: Any) -> float:
        return 0.5


class HTTPErrorRate(F1Score):  # below an auto-named class: named after itself
    pass


class Named(Metric):
    name = "mine"


class BelowNamed(Named):  # an explicit class name is inherited, as Keras' __init__ default
    pass


class MyAccuracy(Accuracy):  # Keras: a subclass of Accuracy() is still "accuracy"
    pass


def test_a_subclass_without_a_name_is_named_after_its_class_as_in_keras() -> None:
    assert F1Score().name == "f1_score"  # was "metric"
    assert HTTPErrorRate().name == "http_error_rate"
    assert F1Score(name="f1").name == "f1"
    assert (Named().name, BelowNamed().name, MyAccuracy().name) == ("mine", "mine", "accuracy")
    assert Metric().name == "metric"


def test_fit_logs_the_class_name() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 2)), rng.integers(0, 2, 20)
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    history = model.fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=1, seed=0,
                        verbose=0, validation_split=0.25, metrics=[F1Score(), F1Score()])
    assert {"f1_score", "val_f1_score", "f1_score_1", "val_f1_score_1"} <= set(history.history)


@pytest.mark.parametrize(("name", "expected"), [
    ("FooBar", "foo_bar"), ("F1Score", "f1_score"), ("HTTPErrorRate", "http_error_rate"),
    ("AUC", "auc"), ("R2Score", "r2_score"), ("Top5Accuracy", "top5_accuracy"),
    ("my_metric", "my_metric"),
])
def test_snake_case_is_keras_to_snake_case(name: str, expected: str) -> None:
    from nonlin._metric_names import snake_case

    assert snake_case(name) == expected


# every built-in class's default name, and every registry name's metric, as before
BUILT_IN = {"Accuracy": "accuracy", "BinaryAccuracy": "binary_accuracy",
            "TopKAccuracy": "top_5_accuracy", "AUC": "auc", "Precision": "precision",
            "Recall": "recall", "MeanAbsoluteError": "mae", "MeanSquaredError": "mse",
            "RootMeanSquaredError": "rmse", "R2Score": "r2",
            "MeanAbsolutePercentageError": "mean_absolute_percentage_error"}


@pytest.mark.parametrize("cls_name", sorted(BUILT_IN))
def test_built_in_metric_names_are_unchanged(cls_name: str) -> None:
    assert getattr(metrics, cls_name)().name == BUILT_IN[cls_name]


def test_every_registry_name_logs_as_written_and_auc_keeps_its_name() -> None:
    for name in metrics.METRICS:
        assert get_metric(name).name == name
    assert AUC(curve="PR").name == "auc"
    assert get_metric(np.mean).name == "mean"  # a function: its own name, as before
