"""Reading a saved optimizer: a checkpoint's, or the one in a model file's compile record.

Split from ``_checkpoint_reader`` so that ``nonlin.load`` of a fitted model (``_compile_record``)
reads its optimizer without importing what only a checkpoint needs (``callbacks``, and ``csv``
with it; the partial-epoch and callback-state readers), while ``_checkpoint_reader`` keeps them
imported at module level, where its ``Checkpoint``'s annotations resolve
(``typing.get_type_hints``). The optimizer is rebuilt from the allowlists
(``registry.OPTIMIZERS``, ``schedules.SCHEDULES``); any fault raises ``ModelFileError``
naming the file and the field.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import registry, schedules
from ._checkpoint_fields import check_scalars, constructor_fault
from ._header import ModelFileError, strict_json
from ._optimizer_state import load_file_state
from ._quoting import clipped, quoted
from .core import Sequential

PREFIX = "optimizer."


def fail(path: str, field: str, message: str) -> ModelFileError:
    """The error of a fault in field ``checkpoint.{field}`` of the file at ``path``."""
    return ModelFileError(path, message, f"checkpoint.{field}")


def _optimizer_class(name: Any, path: str) -> type:
    classes = {cls.__name__: cls for cls in registry.OPTIMIZERS.values()}
    if not isinstance(name, str) or name not in classes:
        raise fail(path, "optimizer", f"unknown optimizer {quoted(name, 80)}; known: "
                                      f"{sorted(classes)} (an optimizer of your own: add its "
                                      f"class to nonlin.registry.OPTIMIZERS before loading)")
    return classes[name]


def _restore_optimizer(info: Any, arrays: dict[str, np.ndarray], path: str) -> Any:
    if not isinstance(info, dict) or set(info) != {"class_name", "config", "scalars"}:
        raise fail(path, "optimizer", "expected {'class_name', 'config', 'scalars'}")
    cls = _optimizer_class(info["class_name"], path)
    config, scalars = info["config"], info["scalars"]
    if not isinstance(config, dict) or not isinstance(scalars, dict):
        raise fail(path, "optimizer", "expected objects for config and scalars")
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
        raise fail(path, "optimizer", clipped(str(exc), 300)) from None
    return optimizer


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
        raise fail(path, "optimizer", f"expected the slots {sorted(names)} of "
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
