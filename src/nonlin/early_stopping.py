"""``EarlyStopping``: stop training when a monitored value stops improving (Keras 3's rule).

Import it from ``nonlin.callbacks`` or ``nonlin``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ._monitor import (
    _better,
    _count,
    _index,
    _keys,
    _logged,
    _monitored,
    _optional_float,
    fit_metrics,
)
from ._quoting import quoted
from .callbacks import Callback
from .validation import check_bool, is_integer, is_real


def _is_finite(value: Any) -> bool:
    return is_real(value) and math.isfinite(value)


def _improvement(monitor: str, mode: str, metrics: Iterable[Any] = (), *,
                 lazy: bool = False) -> Callable[[float, float, float], bool]:
    """Keras 3's ``_is_improvement``, in its floating-point form: for "min",
    ``current + min_delta < reference``; for "max", ``current - min_delta > reference``.

    A tie is no improvement, and neither is a change of exactly ``min_delta``
    when ``current + min_delta`` rounds to ``reference`` (0.3 after 0.4 with
    ``min_delta=0.1``), as in Keras (``current < reference - min_delta`` would
    differ from Keras there). ``lazy``: see ``_monitor._better``, whose test this is.
    """
    return _better(monitor, mode, metrics, "EarlyStopping", lazy=lazy)


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by more than ``min_delta`` for ``patience`` epochs.

    Keras 3's rule: from ``start_from_epoch`` on, each epoch adds one to
    ``wait``; a value better than the best so far (by more than ``min_delta``)
    becomes the best, and resets ``wait`` to 0 if it also beats ``baseline``
    (when given); an epoch without improvement stops training once ``wait``
    reaches ``patience`` (never in epoch 0). NaN or infinite values never improve.

    Parameters
    ----------
    monitor : str, default "val_loss"
        A key of the epoch's logs. When it is missing, a warning lists the
        available keys and the epoch is not counted (as in Keras).
    min_delta : float, default 0
        Taken as ``abs(min_delta)``, as in Keras.
    patience : int, default 0
    verbose : int, default 0
        Above 0: at the end of training, say in which epoch training stopped
        early and from which epoch the weights were restored (one line each on
        standard error, as ``fit``'s progress display writes).
    mode : {"auto", "min", "max"}
        "auto" asks the fit's metric named ``monitor`` (its ``greater_is_better``,
        as Keras 3 asks a metric's direction); keys with ``loss`` in them go
        down, nonlin's metrics (by the names they log) the way their classes
        declare. Any other key raises a ``ValueError`` when training begins
        (as in Keras 3): pass "max" or "min".
    baseline : float, optional
        Improvements reset ``wait`` only if they beat this value too: with
        ``patience=5`` and ``baseline=0.5``, ``val_loss`` 0.9, 0.8, 0.7, 0.71,
        0.72 stops after the fifth epoch (Keras' rule and its test).
    restore_best_weights : bool, default False
        At the end of training, put back the weights (and layer state) of the
        best epoch (of the first monitored epoch if none was finite), whether
        training stopped early or ran all its epochs, as Keras 3 does (Keras 2
        restored only on an early stop).
    start_from_epoch : int, default 0
        Epochs before this one are not monitored (a warm-up).

    Attributes
    ----------
    stopped_epoch : int
        The epoch in which training stopped early; 0 when it did not (Keras 3's
        value, so that ``if stopping.stopped_epoch:`` asks whether it stopped: it
        never stops in epoch 0).
    best_epoch : int
        The epoch of the best value; 0 until one is seen (as Keras 3).
    best : float or None
    wait : int
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0.0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0) -> None:
        if not isinstance(monitor, str) or not monitor:
            raise TypeError("Expected a log key (a non-empty str). "
                            f"Received: monitor={quoted(monitor)}")
        for name, value in (("patience", patience), ("verbose", verbose),
                            ("start_from_epoch", start_from_epoch)):
            if not is_integer(value) or value < 0:
                raise ValueError(f"Expected an integer >= 0. Received: {name}={quoted(value)}")
        for name, number in (("min_delta", min_delta), ("baseline", baseline)):
            if not (_is_finite(number) or (name == "baseline" and number is None)):
                raise ValueError(f"Expected a finite number. Received: {name}={quoted(number)}")
        self.monitor, self.min_delta, self.patience = monitor, abs(float(min_delta)), int(patience)
        self.verbose, self.mode, self.start_from_epoch = int(verbose), mode, int(start_from_epoch)
        self.baseline = None if baseline is None else float(baseline)
        self.restore_best_weights = check_bool("restore_best_weights", restore_best_weights)
        self._improved = _improvement(monitor, mode, lazy=True)  # decided at on_train_begin
        self._reset()

    def _reset(self) -> None:
        """The counters of a new run (``on_train_begin``'s): nothing seen yet."""
        self.wait, self.stopped_epoch, self.best_epoch = 0, 0, 0  # Keras 3's
        self.best: float | None = None
        self.best_weights: list[np.ndarray] | None = None
        self.best_state: dict[str, np.ndarray] | None = None

    def _check_fit(self, optimizer: Any, metrics: list[Any], rng: Any) -> None:
        """``on_train_begin``'s refusal, which ``fit`` asks for before it changes anything."""
        _improvement(self.monitor, self.mode, metrics)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._improved = _improvement(self.monitor, self.mode, fit_metrics(self.model))
        self._reset()

    def get_monitor_value(self, logs: dict[str, Any] | None) -> Any:
        """Keras 3's: ``logs[monitor]``, or None with a warning listing the keys when the
        logs lack it. A subclass may override it to monitor a value of its own making
        (``logs["val_loss"] + logs["val_mae"]``), as Keras users do; None skips the epoch."""
        if not _logged(logs, self.monitor, "Early stopping conditioned on metric", self):
            return None
        return logs[self.monitor]

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        value = self.get_monitor_value(logs)
        if value is None or epoch < self.start_from_epoch:
            return
        try:
            current = _monitored({self.monitor: value}, self.monitor, self)
        except TypeError:  # an override's value: no number (a list, a string)
            if type(self).get_monitor_value is EarlyStopping.get_monitor_value:
                raise  # the logs' own value: _monitored's message names the key
            raise TypeError(f"Expected a number or None from {type(self).__name__}."
                            f"get_monitor_value. Received: {quoted(value)}") from None
        self.wait += 1
        if current is not None and (
            self.best is None or self._improved(current, self.best, self.min_delta)
        ):
            self.best, self.best_epoch = current, epoch
            self._keep_weights()
            if self.baseline is None or self._improved(current, self.baseline, self.min_delta):
                self.wait = 0
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_epoch = epoch
            self._keep_weights()
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def _keep_weights(self) -> None:
        if self.restore_best_weights:
            self.best_weights = self.model._parameter_weights()  # the state beside
            self.best_state = self.model.get_state()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        from .progress import write_line

        if self.stopped_epoch > 0 and self.verbose > 0:  # Keras 3's condition
            write_line(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose:
                write_line("Restoring model weights from the end of the best epoch: "
                           f"{self.best_epoch + 1}.")
            self.model._set_parameter_weights(self.best_weights)
            self.model.set_state(self.best_state)

    def state_dict(self) -> dict[str, Any]:
        """Counters, the best value, and copies of the best weights (``best_weights.{i}``)
        and layer state (``best_state.{name}``) when ``restore_best_weights`` kept them.
        ``baseline`` and ``start_from_epoch`` are arguments, not state: the resumed
        ``fit`` gets them from its own ``EarlyStopping``."""
        state: dict[str, Any] = {"wait": self.wait, "best": self.best,
                                 "best_epoch": self.best_epoch,
                                 "stopped_epoch": self.stopped_epoch}
        for i, w in enumerate(self.best_weights or ()):
            state[f"best_weights.{i}"] = w.copy()
        for name, value in (self.best_state or {}).items():
            state[f"best_state.{name}"] = value.copy()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state`` (from ``state_dict()``), copying its arrays; a refused state
        changes nothing. Before ``fit`` binds a model (PyTorch Lightning's way: the state
        needs no model), the best weights are kept as given and checked against the
        model when they are restored. ``fit`` starts the counters anew in
        ``on_train_begin`` (as Keras does): a resumed run gets them from its checkpoint."""
        if not isinstance(state, dict):
            raise TypeError(f"Expected a dict from EarlyStopping.state_dict(). "
                            f"Received: {type(state).__name__}")
        counters = (_count(state, "wait"), _epoch(state, "best_epoch"),
                    _epoch(state, "stopped_epoch"), _optional_float(state, "best"))
        weights = [np.array(state[k], copy=True)
                   for k in sorted(_keys(state, "best_weights."), key=_index)]
        layer_state = {k.removeprefix("best_state."): np.array(state[k], copy=True)
                       for k in _keys(state, "best_state.")}
        if weights and getattr(self.model, "built", False):  # else checked when restored
            expected = [w.shape for w in self.model._parameter_weights()]
            if [w.shape for w in weights] != expected:
                raise ValueError(f"Expected EarlyStopping best weights of shapes {expected}. "
                                 f"Received {[w.shape for w in weights]}")
        self.wait, self.best_epoch, self.stopped_epoch, self.best = counters
        self.best_weights = weights or None
        self.best_state = layer_state if weights else None  # the state beside them


def _epoch(state: dict[str, Any], key: str) -> int:
    """``state[key]``, an epoch index, 0 (none yet) by default. The -1 that states
    written before nonlin followed Keras 3 here hold for "none yet" reads as 0, the
    value an uninterrupted run has then."""
    value = state.get(key, 0)
    if not is_integer(value) or value < -1:
        raise ValueError(f"Expected an integer >= -1 for {key!r}. Received: {quoted(value)}")
    return max(int(value), 0)
