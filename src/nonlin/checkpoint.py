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

``ModelCheckpoint`` writes one atomically at the end of epochs during ``fit``
(with an integer ``save_freq``, after every n-th batch: with ``partial``);
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
history holds the epoch's logs as they are when it writes). The history's numbers
are restored: a key holding a value that is no number (a str a callback logged,
which ``History`` records as is) is left out of the file, with a warning.

A checkpoint is never written with NaN or infinite values: after a divergence
the callback skips the write (with a warning); the previous one stays intact. Nor with
optimizer or loss settings their constructors refuse, set since ``fit`` checked them (a
callback's ``model.optimizer.beta_1 = 1.5``, or ``amsgrad`` switched on after the first
step made the slots): ``save_checkpoint`` and ``nonlin.save`` raise the constructor's
error before writing anything, and so does the callback, stopping the ``fit`` (each
later write would be refused alike); the previous checkpoint stays intact.
"""

from __future__ import annotations

import os
import warnings
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ._atomic import write_atomic
from ._callback_state import callback_record
from ._checkpoint_history import check_epoch, history_json, history_now
from ._checkpoint_reader import PREFIX, Checkpoint, load_checkpoint, read_checkpoint, slot_problem
from ._compile_entries import check_saved_settings
from ._compile_record import compile_record
from ._file_objects import checkpoint_path
from ._fit_checks import check_checkpoint_rng
from ._header import MAX_HEADER_BYTES
from ._metadata import to_json_text
from ._model_suffix import check_model_suffix
from ._reexport import reexports
from ._resumable import check_resumable
from ._resume import resume
from ._stacklevel import user_stacklevel
from .core import Sequential
from .io import file_buffer

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
    """The checkpoint of ``model`` (with ``model.optimizer``) after ``epoch`` epochs, as bytes:
    the file ``save_checkpoint`` writes, with its checks, its errors and its warning
    (``UserWarning``) of a checkpoint that could not be resumed from (``_resumable``)."""
    return bytes(_checkpoint_buffer(model, epoch, "checkpoint_bytes's checkpoint"))


def _checkpoint_buffer(model: Sequential, epoch: int, resumable: str | None = None) -> bytearray:
    """The checkpoint's bytes; ``resumable``: the writer whose files ``check_resumable``
    checks (``save_checkpoint``'s; the callbacks check before ``fit``)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "state_dict"):
        raise ValueError("Expected a model with an optimizer (call fit first) to checkpoint")
    check_saved_settings(model)  # settings set since fit's checks (a callback's): refused
    if resumable is not None:  # an optimizer a file cannot rebuild: warned, still written
        check_resumable(optimizer, resumable,
                        otherwise="; nonlin.load(path, compile=False) reads the model")
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
    data = _with_partial(model, record, epoch, tensors)  # NaN checks first
    if problem := slot_problem(slots, model, optimizer):  # nonlin.save's rule, the reader's
        raise ValueError(f"Expected an optimizer whose state fits the model, to checkpoint. "
                         f"Received {type(optimizer).__name__}: {problem}")
    check_epoch(history, epoch, int(optimizer.iterations))
    return data


def _with_partial(model: Sequential, record: dict[str, Any], epoch: int,
                  tensors: dict[str, np.ndarray]) -> bytearray:
    """The file of ``record`` with the ``partial`` epoch in progress (a fit stopped between
    two batches of epoch ``epoch + 1``); when its metrics' states make the header more than
    a file holds (``MeanIoU(2100)``'s confusion matrix), without it, with a warning (that
    epoch then starts again from its first batch on resume)."""
    progress: Any = getattr(model, "_epoch_in_progress", None)
    partial = progress.record() if progress is not None and progress.epoch == epoch else None
    compiled = _compiled(model)
    if partial is not None:
        header = {"checkpoint": to_json_text({**record, "partial": partial}, "checkpoint"),
                  **compiled}
        try:
            return file_buffer(model, extra_tensors=tensors, extra_header=header)
        except ValueError:  # the header too large, or a fault the call below raises again
            pass
    header = {"checkpoint": to_json_text(record, "checkpoint"), **compiled}
    data = file_buffer(model, extra_tensors=tensors, extra_header=header)
    if partial is not None:
        names = ", ".join(repr(metric.name) for metric in progress.metrics)
        warnings.warn(f"The checkpoint leaves out the state of epoch {epoch + 1}, stopped "
                      f"after {partial['rows']} rows: with its metrics' states ({names}) the "
                      f"header is more than a file holds ({MAX_HEADER_BYTES} bytes); resuming "
                      "from it starts that epoch again from its first batch.",
                      UserWarning, stacklevel=user_stacklevel())
    return data


def save_checkpoint(model: Sequential, path: str | os.PathLike[str], *, epoch: int) -> None:
    """Write the checkpoint of ``model`` after ``epoch`` completed epochs, atomically.

    Raises ``ValueError`` (and writes nothing) when a weight, layer state or optimizer
    slot is NaN or infinite, when the optimizer's slots were made for other parameters
    than ``model.parameters()`` (``layer.trainable`` changed since), or when ``epoch``
    is not the one after the last in ``model.history``, or when ``path`` ends in a suffix
    that names another format (``.h5``, ``.pt``, ...: ``nonlin._model_suffix``); the
    constructor's ``ValueError`` or ``TypeError`` (and writes nothing) for a setting of the
    optimizer or loss set since that its constructor refuses; and for what ``nonlin.save``
    refuses (a setting the weights' shapes depend on changed since build, an array
    replaced or shared, more layers or tensors than a file holds). Raises
    ``TypeError`` for a file object (``io.BytesIO``): a checkpoint is written to a path
    only, atomically; ``nonlin.save(model, f)`` writes the model alone to a file object.
    Warns (``UserWarning``), as ``ModelCheckpoint`` does, and writes, when the checkpoint
    could not be resumed from: an optimizer or schedule that ``nonlin.registry.OPTIMIZERS``
    or ``nonlin.schedules.SCHEDULES`` does not hold, or whose ``get_config`` leaves out a
    setting (``_resumable``).
    """
    check_model_suffix(checkpoint_path(path, "write"))  # a file object: nonlin.save takes those
    write_atomic(path, _checkpoint_buffer(model, epoch, "save_checkpoint's file"))


def write_checkpoint(model: Sequential, path: str | os.PathLike[str], *, epoch: int) -> None:
    """``save_checkpoint`` for ``ModelCheckpoint`` and ``BackupAndRestore``, which ran its
    resumability check before ``fit`` began (``_resumable``): not once more per write."""
    check_model_suffix(checkpoint_path(path, "write"))
    write_atomic(path, _checkpoint_buffer(model, epoch))


if TYPE_CHECKING:  # imported on first use (see _reexport): it imports this module
    from ._checkpoint_callback import ModelCheckpoint
else:  # hidden from type checkers, which would take every name as an attribute (a typo too)
    __getattr__ = reexports(__name__, ModelCheckpoint="_checkpoint_callback")
