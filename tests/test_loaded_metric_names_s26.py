"""Session 26: metrics a model file's compile record makes, of one name, are renamed as
``fit`` logs them (``x``, ``x_1``, ...) when loaded, in place: they are nonlin's own, made
from configs. Before, each ``fit``, ``evaluate`` and ``metrics_names`` treated them as a
user's objects and deep-copied every renamed one (64 metrics at a rate of 65536 thresholds:
126 MiB of copies per call). A user's objects are still copied, never renamed."""

from __future__ import annotations

import io
import tracemalloc
from typing import Any

import numpy as np

import nonlin
from nonlin import metrics as M
from nonlin.io import to_bytes
from nonlin.metrics import get_metrics


def _data() -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(0).normal(size=(32, 3))
    return X, (X[:, :1] > 0).astype(float)


def _compiled(metrics: list[Any]) -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()]).build(3, seed=0)
    model.compile(optimizer="sgd", loss="binary_cross_entropy", metrics=metrics)
    return model


def _rates(n: int, thresholds: int = 200) -> list[Any]:
    return [M.SensitivityAtSpecificity(0.5, num_thresholds=thresholds) for _ in range(n)]


def test_loaded_metrics_of_one_name_are_renamed_in_place_as_fit_logs_them() -> None:
    loaded = nonlin.load(io.BytesIO(to_bytes(_compiled([*_rates(3), "accuracy"]))))
    names = [m if isinstance(m, str) else m.name for m in loaded._metrics]
    assert names == ["sensitivity_at_specificity", "sensitivity_at_specificity_1",
                     "sensitivity_at_specificity_2", "accuracy"]
    resolved = get_metrics(loaded._metrics, loss=loaded.loss, n_outputs=1)
    assert all(a is b for a, b in zip(resolved[:3], loaded._metrics[:3], strict=True))
    history = loaded.fit(*_data(), epochs=1, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "lr", "sensitivity_at_specificity",
                                       "sensitivity_at_specificity_1",
                                       "sensitivity_at_specificity_2"]
    assert loaded._metrics[2]._state["true_positives"].sum() > 0  # fit's, not a copy's


def test_evaluate_copies_no_loaded_metric() -> None:
    loaded = nonlin.load(io.BytesIO(to_bytes(_compiled(_rates(16, 65536)))))
    X, y = _data()
    tracemalloc.start()
    try:
        loaded.evaluate(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, peak  # before: 15 copies of 2 MiB each


def test_a_users_objects_are_still_copied_not_renamed() -> None:
    mine = _rates(2)
    model = _compiled(mine)
    history = model.fit(*_data(), epochs=1, verbose=0)
    assert "sensitivity_at_specificity_1" in history.history
    assert [m.name for m in mine] == ["sensitivity_at_specificity"] * 2
    assert mine[1]._state["true_positives"].sum() == 0  # the copy counted, not the object
