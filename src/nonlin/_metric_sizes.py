"""The most thresholds and classes a metric may hold: ``MAX_THRESHOLDS`` and
``MAX_CLASSES``, one constant each for both ends.

``AUC`` and the metrics at a rate (``SensitivityAtSpecificity`` and the others) keep
arrays of ``num_thresholds`` entries (AUC's by output column too), the IoU metrics a
float64 ``(num_classes, num_classes)`` confusion matrix; a model file's metric config may
ask for ``MAX_THRESHOLDS`` and ``MAX_CLASSES`` at most (``_compile_entries.METRIC_SIZE_LIMITS``:
a tiny file must not make ``load`` allocate gigabytes), and the constructors refuse more
(``checked_num_thresholds``, ``_iou_checks.checked_num_classes``), so that what is made
can be saved and loaded back. ``MAX_CLASSES`` stays 4096 (a 128 MiB matrix) rather than
rising to what memory allows: at 16384 a file of a few hundred bytes would make ``load``
allocate 2 GiB per such metric.
"""

from __future__ import annotations

from typing import Any

from ._quoting import quoted
from .validation import is_integer

MAX_THRESHOLDS = 1 << 16
MAX_CLASSES = 1 << 12  # a (4096, 4096) float64 confusion matrix: 128 MiB


def config_size(config: dict[str, Any], key: str) -> int:
    """``config[key]`` when an int > 0 (not a bool), else 0: a metric's ``_held_entries``
    counts a size its constructor refuses as nothing, as nothing of it is made."""
    value = config.get(key)
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return 0


def checked_num_thresholds(value: Any, minimum: int) -> int:
    """``value``, ``num_thresholds``, as an int in ``[minimum, MAX_THRESHOLDS]``, else a
    ValueError naming it."""
    if not is_integer(value) or not minimum <= value <= MAX_THRESHOLDS:
        raise ValueError(f"Expected an integer num_thresholds in [{minimum}, {MAX_THRESHOLDS}] "
                         f"(the most a model file holds). Received: num_thresholds={quoted(value)}")
    return int(value)
