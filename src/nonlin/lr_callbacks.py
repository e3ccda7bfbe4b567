"""Callbacks that change the learning rate: ``LearningRateScheduler`` (by epoch)
and ``ReduceLROnPlateau`` (when a monitored value stops improving).

Import them from ``nonlin.callbacks`` or ``nonlin``.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

from ._monitor import (
    _better,
    _count,
    _logged,
    _monitored,
    _optional_float,
    fit_metrics,
)
from ._quoting import quoted
from .callbacks import Callback
from .validation import is_integer, is_real


def _settable_lr(optimizer: Any, owner: str) -> float:
    """The optimizer's learning rate, a float; a TypeError when it is a schedule."""
    lr = optimizer.lr
    if not isinstance(lr, float):
        raise TypeError(f"Expected an optimizer with a float learning rate, which {owner} "
                        "sets between epochs: it cannot change a scheduled one, which the "
                        f"schedule sets at every step. Received: optimizer.lr={quoted(lr)}. "
                        f"Give the optimizer a float learning rate, or leave {owner} out "
                        "and let the schedule set it")
    return lr


def _set_lr(model: Any, lr: float, owner: str) -> None:
    optimizer = model.optimizer
    _settable_lr(optimizer, owner)
    if not (is_real(lr) and 0 <= lr < math.inf):  # 0 as Keras: a warm-up's first epoch
        raise ValueError(
            f"Expected a finite learning rate >= 0 from {owner}. Received: {quoted(lr)}"
        )
    optimizer.lr = float(lr)


def _takes_lr(schedule: Callable[..., float]) -> bool:
    """Whether ``schedule`` is called as ``schedule(epoch, lr)``: False only when its
    signature takes ``schedule(epoch)`` alone (Keras' older form)."""
    try:
        signature = inspect.signature(schedule)
    except (TypeError, ValueError):  # no signature (some builtins): the current form
        return True
    try:
        signature.bind(0, 0.1)
    except TypeError:
        try:
            signature.bind(0)
        except TypeError:
            return True
        return False
    return True


def _say(text: str) -> None:
    from .progress import write_line  # progress imports callbacks: imported when used

    write_line(text)


def _log_rate(logs: dict[str, Any] | None, model: Any) -> None:
    """Keras 3's ``logs["learning_rate"]`` at an epoch's end: the rate the epoch trained
    with, the value of nonlin's own ``"lr"`` key when the logs hold it (fit's loop logs it
    before the callbacks run), else the optimizer's rate. One value under two names: a
    callback before this one may have set the next epoch's rate already (an estimator's
    ``invscaling`` or ``adaptive`` rule), which made the two columns of a ``CSVLogger``
    disagree by an epoch. An ``"lr"`` that a callback before this one made something
    other than a number (text for a display) is not read: the optimizer's rate, as before."""
    if logs is not None:
        lr = logs.get("lr")
        logs["learning_rate"] = float(lr if is_real(lr) else model.optimizer.lr)


