"""Checkpoints: everything ``fit`` needs to continue a run bit for bit.

A checkpoint is a model file (see ``nonlin.io``) with two additions:

* tensors ``"optimizer.{slot}.{i}"``: the optimizer's slot arrays (e.g.
  ``"optimizer.m.0"``, Adam's first moment for parameter 0; SGD's
  ``"optimizer.velocity.0"``), in the model's dtype;
* ``__metadata__["checkpoint"]``, JSON::

      {"epoch": 5,                  # epochs completed = initial_epoch to resume with
       "step": 160,                 # optimizer steps taken (optimizer.iterations)
       "rng": {...},                # model.rng.bit_generator.state
       "optimizer": {"class_name": "Adam", "config": {...},   # lr schedule inside
                     "scalars": {"iterations": 160, "lr": 0.001, ...}},
       "history": {"epoch": [0, ...], "history": {"loss": [...], ...}}}

``ModelCheckpoint`` writes one atomically at the end of epochs during ``fit``;
``fit(..., resume_from=path)`` (or ``load_checkpoint``) continues from it.
Training N epochs, checkpointing, and training M more from the file gives the
same bits as N + M epochs straight through: the weights, layer state,
optimizer slots and step count, learning rate, generator state and history
are all restored. (Callbacks keep their own counters, e.g. ``EarlyStopping``'s
patience, and start afresh; put ``ModelCheckpoint`` after callbacks that
change the learning rate.)

A checkpoint is never written with NaN or infinite values: after a
divergence the callback skips the write (with a warning), and the previous
checkpoint stays intact.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import registry, schedules
from ._atomic import write_atomic
from ._header import ModelFileError, strict_json
from ._metadata import to_json_text
from .callbacks import Callback, History
from .core import Sequential
from .io import read_model, to_bytes

__all__ = ["Checkpoint", "ModelCheckpoint", "load_checkpoint", "resume", "save_checkpoint"]

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


# -- writing -----------------------------------------------------------------
def _rng_state(rng: Any) -> dict[str, Any]:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "Checkpoints need model.rng to be a numpy.random.Generator. "
            f"Received: {type(rng).__name__}"
        )
    return rng.bit_generator.state  # JSON-able once arrays become lists (to_json_text)


def _history_json(history: Any) -> dict[str, Any]:
    if not isinstance(history, History):
        return {"epoch": [], "history": {}}
    values = {
        key: [v if math.isfinite(v) else None for v in map(float, seq)]
        for key, seq in history.history.items()
    }
    return {"epoch": [int(e) for e in history.epoch], "history": values}


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


def checkpoint_bytes(model: Sequential, *, epoch: int) -> bytes:
    """The checkpoint of ``model`` (with ``model.optimizer``) after ``epoch`` epochs, as bytes."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not hasattr(optimizer, "state_dict"):
        raise ValueError("Expected a model with an optimizer (call fit first) to checkpoint")
    info, tensors = _optimizer_json(optimizer)
    record = {
        "epoch": int(epoch),
        "step": int(optimizer.iterations),
        "rng": _rng_state(model.rng),
        "optimizer": info,
        "history": _history_json(getattr(model, "history", None)),
    }
    header = {"checkpoint": to_json_text(record, "checkpoint")}
    return to_bytes(model, extra_tensors=tensors, extra_header=header)


def save_checkpoint(model: Sequential, path: str | os.PathLike[str], *, epoch: int) -> None:
    """Write the checkpoint of ``model`` after ``epoch`` completed epochs, atomically.

    Raises ``ValueError`` (and writes nothing) when a weight, layer state or
    optimizer slot is NaN or infinite.
    """
    write_atomic(path, checkpoint_bytes(model, epoch=epoch))


