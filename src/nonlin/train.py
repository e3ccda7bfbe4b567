"""The training loop behind ``Sequential.fit`` and ``Sequential.evaluate``.

Each epoch draws a permutation from the model's generator, gathers every batch
into a preallocated buffer (``np.take(..., out=, mode="clip")``: the indices are
valid, and the default ``mode="raise"`` would buffer the output; never a copy
of ``X``),
runs the fused forward/loss/backward of ``objective.Objective``, and lets the
optimizer update the weights in place. Metrics stream: each batch's outputs
update running sums (a plain function as a metric makes fit keep the epoch's
outputs instead); validation data is evaluated in chunks of rows, so memory
beyond the data and the model stays a few batches' worth.

Guarantees:

* Divergence: a non-finite loss, update or layer state (``BatchNorm``'s
  running statistics) raises ``DivergenceError`` before it reaches the
  weights; the model is then as after the last finite step: its weights, its
  layer state and its generator (the dropout masks the refused step drew are
  given back, so a retried ``fit`` draws them again), see ``_step_snapshot``.
  A loss with ``stop_on_nonfinite = False`` (scikit-learn's objective in
  ``nonlin.sklearn``, whose MLP trains on to ``max_iter``) skips the loss and
  state checks; its optimizer then decides about non-finite updates.
* Ctrl-C: in the main thread SIGINT is deferred to the end of the running
  step; ``KeyboardInterrupt`` is then raised with the model at that step. A
  second Ctrl-C inside the step is deferred too (outside one it raises at
  once); a third cuts the step, and no mid-epoch progress is then recorded.
* ``model.history`` holds the epochs completed so far, whatever happens.
* ``model.stop_training`` set in a batch hook ends the epoch after that batch
  (Keras 3): its logs cover the rows trained, and it counts as an epoch done
  (``History``, ``ModelCheckpoint``); a checkpoint written then resumes at
  the next epoch, as the run would have gone on had nothing stopped it.
* Resuming: the model's generator state, the optimizer's ``state_dict``, the
  history and ``initial_epoch`` reproduce an uninterrupted run bit for bit,
  also from a checkpoint saved between two batches (``nonlin._epoch_state``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ._callback_state import restore_callbacks
from ._epoch_state import EpochProgress, generator_state, stopped_epoch
from ._interrupt import SigintGuard
from ._step_snapshot import StepSnapshot
from .callbacks import Callback, CallbackList, History
from .core import Sequential, as_rng, const
from .data import Dataset, make_dataset, permutation
from .evaluation import evaluate_dataset, penalty, resolve_loss, resolve_metrics
from .exceptions import DivergenceError, NonFiniteUpdate
from .losses import Loss
from .metrics import Metric
from .objective import Objective
from .optimizers import Optimizer
from .progress import ProgbarLogger
from .validation import check_fraction, check_positive_int, check_X


def resolve_optimizer(optimizer: Any) -> Optimizer:
    from .registry import optimizer as optimizer_from_name

    if isinstance(optimizer, str):
        return optimizer_from_name(optimizer)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"Expected an Optimizer or a name. Received: optimizer={optimizer!r}")
    return optimizer


def _build_if_needed(model: Sequential, X: Any, seed: Any) -> None:
    if model.built:
        return
    X = check_X(X)
    dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
    model.build(X.shape[1], seed, dtype=dtype)


def fit(model: Sequential, X: Any, y: Any, *, loss: Any, optimizer: Any, epochs: int = 1,
        batch_size: int = 32, shuffle: bool = True, seed: Any = None,
        validation_split: float = 0.0, validation_data: Any = None,
        callbacks: Iterable[Callback] = (), metrics: Iterable[Any] = (),
        class_weight: Any = None, sample_weight: Any = None, verbose: int = 1,
        initial_epoch: int = 0, resume_from: Any = None) -> History:
    """Train ``model``; see ``Sequential.fit`` for the parameters."""
    callbacks = list(callbacks)
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    initial_epoch = check_positive_int("initial_epoch", initial_epoch, 0)
    validation_split = check_fraction("validation_split", validation_split)
    if verbose not in (0, 1, 2):
        raise ValueError(f"Expected verbose 0, 1 or 2. Received: verbose={verbose!r}")
    built_here = not model.built
    _build_if_needed(model, X, seed)
    loss, optimizer = resolve_loss(loss), resolve_optimizer(optimizer)
    train = make_dataset(X, y, loss, model, sample_weight=sample_weight, class_weight=class_weight,
                         training=True)
    train, val = _validation(model, loss, train, validation_split, validation_data)
    if seed is not None and not built_here:
        model.rng = as_rng(seed)
    if resume_from is not None:
        from .checkpoint import resume

        initial_epoch, optimizer = resume(model, optimizer, resume_from)
    loop = _setup(model, loss, optimizer, train, val, callbacks, metrics, batch_size, shuffle,
                  epochs, verbose, initial_epoch)
    history = model.history  # the History _setup made (callbacks may rebind the attribute)
    _run(loop, callbacks, initial_epoch, epochs)
    return history


def _setup(model: Sequential, loss: Loss, optimizer: Optimizer, train: Dataset,
           val: Dataset | None, callbacks: list[Callback], metrics: Iterable[Any],
           batch_size: int, shuffle: bool, epochs: int, verbose: int,
           initial_epoch: int) -> _Loop:
    """Bind the generator, history, optimizer and callbacks to ``model``; build the loop."""
    _bind_rng(model)
    history = _history_for(model, initial_epoch)
    model.optimizer, model.loss, model.history = optimizer, loss, history
    model.stop_training, model._fit_callbacks = False, callbacks  # checkpoints save their state
    steps = math.ceil(len(train) / batch_size)
    extra = [ProgbarLogger(verbose, steps, epochs)] if verbose else []
    cbs = CallbackList([history, *callbacks, *extra], model)
    loop = _Loop(model, loss, optimizer, train, val, resolve_metrics(metrics, loss, model),
                 batch_size, shuffle, cbs)
    if extra and loop.metrics:
        extra[0].live = loop.running_metrics
    loop.resume = stopped_epoch(model.__dict__.pop("_resume_partial", None), initial_epoch,
                                len(train), model.rng, loop.metrics)
    return loop


def _run(loop: _Loop, callbacks: list[Callback], initial_epoch: int, epochs: int) -> None:
    """The epochs, with SIGINT deferred to step ends and non-finite updates refused;
    a resumed run's callbacks get their saved state after ``on_train_begin``."""
    model, cbs, optimizer = loop.model, loop.cbs, loop.optimizer
    saved_states = model.__dict__.pop("_resume_callbacks", None)
    guard = SigintGuard()
    optimizer.check_finite = True
    try:
        with guard.installed():
            loop.guard = guard
            cbs.call("on_train_begin", {})
            if saved_states and initial_epoch > 0:
                restore_callbacks(callbacks, saved_states)
            for epoch in range(initial_epoch, epochs):
                loop.run_epoch(epoch)
                if model.stop_training:
                    break
            cbs.call("on_train_end", {})
        model._fit_callbacks = []  # kept only while a run can still be checkpointed and resumed
    finally:
        optimizer.check_finite = False


