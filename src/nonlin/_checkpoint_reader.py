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
from typing import TYPE_CHECKING, Any

import numpy as np

from . import registry, schedules
from ._checkpoint_fields import check_epoch, check_rng_state, check_scalars, constructor_fault
from ._compile_record import RECORD, restore_compile
from ._file_objects import checkpoint_path
from ._header import Header, ModelFileError, strict_json
from ._optimizer_state import load_file_state
from ._quoting import clipped, quoted
from ._reader import read_file, read_model
from .core import Sequential

if TYPE_CHECKING:  # callbacks (csv with it) and the epoch readers: imported where a checkpoint
    from .callbacks import History  # is read, not by nonlin.load's optimizer (a cold start)

PREFIX = "optimizer."
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


def _fail(path: str, field: str, message: str) -> ModelFileError:
    return ModelFileError(path, message, f"checkpoint.{field}")


def _restore_rng(state: Any, path: str, field: str = "rng") -> np.random.Generator:
    check_rng_state(state, path, field)  # each integer in range (NumPy keeps has_uint32=7)
    bit_generator = _BIT_GENERATORS[state["bit_generator"]]()
    try:
        bit_generator.state = state
    except Exception as exc:  # numpy's own checks of the state values
        raise _fail(path, field, f"invalid generator state: {clipped(str(exc), 200)}") from None
    return np.random.Generator(bit_generator)


def _restore_history(record: Any, path: str) -> History:
    from .callbacks import History

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


def _optimizer_class(name: Any, path: str) -> type:
    classes = {cls.__name__: cls for cls in registry.OPTIMIZERS.values()}
    if not isinstance(name, str) or name not in classes:
        raise _fail(path, "optimizer", f"unknown optimizer {quoted(name, 80)}; known: "
                                       f"{sorted(classes)} (an optimizer of your own: add its "
                                       f"class to nonlin.registry.OPTIMIZERS before loading)")
    return classes[name]


def _restore_optimizer(info: Any, arrays: dict[str, np.ndarray], path: str) -> Any:
    if not isinstance(info, dict) or set(info) != {"class_name", "config", "scalars"}:
        raise _fail(path, "optimizer", "expected {'class_name', 'config', 'scalars'}")
    cls = _optimizer_class(info["class_name"], path)
    config, scalars = info["config"], info["scalars"]
    if not isinstance(config, dict) or not isinstance(scalars, dict):
        raise _fail(path, "optimizer", "expected objects for config and scalars")
    check_scalars(scalars, path, getattr(cls, "_state_scalars", ()))
    state = {**scalars, **{k[len(PREFIX) :]: v for k, v in arrays.items() if k.startswith(PREFIX)}}
    config = dict(config)
    if isinstance(config.get("lr"), dict):
        try:
            config["lr"] = schedules.schedule_from_config(config["lr"])
        except Exception as exc:  # the schedule's constructor checks (warmup_from <= lr, ...)
            raise constructor_fault(path, "optimizer.config.lr.config", exc) from None
    try:
        optimizer = cls(**config)
    except Exception as exc:  # the optimizer's constructor checks on hostile values
        raise constructor_fault(path, "optimizer.config", exc) from None
    try:
        load_file_state(optimizer, state)  # load_state_dict, keeping unused slots
    except Exception as exc:  # load_state_dict checks on hostile values
        raise _fail(path, "optimizer", clipped(str(exc), 300)) from None
    return optimizer


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


def _check_slots(arrays: dict[str, np.ndarray], model: Sequential, path: str) -> set[str]:
    """Each ``optimizer.{slot}.{i}`` tensor must match parameter ``i`` in shape and dtype, and
    a slot must have one per parameter; returns the slot names."""
    params = model.parameters()
    indices: dict[str, set[int]] = {}
    for name, arr in arrays.items():
        if not name.startswith(PREFIX):
            continue
        slot, _, index = name[len(PREFIX) :].rpartition(".")
        if not slot or not (index.isascii() and index.isdigit()) or int(index) >= len(params):
            raise ModelFileError(
                path, f"expected optimizer.<slot>.<index < {len(params)}>", f"tensor {quoted(name)}"
            )
        target = params[int(index)].value
        if arr.shape != target.shape or arr.dtype != target.dtype:
            raise ModelFileError(
                path,
                f"expected shape {target.shape} and dtype {target.dtype} like parameter {index}",
                f"tensor {quoted(name)}",
            )
        indices.setdefault(slot, set()).add(int(index))
    for slot, found in indices.items():
        if found != set(range(len(params))):
            raise ModelFileError(
                path, f"expected one tensor per parameter (0 to {len(params) - 1})",
                f"tensor 'optimizer.{slot}.*'"
            )
    return set(indices)


