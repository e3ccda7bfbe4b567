"""Two consistency fixes (session 16), each failing on the code before.

1. Keras' metric class names. Keras 3's ``keras.metrics.get`` resolves class names
   (``"MeanSquaredError"``) as well as snake-case ones, and ``compile`` logs a metric under
   the string as written. nonlin took one class name, ``"MeanAbsolutePercentageError"``;
   it now takes the class names of every metric it has, each read as the nonlin name it
   stands for and logged under the class name. ``"Accuracy"`` reads as ``"accuracy"``, as
   Keras' ``compile`` reads it (it lower-cases the name first). Saved compile records with
   these names load; the "Unknown metric" message still lists the lower-case names alone.
2. ``BatchNorm``'s and ``Normalization``'s ``cast_state`` took any dtype (int64 running
   statistics, complex, object): they now refuse all but float32 / float64 through
   ``Layer.cast_state``, as ``LayerNormalization``'s already did.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.core import Layer
from nonlin.losses import BinaryCrossEntropy, CrossEntropy, MeanSquaredError
from nonlin.metrics import Accuracy, BinaryAccuracy, get_metric, get_metrics

# Keras 3's class name -> the nonlin name it reads as (the same metric)
KERAS_NAMES = {
    "MeanSquaredError": "mean_squared_error",
    "MeanAbsoluteError": "mean_absolute_error",
    "RootMeanSquaredError": "root_mean_squared_error",
    "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
    "R2Score": "r2_score",
    "Precision": "precision",
    "Recall": "recall",
    "AUC": "auc",
    "BinaryAccuracy": "binary_accuracy",
    "CategoricalAccuracy": "categorical_accuracy",
    "SparseCategoricalAccuracy": "sparse_categorical_accuracy",
    "TopKCategoricalAccuracy": "top_k_categorical_accuracy",
    "SparseTopKCategoricalAccuracy": "sparse_top_k_categorical_accuracy",
}
GROWING = ["MeanSquaredError", "RootMeanSquaredError", "R2Score"]  # newly accepted, regression
X = np.random.default_rng(0).normal(size=(24, 3))
Y_CLASS = (X[:, 0] > 0).astype(int)
Y_REG = X @ np.array([[0.5], [-1.0], [2.0]])


def _net(n_out: int, softmax: bool) -> nonlin.Sequential:
    tail = [nonlin.Softmax()] if softmax else []
    return nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(n_out), *tail])


# -- 1. Keras' class names ---------------------------------------------------------------
@pytest.mark.parametrize("loss, n_outputs", [(CrossEntropy(), 3),
                                             (BinaryCrossEntropy(from_logits=True), 1),
                                             (MeanSquaredError(), 2)])
@pytest.mark.parametrize("keras_name", sorted(KERAS_NAMES))
def test_a_keras_class_name_is_the_metric_its_name_stands_for(keras_name: str, loss: Any,
                                                              n_outputs: int) -> None:
    metric = get_metric(keras_name, loss=loss, n_outputs=n_outputs)
    twin = get_metric(KERAS_NAMES[keras_name], loss=loss, n_outputs=n_outputs)
    assert type(metric) is type(twin) and metric.name == keras_name  # Keras' history key
    assert {**metric.get_config(), "name": None} == {**twin.get_config(), "name": None}
    assert registry.lookup("metric", keras_name) is registry.lookup(
        "metric", KERAS_NAMES[keras_name])


def test_fit_logs_a_class_name_as_written_with_the_same_values() -> None:
    def run(names: list[str]) -> dict[str, list[float]]:
        model = _net(1, softmax=False)
        model.compile("sgd", "mse", names)
        return model.fit(X, Y_REG, epochs=2, batch_size=8, seed=0, verbose=0,
                         validation_split=0.25).history

    keras, ours = run(GROWING), run([KERAS_NAMES[name] for name in GROWING])
    assert keras["loss"] == ours["loss"]  # training is untouched by the names
    for name in GROWING:
        assert keras[name] == ours[KERAS_NAMES[name]]
        assert keras["val_" + name] == ours["val_" + KERAS_NAMES[name]]


def test_accuracy_in_capitals_reads_as_keras_compile_reads_it() -> None:
    """Keras' ``compile`` lower-cases the name before testing for "accuracy": its
    ``Accuracy`` string is the accuracy that follows the loss, not the exact-match class."""
    binary = get_metric("Accuracy", loss=BinaryCrossEntropy(from_logits=True), n_outputs=1)
    assert type(binary) is BinaryAccuracy and binary.threshold == 0.0
    assert binary.name == "Accuracy"
    arg_max = get_metric("Accuracy", loss=CrossEntropy(), n_outputs=3)
    assert type(arg_max) is Accuracy and arg_max.name == "Accuracy"


def test_an_unknown_metric_still_lists_the_lower_case_names_alone() -> None:
    with pytest.raises(ValueError, match="Unknown metric 'meansquarederror'") as info:
        get_metric("meansquarederror")
    listed = str(info.value).split("Expected one of: ")[1].split(", ")
    assert "mean_squared_error" in listed and all(name == name.lower() for name in listed)
    assert not set(KERAS_NAMES) & set(listed)


def test_class_names_know_their_direction() -> None:
    from nonlin._monitor import _direction

    for name in ("MeanSquaredError", "val_RootMeanSquaredError", "MeanAbsoluteError"):
        assert _direction(name, "auto", []) == "min", name
    for name in ("R2Score", "val_CategoricalAccuracy", "SparseTopKCategoricalAccuracy"):
        assert _direction(name, "auto", []) == "max", name


def test_a_model_compiled_with_class_names_saves_and_loads(tmp_path: Path) -> None:
    names = ["CategoricalAccuracy", "SparseTopKCategoricalAccuracy", "AUC", "BinaryAccuracy"]
    model = _net(2, softmax=True)
    model.compile("adam", "cross_entropy", names)
    model.fit(X, Y_CLASS, epochs=1, batch_size=8, seed=0, verbose=0)
    path = tmp_path / "m.safetensors"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no metric left out of the record, with a warning
        model.save(path)
    loaded = nonlin.load(path)
    assert loaded._metrics == names
    logs = loaded.fit(X, Y_CLASS, epochs=1, verbose=0).history
    assert set(names) <= set(logs)


def test_every_class_name_resolves_in_one_list() -> None:
    named = get_metrics(sorted(KERAS_NAMES), loss=CrossEntropy(), n_outputs=3)
    assert [metric.name for metric in named] == sorted(KERAS_NAMES)


# -- 2. cast_state of the normalizations -----------------------------------------------------
MAKERS = {"BatchNorm": nonlin.BatchNorm, "LayerNormalization": nonlin.LayerNormalization,
          "Normalization": nonlin.Normalization}


def _state(layer: Any) -> dict[str, np.ndarray]:
    """The layer's non-trained state (none for LayerNormalization), copied."""
    return {k: v.copy() for k, v in getattr(layer, "get_state", dict)().items()}


