"""The logs of ``fit``'s epoch: its loss and metrics, at its end and while it runs.

``EpochLogs`` holds ``_train_logs``, ``_epoch_loss``, ``running_logs``,
``running_metrics`` and ``batch_end_logs`` of ``nonlin._epoch_loop._Loop``, which
mixes it in: what the epoch's batches added up (``"mean"`` or ``"sum"``, see
``_epoch_loss``) made into the logs that History, the callbacks (at each epoch's
and each batch's end) and the progress bars read.
"""

from __future__ import annotations

from typing import cast

import numpy as np

from ._metric_base import one_number, result_of
from .core import Sequential
from .data import Dataset
from .evaluation import penalty
from .metrics import Metric


class EpochLogs:
    """The epoch's loss and metrics, from ``_Loop``'s state."""

    model: Sequential
    train: Dataset
    metrics: list[Metric]
    store: np.ndarray | None
    summed: bool
    has_penalty: bool
    _order: np.ndarray | None
    _stop: int

    def _train_logs(self, rows: int, total: float) -> dict[str, float]:
        """The epoch's loss and metrics over the ``rows`` rows it trained on: all of them,
        or fewer when a batch hook set ``model.stop_training`` (the epoch then ends there)."""
        if rows < len(self.train):
            return {"loss": self._epoch_loss(rows, total), **self.running_metrics()}
        logs = {"loss": self._epoch_loss(rows, total)}
        for metric in self.metrics:  # train_on_batch's logs, at each of its steps: a float
            if metric.streams:  # result (the built-ins') unchecked, no call (as batch_end_logs)
                value = metric.result()
                logs[metric.name] = value if type(value) is float else one_number(metric, value)
            else:
                logs[metric.name] = metric(self.train.y, self.store)
        return logs

    def _epoch_loss(self, rows: int, total: float) -> float:
        """The epoch's loss from ``total``, what its batches added up over ``rows`` rows.

        ``"mean"``: ``total = sum_b m_b (mean_b + penalty_b)`` over batches of ``m_b`` rows,
        and the loss ``total / rows`` (Keras' batch-size-weighted mean). ``"sum"``:
        ``total = sum_i w_i L_i`` over the rows, and the loss ``total`` plus the current
        penalty, what ``evaluate`` gives for the same rows; ``val_loss`` is the total over
        the validation rows, so the two differ by the ratio of the set sizes.
        """
        if not self.summed:
            return total / rows
        return total + penalty(self.model) if self.has_penalty else total

    def running_logs(self) -> dict[str, float]:
        """The epoch's loss and metrics so far (for progress bars)."""
        return {"loss": self._running_loss(), **self.running_metrics()}

    def _running_loss(self) -> float:
        """The epoch's loss over the rows trained on so far (see ``_epoch_loss``)."""
        progress = self.model._epoch_in_progress
        return self._epoch_loss(max(progress.rows, 1), progress.loss_total)

    def batch_end_logs(self, batch: int, size: int) -> dict[str, float]:
        """``on_train_batch_end``'s logs after step ``batch`` of ``size`` rows: as Keras 3's,
        the epoch's running loss and every metric's running result (for the loss and the
        streaming metrics, the epoch's logs after its last batch), with nonlin's ``batch``
        and ``size``. Built only when some callback reads them
        (``CallbackList.wants_batch_logs``)."""
        logs = {"batch": batch, "size": size, "loss": self._running_loss()}
        for metric in self.metrics:  # a float result (the built-ins') unchecked: no call
            if metric.streams:  # per step for it (result_of checks any other)
                value = metric.result()
                logs[metric.name] = value if type(value) is float else one_number(metric, value)
            else:
                logs[metric.name] = self._batch_mean(metric, batch, size)
        return logs

    def _batch_mean(self, metric: Metric, batch: int, size: int) -> float:
        """A metric that does not stream (a plain function) at a batch's end: the mean of its
        value on each of the epoch's batches so far, weighted by their rows (Keras 3's log of
        a function returning a value per row; one returning a number per batch, as nonlin's
        does, Keras 3 counts once per batch, unweighted). O(batch) per step, where computing
        it over every row so far would make the epoch's cost grow with the square of its
        rows; the epoch's own log computes it over all the rows, so a function that is not a
        mean over rows (an F1 score) ends the epoch with a log a little different from the
        last batch's."""
        value = float(self._batch_value(metric, size))
        means = self.__dict__.setdefault("_batch_means", {})
        total, rows, last = means.get(metric.name, (0.0, 0, batch))
        if batch <= last:  # the epoch's first batch seen (batches count from 0 in each)
            total, rows = 0.0, 0
        means[metric.name] = (total + value * size, rows + size, batch)
        return (total + value * size) / (rows + size)

    def _batch_value(self, metric: Metric, size: int) -> float:
        """``metric`` on the step's ``size`` rows, the last trained on."""
        stop = self._stop
        rows = slice(stop - size, stop) if self._order is None else self._order[stop - size:stop]
        return metric(self.train.y[rows], cast(np.ndarray, self.store)[rows])

    def running_metrics(self) -> dict[str, float]:
        """The metrics over the rows trained on so far in this epoch (for progress bars)."""
        rows = slice(0, self._stop) if self._order is None else self._order[: self._stop]
        store = cast(np.ndarray, self.store)  # kept when a metric does not stream
        return {
            m.name: result_of(m) if m.streams else m(self.train.y[rows], store[rows])
            for m in self.metrics
        }
