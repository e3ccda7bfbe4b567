"""The epoch in progress, so that a run stopped between two batches resumes exactly.

While ``fit`` runs an epoch, ``model._epoch_in_progress`` is an
``EpochProgress``: the epoch, the rows trained on so far, their summed loss,
the generator's state from before the epoch's shuffling order was drawn, and
the streaming metrics. A checkpoint written then (``nonlin train`` on Ctrl-C)
records it as ``__metadata__["checkpoint"]["partial"]``::

    {"epoch": 3, "rows": 4096, "loss_total": 812.5, "rng_start": {...},
     "metrics": [{"total": 3900.0, "count": 4096},
                 {"true_positives": 1200.0, "false_positives": 80.0}],
     "metric_names": ["accuracy", "precision"]}

Resuming redraws the same order from ``rng_start``, puts the generator back
where it stopped, restores the loss sum and the metrics, and goes on from row
``rows``: the run ends bit-identical to an uninterrupted one. Nothing is
recorded when a metric cannot stream (a plain function) or the generator is
not a ``numpy.random.Generator``, nor, with a warning, when the metrics' states would
make the header more than a file holds (``nonlin.checkpoint``: a ``MeanIoU`` of some 2,000
classes); the epoch then starts again from its first
batch, with the weights as they were, as it does when the resumed ``fit``'s
metrics do not take the recorded states (other metrics, or other shapes) or
have other names (``metric_names``; checkpoints written before it existed lack
it and are matched by their states alone).
"""

from __future__ import annotations

import copy
import math
import warnings
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from ._header import ModelFileError
from ._metric_streamed import records_state
from ._quoting import quoted
from ._stacklevel import user_stacklevel

_KEYS = {"epoch", "rows", "loss_total", "rng_start", "metrics"}
_NAMES = "metric_names"  # optional: older checkpoints lack it
# the keys of the built-in streaming metrics' states (each metric checks its own shapes)
_METRIC_STATES = (
    {"total", "count"},  # a mean over rows: the accuracies, MAE, MSE, RMSE, MAPE
    {"n", "mean", "m2", "ss_res", "min", "max"},  # R2Score
    {"n", "mean", "m2", "ss_res"},  # R2Score, as saved before it kept min and max
    {"true_positives", "false_positives"},  # Precision
    {"true_positives", "false_negatives"},  # Recall
    {"true_positives", "false_positives", "true_negatives", "false_negatives"},  # AUC
    {"true_positives", "false_positives", "false_negatives"},  # FBetaScore, F1Score
    {"accumulator"},  # TruePositives, FalsePositives, TrueNegatives, FalseNegatives
    {"total_confusion_matrix"},  # IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU
)


@dataclass
class EpochProgress:
    """How far ``fit`` is in ``epoch``; updated after every batch."""

    epoch: int
    rng_start: dict[str, Any] | None
    metrics: list[Any] = field(default_factory=list)
    rows: int = 0
    loss_total: float = 0.0

    def record(self) -> dict[str, Any] | None:
        """The checkpoint's ``partial`` entry, or None when the epoch cannot be resumed."""
        if self.rng_start is None or not all(map(records_state, self.metrics)):
            return None
        return {"epoch": self.epoch, "rows": self.rows, "loss_total": self.loss_total,
                "rng_start": self.rng_start, "metrics": [m.state_dict() for m in self.metrics],
                _NAMES: [m.name for m in self.metrics]}


def generator_state(rng: Any) -> dict[str, Any] | None:
    """``rng``'s bit-generator state when it is a ``numpy.random.Generator``, else None."""
    if not isinstance(rng, np.random.Generator):
        return None
    return cast(dict[str, Any], rng.bit_generator.state)  # typed Mapping: a new dict


def stopped_epoch(partial: dict[str, Any] | None, initial_epoch: int, n_rows: int, rng: Any,
                  metrics: list[Any]) -> dict[str, Any] | None:
    """A checkpoint's stopped epoch if this ``fit`` can carry it on, else None (with a
    warning when there was one: that epoch then starts again from its first batch)."""
    if partial is None:
        return None
    usable = (partial["epoch"] == initial_epoch and partial["rows"] <= n_rows
              and isinstance(rng, np.random.Generator)
              and len(partial["metrics"]) == len(metrics) and all(m.streams for m in metrics)
              and partial.get(_NAMES, [m.name for m in metrics]) == [m.name for m in metrics]
              and all(map(_accepts, metrics, partial["metrics"])))
    if not usable:
        warnings.warn(
            f"The checkpoint stopped in epoch {partial['epoch']} after {partial['rows']} rows, "
            f"but this fit starts at epoch {initial_epoch} with {len(metrics)} metric(s) "
            "(or other data); the epoch starts again from its first batch.",
            stacklevel=user_stacklevel())
        return None
    return partial


def read_partial(value: Any, path: str, restore_rng: Any) -> dict[str, Any] | None:
    """Validate a checkpoint's ``partial`` entry (``ModelFileError`` on any fault).

    ``restore_rng(state, path)`` checks the generator state as the reader does.
    """
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {_NAMES} != _KEYS:
        raise _fail(path, f"expected an object with keys {sorted(_KEYS)} (and {_NAMES!r})")
    for key in ("epoch", "rows"):
        number = value[key]
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise _fail(path, f"expected an integer >= 0 for {quoted(key)}. Received "
                              f"{quoted(number, 50)}",
                        key)
    total = value["loss_total"]
    if isinstance(total, bool) or not isinstance(total, int | float) or not math.isfinite(total):
        raise _fail(path, f"expected a finite number for 'loss_total'. Received "
                          f"{quoted(total, 50)}",
                    "loss_total")
    restore_rng(value["rng_start"], path, "partial.rng_start")
    metrics = value["metrics"]
    if not isinstance(metrics, list) or not all(_is_metric_state(m) for m in metrics):
        raise _fail(path, "expected a list of metric states: {'total': number, 'count': int "
                    ">= 0}, or a metric's finite numbers or lists of them (see nonlin.metrics)",
                    "metrics")
    names = value.get(_NAMES, [""] * len(metrics))
    if not (isinstance(names, list) and len(names) == len(metrics)
            and all(isinstance(name, str) for name in names)):
        raise _fail(path, f"expected one metric name (a str) per metric state. Received "
                    f"{quoted(names, 80)}", _NAMES)
    return value


def _accepts(metric: Any, state: Any) -> bool:
    """Whether ``metric`` takes ``state`` (tried on a copy: the same kind and shapes)."""
    try:
        copy.deepcopy(metric).load_state_dict(state)
    except (ValueError, TypeError):
        return False
    return True


def _is_metric_state(state: Any) -> bool:
    """A streaming metric's ``state_dict()``: the keys of a built-in metric's state,
    counts ``"count"`` and ``"n"`` integers >= 0, a scalar ``"total"``, every other
    value a finite number or a list (of lists) of them (see nonlin.metrics)."""
    if not isinstance(state, dict) or set(state) not in _METRIC_STATES:
        return False
    for key, value in state.items():
        if key in ("count", "n"):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                return False
        elif not _is_numbers(value, 2 if key == "total" else 0):
            return False
    return True


def _is_numbers(value: Any, depth: int) -> bool:
    """A finite number, or from ``depth`` 0 or 1 a list of such values (two levels at most)."""
    if isinstance(value, list):
        return depth < 2 and all(_is_numbers(item, depth + 1) for item in value)
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _fail(path: str, message: str, key: str | None = None) -> ModelFileError:
    return ModelFileError(path, message, "checkpoint.partial" + (f".{key}" if key else ""))
