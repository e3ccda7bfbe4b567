"""Reading a checkpoint: the model file plus optimizer, generator and history.

See ``nonlin.checkpoint`` for the layout. Every field is validated; any
fault raises ``ModelFileError`` naming the file and the field. The optimizer
and learning-rate schedule are rebuilt from the allowlists
(``registry.OPTIMIZERS``, ``schedules.SCHEDULES``), the generator from a fixed
list of NumPy bit generators.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._callback_state import PREFIX as CALLBACK_PREFIX
from ._callback_state import read_callback_record
from ._checkpoint_fields import check_epoch, check_rng_state
from ._compile_record import RECORD, restore_compile
from ._epoch_state import read_partial
from ._file_objects import checkpoint_path
from ._header import Header, ModelFileError, strict_json
from ._optimizer_reader import PREFIX as PREFIX
from ._optimizer_reader import fail as _fail
from ._optimizer_reader import restore_optimizer
from ._optimizer_reader import slot_problem as slot_problem  # nonlin.checkpoint's
from ._quoting import clipped, quoted
from ._reader import read_file, read_model
from .callbacks import History
from .core import Sequential

_BIT_GENERATORS = {
    cls.__name__: cls
    for cls in (
        np.random.PCG64,
        np.random.PCG64DXSM,
        np.random.MT19937,
        np.random.Philox,
        np.random.SFC64,
    )
}


@dataclass
class Checkpoint:
    """What ``load_checkpoint`` returns.

    ``model`` has its weights, layer state, generator (``model.rng``),
    ``history``, ``metadata`` and ``optimizer`` restored, and its ``loss`` and
    metrics when the file has a compile record (checkpoints written since it
    came; see ``nonlin.checkpoint``); continue with ``model.fit(X, y,
    epochs=total, initial_epoch=checkpoint.epoch)``, adding ``loss=...`` for
    a file without that record.
    """

    model: Sequential
    optimizer: Any
    epoch: int
    step: int
    history: History
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    partial: dict[str, Any] | None = None  # the epoch fit stopped in, between two batches


def _restore_rng(state: Any, path: str, field: str = "rng") -> np.random.Generator:
    check_rng_state(state, path, field)  # each integer in range (NumPy keeps has_uint32=7)
    bit_generator = _BIT_GENERATORS[state["bit_generator"]]()
    try:
        bit_generator.state = state
    except Exception as exc:  # numpy's own checks of the state values
        raise _fail(path, field, f"invalid generator state: {clipped(str(exc), 200)}") from None
    return np.random.Generator(bit_generator)


def _restore_history(record: Any, path: str) -> History:
    history = History()
    ok = isinstance(record, dict) and set(record) == {"epoch", "history"}
    ok = ok and isinstance(record["epoch"], list) and isinstance(record["history"], dict)
    if not ok:
        raise _fail(path, "history", "expected {'epoch': [...], 'history': {...}}")
    epochs = record["epoch"]
    if not all(isinstance(e, int) and not isinstance(e, bool) for e in epochs):
        raise _fail(path, "history", "expected integer epochs")
    for key, values in record["history"].items():
        if not isinstance(values, list) or len(values) != len(epochs):
            raise _fail(path, f"history[{quoted(key)}]",
                        f"expected a list of {len(epochs)} numbers")
        if not all(
            v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values
        ):
            raise _fail(path, f"history[{quoted(key)}]", "expected numbers")
        history.history[key] = [math.nan if v is None else float(v) for v in values]
    history.epoch = list(epochs)
    return history


NOT_A_CHECKPOINT = "missing: this is a model file, not a checkpoint"  # the CLI's --resume asks


def _read_record(meta: dict[str, str], path: str) -> dict[str, Any]:
    if "checkpoint" not in meta:
        raise ModelFileError(path, NOT_A_CHECKPOINT, "checkpoint")
    record = strict_json(meta["checkpoint"], path, "checkpoint")
    keys = {"epoch", "step", "rng", "optimizer", "history"}  # newer: "callbacks", "partial"
    if not isinstance(record, dict) or not keys <= set(record) <= keys | {"callbacks", "partial"}:
        raise ModelFileError(path, f"expected an object with keys {sorted(keys)}", "checkpoint")
    for key in ("epoch", "step"):
        value = record[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _fail(path, key, f"expected an integer >= 0. Received: {quoted(value, 50)}")
    return record


def checkpoint_progress(meta: dict[str, str], path: str) -> tuple[int, int, int | None]:
    """A checkpoint's epochs done, optimizer steps and, when it stopped inside the next epoch,
    the rows of that epoch done (else None), from its header's ``meta`` alone, checked as
    ``load_checkpoint`` checks them (``ModelFileError``): what ``nonlin info`` shows."""
    record = _read_record(meta, path)
    partial = read_partial(record.get("partial"), path, _restore_rng)
    return record["epoch"], record["step"], None if partial is None else partial["rows"]


def read_checkpoint(data: bytes, path: str, header: Header | None = None, *,
                    metrics_given: bool = False) -> Checkpoint:
    """Validate the bytes of a checkpoint (``header``: theirs, if parsed already) and
    restore it (``ModelFileError`` on any fault). ``metrics_given``: a resumed ``fit`` gives
    its own metrics, so a fault in the compile record's (more than a file holds, as an
    older nonlin wrote them) leaves the model without them (``restore_compile``)."""
    model, header, arrays = read_model(data, path, extra_prefix=(PREFIX, CALLBACK_PREFIX),
                                       header=header)
    record = _read_record(header.metadata, path)
    model.rng = _restore_rng(record["rng"], path)
    for layer in model.layers:
        if hasattr(layer, "rng"):
            layer.rng = model.rng
    history = _restore_history(record["history"], path)
    check_epoch(record["epoch"], record["step"], history.epoch, path)
    optimizer = restore_optimizer(record["optimizer"], arrays, model, path)
    if optimizer.iterations != record["step"]:
        raise _fail(path, "step", f"{record['step']} differs from the optimizer's iterations")
    callbacks = read_callback_record(record.get("callbacks"), arrays, path, model)
    partial = read_partial(record.get("partial"), path, _restore_rng)
    if partial is not None and partial["epoch"] != record["epoch"]:
        raise _fail(path, "partial", "expected the epoch the checkpoint stopped in")
    if RECORD in header.metadata:  # the loss and metrics (files before it: none, as before)
        restore_compile(model, header.metadata, arrays, path, with_optimizer=False,
                        metrics_given=metrics_given)
    model.optimizer, model.history = optimizer, history
    # the next fit with initial_epoch > 0 restores the callbacks and carries on the epoch
    model._resume_callbacks, model._resume_partial = callbacks, partial
    return Checkpoint(model, optimizer, record["epoch"], record["step"], history, callbacks,
                      partial)


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """Read the checkpoint at ``path``, written by ``ModelCheckpoint`` or ``save_checkpoint``.

    Raises
    ------
    ModelFileError
        For any fault in the file (as ``nonlin.load``); ``OSError`` if it cannot be read.
    TypeError
        For a file object (``io.BytesIO``): checkpoints are read from paths only.
    """
    return resume_checkpoint(path)


def resume_checkpoint(path: str | os.PathLike[str], metrics_given: bool = False) -> Checkpoint:
    """``load_checkpoint``; ``metrics_given``: for a ``fit`` that resumes with metrics of its
    own (``read_checkpoint``)."""
    source = checkpoint_path(path)  # a file object: TypeError, nonlin.load takes those
    data, header = read_file(source)  # the header length checked before the rest is read
    return read_checkpoint(data, source, header, metrics_given=metrics_given)