def slot_problem(tensors: dict[str, np.ndarray], model: Any, optimizer: Any) -> str:
    """Why the slots (``optimizer``'s, as ``tensors``) would not load into ``model``, or would
    load into other parameters than they were made for (``""`` when neither): what
    ``save_checkpoint`` refuses, and ``nonlin.save`` leaves out (``_compile_record``)."""
    from ._trainable import made_for_others

    for name, value in tensors.items():
        if not np.isfinite(value).all():
            return f"its state {name!r} holds NaN or infinite values"
    why = ("its state does not fit this model's trainable parameters (another model's, or "
           "made before a change of layer.trainable)")
    if made_for_others(model, optimizer):  # same shapes would attach it to the wrong ones
        return f"{why}: it was made by steps on other parameters than model.parameters()"
    try:
        _check_slots(tensors, model, "")
    except ModelFileError as exc:
        return f"{why}: {exc.field}: {exc.reason}"
    return ""


def restore_optimizer(info: Any, arrays: dict[str, np.ndarray], model: Sequential,
                      path: str) -> Any:
    """The optimizer of the record ``info`` (``checkpoint.optimizer``), its slots the tensors
    ``optimizer.{slot}.{i}`` of ``arrays``, each checked against ``model``'s parameters.

    ``nonlin.load`` reads a model file's compile record with it too (``_compile_record``).
    """
    slots = _check_slots(arrays, model, path)
    optimizer = _restore_optimizer(info, arrays, path)
    names = optimizer._saved_slots()  # with use_ema, "average" too
    unused = set(optimizer._makeable_slots()[0])  # a setting's that is off: kept unused
    if slots and not set(names) <= slots <= set(names) | unused:
        raise _fail(path, "optimizer", f"expected the slots {sorted(names)} of "
                                       f"{type(optimizer).__name__}. Received: {sorted(slots)}")
    return optimizer


def checkpoint_optimizer(meta: dict[str, str], arrays: dict[str, np.ndarray],
                         model: Sequential, path: str) -> Any:
    """The optimizer of a checkpoint's record, for ``nonlin.load`` (``_compile_record``),
    which reads a checkpoint with a compile record as a model file with its optimizer."""
    record = strict_json(meta["checkpoint"], path, "checkpoint")
    if not isinstance(record, dict) or "optimizer" not in record:
        raise ModelFileError(path, "expected an object with an 'optimizer'", "checkpoint")
    return restore_optimizer(record["optimizer"], arrays, model, path)


def checkpoint_progress(meta: dict[str, str], path: str) -> tuple[int, int, int | None]:
    """A checkpoint's epochs done, optimizer steps and, when it stopped inside the next epoch,
    the rows of that epoch done (else None), from its header's ``meta`` alone, checked as
    ``load_checkpoint`` checks them (``ModelFileError``): what ``nonlin info`` shows."""
    from ._epoch_state import read_partial

    record = _read_record(meta, path)
    partial = read_partial(record.get("partial"), path, _restore_rng)
    return record["epoch"], record["step"], None if partial is None else partial["rows"]


def read_checkpoint(data: bytes, path: str, header: Header | None = None, *,
                    metrics_given: bool = False) -> Checkpoint:
    """Validate the bytes of a checkpoint (``header``: theirs, if parsed already) and
    restore it (``ModelFileError`` on any fault). ``metrics_given``: a resumed ``fit`` gives
    its own metrics, so a fault in the compile record's (more than a file holds, as an
    older nonlin wrote them) leaves the model without them (``restore_compile``)."""
    from ._callback_state import PREFIX as CALLBACK_PREFIX
    from ._callback_state import read_callback_record
    from ._epoch_state import read_partial

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