class ModelCheckpoint(Callback):
    """Save a checkpoint during ``fit`` every ``every`` epochs (Keras' callback).

    Parameters
    ----------
    path : str or path-like
        File to write; may contain ``{epoch}`` and log keys (``"ck-{epoch:03d}.safetensors"``).
    every : int, default 1
        Save after epochs ``every, 2 * every, ...`` (counted from 1).
    save_best_only : bool, default False
        Only save when ``monitor`` improved on the best value seen so far.
    monitor : str, default "val_loss"
    mode : {"auto", "min", "max"}
        "auto" maximizes accuracies and R², minimizes the rest.

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
        every: int = 1,
        save_best_only: bool = False,
        monitor: str = "val_loss",
        mode: str = "auto",
    ) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"Expected a positive integer. Received: every={every!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"Expected mode 'auto', 'min' or 'max'. Received: mode={mode!r}")
        self.path, self.every = os.fspath(path), every
        self.save_best_only, self.monitor = bool(save_best_only), monitor
        name = monitor.removeprefix("val_")
        self._maximize = mode == "max" or (
            mode == "auto" and ("acc" in name or name in ("r2", "r2_score"))
        )
        self.best: float | None = None
        self.saved: list[str] = []

    def _improved(self, logs: dict[str, Any]) -> bool:
        if self.monitor not in logs:
            raise ValueError(
                f"ModelCheckpoint monitors {self.monitor!r}, which fit did not report. "
                f"Available: {', '.join(sorted(logs))}"
            )
        current = float(logs[self.monitor])
        if not math.isfinite(current):
            return False
        better = self.best is None or (
            current > self.best if self._maximize else current < self.best
        )
        if better:
            self.best = current
        return better

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        if (epoch + 1) % self.every:
            return
        if self.save_best_only and not self._improved(logs):
            return
        path = self.path.format(epoch=epoch + 1, **logs)
        try:
            save_checkpoint(self.model, path, epoch=epoch + 1)
        except ValueError as exc:  # non-finite values: training diverged
            warnings.warn(f"ModelCheckpoint did not write {path!r}: {exc}", stacklevel=2)
            return
        self.saved.append(path)


# -- reading -----------------------------------------------------------------
@dataclass
class Checkpoint:
    """What ``load_checkpoint`` returns.

    ``model`` has its weights, layer state, generator (``model.rng``),
    ``history``, ``metadata`` and ``optimizer`` restored; continue with
    ``model.fit(X, y, loss=..., optimizer=checkpoint.optimizer,
    epochs=total, initial_epoch=checkpoint.epoch)``.
    """

    model: Sequential
    optimizer: Any
    epoch: int
    step: int
    history: History


def _fail(path: str, field: str, message: str) -> ModelFileError:
    return ModelFileError(path, message, f"checkpoint.{field}")


def _restore_rng(state: Any, path: str) -> np.random.Generator:
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if name not in _BIT_GENERATORS:
        raise _fail(path, "rng", f"expected a bit generator in {sorted(_BIT_GENERATORS)}")
    bit_generator = _BIT_GENERATORS[name]()
    try:
        bit_generator.state = state
    except Exception as exc:  # numpy's own checks of the state values
        raise _fail(path, "rng", f"invalid generator state: {str(exc)[:200]}") from None
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
            raise _fail(path, f"history[{key!r}]", f"expected a list of {len(epochs)} numbers")
        if not all(
            v is None or (isinstance(v, int | float) and not isinstance(v, bool)) for v in values
        ):
            raise _fail(path, f"history[{key!r}]", "expected numbers")
        history.history[key] = [math.nan if v is None else float(v) for v in values]
    history.epoch = list(epochs)
    return history


def _optimizer_class(name: Any, path: str) -> type:
    classes = {cls.__name__: cls for cls in registry.OPTIMIZERS.values()}
    if name not in classes:
        raise _fail(path, "optimizer", f"unknown optimizer {name!r:.80}; known: {sorted(classes)}")
    return classes[name]


def _restore_optimizer(info: Any, arrays: dict[str, np.ndarray], path: str) -> Any:
    if not isinstance(info, dict) or set(info) != {"class_name", "config", "scalars"}:
        raise _fail(path, "optimizer", "expected {'class_name', 'config', 'scalars'}")
    cls = _optimizer_class(info["class_name"], path)
    config, scalars = info["config"], info["scalars"]
    if not isinstance(config, dict) or not isinstance(scalars, dict):
        raise _fail(path, "optimizer", "expected objects for config and scalars")
    state = {**scalars, **{k[len(PREFIX) :]: v for k, v in arrays.items() if k.startswith(PREFIX)}}
    try:
        config = dict(config)
        if isinstance(config.get("lr"), dict):
            config["lr"] = schedules.schedule_from_config(config["lr"])
        optimizer = cls(**config)
        optimizer.load_state_dict(state)
    except Exception as exc:  # constructor and load_state_dict checks on hostile values
        raise _fail(path, "optimizer", str(exc)[:300]) from None
    return optimizer


def _read_record(meta: dict[str, str], path: str) -> dict[str, Any]:
    if "checkpoint" not in meta:
        raise ModelFileError(path, "missing: this is a model file, not a checkpoint", "checkpoint")
    record = strict_json(meta["checkpoint"], path, "checkpoint")
    keys = {"epoch", "step", "rng", "optimizer", "history"}
    if not isinstance(record, dict) or set(record) != keys:
        raise ModelFileError(path, f"expected an object with keys {sorted(keys)}", "checkpoint")
    for key in ("epoch", "step"):
        value = record[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise _fail(path, key, f"expected an integer >= 0. Received: {value!r:.50}")
    return record


def read_checkpoint(data: bytes, path: str) -> Checkpoint:
    """Validate the bytes of a checkpoint and restore it (``ModelFileError`` on any fault)."""
    model, header, arrays = read_model(data, path, extra_prefix=PREFIX)
    record = _read_record(header.metadata, path)
    model.rng = _restore_rng(record["rng"], path)
    for layer in model.layers:
        if hasattr(layer, "rng"):
            layer.rng = model.rng
    history = _restore_history(record["history"], path)
    optimizer = _restore_optimizer(record["optimizer"], arrays, path)
    if optimizer.iterations != record["step"]:
        raise _fail(path, "step", f"{record['step']} differs from the optimizer's iterations")
    model.optimizer, model.history = optimizer, history
    return Checkpoint(model, optimizer, record["epoch"], record["step"], history)


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    """Read a checkpoint written by ``ModelCheckpoint`` or ``save_checkpoint``.

    Raises
    ------
    ModelFileError
        For any fault in the file (as ``nonlin.load``); ``OSError`` if it cannot be read.
    """
    source = os.fspath(path)
    with open(source, "rb") as handle:
        data = handle.read()
    return read_checkpoint(data, source)


def resume(model: Sequential, optimizer: Any, path: str | os.PathLike[str]) -> tuple[int, Any]:
    """Put the checkpoint at ``path`` into a built ``model``, for ``fit(resume_from=path)``.

    The model's architecture, input width and dtype must match the
    checkpoint's, and ``optimizer`` (an instance or registry name) must be of
    the checkpoint's class. The model's weights, layer state, generator,
    history and metadata are overwritten.

    Returns
    -------
    initial_epoch : int
        The number of epochs the checkpoint had completed.
    optimizer : Optimizer
        The checkpoint's optimizer (its config, learning rate, slots and step
        count), to train with in place of ``optimizer``.
    """
    checkpoint = load_checkpoint(path)
    saved, source = checkpoint.model, os.fspath(path)
    mine, theirs = model.get_config(), saved.get_config()
    if mine != theirs:
        raise ValueError(
            f"The checkpoint {source!r} holds a different model. "
            f"Expected: {theirs!r:.300}. Received: {mine!r:.300}"
        )
    expected = type(checkpoint.optimizer)
    given = (
        registry.lookup("optimizer", optimizer) if isinstance(optimizer, str) else type(optimizer)
    )
    if given is not expected:
        raise ValueError(
            f"The checkpoint {source!r} was trained with {expected.__name__}. "
            f"Received: optimizer={optimizer!r}"
        )
    model.set_weights(saved.get_weights())
    if hasattr(model, "set_state"):
        model.set_state(saved.get_state())
    model.rng, model.history, model.metadata = saved.rng, checkpoint.history, saved.metadata
    for layer in model.layers:
        if hasattr(layer, "rng"):
            layer.rng = model.rng
    return checkpoint.epoch, checkpoint.optimizer
