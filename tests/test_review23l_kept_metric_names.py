"""train_on_batch's kept state and the compiled metric objects' names: a metric renamed between
calls (to a reserved name, to another metric's, away from one) or a metric object that
``get_metrics`` copies (a name met again) gives what a fresh call gives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nonlin


def _forget_kept() -> None:
    try:
        from nonlin._on_batch_state import _KEPT
    except ImportError:  # the code before the kept state
        return
    _KEPT.clear()


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as error:  # noqa: BLE001 (compared with a fresh call's)
        return type(error), str(error)


def _model(metrics: list[Any]) -> nonlin.Sequential:
    layers = [nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(3), nonlin.Softmax()]
    model = nonlin.Sequential(layers).build(6, seed=3)
    model.compile(optimizer=nonlin.SGD(lr=0.05, momentum=0.9), loss="cross_entropy",
                  metrics=metrics)
    return model


def _runs(metrics: Callable[[], list[Any]], edit: Callable[[list[Any]], Any],
          fresh: bool) -> list[Any]:
    """Four calls (and test_on_batch after each), ``edit`` of the metric objects before the
    third; ``fresh``: nothing kept between calls."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 6))
    y = (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)
    objects = metrics()
    model, out = _model(objects), []
    for i in range(4):
        if i == 2:
            edit(objects)
        if fresh:
            _forget_kept()
        rows = slice(8 * i, 8 * i + 8)
        out.append(_outcome(lambda rows=rows: model.train_on_batch(X[rows], y[rows],
                                                                   return_dict=True)))
        out.append(_outcome(lambda rows=rows: model.test_on_batch(X[rows], y[rows],
                                                                  return_dict=True)))
    return [out, [w.tobytes() for w in model.get_weights()]]


def _maes() -> list[Any]:
    return [nonlin.metrics.MeanAbsoluteError(), nonlin.metrics.MeanSquaredError()]


def _twins() -> list[Any]:
    return [nonlin.metrics.BinaryAccuracy(name="b"), nonlin.metrics.BinaryAccuracy(name="b")]


def _rename(index: int, name: Any) -> Callable[[list[Any]], None]:
    return lambda objects: setattr(objects[index], "name", name)


CASES: dict[str, tuple[Callable[[], list[Any]], Callable[[list[Any]], Any]]] = {
    "renamed loss (refused)": (_maes, _rename(1, "loss")),
    "renamed lr (refused)": (_maes, _rename(1, "lr")),
    "renamed val_ (refused)": (_maes, _rename(0, "val_mae")),
    "renamed as the other (copied, mae_1)": (_maes, _rename(1, "mae")),
    "twins renamed apart": (_twins, _rename(1, "c")),
    "copied twin's threshold set": (_twins, lambda objects: setattr(objects[1], "threshold",
                                                                     0.2)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_call_after_a_metric_object_changed_is_a_fresh_call(case: str) -> None:
    metrics, edit = CASES[case]
    assert _runs(metrics, edit, fresh=False) == _runs(metrics, edit, fresh=True)