def _verbose(value: Any) -> int:
    if not is_integer(value) or value < 0:
        raise ValueError(f"Expected an integer >= 0. Received: verbose={quoted(value)}")
    return int(value)


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch's start: ``lr = schedule(epoch, lr)`` (Keras).

    ``epoch`` counts from 0. As in Keras, a schedule whose signature takes one
    argument is called as ``schedule(epoch)``; ``verbose`` above 0 writes the rate
    set, one line on standard error. Each epoch's logs get ``learning_rate``, the rate the
    epoch trained with (``lr``'s value), as Keras 3 logs it (``history.history["learning_rate"]``).
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        if not callable(schedule):
            raise TypeError(f"Expected a callable schedule(epoch, lr). Received: "
                            f"{quoted(schedule)}")
        self.schedule, self.verbose = schedule, _verbose(verbose)
        self._takes_lr = _takes_lr(schedule)

    def _check_fit(self, optimizer: Any, metrics: list[Any], rng: Any) -> None:
        """``on_train_begin``'s refusal, which ``fit`` asks for before it changes anything."""
        _settable_lr(optimizer, "LearningRateScheduler")

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        _settable_lr(self.model.optimizer, "LearningRateScheduler")  # a schedule: refused

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self._takes_lr:
            lr = self.schedule(epoch, _settable_lr(self.model.optimizer, "LearningRateScheduler"))
        else:
            lr = self.schedule(epoch)
        _set_lr(self.model, lr, "LearningRateScheduler")
        if self.verbose:
            _say(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate "
                 f"to {self.model.optimizer.lr}.")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        _log_rate(logs, self.model)  # Keras 3: history.history["learning_rate"]


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` when ``monitor`` stops improving.

    After ``patience`` epochs without an improvement larger than ``min_delta``,
    ``lr <- max(lr * factor, min_lr)``, then wait ``cooldown`` epochs before
    counting again (Keras' rule; at ``min_lr`` nothing is reduced, so ``wait``
    goes on counting and no cooldown starts). An epoch whose logs lack ``monitor`` warns,
    listing the available keys, and counts for neither (as in Keras 3).
    An improvement is ``current + min_delta < best`` ("min"; ``current - min_delta
    > best`` for "max") with ``min_delta`` taken as its absolute value, as Keras 3's
    ``MonitorCallback`` (since 2025; before, a negative ``min_delta`` let a slightly
    worse value count as one) and ``EarlyStopping`` take it.
    ``mode="auto"`` takes the direction of the fit's metric named ``monitor``
    (``greater_is_better``), or of its name, and raises a ``ValueError`` when training
    begins for a key of unknown direction (as ``EarlyStopping``, and Keras 3).
    ``factor`` is a finite number below 1.0, as Keras 3 refuses only ``factor >= 1.0``:
    0 or below takes the rate down to ``min_lr`` at the first reduction (``max`` of a
    rate <= 0 and ``min_lr``), as in Keras 3.
    ``min_lr`` is a finite number >= 0. ``verbose`` above 0 writes each
    reduction, one line on standard error (Keras' message). An optimizer whose
    learning rate is a schedule is refused (``TypeError``) when training begins.
    Each epoch's logs get ``learning_rate``, the rate before this epoch's reduction (Keras 3):
    ``lr``'s value, the rate the epoch trained with.
    The arguments come in Keras 3's order: ``(monitor, factor, patience, verbose, mode,
    min_delta, cooldown, min_lr)``.
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0) -> None:
        if not isinstance(monitor, str) or not monitor:
            raise TypeError("Expected a log key (a non-empty str). "
                            f"Received: monitor={quoted(monitor)}")
        if not (is_real(factor) and -math.inf < factor < 1):  # Keras 3 refuses factor >= 1.0
            raise ValueError(f"Expected a finite factor < 1.0 (0 or below: the rate drops to "
                             f"min_lr, as Keras 3). Received: factor={quoted(factor)}")
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if not is_integer(value) or value < 0:
                raise ValueError(f"Expected an integer >= 0. Received: {name}={quoted(value)}")
        if not (is_real(min_delta) and math.isfinite(min_delta)):
            raise ValueError(f"Expected a finite min_delta. Received: "
                             f"min_delta={quoted(min_delta)}")
        if not (is_real(min_lr) and 0 <= min_lr < math.inf):
            raise ValueError(f"Expected a finite min_lr >= 0. Received: min_lr={quoted(min_lr)}")
        self.monitor, self.factor, self.patience = monitor, float(factor), int(patience)
        self.min_delta = abs(float(min_delta))
        self.cooldown, self.min_lr = int(cooldown), float(min_lr)
        self.mode = mode
        self._improved = _better(monitor, mode, lazy=True)  # decided at on_train_begin
        self.verbose = _verbose(verbose)
        self.wait, self.cooldown_left = 0, 0
        self.best: float | None = None

    def _check_fit(self, optimizer: Any, metrics: list[Any], rng: Any) -> None:
        """``on_train_begin``'s refusals, which ``fit`` asks for before it changes anything."""
        _settable_lr(optimizer, "ReduceLROnPlateau")
        _better(self.monitor, self.mode, metrics)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        _settable_lr(self.model.optimizer, "ReduceLROnPlateau")  # a schedule: refused
        self._improved = _better(self.monitor, self.mode, fit_metrics(self.model))
        self.wait, self.cooldown_left = 0, 0
        self.best = None

    def state_dict(self) -> dict[str, Any]:
        return {"wait": self.wait, "cooldown_left": self.cooldown_left, "best": self.best}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        counters = _count(state, "wait"), _count(state, "cooldown_left")
        best = _optional_float(state, "best")  # checked before any changes
        (self.wait, self.cooldown_left), self.best = counters, best

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        _log_rate(logs, self.model)  # before a reduction, as Keras 3 logs it
        if not _logged(logs, self.monitor, "Learning rate reduction is conditioned on metric",
                       self):
            return  # as in Keras 3: the epoch counts neither for patience nor for cooldown
        current = _monitored(logs, self.monitor, self)
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            self.wait = 0
        if current is not None and (
            self.best is None or self._improved(current, self.best, self.min_delta)
        ):
            self.best, self.wait = current, 0
            return
        if self.cooldown_left > 0:
            return
        self.wait += 1
        if self.wait >= self.patience:
            lr = self.model.optimizer.lr
            new_lr = max(lr * self.factor, self.min_lr)
            if new_lr < lr:  # as in Keras, wait and cooldown restart only on a reduction
                _set_lr(self.model, new_lr, "ReduceLROnPlateau")
                if self.verbose:
                    _say(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                         f"to {new_lr}.")
                self.cooldown_left, self.wait = self.cooldown, 0
