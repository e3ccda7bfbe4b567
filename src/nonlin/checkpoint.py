"""Checkpoints: everything ``fit`` needs to continue a run bit for bit.

A checkpoint is a model file (see ``nonlin.io``), its compile record holding the loss
and the running fit's metrics alone (``nonlin._compile_record``: ``load_checkpoint`` and
``fit(resume_from=)`` take them, so an uncompiled model resumes with nothing repeated),
with two additions:

* tensors ``"optimizer.{slot}.{i}"``: the optimizer's slot arrays (e.g.
  ``"optimizer.m.0"``, Adam's first moment for parameter 0; SGD's
  ``"optimizer.velocity.0"``), in the model's dtype;
* ``__metadata__["checkpoint"]``, JSON::

      {"epoch": 5,                  # epochs completed = initial_epoch to resume with
       "step": 160,                 # optimizer steps taken (optimizer.iterations)
       "rng": {...},                # model.rng.bit_generator.state
       "optimizer": {"class_name": "Adam", "config": {...},   # lr schedule inside
                     "scalars": {"iterations": 160, "lr": 0.001, ...}},
       "history": {"epoch": [0, ...], "history": {"loss": [...], ...}},
       "callbacks": [{"index": 0, "class_name": "EarlyStopping", "state": {...}}],
       "partial": {"epoch": 5, "rows": 4096, ...}}   # only if saved mid-epoch

  with the callbacks' arrays (``EarlyStopping``'s best weights) as tensors
  ``"callback.{i}.{key}"`` (see ``nonlin._callback_state``). ``partial`` is
  written when ``fit`` stopped between two batches (``nonlin train`` saves
  such a checkpoint on Ctrl-C): the resumed ``fit`` carries that epoch on from
  the next row (see ``nonlin._epoch_state``).

Reading checks every field (``nonlin._checkpoint_fields``): ``epoch`` must
be the one after the history's last, the generator state's integers in range,
the optimizer's scalars and schedule valid. A checkpoint whose ``epoch`` is at
or beyond the resumed ``fit``'s ``epochs`` trains nothing, as Keras does for
``initial_epoch >= epochs``: ``fit`` returns the checkpoint's history.

``ModelCheckpoint`` writes one atomically at the end of epochs during ``fit``;
``fit(..., resume_from=path)`` (or ``load_checkpoint``) continues from it.
Training N epochs, checkpointing, and training M more from the file gives the
same bits as N + M epochs straight through: the weights, layer state,
optimizer slots and step count, learning rate, generator state and history
are all restored, and so are the callbacks' counters (``EarlyStopping``'s
patience and best weights, ``ReduceLROnPlateau``'s, ``ModelCheckpoint``'s best
value) when the resumed ``fit`` gets the same callbacks in the same order.
``ModelCheckpoint`` records the state of the callbacks at the moment it
writes: put it after the callbacks that count epochs or change the learning
rate, and after those that add keys to the logs (``History``, which comes
after all the callbacks as in Keras, records those keys; the checkpoint's
history holds the epoch's logs as they are when it writes).

A checkpoint is never written with NaN or infinite values: after a divergence
the callback skips the write (with a warning); the previous one stays intact.
"""

from __future__ import annotations

import os
import warnings
from typing import Any, cast

import numpy as np

from ._atomic import file_path, write_atomic
from ._callback_state import callback_record
from ._checkpoint_history import check_epoch, history_json, history_now
from ._checkpoint_path import check_not_folder, check_template, fill, make_folder, static_folder
from ._checkpoint_reader import PREFIX, Checkpoint, load_checkpoint, read_checkpoint, slot_problem
from ._compile_record import compile_record
from ._fit_checks import check_checkpoint_rng
from ._metadata import to_json_text
from ._model_suffix import check_model_suffix
from ._monitor import _better, _logged, _monitored, fit_metrics
from ._quoting import quoted, quoted_path
from ._resume import resume
from ._saveable import check_registered
from ._stacklevel import user_stacklevel
from .callbacks import Callback
from .core import Sequential
from .io import file_buffer
from .validation import check_bool, is_integer

__all__ = ["Checkpoint", "ModelCheckpoint", "load_checkpoint", "read_checkpoint", "resume",
           "save_checkpoint"]
