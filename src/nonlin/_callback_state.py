"""Callback state in checkpoints, so that a resumed run's callbacks carry on.

``fit`` keeps its callbacks in ``model._fit_callbacks``. A checkpoint records
each one whose ``state_dict()`` is not empty as
``{"index": i, "class_name": "EarlyStopping", "state": {...numbers or null}}``
in ``__metadata__["checkpoint"]["callbacks"]``, and its arrays (such as
``EarlyStopping``'s best weights) as tensors ``"callback.{i}.{key}"``.
Reading validates that structure and the fields of nonlin's own callbacks
(counters, epochs, best values, ``EarlyStopping``'s best weights and layer
state against the model), each fault a ``ModelFileError`` naming the file and
the field; the loaded model holds the states until the next ``fit`` with
``initial_epoch > 0`` hands each to the callback at the same index, if it is of
the same class (a warning otherwise). A state that callback still refuses
(another callback class's own checks) raises ``ModelFileError`` then: each
entry keeps the file's path as ``"source"``. Checkpoints written before this
record existed load with no callback state.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._header import ModelFileError
from ._quoting import clipped, quoted
from ._stacklevel import user_stacklevel

PREFIX = "callback."
_KEYS = {"index", "class_name", "state"}
# integer fields of nonlin's callbacks and their least value; "best" is a number or null
_INTEGERS = {
    "EarlyStopping": {"wait": 0, "best_epoch": -1, "stopped_epoch": -1},  # -1: older files
    "ReduceLROnPlateau": {"wait": 0, "cooldown_left": 0},
    "ModelCheckpoint": {"batches_since_save": 0},  # with an integer save_freq
    "BackupAndRestore": {"batches_since_save": 0, "stopped": 0},  # stopped: 1 or absent
}
_NUMBERS = {"EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint"}


def callback_record(callbacks: Sequence[Any]) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """The JSON entries and the tensors that keep the state of ``callbacks``."""
    entries: list[dict[str, Any]] = []
    tensors: dict[str, np.ndarray] = {}
    for i, callback in enumerate(callbacks):
        state = callback.state_dict() if hasattr(callback, "state_dict") else {}
        if not state:
            continue
        scalars: dict[str, Any] = {}
        for key, value in state.items():
            if isinstance(value, np.ndarray):
                tensors[f"{PREFIX}{i}.{key}"] = value
            else:
                scalars[key] = _scalar(value, i, callback, key)
        entries.append({"index": i, "class_name": type(callback).__name__, "state": scalars})
    return entries, tensors


def _scalar(value: Any, index: int, callback: Any, key: str) -> int | float | None:
    """``value`` as the reader takes it: a number (NaN and infinities as null) or None; a
    ``TypeError`` at the first write, not at the load, for anything else."""
    if isinstance(value, np.generic) and value.dtype.kind in "iuf":
        value = value.item()  # a NumPy scalar: its Python number
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return None if isinstance(value, float) and not math.isfinite(value) else value
    raise TypeError(
        f"Expected numbers, None or NumPy arrays in the state_dict() of callback {index} "
        f"({type(callback).__name__}), as a checkpoint keeps them. Received: "
        f"{key}={quoted(value, 80)}")


def read_callback_record(
    value: Any, arrays: dict[str, np.ndarray], path: str, model: Any = None
) -> list[dict[str, Any]]:
    """Validate the ``callbacks`` entries of a checkpoint and attach their tensors; with
    ``model`` (the checkpoint's), ``EarlyStopping``'s best weights and state too."""
    if value is None:
        value = []
    if not isinstance(value, list):
        raise _fail(path, "expected a list of callback states")
    by_index: dict[int, dict[str, Any]] = {}
    for entry in value:
        if not isinstance(entry, dict) or set(entry) != _KEYS:
            raise _fail(path, f"expected objects with keys {sorted(_KEYS)}")
        index, name, state = entry["index"], entry["class_name"], entry["state"]
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise _fail(path, f"expected an index >= 0. Received: {quoted(index, 50)}")
        if index in by_index or not isinstance(name, str) or not isinstance(state, dict):
            raise _fail(path, f"expected one entry per index, a class name and a state ({index})")
        if not all(v is None or (isinstance(v, int | float) and not isinstance(v, bool))
                   for v in state.values()):
            raise _fail(path, f"expected numbers or null in the state of callback {index}")
        by_index[index] = {"index": index, "class_name": name, "state": dict(state)}
    for tensor, arr in arrays.items():
        if tensor.startswith(PREFIX):
            index, _, key = tensor[len(PREFIX) :].partition(".")
            if not (index.isascii() and index.isdigit()) or int(index) not in by_index or not key:
                raise ModelFileError(path, "belongs to no callback state",
                                     f"tensor {quoted(tensor)}")
            by_index[int(index)]["state"][key] = arr
    entries = [by_index[i] for i in sorted(by_index)]
    for entry in entries:
        _check_fields(entry, path)
        if model is not None and entry["class_name"] == "EarlyStopping":
            _check_best(entry, model, path)
        entry["source"] = path
    return entries


def _check_fields(entry: dict[str, Any], path: str) -> None:
    """The counters, epochs and best value of nonlin's own callbacks."""
    name, state = entry["class_name"], entry["state"]
    for key, least in _INTEGERS.get(name, {}).items():
        value = state.get(key, least)
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise _field(path, entry, key,
                         f"expected an integer >= {least}. Received: {_shown(value)}")
    if name in _NUMBERS and isinstance(state.get("best"), np.ndarray):
        raise _field(path, entry, "best", "expected a number or null. Received a tensor")


def _check_best(entry: dict[str, Any], model: Any, path: str) -> None:
    """``best_weights.{i}`` like the model's weights, ``best_state.{name}`` like its state."""
    state = entry["state"]
    weights = {k for k in state if k.startswith("best_weights.")}
    names = {k.removeprefix("best_state.") for k in state if k.startswith("best_state.")}
    if not weights and not names:
        return
    expected = model._parameter_weights()  # best_state holds the rest
    if weights != {f"best_weights.{i}" for i in range(len(expected))}:
        raise _field(path, entry, "best_weights",
                     f"expected best_weights.0 to best_weights.{len(expected) - 1}")
    for i, target in enumerate(expected):
        value = state[f"best_weights.{i}"]
        if not isinstance(value, np.ndarray) or value.shape != target.shape:
            raise _field(path, entry, f"best_weights.{i}",
                         f"expected a tensor of shape {target.shape} like weights[{i}]")
    if names != set(model.get_state()):
        raise _field(path, entry, "best_state",
                     f"expected the model's layer state {sorted(model.get_state())}")
    for i, layer in enumerate(model.layers):
        own = {n.partition(".")[2]: state[f"best_state.{n}"] for n in names
               if n.partition(".")[0] == str(i)}
        if own:
            _try_state(layer, own, path, entry, i)


def _try_state(layer: Any, candidate: dict[str, Any], path: str, entry: dict[str, Any],
               i: int) -> None:
    """Run the layer's own ``set_state`` checks on ``candidate``, then put its state back."""
    current = {name: np.array(value, copy=True) for name, value in layer.get_state().items()}
    try:
        if not all(isinstance(v, np.ndarray) for v in candidate.values()):
            raise ValueError("expected tensors")
        layer.set_state(candidate)
    except (ValueError, TypeError) as exc:
        raise _field(path, entry, f"best_state.{i}", clipped(str(exc), 200)) from None
    finally:
        layer.set_state(current)


def restore_callbacks(callbacks: Sequence[Any], entries: list[dict[str, Any]]) -> None:
    """Hand each saved state to the callback at its index, if it is of the same class."""
    for entry in entries:
        i, name = entry["index"], entry["class_name"]
        if i < len(callbacks) and type(callbacks[i]).__name__ == name:
            try:
                callbacks[i].load_state_dict(entry["state"])
            except (ValueError, TypeError) as exc:  # the callback's own checks
                raise ModelFileError(entry.get("source", "<checkpoint>"), clipped(str(exc), 300),
                                     f"checkpoint.callbacks[{i}].state") from None
        else:
            warnings.warn(
                f"The checkpoint holds the state of callback {i} ({name}), but fit's callback "
                f"{i} is {type(callbacks[i]).__name__ if i < len(callbacks) else 'missing'}; "
                "that state was not restored. Pass the callbacks in the same order.",
                stacklevel=user_stacklevel(),  # at the user's fit or resume
            )


def _fail(path: str, message: str) -> ModelFileError:
    return ModelFileError(path, message, "checkpoint.callbacks")


def _field(path: str, entry: dict[str, Any], key: str, message: str) -> ModelFileError:
    return ModelFileError(path, message, f"checkpoint.callbacks[{entry['index']}].state.{key}")


def _shown(value: Any) -> str:
    return "a tensor" if isinstance(value, np.ndarray) else f"{quoted(value, 50)}"
