"""Callbacks: objects whose hooks ``fit`` calls as training proceeds (Keras style).

Hooks, each with a ``logs`` dict: ``on_train_begin``, ``on_epoch_begin(epoch)``,
``on_train_batch_begin(batch)`` (logs: ``batch``, ``size``), ``on_train_batch_end(batch)``
(logs: ``batch``, ``size``, the epoch's running ``loss`` and metrics),
``on_epoch_end(epoch)`` (logs: ``loss``, metrics, ``val_*``, ``lr``) and ``on_train_end`` (the
last epoch's logs, as in Keras 3); in an epoch that validates, ``on_test_begin`` and
``on_test_end`` (logs: the validation results, unprefixed) before ``on_epoch_end``, as Keras 3's
``fit`` validates through ``evaluate``'s hooks. As in Keras, the batch hooks call
``on_batch_begin`` / ``on_batch_end`` unless overridden. The batch-end logs are Keras 3's
("aggregated metric results up until this batch"): the epoch's running loss and metrics, the
last batch's being the epoch's (a plain-function metric: the row-weighted mean of its value
on each batch so far, ``_epoch_logs``; the epoch's for a mean over rows). During ``fit``
a callback reaches the model through ``self.model`` (``model.optimizer``, ``model.history``,
``model.stop_training``) and ``self.params`` (Keras': ``verbose``, ``epochs``, ``steps`` per
epoch). Setting
``model.stop_training = True`` ends training, as in Keras 3, which looks at the flag after each
batch and each epoch: set in ``on_epoch_end``, after that epoch; set in a batch hook, after
that batch; set in ``on_epoch_begin`` (or ``on_train_begin``), after the first batch of that
epoch. An epoch so cut short ends early: ``on_epoch_end`` gets the loss and metrics over the
rows trained so far (and the validation results), ``History`` records it as the epoch, then
comes ``on_train_end``.

``fit`` calls its callbacks in the order given (a ``BackupAndRestore`` after the others),
then its ``History`` (and the progress display), as Keras does: keys a callback adds to the
logs in ``on_epoch_end`` reach the callbacks after it and ``History``.

A callback with counters (``EarlyStopping``, ``ReduceLROnPlateau``, ``ModelCheckpoint``,
``BackupAndRestore``, ``SwapEMAWeights``) also has ``state_dict()`` / ``load_state_dict()``, as in
PyTorch Lightning: checkpoints keep it, and ``fit`` puts it back into the callback at the same
position (and of the same class) when a run resumes.
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._callback_args import (
    CSVFile,
    check_functions,
    check_hook_names,
    csv_field,
    csv_logger_options,
    log_number,
)
from ._callback_homes import callbacks_getattr
from ._fit_checks import check_log_path
from ._reprs import constructor_repr

# Keras' backward-compatible names: the default train-batch hook calls them
_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


class Callback:
    """Base class: every hook does nothing. Override the ones you need."""

    model: Any = None
    params: dict[str, Any] | None = None

    def set_model(self, model: Any) -> None:
        """Bind the ``model`` being trained (``fit`` calls it before ``on_train_begin``)."""
        self.model = model

    def set_params(self, params: dict[str, Any] | None) -> None:
        """Keep ``fit``'s ``params``: ``{"verbose", "epochs", "steps"}``, as in Keras."""
        self.params = params  # fit's: {"verbose", "epochs", "steps"}, as Keras

    def __repr__(self) -> str:
        return constructor_repr(self)  # EarlyStopping(monitor='val_acc', patience=3)

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint keeps to resume this callback: flat keys, values that are
        numbers, None or arrays. Empty for a callback without counters."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state`` (from ``state_dict()``); ``fit`` calls it after ``on_train_begin``."""

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Called once before the first epoch; ``logs`` is empty."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Called at the start of each epoch, ``epoch`` counting from 0; ``logs`` is empty."""

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called before step ``batch`` (index within the epoch); ``logs`` has its ``size``."""

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Called after each step ``batch``; ``logs["loss"]`` and the (streaming) metrics are
        the epoch's so far, as in Keras 3, with the step's ``batch`` and ``size``."""

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Keras 3's name: calls ``on_batch_begin(batch, logs)`` unless overridden."""
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Keras 3's name: calls ``on_batch_end(batch, logs)`` unless overridden."""
        self.on_batch_end(batch, logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Called after each epoch with the epoch's results in ``logs``."""

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """Called once when training ends (an early stop too): the last epoch's logs, or {}."""

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Called before ``fit`` validates (Keras 3) and ``evaluate(callbacks=)``; logs empty."""

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        """Called after ``fit`` validates and ``evaluate``: ``logs``, the results, unprefixed."""

    # Keras 3's batch hooks of evaluate and predict, for ``super()`` calls: nonlin never calls
    # them (``fit`` validates and ``evaluate`` and ``predict`` run in chunks, not batches)
    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Never called by nonlin (Keras 3: before ``batch`` of ``evaluate``; ``logs`` empty)."""

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Never called by nonlin (Keras 3: after ``batch`` of ``evaluate``, running ``logs``)."""

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Called when ``predict(callbacks=)`` begins (Keras 3); ``logs`` empty."""

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        """Called when ``predict(callbacks=)`` ends (Keras 3); ``logs`` empty."""

    def on_predict_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Never called by nonlin (Keras 3: before ``batch`` of ``predict``; ``logs`` empty)."""

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Never called by nonlin (Keras 3: after ``batch`` of ``predict``, with ``logs``)."""


# every hook of Callback: the names LambdaCallback takes
_HOOK_NAMES = tuple(name for name in vars(Callback) if name.startswith("on_"))


class LambdaCallback(Callback):
    """A callback made of plain functions, as Keras 3's ``LambdaCallback``.

    Each function is called as Keras calls it, with positional arguments:
    ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)``, ``on_train_begin(logs)``,
    ``on_train_end(logs)``, ``on_train_batch_begin(batch, logs)`` and
    ``on_train_batch_end(batch, logs)`` (``on_batch_begin`` / ``on_batch_end``, their older
    names, are the same hooks: give one name of each pair). As Keras 3's ``**kwargs``, any
    other hook of ``Callback`` is taken by its name: ``on_test_begin(logs)`` and
    ``on_test_end(logs)`` (around ``fit``'s validation and ``evaluate(callbacks=)``'s pass),
    ``on_predict_begin(logs)`` and ``on_predict_end(logs)`` (``predict(callbacks=)``), and
    ``on_test_batch_*`` / ``on_predict_batch_*``, kept but never called (nonlin's
    ``evaluate`` and ``predict`` run no batch hooks); another name is refused. ``fit``
    calls only the functions given, so one without batch functions adds no work per batch.
    After the first two, the arguments are keyword-only (Keras 2 and Keras 3 order them
    differently).

    Parameters
    ----------
    on_epoch_begin, on_epoch_end : callable, optional
    on_train_begin, on_train_end : callable, optional
    on_train_batch_begin, on_train_batch_end : callable, optional
    **hooks : callable
        Any other hook of ``Callback``, by its name (``on_predict_end=...``).
    """

    def __init__(self, on_epoch_begin: Callable[..., Any] | None = None,
                 on_epoch_end: Callable[..., Any] | None = None, *,
                 on_train_begin: Callable[..., Any] | None = None,
                 on_train_end: Callable[..., Any] | None = None,
                 on_train_batch_begin: Callable[..., Any] | None = None,
                 on_train_batch_end: Callable[..., Any] | None = None,
                 **hooks: Callable[..., Any] | None) -> None:
        given = {name: fn for name, fn in locals().items()
                 if name.startswith("on_") and fn is not None}
        given.update(check_hook_names(hooks, _HOOK_NAMES))
        check_functions(given, _ALIASES)
        self.__dict__.update(given)  # instance hooks, as Keras sets them: see _hook

    def __repr__(self) -> str:  # the hooks given by keyword (**hooks) too
        return constructor_repr(self, _HOOK_NAMES)


class History(Callback):
    """Records each epoch's logs: ``history["loss"]``, ``history["val_accuracy"]``, ...

    ``fit`` calls it after the other callbacks, so it records the logs as they leave them.
    Every list lines up with ``epoch``: a key an epoch's logs lack (a callback added it from
    a later epoch on, or removed it) is NaN there, where Keras leaves unequal lists.
    ``fit`` returns a new one holding its own epochs (Keras 3); ``model.history`` goes on
    across a fit that continues at the epoch after its last (``initial_epoch``), holding them all.
    One given in ``fit(callbacks=)`` (the last, if several) is the one returned and set as
    ``model.history`` (Keras 3), recording at its place in the list; it starts as
    ``model.history`` would: empty, or holding the epochs a continuing fit goes on from.

    Attributes
    ----------
    history : dict of str to list
        One value per completed epoch for each key: a float, or, for a value that is no
        number (a str, a list or an array a callback put in the logs), that value itself,
        as Keras records it.
    epoch : list of int
        The epoch indices recorded.
    """

    def __init__(self) -> None:
        self.history: dict[str, list[Any]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        done = len(self.epoch)
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():  # no number: the value itself, as Keras
            number = log_number(value)
            self.history.setdefault(key, [math.nan] * done).append(
                value if number is None else number)
        for values in self.history.values():
            if len(values) == done:  # not in this epoch's logs
                values.append(math.nan)

    def __repr__(self) -> str:
        return f"History(epochs={len(self.epoch)}, keys={sorted(self.history)})"


class CSVLogger(CSVFile, Callback):
    """Append one row per epoch to ``filename``: ``epoch`` then the logs' keys, sorted.

    As Keras 3's: the columns are the keys of the first epoch's logs (and the ``val_*``
    ones of a later epoch, ``fit(validation_freq=)``); a column that an epoch's logs lack
    is written ``NA`` (a number that is present is written as ``str(float(value))``, so a
    NaN loss is ``nan``; another value as Keras 3 writes it: a str as is, a list or an
    array as ``"[a, b]"``); another key that only later epochs have is left out. The file is
    opened for each row and closed at once, so nothing stays open when training is
    interrupted. ``append=False`` starts a new file at the beginning of training;
    ``append=True`` continues one: when it already starts with a header (``epoch`` first),
    that header is kept and the rows follow its columns, so a resumed run's rows line up
    (Keras writes its own keys' values under the old header). ``separator`` separates the fields.
    The file is UTF-8 whatever the locale (a metric named ``"précision"`` is written the same
    under Windows' code page or ``LC_ALL=C``); a header read back may start with a byte
    order mark (kept), or be in the locale's encoding (an earlier nonlin's log); a file
    holding only a byte order mark gets the header.
    A file that cannot be written (its folder missing or not writable, a folder's
    name) is refused before ``fit`` changes anything, and the file is left untouched.
    """

    def __init__(self, filename: str | bytes | os.PathLike[str], separator: str = ",",
                 append: bool = False) -> None:
        self.append, self.filename, self.separator = csv_logger_options(filename, separator,
                                                                        append)
        self._keys: list[str] | None = None

    def _check_fit(self, optimizer: Any, metrics: list[Any], rng: Any) -> None:
        """A file that cannot be written, refused before ``fit`` changes anything (and
        before this logger truncates it): ``_fit_checks.check_log_path``."""
        check_log_path(self.filename)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._keys = None
        if not self.append:
            open(self.filename, "w", encoding="utf-8").close()  # noqa: SIM115

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        if self._keys is None:
            self._keys = self._columns(logs)
        with open(self.filename, "a", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, delimiter=self.separator)
            if self._needs_header(file.tell()):
                writer.writerow(["epoch", *self._keys])
            writer.writerow([epoch, *(csv_field(logs[k]) if k in logs else "NA"
                                      for k in self._keys)])


if TYPE_CHECKING:  # imported on first use (see _callback_homes): they import this module
    from ._backup_callback import BackupAndRestore
    from ._callback_list import CallbackList
    from ._terminate_on_nan import TerminateOnNaN
    from .checkpoint import ModelCheckpoint
    from .early_stopping import EarlyStopping
    from .lr_callbacks import LearningRateScheduler, ReduceLROnPlateau
    from .swap_ema_weights import SwapEMAWeights
else:  # hidden from type checkers, which would take every name as an attribute (a typo too)
    __getattr__ = callbacks_getattr  # the callbacks of other modules (_callback_homes)

__all__ = ["BackupAndRestore", "CSVLogger", "Callback", "CallbackList", "EarlyStopping", "History",
           "LambdaCallback", "LearningRateScheduler", "ModelCheckpoint", "ReduceLROnPlateau",
           "SwapEMAWeights", "TerminateOnNaN"]