_AGAIN = "Give them to the resumed fit: fit(X, y, loss=..., metrics=..., resume_from=path)"


# -- writing -----------------------------------------------------------------
def _rng_state(rng: Any) -> dict[str, Any]:
    check_checkpoint_rng(rng)  # a legacy RandomState: ModelCheckpoint refuses it before fit
    # typed Mapping: a new dict, JSON-able once arrays become lists (to_json_text)
    return cast(dict[str, Any], rng.bit_generator.state)


def _optimizer_json(optimizer: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The optimizer's class, config and scalar state, and its slot arrays as tensors."""
    state = optimizer.state_dict()
    arrays = {PREFIX + k: v for k, v in state.items() if isinstance(v, np.ndarray)}
    scalars = {k: v for k, v in state.items() if not isinstance(v, np.ndarray)}
    info = {
        "class_name": type(optimizer).__name__,
        "config": optimizer.get_config(),
        "scalars": scalars,
    }
    return info, arrays


def _compiled(model: Sequential) -> dict[str, str]:
    """The model's compile record, its optimizer left to the checkpoint record: the loss,
    and the running fit's metrics as it was given them (outside one, ``compile``'s), which
    the record of a model file compiled with them holds too (names as names). What the
    registry does not hold is left out with a warning pointing at the user's call (``fit``,
    ``save_checkpoint``), however deep inside nonlin the checkpoint is written."""
    running = model.__dict__.get("_fit_metrics_given")
    return compile_record(model, user_stacklevel() + 1, include_optimizer=False,
                          metrics=running, again=_AGAIN)[0]


def checkpoint_bytes(model: Sequential, *, epoch: int) -> bytes:
    """The checkpoint of ``model`` (with ``model.optimizer``) after ``epoch`` epochs, as bytes."""
    return bytes(_checkpoint_buffer(model, epoch))


def _checkpoint_buffer(model: Sequential, epoch: int) -> bytearray:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "state_dict"):
        raise ValueError("Expected a model with an optimizer (call fit first) to checkpoint")
    info, slots = _optimizer_json(optimizer)
    callbacks, tensors = callback_record(getattr(model, "_fit_callbacks", ()))
    tensors.update(slots)
    history = history_now(model, epoch)
    record = {
        "epoch": int(epoch),
        "step": int(optimizer.iterations),
        "rng": _rng_state(model.rng),
        "optimizer": info,
        "history": history_json(history),
        "callbacks": callbacks,
    }
    progress = getattr(model, "_epoch_in_progress", None)  # fit stopped between two batches
    partial = progress.record() if progress is not None and progress.epoch == epoch else None
    if partial is not None:
        record["partial"] = partial
    header = {"checkpoint": to_json_text(record, "checkpoint"), **_compiled(model)}
    data = file_buffer(model, extra_tensors=tensors, extra_header=header)  # NaN checks first
    if problem := slot_problem(slots, model, optimizer):  # nonlin.save's rule, the reader's
        raise ValueError(f"Expected an optimizer whose state fits the model, to checkpoint. "
                         f"Received {type(optimizer).__name__}: {problem}")
    check_epoch(history, epoch, int(optimizer.iterations))
    return data


def save_checkpoint(model: Sequential, path: str | os.PathLike[str], *, epoch: int) -> None:
    """Write the checkpoint of ``model`` after ``epoch`` completed epochs, atomically.

    Raises ``ValueError`` (and writes nothing) when a weight, layer state or optimizer
    slot is NaN or infinite, when the optimizer's slots were made for other parameters
    than ``model.parameters()`` (``layer.trainable`` changed since), or when ``epoch``
    is not the one after the last in ``model.history``, or when ``path`` ends in a suffix
    that names another format (``.h5``, ``.pt``, ...: ``nonlin._model_suffix``).
    """
    check_model_suffix(path)
    write_atomic(path, _checkpoint_buffer(model, epoch))


