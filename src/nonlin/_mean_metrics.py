"""``_RowMean``: the base of the metrics that are a (weighted) mean of one value per sample.

The accuracies (``_accuracy_metrics``) and MAE, MSE, RMSE, MAPE
(``_regression_metrics``) define ``_rows`` and inherit the whole-array call and
the streaming from here.
"""

from __future__ import annotations

import math
from typing import Any, TypeGuard

import numpy as np

from ._confusion_metrics import check_name
from ._metric_base import Metric
from ._quoting import quoted


def _weighted_mean(values: np.ndarray, sample_weight: np.ndarray | None) -> float:
    if sample_weight is None:
        return float(values.mean())
    total = np.sum(sample_weight)  # all zero: 0.0, Keras' divide_no_nan, and no warning
    return float(np.dot(values, sample_weight) / total) if total else 0.0


def _column(y: np.ndarray, n: int) -> np.ndarray:
    return y.reshape(n, -1)


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class _RowMean(Metric):
    """A metric that is the mean over samples of one value per sample (``_rows``).

    Streamed, it keeps ``total = sum_i w_i v_i`` over the rows added and their number
    ``count``; once a batch came with ``sample_weight``, also ``weight = sum_i w_i``
    (else every row weighs 1). ``result = total / weight``: 0 when the weights add up
    to 0, as a call, NaN before any row.
    """

    streams = True
    _weight: float | None  # None: every row added so far weighs 1

    def __init__(self) -> None:
        self.reset_state()

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _compute(self, y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None) -> float:
        return _weighted_mean(self._rows(y_true, y_pred), w)

    def reset_state(self) -> None:
        self._total, self._count, self._weight = 0.0, 0, None

    def _update_state(self, y_true: np.ndarray, y_pred: np.ndarray,
                      sample_weight: np.ndarray | None = None) -> None:
        rows = self._rows(y_true, y_pred)
        if sample_weight is None:
            self._total += float(np.sum(rows, dtype=np.float64))
            if self._weight is not None:
                self._weight += rows.shape[0]
        else:
            self._total += float(np.dot(rows, sample_weight))
            weight = self._count if self._weight is None else self._weight
            self._weight = weight + float(np.sum(sample_weight))
        self._count += rows.shape[0]

    def result(self) -> float:
        if not self._count:
            return math.nan
        weight = self._count if self._weight is None else self._weight
        return self._total / weight if weight else 0.0

    def state_dict(self) -> dict[str, Any]:
        """``total`` and ``count`` (and ``weight`` once a batch came weighted)."""
        state = {"total": self._total, "count": self._count}
        return state if self._weight is None else {**state, "weight": self._weight}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        total, count = state.get("total"), state.get("count")
        weight = state.get("weight", 0.0)
        if not (_is_number(total) and isinstance(count, int) and not isinstance(count, bool)
                and count >= 0 and _is_number(weight) and weight >= 0):
            raise ValueError("Expected {'total': number, 'count': int >= 0} (and 'weight': "
                             f"number >= 0). Received {quoted(state, 200)}")
        self._total, self._count = float(total), count
        self._weight = float(weight) if "weight" in state else None


class _NamedRowMean(_RowMean):
    """A ``_RowMean`` whose one setting is its ``name`` (the class's by default): lower is
    better (the regression metrics, ``_regression_metrics``, and Keras' loss-like ones,
    ``_loss_metrics``)."""

    greater_is_better = False

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.name = check_name(name, type(self).name)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}
