"""The most thresholds a metric may hold: ``MAX_THRESHOLDS``, one constant for both ends.

``AUC`` and the metrics at a rate (``SensitivityAtSpecificity`` and the others) keep
arrays of ``num_thresholds`` entries (AUC's by output column too); a model file's metric
config may ask for ``MAX_THRESHOLDS`` at most (``_compile_entries.METRIC_SIZE_LIMITS``:
a tiny file must not make ``load`` allocate gigabytes), and the constructors refuse more,
so that what is made can be saved and loaded back.
"""

from __future__ import annotations

from typing import Any

from ._quoting import quoted
from .validation import is_integer

MAX_THRESHOLDS = 1 << 16


def checked_num_thresholds(value: Any, minimum: int) -> int:
    """``value``, ``num_thresholds``, as an int in ``[minimum, MAX_THRESHOLDS]``, else a
    ValueError naming it."""
    if not is_integer(value) or not minimum <= value <= MAX_THRESHOLDS:
        raise ValueError(f"Expected an integer num_thresholds in [{minimum}, {MAX_THRESHOLDS}] "
                         f"(the most a model file holds). Received: num_thresholds={quoted(value)}")
    return int(value)
