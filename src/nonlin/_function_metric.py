"""A user's metric function ``f(y_true, y_pred) -> float`` as a ``Metric``
(``nonlin.metrics.get_metric`` wraps a callable in it)."""

from __future__ import annotations

from typing import Any

from ._metric_base import Metric
from ._quoting import quoted
from .validation import read_only


class _FunctionMetric(Metric):
    """A user function ``f(y_true, y_pred) -> float``, named after it; it sees read-only views."""

    def __init__(self, fn: Any) -> None:
        self.fn = fn
        self.name = getattr(fn, "name", "") or getattr(fn, "__name__", "metric")
        self.greater_is_better = getattr(fn, "greater_is_better", None)  # the function may say

    def _call(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        weights = () if sample_weight is None else (read_only(sample_weight),)
        value = self.fn(read_only(y_true), read_only(y_pred), *weights)
        try:
            return float(value)
        except (TypeError, ValueError):  # None, a str, an array of several values
            raise TypeError(f"Expected a number from metric {quoted(self.name)}. "
                            f"Received: {quoted(value, 200)}") from None
    __call__ = _call  # the function sees what it is given: what it accepts is its own rule