@pytest.mark.parametrize("dtype", [np.int64, np.float16, np.complex128, ">f8", object])
@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_cast_state_of_a_normalization_refuses_other_dtypes(kind: str, dtype: Any) -> None:
    layer = MAKERS[kind]()
    layer.build(3, np.random.default_rng(0))
    before = _state(layer)
    with pytest.raises(ValueError, match=rf"Expected dtype float32 or float64 for {kind}\. "
                                         r"Received: dtype="):
        layer.cast_state(np.dtype(dtype))
    after = _state(layer)  # the refused dtype left the state as it was
    assert all(after[k].dtype == v.dtype and np.array_equal(after[k], v)
               for k, v in before.items())


@pytest.mark.parametrize("kind", sorted(MAKERS))
def test_the_normalizations_check_through_layer_cast_state(kind: str,
                                                           monkeypatch: Any) -> None:
    seen: list[np.dtype] = []
    original = Layer.cast_state

    def spy(self: Layer, dtype: np.dtype) -> None:
        seen.append(np.dtype(dtype))
        original(self, dtype)

    monkeypatch.setattr(Layer, "cast_state", spy)
    layer = MAKERS[kind]()
    layer.build(3, np.random.default_rng(0))
    layer.cast_state(np.float32)
    assert seen == [np.dtype(np.float32)]
    assert all(v.dtype == np.float32 for v in _state(layer).values())
