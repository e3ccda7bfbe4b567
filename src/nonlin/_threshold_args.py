"""The one threshold of a confusion metric (``Precision``, ``Recall``, ``TruePositives``, ...).

``one_threshold`` reads a metric's ``thresholds`` argument, None (0.5), a float or a
one-element list in [0, 1], and refuses a list of several with a message naming one
instance per threshold (``_one_per_threshold``); ``refuse_bool`` refuses a bool as a
threshold. Re-exported by ``nonlin._confusion_metrics``, where the metrics are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._quoting import quoted
from .validation import is_real

if TYPE_CHECKING:
    from ._metric_base import Metric


def _one_per_threshold(cls: type[Metric], thresholds: Any) -> str:
    """``Precision(thresholds=0.3, name='precision_0.3')``: the metric for the first of
    ``thresholds`` (0.5 if that is not a threshold), for the message refusing a list."""
    first = thresholds[0] if isinstance(thresholds, list | tuple) and thresholds else None
    value = float(first) if is_real(first) and 0 <= first <= 1 else 0.5
    return f"{cls.__name__}(thresholds={value!r}, name='{cls.name}_{value!r}')"


def refuse_bool(threshold: Any, given: Any, name: str) -> None:
    """A ``ValueError`` when ``threshold`` (``given``, or its one element) is a bool:
    ``True`` is no threshold (a refusal of several thresholds would mislead)."""
    if isinstance(threshold, bool | np.bool_):
        raise ValueError(f"Expected a threshold in [0, 1], a float: a bool is not a "
                         f"threshold. Received: {name}={quoted(given)}")


def one_threshold(cls: type, thresholds: Any) -> tuple[float, float | list[float] | None]:
    """``(t, as given)`` for ``thresholds`` None (0.5), a float or a one-element list in
    [0, 1]; a list of several is refused, as ``Precision`` refuses it (one number each)."""
    threshold: Any = thresholds
    if isinstance(thresholds, list | tuple):
        threshold = thresholds[0] if len(thresholds) == 1 else "several"
    refuse_bool(threshold, thresholds, "thresholds")
    if threshold is not None and not (is_real(threshold) and 0 <= threshold <= 1):
        raise ValueError(
            "Expected one threshold in [0, 1] (a float or a one-element list): one "
            f"threshold per {cls.__name__} instance is supported, as a nonlin metric is one "
            "number; use one instance (and name) per threshold, e.g. "
            f"{_one_per_threshold(cls, thresholds)}. Received: thresholds={quoted(thresholds)}")
    given = (None if threshold is None else [float(threshold)]
             if isinstance(thresholds, list | tuple) else float(threshold))
    return (0.5 if threshold is None else float(threshold)), given
