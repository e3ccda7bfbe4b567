"""Keras names at the boundary: loss and metric strings, and logs keyed by the name given."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import metrics as nonlin_metrics
from nonlin import registry
from nonlin.losses import BinaryCrossEntropy, CrossEntropy
from nonlin.metrics import (
    Accuracy,
    BinaryAccuracy,
    MeanAbsoluteError,
    MeanSquaredError,
    RootMeanSquaredError,
    TopKAccuracy,
    get_metric,
)


def _classifier() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(5), nonlin.Tanh(), nonlin.Dense(3), nonlin.Softmax()])


def _data(n: int = 60):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4))
    return X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 1).astype(int)


@pytest.mark.parametrize("name", ["sparse_categorical_crossentropy", "categorical_crossentropy",
                                  "binary_crossentropy", "mse", "mae", "mean_squared_error"])
def test_keras_loss_names_resolve(name: str) -> None:
    registry.lookup("loss", name)


@pytest.mark.parametrize(("name", "cls"), [("cross_entropy", CrossEntropy),
                                           ("binary_cross_entropy", BinaryCrossEntropy)])
def test_pytorch_functional_loss_names_resolve(name: str, cls: type) -> None:
    """torch.nn.functional's names: cross_entropy resolved, binary_cross_entropy did not."""
    assert type(registry.loss(name)) is cls


def test_sparse_categorical_crossentropy_trains_on_labels_like_cross_entropy() -> None:
    X, y = _data()
    runs = [_classifier().fit(X, y, loss=loss, optimizer="adam", epochs=2, seed=0, verbose=0)
            for loss in ("sparse_categorical_crossentropy", "cross_entropy")]
    assert runs[0].history["loss"] == runs[1].history["loss"]


@pytest.mark.parametrize("name, cls", [
    ("acc", Accuracy), ("accuracy", Accuracy), ("categorical_accuracy", Accuracy),
    ("sparse_categorical_accuracy", Accuracy), ("binary_accuracy", BinaryAccuracy),
    ("top_k_categorical_accuracy", TopKAccuracy), ("sparse_top_k_categorical_accuracy",
                                                    TopKAccuracy),
    ("mse", MeanSquaredError), ("mae", MeanAbsoluteError), ("rmse", RootMeanSquaredError),
])
def test_keras_metric_names_resolve_under_the_name_given(name: str, cls: type) -> None:
    metric = get_metric(name, loss=CrossEntropy(), n_outputs=3)
    assert type(metric) is cls and metric.name == name
    assert registry.lookup("metric", name) is cls


def test_history_keys_each_metric_by_the_name_given() -> None:
    X, y = _data()
    history = _classifier().fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, seed=0,
                                metrics=["acc", "accuracy", "categorical_accuracy"],
                                validation_split=0.25, verbose=0)
    keys = {"acc", "accuracy", "categorical_accuracy"}
    assert keys | {"val_" + k for k in keys} | {"loss", "val_loss", "lr"} == set(history.history)
    assert history.history["acc"] == history.history["accuracy"]
    assert history.history["val_acc"] == history.history["val_categorical_accuracy"]
    model = _classifier().build(4, seed=0)
    scores = model.evaluate(X, y, loss="cross_entropy", metrics=["acc", TopKAccuracy(2)])
    assert set(scores) == {"loss", "acc", "top_2_accuracy"}


def test_only_accuracy_and_acc_follow_a_multi_label_binary_loss() -> None:
    loss = BinaryCrossEntropy()
    assert type(get_metric("acc", loss=loss, n_outputs=3)) is BinaryAccuracy
    assert type(get_metric("categorical_accuracy", loss=loss, n_outputs=3)) is Accuracy
    single = get_metric("categorical_accuracy", loss=BinaryCrossEntropy(from_logits=True),
                        n_outputs=1)
    assert type(single) is BinaryAccuracy and single.threshold == 0.0


def test_repeated_metric_names_get_keras_suffixes_and_reserved_names_are_refused() -> None:
    hits = BinaryAccuracy(0.3, name="hits")
    metrics = nonlin_metrics.get_metrics(["accuracy", "acc", "accuracy", hits, hits],
                                         loss=CrossEntropy(), n_outputs=3)
    assert [m.name for m in metrics] == ["accuracy", "acc", "accuracy_1", "hits", "hits_1"]
    names = [m.name for m in nonlin_metrics.get_metrics(["mse", MeanSquaredError()])]
    assert names == ["mse", "mse_1"]
    for name in ("loss", "lr", "val_accuracy"):
        with pytest.raises(ValueError, match=f"named '{name}'"):
            nonlin_metrics.get_metrics([BinaryAccuracy(name=name)])
    assert hits.name == "hits"  # the user's object is not renamed


def test_auto_mode_reads_a_metric_name_in_any_case() -> None:
    from nonlin._monitor import _better

    assert _better("val_ACC", "auto")(0.9, 0.8, 0.0)  # higher is better, as for "val_acc"
    assert _better("val_RMSE", "auto")(0.1, 0.2, 0.0)


@pytest.mark.parametrize(("name", "cls", "config"), [
    ("MeanSquaredError", nonlin.MeanSquaredError, {}),
    ("MeanAbsoluteError", nonlin.MeanAbsoluteError, {}),
    ("Huber", nonlin.Huber, {}),
    ("BinaryCrossentropy", nonlin.BinaryCrossEntropy, {}),
    ("BinaryCrossEntropy", nonlin.BinaryCrossEntropy, {}),
    ("CategoricalCrossentropy", nonlin.CrossEntropy, {}),
    ("SparseCategoricalCrossentropy", nonlin.CrossEntropy, {"from_logits": True}),
    ("CrossEntropy", nonlin.CrossEntropy, {}),
    ("Hinge", nonlin.Hinge, {}),
    ("SquaredHinge", nonlin.SquaredHinge, {}),
    ("CategoricalHinge", nonlin.CategoricalHinge, {}),
    ("BinaryFocalCrossentropy", nonlin.BinaryFocalCrossentropy, {"gamma": 1.5}),
    ("BinaryFocalCrossEntropy", nonlin.BinaryFocalCrossentropy, {"from_logits": True}),
    ("MeanSquaredLogarithmicError", nonlin.MeanSquaredLogarithmicError, {}),
    ("MeanAbsolutePercentageError", nonlin.MeanAbsolutePercentageError, {}),
    ("CosineSimilarity", nonlin.CosineSimilarity, {}),
])
def test_losses_resolve_by_class_name_as_keras_get_does(name, cls, config) -> None:
    loss = nonlin.registry.loss(name, **config)
    assert type(loss) is cls and loss.get_config() == cls(**config).get_config()
    model = nonlin.Sequential([nonlin.Dense(2)])
    model.compile("sgd", name)
    assert type(model.loss) is cls


def test_an_unknown_loss_lists_the_snake_case_names_and_mentions_class_names() -> None:
    with pytest.raises(ValueError, match=r"Unknown loss 'meansquarederror'\. Expected one of: "
                                         r"absolute_error, bce, .*squared_error, squared_hinge "
                                         r"\(or a class "
                                         r"name: MeanSquaredError\)$"):
        nonlin.registry.loss("meansquarederror")
