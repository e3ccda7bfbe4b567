"""Every public metric class of ``nonlin.metrics`` resolves by its class name (session 17).

Keras 3's class names resolved (``_metric_names``, session 16), but nonlin's own class
names that Keras does not share (``"TopKAccuracy"``) were refused as unknown metrics. Now
every public metric class's name gives that class, logged under the name as written, as
the Keras class names are. The classes are enumerated from the module, not listed by hand:
a metric class added later is held to the same rule.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pytest

import nonlin
import nonlin.metrics
from nonlin import registry
from nonlin.losses import CrossEntropy
from nonlin.metrics import Metric, get_metric, get_metrics


def _public_metric_classes(built_bare: bool = True) -> list[type[Metric]]:
    """The public metric classes that build without arguments (``built_bare``), or those
    that need one (``PrecisionAtRecall(recall)``: no name can stand for them, as
    ``keras.metrics.get``, which builds the class a name gives without arguments, fails)."""
    found = [obj for name, obj in vars(nonlin.metrics).items()
             if not name.startswith("_") and inspect.isclass(obj) and issubclass(obj, Metric)
             and obj is not Metric and _bare(obj) == built_bare]
    return sorted(found, key=lambda cls: cls.__name__)


def _bare(cls: type) -> bool:
    return all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
               for p in list(inspect.signature(cls).parameters.values()))


CLASSES = _public_metric_classes()


def test_the_classes_that_need_an_argument_are_objects_only() -> None:
    needing = [cls.__name__ for cls in _public_metric_classes(built_bare=False)]
    assert needing == ["IoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU", "PrecisionAtRecall",
                       "RecallAtPrecision", "SensitivityAtSpecificity",
                       "SpecificityAtSensitivity"]
    for name in needing:
        with pytest.raises(ValueError, match=f"Unknown metric '{name}'"):
            get_metric(name)


def test_the_enumeration_finds_the_metrics() -> None:
    names = {cls.__name__ for cls in CLASSES}
    assert {"TopKAccuracy", "Accuracy", "AUC", "R2Score", "Precision"} <= names
    assert len(names) == len(CLASSES)  # no two public classes share a name: none ambiguous


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_a_metric_class_name_resolves_to_that_class(cls: type[Metric]) -> None:
    name = cls.__name__
    metric = get_metric(name, loss=CrossEntropy(), n_outputs=3)
    assert type(metric) is cls and metric.name == name  # logged as written
    assert registry.lookup("metric", name) is cls


def _history(names: list[str]) -> dict[str, list[float]]:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)), np.eye(3)[np.arange(12) % 3]  # one-hot: every metric
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.Softmax()])
    model.compile("sgd", "cross_entropy", names)
    return model.fit(X, y, epochs=2, verbose=0, validation_split=0.25, seed=0).history


def test_fit_logs_the_class_names_as_written() -> None:
    names = [cls.__name__ for cls in CLASSES]
    history = _history(names)
    assert set(names) | {"val_" + name for name in names} <= set(history)
    snake = _history(["top_k_accuracy"])
    assert history["TopKAccuracy"] == snake["top_k_accuracy"]
    assert history["val_TopKAccuracy"] == snake["val_top_k_accuracy"]


def test_class_names_resolve_in_one_list_and_the_unknown_list_stays_lower_case() -> None:
    names = [cls.__name__ for cls in CLASSES]
    assert [m.name for m in get_metrics(names, loss=CrossEntropy(), n_outputs=3)] == names
    with pytest.raises(ValueError, match="Unknown metric 'TopKAccuracyy'") as info:
        get_metric("TopKAccuracyy")
    listed = str(info.value).split("Expected one of: ")[1].split(", ")
    assert all(name == name.lower() for name in listed)


def test_a_class_name_is_kept_in_the_compile_record_and_knows_its_direction(
        tmp_path: Path) -> None:
    from nonlin._monitor import _direction

    model = nonlin.Sequential([nonlin.Dense(3), nonlin.Softmax()]).build(3, seed=0)
    model.compile("sgd", "cross_entropy", ["TopKAccuracy"])
    model.save(tmp_path / "m.safetensors")
    assert nonlin.load(tmp_path / "m.safetensors")._metrics == ["TopKAccuracy"]
    assert _direction("val_TopKAccuracy", "auto", []) == "max"