class ModelCheckpoint(Callback):
    """Save a checkpoint during ``fit`` every ``every`` epochs (Keras' callback).

    A model whose generator is a legacy ``numpy.random.RandomState`` (the
    tutorial's build) is refused with a ``TypeError`` before ``fit`` changes
    anything: a checkpoint records a ``numpy.random.Generator``'s state.

    Parameters
    ----------
    path : str or path-like
        File to write; may contain ``{epoch}`` and log keys (``"ck-{epoch:03d}.safetensors"``),
        nothing else (``{epoch[0]}`` is refused here). A missing folder is created (Keras 3).
    every : int, default 1
        Save after epochs ``every, 2 * every, ...`` (counted from 1).
    save_best_only : bool, default False
        Only save when ``monitor`` improved on the best value saved so far. When
        the epoch's logs lack ``monitor``, a warning lists the available keys
        and the checkpoint is written, ``best`` unchanged (as in Keras 3).
    monitor : str, default "val_loss"
    mode : {"auto", "min", "max"}
        As ``EarlyStopping``'s: with ``save_best_only``, a key of unknown
        direction raises a ``ValueError`` when training begins (Keras 3).

    Attributes
    ----------
    best : float or None
        The best monitored value saved so far.
    saved : list of str
        Paths written, in order.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        every: int = 1,
        save_best_only: bool = False,
        monitor: str = "val_loss",
        mode: str = "auto",
    ) -> None:
        if not is_integer(every) or every < 1:
            raise ValueError(f"Expected a positive integer. Received: every={quoted(every)}")
        self.path, self.every = file_path(path), int(every)
        check_template(self.path)  # {epoch[0]}, {}, a lone brace: refused before training
        check_model_suffix(self.path)  # ck-{epoch}.h5: no HDF5 file
        self.save_best_only = check_bool("save_best_only", save_best_only)
        if not isinstance(monitor, str) or not monitor:  # as EarlyStopping, ReduceLROnPlateau
            raise TypeError("Expected a log key (a non-empty str). "
                            f"Received: monitor={quoted(monitor)}")
        self.monitor, self.mode = monitor, mode
        self._is_better = _better(monitor, mode, owner="ModelCheckpoint", lazy=True)
        self.best: float | None = None
        self.saved: list[str] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._check_fit(None, fit_metrics(self.model), self.model.rng)
        self._check_model(self.model)

    def _check_model(self, model: Sequential) -> None:
        """A layer outside ``registry.LAYERS``: refused before the first epoch, not after it."""
        check_registered(model)

    def _check_fit(self, optimizer: Any, metrics: list[Any], rng: Any) -> None:
        """``mode="auto"``: the direction of ``monitor`` (the fit's metric of that name); the
        generator, one whose state a checkpoint records; the folder, made. ``fit`` asks for
        it first, to refuse before it changes anything."""
        check_checkpoint_rng(rng)  # else a TypeError after the first epoch, from the writer
        self._is_better = _better(self.monitor, self.mode, metrics, "ModelCheckpoint",
                                  lazy=not self.save_best_only)
        check_not_folder(self.path)  # as the writer would, after a whole epoch
        make_folder(static_folder(self.path) or "", self.path)  # fails before any epoch

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best} if self.save_best_only else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        best = state.get("best")
        if best is not None and (isinstance(best, bool) or not isinstance(best, int | float)):
            raise ValueError(f"Expected a number or None for 'best'. Received: {quoted(best)}")
        self.best = None if best is None else float(best)

    def _improved(self, logs: dict[str, Any]) -> bool:
        if not _logged(logs, self.monitor, "Can save best model only with metric", self):
            return True  # Keras 3: warn and save; ``best`` stays as it was
        current = _monitored(logs, self.monitor)
        if current is None:
            return False
        better = self.best is None or self._is_better(current, self.best, 0.0)
        if better:
            self.best = current
        return better

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        if (epoch + 1) % self.every:
            return
        best = self.best  # _improved sets the new one, which the checkpoint records
        if self.save_best_only and not self._improved(logs):
            return
        path = fill(self.path, epoch + 1, logs)
        try:
            make_folder(os.path.dirname(path), self.path)
            save_checkpoint(self.model, path, epoch=epoch + 1)
        except BaseException as exc:  # nothing written: ``best`` stays the best value saved
            self.best = best
            if not isinstance(exc, ValueError):  # not: NaN (diverged), slots of other params
                raise  # OSError (disk full, ...), KeyboardInterrupt
            warnings.warn(f"ModelCheckpoint did not write {quoted_path(path)}: {exc}",
                          stacklevel=user_stacklevel())  # at the user's fit
            return
        self.saved.append(path)
