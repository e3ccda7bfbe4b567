"""``fit``'s epochs over a batch source (``nonlin._sources``), beside the array loop.

``_SourceLoop`` is a ``_Loop`` (``nonlin._epoch_loop``) whose epoch takes its batches
from a ``BatchStream`` instead of cutting them out of arrays: each batch is checked and
converted (``_sources.prepare``), made the loop's ``train`` set of ``m`` rows, and trained
by the array loop's own ``_step(epoch, batch, 0, m, None)``: the same forward, loss,
backward, divergence checks and update, so a sequence of the array path's batches
trains bit for bit as the arrays do. The objective's buffers grow with the largest batch
seen. The array loop's per-step work is untouched (its methods are overridden here, not
branched there).

No mid-epoch progress is recorded (``model._epoch_in_progress`` stays None): a checkpoint
written between two batches resumes at the start of its epoch (see ``nonlin.train``).
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from ._epoch_loop import _Loop
from ._metric_base import one_number
from ._misuse import check_same_params
from ._scratch import using
from ._sources import BatchStream, exhausted_warning, prepare, ran_out
from .data import Dataset
from .metrics import Metric
from .objective import Objective


class _SourceLoop(_Loop):
    """State of one ``fit`` call on a source; ``stream``: its training batches, ``val_stream``
    the validation source's (or None: ``val``, a prepared validation set, or None)."""

    stream: BatchStream
    class_weight: Any = None
    epochs: int = 0
    last_logs: dict[str, float]

    def setup_source(self) -> None:
        """After ``_Loop.__init__`` (on a one-row stand-in set): buffers made per batch."""
        self.capacity = 0  # rows the objective's buffers hold: rebuilt for a larger batch
        self.wbuf = None  # type: ignore[assignment]
        self.kept: list[tuple[np.ndarray, np.ndarray]] | None = (
            [] if self.store is not None else None)  # outputs for metrics that cannot stream
        self.store = None
        self.rows, self.total, self.last_logs, self.batches = 0, 0.0, {}, 0

    def run_epoch(self, epoch: int) -> dict[str, float]:
        """Train one epoch of the source's batches; return its logs. An iterator with no
        batch left ends the training instead (warned), with the last epoch's logs."""
        model, cbs = self.model, self.cbs
        self.stream.during = f", at epoch {epoch}"
        batches = self.stream.epoch(model.rng)
        first = next(batches, None)
        if first is None:  # nothing for this epoch
            batches.close()
            if not self.stream.exhausted:
                raise ValueError(f"Expected batches from {self.stream.name} for epoch {epoch}. "
                                 f"Received none: its {self.stream.kind} gave no batch")
            exhausted_warning(self.stream.name, epoch)
            model.stop_training = True
            return self.last_logs
        cbs.call("on_epoch_begin", epoch, {})
        check_same_params(model, self.params, epoch)
        self._reset_epoch()
        try:
            self._batches(epoch, first, batches)
        finally:
            batches.close()
        logs = self._source_logs()
        if self.val is not None or self.val_stream is not None:  # _Loop's, as for arrays
            self._validate(epoch, logs)
        logs["lr"] = self.optimizer.current_lr()
        self._end_epoch(epoch, logs)
        if self.stream.exhausted and epoch + 1 < self.epochs and not model.stop_training:
            exhausted_warning(self.stream.name, epoch + 1)  # Keras 3: warned, and no more
            model.stop_training = True
        elif self.stream.exhausted and self.stream.steps and self.batches < self.stream.steps:
            ran_out(self.stream, "the iterator ran out")
        if self.guard.pending:
            raise KeyboardInterrupt
        self.last_logs = logs
        return logs

    def _batches(self, epoch: int, first: tuple[str, Any], batches: Any) -> None:
        model, cbs, batch = self.model, self.cbs, 0
        full = cbs.wants_batches and cbs.wants_batch_logs()  # the running logs, as _Loop's
        item: tuple[str, Any] | None = first
        while item is not None:
            data = self._take(*item)
            m = len(data)
            if cbs.wants_batches:
                cbs.call("on_train_batch_begin", batch, {"batch": batch, "size": m})
                check_same_params(model, self.params, epoch)
            self._guarded_step(epoch, batch, 0, m, None, self.total)
            if cbs.wants_batches:
                cbs.call("on_train_batch_end", batch,
                         self.batch_end_logs(batch, m) if full else {"batch": batch, "size": m})
            if self.guard.pending:
                raise KeyboardInterrupt
            self.batches = batch + 1
            if model.stop_training:  # set in a batch hook: the epoch ends here (Keras 3)
                return
            item, batch = next(batches, None), batch + 1

    def _take(self, where: str, batch: Any) -> Dataset:
        """The batch checked and made the loop's ``train`` set, the buffers grown to it."""
        data = prepare(batch, where, self.loss, self.model, self.class_weight)
        m = len(data)
        if m > self.capacity or data.labels != self.objective.labels:
            self.capacity = max(m, self.capacity)
            self.objective = Objective(self.model, self.loss, self.capacity, data.labels)
        if data.weight is not None and (self.wbuf is None or self.wbuf.shape[0] < m):
            self.wbuf = np.empty(self.capacity, dtype=self.model.dtype)
        self.train = data
        return data

    def _reset_epoch(self) -> None:
        self.rows, self.total, self.batches = 0, 0.0, 0
        if self.kept is not None:
            self.kept = []
        for metric in self.metrics:
            if metric.streams:
                metric.reset_state()

    def _guarded_step(self, epoch: int, batch: int, start: int, stop: int, order: Any,
                      total: float) -> tuple[float, float]:
        """The array loop's ``_step`` on the batch, shielded from a second Ctrl-C; the
        epoch's sums advance with it (no progress record: see the module's docstring, so a
        step cut by a third leaves none to drop; the guard's ``KeyboardInterrupt`` says it
        was cut, ``_interrupt.CUT``, as in the array loop)."""
        guard = self.guard
        guard.in_step = True
        try:
            value = self._step(epoch, batch, start, stop, order)
            total += self.data_loss if self.summed else value * (stop - start)
            self.rows, self.total = self.rows + stop - start, total
        finally:
            guard.in_step = False
        return value, total

    def _sink(self, out: np.ndarray) -> None:
        """The batch's outputs: update the metrics (keep them for those that cannot stream)."""
        yb = self._batch[0]
        with using(self._pool):
            for update in self.updates:
                update(yb, out)
        if self.kept is not None:
            self.kept.append((np.array(yb, copy=True), np.array(out, copy=True)))

    def _source_logs(self) -> dict[str, float]:
        """The epoch's loss over the rows trained on, and its metrics."""
        logs = {"loss": self._epoch_loss(max(self.rows, 1), self.total)}
        logs.update(self.running_metrics())
        return logs

    def running_logs(self) -> dict[str, float]:
        """The epoch's loss and metrics so far (for progress bars)."""
        return self._source_logs()

    def _running_loss(self) -> float:
        """The epoch's loss over the batches trained on so far (``batch_end_logs``')."""
        return self._epoch_loss(max(self.rows, 1), self.total)

    def running_metrics(self) -> dict[str, float]:
        """The metrics over the batches trained on so far in this epoch."""
        logs, kept = {}, self.kept
        for metric in self.metrics:
            if metric.streams:  # a float result (the built-ins') unchecked: no call per step
                value = metric.result()
                logs[metric.name] = value if type(value) is float else one_number(metric, value)
            elif kept:
                logs[metric.name] = metric(np.concatenate([k[0] for k in kept]),
                                           np.concatenate([k[1] for k in kept]))
        return logs

    def _batch_value(self, metric: Metric, size: int) -> float:
        """``metric`` on the step's batch, the last kept (``EpochLogs._batch_mean``)."""
        y, out = cast(list[tuple[np.ndarray, np.ndarray]], self.kept)[-1]
        return metric(y, out)