def _history_for(model: Sequential, initial_epoch: int) -> History:
    """A new History, continuing the model's when resuming at ``initial_epoch``."""
    history = History()
    old = getattr(model, "history", None)
    if initial_epoch > 0 and isinstance(old, History) and old.epoch and (
        old.epoch[-1] == initial_epoch - 1
    ):
        history.epoch = list(old.epoch)
        history.history = {k: list(v) for k, v in old.history.items()}
    return history


def _bind_rng(model: Sequential) -> None:
    for layer in model.layers:
        if hasattr(layer, "rng"):
            layer.rng = model.rng


def _validation(model: Sequential, loss: Loss, train: Dataset, split: float,
                data: Any) -> tuple[Dataset, Dataset | None]:
    """(training set, validation set or None): ``validation_data`` wins over ``split``."""
    if data is None:
        return train.split(split) if split > 0 else (train, None)
    if not isinstance(data, tuple | list) or len(data) not in (2, 3):
        raise ValueError("Expected validation_data as (X_val, y_val) or (X_val, y_val, weights)")
    weights = data[2] if len(data) == 3 else None
    return train, make_dataset(data[0], data[1], loss, model, sample_weight=weights, name="X_val")


class _Loop:
    """State of one ``fit`` call: buffers, and one epoch at a time."""

    guard: SigintGuard

    def __init__(self, model: Sequential, loss: Loss, optimizer: Optimizer, train: Dataset,
                 val: Dataset | None, metrics: list[Metric], batch_size: int, shuffle: bool,
                 cbs: CallbackList) -> None:
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.train, self.val, self.metrics, self.cbs = train, val, metrics, cbs
        self.batch_size = min(batch_size, len(train))
        self.shuffle = shuffle
        self.params = model.parameters()
        self.objective = Objective(model, loss, self.batch_size, train.labels)
        self.snapshot = StepSnapshot(model)  # layer and generator state, to undo a diverged step
        self.has_penalty = any(getattr(layer, "l2", 0) for layer in model.layers)
        # a loss with ``stop_on_nonfinite = False`` trains on through inf/NaN values
        # (nonlin.sklearn: scikit-learn's MLP runs to max_iter, then checks the weights)
        self.stop_on_nonfinite = getattr(loss, "stop_on_nonfinite", True)
        dt, bs = model.dtype, self.batch_size
        X, y, w = train.X, train.y, train.weight
        self.xbuf = np.empty((bs, X.shape[1]), dtype=X.dtype)
        self.ybuf = np.empty((bs, *y.shape[1:]), dtype=y.dtype)
        self.wbuf = None if w is None else np.empty(bs, dtype=dt)
        # metrics that cannot stream (plain functions) read every output of the epoch
        kept = any(not m.streams for m in metrics)
        self.store = np.empty((len(train), model.n_outputs), dt) if kept else None
        self._batch: tuple[np.ndarray, Any] = (train.y[:0], slice(0, 0))
        self.resume: dict[str, Any] | None = None  # a stopped epoch to carry on (checkpoint)

    def run_epoch(self, epoch: int) -> None:
        model, cbs = self.model, self.cbs
        cbs.call("on_epoch_begin", epoch, {})
        n = len(self.train)
        order, progress = self._begin(epoch, n)
        total, first = progress.loss_total, progress.rows
        for batch, start in enumerate(range(first, n, self.batch_size), first // self.batch_size):
            stop = self._stop = min(start + self.batch_size, n)
            if cbs.wants_batches:
                cbs.call("on_batch_begin", batch, {"batch": batch, "size": stop - start})
            value, total = self._guarded_step(epoch, batch, start, stop, order, total)
            if cbs.wants_batches:
                cbs.call("on_batch_end", batch, {"batch": batch, "size": stop - start,
                                                 "loss": value})
            if self.guard.pending:
                raise KeyboardInterrupt
            if model.stop_training:  # set in a batch hook: the epoch ends here (Keras 3)
                break
        model._epoch_in_progress = None  # the epoch is over, also when it ended early
        logs = self._train_logs(progress.rows, total)
        if self.val is not None:
            for key, value in evaluate_dataset(model, self.loss, self.val, self.metrics).items():
                logs["val_" + key] = value
        logs["lr"] = self.optimizer.current_lr()
        cbs.call("on_epoch_end", epoch, logs)
        if self.guard.pending:
            raise KeyboardInterrupt

    def _train_logs(self, rows: int, total: float) -> dict[str, float]:
        """The epoch's loss and metrics over the ``rows`` rows it trained on: all of them,
        or fewer when a batch hook set ``model.stop_training`` (the epoch then ends there)."""
        if rows < len(self.train):
            return {"loss": total / rows, **self.running_metrics()}
        logs = {"loss": total / rows}
        for metric in self.metrics:
            logs[metric.name] = (
                metric.result() if metric.streams else metric(self.train.y, self.store)
            )
        return logs

    def _begin(self, epoch: int, n: int) -> tuple[np.ndarray | None, EpochProgress]:
        """The epoch's shuffling order and its progress record, published on the model
        for checkpoints; a checkpoint's stopped epoch (``self.resume``) carries on."""
        rng, resume = self.model.rng, self.resume
        self.resume = None
        start = resume["rng_start"] if resume else generator_state(rng)
        if resume:  # the order drawn when the epoch first began; then the generator as it was
            now, rng.bit_generator.state = rng.bit_generator.state, start
        order = permutation(rng, n) if self.shuffle else None
        if resume:
            rng.bit_generator.state = now
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

    def running_metrics(self) -> dict[str, float]:
        """The metrics over the rows trained on so far in this epoch (for progress bars)."""
        rows = slice(0, self._stop) if self._order is None else self._order[: self._stop]
        return {
            m.name: m.result() if m.streams else m(self.train.y[rows], self.store[rows])
            for m in self.metrics
        }

    def _sink(self, out: np.ndarray) -> None:
        """The batch's outputs, handed over by the objective: update the metrics."""
        yb, where = self._batch
        for metric in self.metrics:
            if metric.streams:
                metric.update_state(yb, out)
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
            total += value * (stop - start)
            progress.rows, progress.loss_total = stop, total
        except KeyboardInterrupt:
            if guard.torn:  # weights, slots and metrics may be half-way through this step
                self.model._epoch_in_progress = None
            raise
        finally:
            guard.in_step = False
        return value, total

    def _step(self, epoch: int, batch: int, start: int, stop: int, order: Any) -> float:
        train, m = self.train, stop - start
        if order is None:
            xb, yb, where = train.X[start:stop], train.y[start:stop], slice(start, stop)
            wsrc = None if train.weight is None else train.weight[start:stop]
        else:
            where = order[start:stop]
            xb = np.take(train.X, where, axis=0, out=self.xbuf[:m], mode="clip")
            yb = np.take(train.y, where, axis=0, out=self.ybuf[:m], mode="clip")
            wsrc = None if train.weight is None else train.weight[where]
        wb = None
        if wsrc is not None:
            wb = np.multiply(wsrc, const(1.0 / m, self.wbuf.dtype), out=self.wbuf[:m])
        self._batch = (yb, where)
        sink, snapshot = self._sink if self.metrics else None, self.snapshot
        if snapshot.active:
            snapshot.save()
        # overflow shows up as a non-finite loss, state or update, reported below
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            value = self.objective.step(xb, yb, wb, sink)
            if self.has_penalty:
                value += penalty(self.model)
            finite = math.isfinite(value) or not self.stop_on_nonfinite
            what = None if finite else f"The loss became {value}"
            if (what is None and self.stop_on_nonfinite and snapshot.stateful
                    and not snapshot.state_finite()):
                what = "A layer's running statistics became NaN or infinite"
            if what is None:
                try:
                    self.optimizer.step(self.params)
                except NonFiniteUpdate:
                    what = "A gradient or update became NaN or infinite"
        if what is not None:
            if snapshot.active:
                snapshot.restore()
            raise DivergenceError(
                f"{what} at epoch {epoch}, batch {batch}; the model is as after the last "
                "finite step. Lower the learning rate or clip gradients (clipnorm=...).",
                epoch=epoch, batch=batch)
        return value
