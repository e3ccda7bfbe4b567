"""The epoch in progress, so that a run stopped between two batches resumes exactly.

While ``fit`` runs an epoch, ``model._epoch_in_progress`` is an
``EpochProgress``: the epoch, the rows trained on so far, their summed loss,
the generator's state from before the epoch's shuffling order was drawn, and
the streaming metrics. A checkpoint written then (``nonlin train`` on Ctrl-C)
records it as ``__metadata__["checkpoint"]["partial"]``::

    {"epoch": 3, "rows": 4096, "loss_total": 812.5, "rng_start": {...},
     "metrics": [{"total": 3900.0, "count": 4096}]}

Resuming redraws the same order from ``rng_start``, puts the generator back
where it stopped, restores the loss sum and the metrics, and goes on from row
``rows``: the run ends bit-identical to an uninterrupted one. Nothing is
recorded when a metric cannot stream (a plain function) or the generator is
not a ``numpy.random.Generator``; the epoch then starts again from its first
batch, with the weights as they were.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._header import ModelFileError

_KEYS = {"epoch", "rows", "loss_total", "rng_start", "metrics"}


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
        if self.rng_start is None or not all(m.streams for m in self.metrics):
            return None
        return {"epoch": self.epoch, "rows": self.rows, "loss_total": self.loss_total,
                "rng_start": self.rng_start, "metrics": [m.state_dict() for m in self.metrics]}


def generator_state(rng: Any) -> dict[str, Any] | None:
    """``rng``'s bit-generator state when it is a ``numpy.random.Generator``, else None."""
    return rng.bit_generator.state if isinstance(rng, np.random.Generator) else None


def stopped_epoch(partial: dict[str, Any] | None, initial_epoch: int, n_rows: int, rng: Any,
                  metrics: list[Any]) -> dict[str, Any] | None:
    """A checkpoint's stopped epoch if this ``fit`` can carry it on, else None (with a
    warning when there was one: that epoch then starts again from its first batch)."""
    if partial is None:
        return None
    usable = (partial["epoch"] == initial_epoch and partial["rows"] <= n_rows
              and isinstance(rng, np.random.Generator)
              and len(partial["metrics"]) == len(metrics) and all(m.streams for m in metrics))
    if not usable:
        warnings.warn(
            f"The checkpoint stopped in epoch {partial['epoch']} after {partial['rows']} rows, "
            f"but this fit starts at epoch {initial_epoch} with {len(metrics)} metric(s) "
            "(or other data); the epoch starts again from its first batch.", stacklevel=5)
        return None
    return partial


def read_partial(value: Any, path: str, restore_rng: Any) -> dict[str, Any] | None:
    """Validate a checkpoint's ``partial`` entry (``ModelFileError`` on any fault).

    ``restore_rng(state, path)`` checks the generator state as the reader does.
    """
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != _KEYS:
        raise _fail(path, f"expected an object with keys {sorted(_KEYS)}")
    for key in ("epoch", "rows"):
        number = value[key]
        if isinstance(number, bool) or not isinstance(number, int) or number < 0:
            raise _fail(path, f"expected an integer >= 0 for {key!r}. Received {number!r:.50}",
                        key)
    total = value["loss_total"]
    if isinstance(total, bool) or not isinstance(total, int | float) or not math.isfinite(total):
        raise _fail(path, f"expected a finite number for 'loss_total'. Received {total!r:.50}",
                    "loss_total")
    restore_rng(value["rng_start"], path, "partial.rng_start")
    metrics = value["metrics"]
    if not isinstance(metrics, list) or not all(_is_metric_state(m) for m in metrics):
        raise _fail(path, "expected a list of metric states {'total': number, 'count': int >= 0}",
                    "metrics")
    return value


def _is_metric_state(state: Any) -> bool:
    """A streaming metric's ``state_dict()``: a finite total and a count (see nonlin.metrics)."""
    if not isinstance(state, dict) or set(state) != {"total", "count"}:
        return False
    total, count = state["total"], state["count"]
    return (isinstance(total, int | float) and not isinstance(total, bool) and math.isfinite(total)
            and isinstance(count, int) and not isinstance(count, bool) and count >= 0)


def _fail(path: str, message: str, key: str | None = None) -> ModelFileError:
    return ModelFileError(path, message, "checkpoint.partial" + (f".{key}" if key else ""))
