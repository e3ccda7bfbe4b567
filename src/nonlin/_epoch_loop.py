"""One epoch at a time: the state of a ``fit`` call and its training step.

``train.fit`` checks its arguments and builds a ``_Loop``; ``_Loop.run_epoch``
draws the epoch's order, gathers each batch into a preallocated buffer, runs
the fused forward/loss/backward of ``objective.Objective``, refuses a
non-finite step (see ``train``'s guarantees) and lets the optimizer update the
weights in place.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np

from ._callback_list import CallbackList
from ._epoch_logs import EpochLogs
from ._epoch_state import EpochProgress, generator_state
from ._fit_keras_args import validates
from ._grad_written import UnwrittenGradient
from ._interrupt import SigintGuard
from ._misuse import check_same_params
from ._scratch import using
from ._step_refusal import UPDATE_NOT_FINITE, StepRefusal, unfinished
from ._step_snapshot import StepSnapshot
from .callbacks import History
from .core import Sequential, const
from .data import Dataset, permutation
from .evaluation import evaluate_dataset, penalty  # noqa: F401
from .exceptions import NonFiniteUpdate
from .losses import Loss
from .metrics import Metric, streamed_update
from .objective import Objective
from .optimizers import Optimizer


class _Loop(EpochLogs, StepRefusal):
    """State of one ``fit`` call: buffers, and one epoch at a time."""

    guard: SigintGuard
    val_freq: int = 1  # fit's validation_freq and validation_batch_size (None: 1,024 rows)
    val_batch: int | None = None
    val_stream: Any = None  # validation_data as a batch source: its BatchStream (nonlin._sources)
    val_tick: Any = None  # the progress display's, told the validation's chunks done

    def __init__(self, model: Sequential, loss: Loss, optimizer: Optimizer, train: Dataset,
                 val: Dataset | None, metrics: list[Metric], batch_size: int, shuffle: bool,
                 cbs: CallbackList) -> None:
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.train, self.val, self.metrics, self.cbs = train, val, metrics, cbs
        self.batch_size = min(batch_size, len(train))
        self.shuffle = shuffle
        self.params = model.parameters()
        self.objective = Objective(model, loss, self.batch_size, train.labels)
        # "sum": the weights go in as given (not / m), a batch's loss is its sum and the
        # epoch's loss the sum over its rows
        self.summed = not self.objective.mean
        self.data_loss = 0.0  # the last batch's loss, before the penalty
        self.snapshot = StepSnapshot(model)  # layer and generator state, to undo a diverged step
        self.has_penalty = any(getattr(layer, "l2", 0) for layer in model.layers)
        # a loss with ``stop_on_nonfinite = False`` trains on through inf/NaN values
        # (nonlin.sklearn: scikit-learn's MLP runs to max_iter, then checks the weights)
        self.stop_on_nonfinite = getattr(loss, "stop_on_nonfinite", True)
        self.start_steps = getattr(optimizer, "iterations", None)  # a refusal before any step?
        dt, bs = model.dtype, self.batch_size
        X, y, w = train.X, train.y, train.weight
        # in the model's dtype: a float64 X left so (nonlin._batch_dtype) is cast batch by batch
        self.xbuf = np.empty((bs, X.shape[1]), dtype=dt)
        self.cast = X.dtype != dt  # rows gathered in X's dtype, then cast into xbuf: a take
        # into xbuf itself would first cast xbuf's old (unset: any bits, a signaling NaN
        # warns) contents to a temporary of X's dtype, made anew for each batch
        self.gather = np.empty((bs, X.shape[1]), dtype=X.dtype) if self.cast else self.xbuf
        self.ybuf = np.empty((bs, *y.shape[1:]), dtype=y.dtype)
        # the batch's rows of the (int32) order as intp, what np.take indexes with: converted
        # once here, not by each take into a temporary of its own
        self.ibuf = np.empty(bs, dtype=np.intp)
        # None without weights, where it is never read (the hot path: no check, no cast)
        wbuf = None if w is None else np.empty(bs, dtype=dt)
        self.wbuf: np.ndarray = wbuf  # type: ignore[assignment]
        # metrics that cannot stream (plain functions) read every output of the epoch
        kept = any(not m.streams for m in metrics)
        # the streaming metrics' per-batch entry, unchecked (see streamed_update)
        self.updates = [streamed_update(m) for m in metrics if m.streams]
        self.store = np.empty((len(train), cast(int, model.n_outputs)), dt) if kept else None
        self._batch: tuple[np.ndarray, Any] = (train.y[:0], slice(0, 0))
        self._pool: dict[Any, np.ndarray] = {}  # see _scratch.using
        self.resume: dict[str, Any] | None = None  # a stopped epoch to carry on (checkpoint)
        self.history: History | None = None  # fit's, called last by ``cbs``

    def run_epoch(self, epoch: int) -> dict[str, float]:
        """Train one epoch; return its logs (as the callbacks left them)."""
        model, cbs = self.model, self.cbs
        cbs.call("on_epoch_begin", epoch, {})
        if cbs.callbacks:  # one may have rebuilt the model (none: as the loop was made)
            check_same_params(model, self.params, epoch)
        n = len(self.train)
        order, progress = self._begin(epoch, n)
        total, first = progress.loss_total, progress.rows
        full = cbs.wants_batches and cbs.wants_batch_logs()  # the running logs, at batch ends
        for batch, start in enumerate(range(first, n, self.batch_size), first // self.batch_size):
            stop = self._stop = min(start + self.batch_size, n)
            if cbs.wants_batches:
                cbs.call("on_train_batch_begin", batch, {"batch": batch, "size": stop - start})
                check_same_params(model, self.params, epoch)  # as at the epoch's start
            total = self._guarded_step(epoch, batch, start, stop, order, total)[1]
            if cbs.wants_batches:
                cbs.call("on_train_batch_end", batch, self.batch_end_logs(batch, stop - start)
                         if full else {"batch": batch, "size": stop - start})
            if self.guard.pending:
                raise KeyboardInterrupt
            if model.stop_training:  # set in a batch hook: the epoch ends here (Keras 3)
                break
        if progress.rows < n:  # ended early (stop_training): resumed at the next epoch
            model._epoch_in_progress = None
        logs = self._train_logs(progress.rows, total)
        if self.val is not None or self.val_stream is not None:  # Ctrl-C here: resumed
            self._validate(epoch, logs)  # after its last row
        logs["lr"] = self.optimizer.current_lr()
        model._epoch_in_progress = None  # the epoch is over
        self._end_epoch(epoch, logs)
        if self.guard.pending:
            raise KeyboardInterrupt
        return logs

    def _validate(self, epoch: int, logs: dict[str, float]) -> None:
        """Every ``val_freq``-th epoch: ``val``'s (or ``val_stream``'s) loss and metrics as
        ``val_*`` keys of ``logs``, within Keras 3's ``on_test_begin``/``on_test_end``: as
        Keras 3 prefixes the dict its ``evaluate`` gave ``on_test_end``, a key a callback
        adds there (or changes, or removes) is so in the ``val_*`` keys."""
        if not validates(epoch, self.val_freq):
            return
        self.cbs.call("on_test_begin", {})
        stream = self.val_stream
        if stream is None:
            results = evaluate_dataset(self.model, self.loss, cast(Dataset, self.val),
                                       self.metrics, self.val_batch, self.val_tick)
        else:
            from ._source_validation import validate_stream

            results = validate_stream(self.model, self.loss, stream, self.metrics, epoch,
                                      self.val_tick)
        results = dict(results)  # the dict on_test_end gets, changes and all (Keras 3)
        self.cbs.call("on_test_end", results)
        for key, value in results.items():
            logs["val_" + key] = value

    def _end_epoch(self, epoch: int, logs: dict[str, float]) -> None:
        """``on_epoch_end``: the callbacks, then ``History`` (Keras' order), which so records
        the keys they add. A checkpoint they write meanwhile finds the epoch's logs as
        ``model._epoch_logs``; should one raise, ``History`` still records the epoch,
        which the weights have trained (``model.history`` holds every completed epoch)."""
        model, history = self.model, self.history
        model._epoch_logs = (epoch, logs)
        try:
            self.cbs.call("on_epoch_end", epoch, logs)
        except BaseException:
            if history is not None and not (history.epoch and history.epoch[-1] == epoch):
                history.on_epoch_end(epoch, logs)
            raise
        finally:
            model._epoch_logs = None

    def _begin(self, epoch: int, n: int) -> tuple[np.ndarray | None, EpochProgress]:
        """The epoch's shuffling order and its progress record, published on the model
        for checkpoints; a checkpoint's stopped epoch (``self.resume``) carries on.

        One step for SIGINT (``guard.in_step``, as ``_guarded_step``): a Ctrl-C between
        the draw, which moves the generator, and the record, which says where it started,
        would leave a checkpoint with the generator past the draw and no record of it
        (the resumed epoch shuffled another way); it is deferred to the first step's end.
        A third cuts it (``torn``): then no record, as after a torn step."""
        guard = self.guard
        guard.in_step = True
        try:
            return self._draw_and_record(epoch, n)
        except KeyboardInterrupt:
            if guard.torn:
                self.model._epoch_in_progress = None
            raise
        finally:
            guard.in_step = False

    def _draw_and_record(self, epoch: int, n: int) -> tuple[np.ndarray | None, EpochProgress]:
        rng, resume = self.model.rng, self.resume
        self.resume = None
        start = resume["rng_start"] if resume else generator_state(rng)
        if resume:  # the order drawn when the epoch first began; then the generator as it was
            bits = cast(np.random.Generator, rng).bit_generator  # resume: a Generator's epoch
            now, bits.state = bits.state, resume["rng_start"]
            try:
                order = permutation(rng, n) if self.shuffle else None
            finally:
                bits.state = now
        else:
            order = permutation(rng, n) if self.shuffle else None
        for i, metric in enumerate(self.metrics):
            if metric.streams:
                metric.reset_state()
                if resume:
                    metric.load_state_dict(resume["metrics"][i])
        progress = EpochProgress(epoch, start, self.metrics)
        if resume:
            progress.rows, progress.loss_total = resume["rows"], resume["loss_total"]
        self._order, self._stop = order, progress.rows
        self.model._epoch_in_progress = progress
        return order, progress

    def _sink(self, out: np.ndarray) -> None:
        """The batch's outputs, handed over by the objective: update the metrics."""
        yb, where = self._batch
        with using(self._pool):  # the metrics' arrays go into buffers reused batch after batch
            for update in self.updates:
                update(yb, out)
        if self.store is not None:
            self.store[where] = out

    def _guarded_step(self, epoch: int, batch: int, start: int, stop: int, order: Any,
                      total: float) -> tuple[float, float]:
        """The step and the progress record it advances, shielded from a second Ctrl-C
        (see ``SigintGuard``); a step cut by a third leaves no progress record."""
        guard, progress = self.guard, self.model._epoch_in_progress
        guard.in_step = True
        try:
            value = self._step(epoch, batch, start, stop, order)
            total += self.data_loss if self.summed else value * (stop - start)
            progress.rows, progress.loss_total = stop, total
        except KeyboardInterrupt:
            if guard.torn:  # weights, slots and metrics may be half-way through this step
                self.model._epoch_in_progress = None
            raise
        finally:
            guard.in_step = False
        return value, total

    def _step(self, epoch: int, batch: int, start: int, stop: int, order: Any) -> float:
        """One training step on the epoch's rows ``start:stop`` (``order[start:stop]`` when
        shuffled); returns the batch's loss. Gather the rows into the loop's buffers, run
        ``Objective.step`` (forward, loss, backward: every ``Param.grad``), then the
        optimizer's ``step`` (``w <- w + d``); the rest refuses a non-finite step (``_refuse``)."""
        train, m = self.train, stop - start
        weight = train.weight  # sample weights (n_samples,), or None
        where: Any  # the batch's rows: a slice, or indices
        if order is None:  # the rows in order: views of the data
            xb, yb, where = train.X[start:stop], train.y[start:stop], slice(start, stop)
            wb = None if weight is None else weight[start:stop]
        else:  # shuffled: the rows order[start:stop], gathered into the loop's buffers
            where = rows = self.ibuf[:m]
            np.copyto(rows, order[start:stop])
            xb = train.X.take(rows, 0, self.gather[:m], "clip")
            yb = train.y.take(rows, 0, self.ybuf[:m], "clip")
            wb = None if weight is None else weight.take(rows, 0, self.wbuf[:m], "clip")
        if self.cast:  # float64 rows for a float32 model (nonlin._batch_dtype)
            np.copyto(self.xbuf[:m], xb)
            xb = self.xbuf[:m]
        if wb is not None and not self.summed:  # "mean": w_i / m (see Objective.step)
            wb = np.multiply(wb, const(1.0 / m, wb.dtype), out=self.wbuf[:m])
        self._batch = (yb, where)
        sink, snapshot = self._sink if self.metrics else None, self.snapshot
        if snapshot.active:
            snapshot.save()
        # overflow shows up as a non-finite loss, state or update, reported below
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            try:
                value = self.data_loss = self.objective.step(xb, yb, wb, sink)
            except UnwrittenGradient:  # the first step refused: the model as before it
                snapshot.restore()  # (nothing to put back if not active)
                raise
            if self.has_penalty:
                value += penalty(self.model)
            what = None  # why the step is refused, if it is
            if self.stop_on_nonfinite and not (math.isfinite(value) and (
                    not snapshot.stateful or snapshot.state_finite())):
                what = unfinished(value)  # the loss, or a layer's running statistics
            else:
                try:
                    self.optimizer.step(self.params)  # w <- w + d
                except NonFiniteUpdate:  # _refuse names the gradient (_overflow_detail)
                    what = UPDATE_NOT_FINITE
        if what is not None:
            self._refuse(what, epoch, batch)
        return value
