"""Callback state in checkpoints, so that a resumed run's callbacks carry on.

``fit`` keeps its callbacks in ``model._fit_callbacks``. A checkpoint records
each one whose ``state_dict()`` is not empty as
``{"index": i, "class_name": "EarlyStopping", "state": {...numbers or null}}``
in ``__metadata__["checkpoint"]["callbacks"]``, and its arrays (such as
``EarlyStopping``'s best weights) as tensors ``"callback.{i}.{key}"``.
Reading validates that structure (``ModelFileError``); the loaded model holds
the states until the next ``fit`` with ``initial_epoch > 0`` hands each to the
callback at the same index, if it is of the same class (a warning otherwise).
Checkpoints written before this record existed load with no callback state.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._header import ModelFileError

PREFIX = "callback."
_KEYS = {"index", "class_name", "state"}


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
            elif isinstance(value, float) and not math.isfinite(value):
                scalars[key] = None
            else:
                scalars[key] = value
        entries.append({"index": i, "class_name": type(callback).__name__, "state": scalars})
    return entries, tensors


def read_callback_record(
    value: Any, arrays: dict[str, np.ndarray], path: str
) -> list[dict[str, Any]]:
    """Validate the ``callbacks`` entries of a checkpoint and attach their tensors."""
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
            raise _fail(path, f"expected an index >= 0. Received: {index!r:.50}")
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
                raise ModelFileError(path, "belongs to no callback state", f"tensor {tensor!r}")
            by_index[int(index)]["state"][key] = arr
    return [by_index[i] for i in sorted(by_index)]


def restore_callbacks(callbacks: Sequence[Any], entries: list[dict[str, Any]]) -> None:
    """Hand each saved state to the callback at its index, if it is of the same class."""
    for entry in entries:
        i, name = entry["index"], entry["class_name"]
        if i < len(callbacks) and type(callbacks[i]).__name__ == name:
            callbacks[i].load_state_dict(entry["state"])
        else:
            warnings.warn(
                f"The checkpoint holds the state of callback {i} ({name}), but fit's callback "
                f"{i} is {type(callbacks[i]).__name__ if i < len(callbacks) else 'missing'}; "
                "that state was not restored. Pass the callbacks in the same order.",
                stacklevel=3,
            )


def _fail(path: str, message: str) -> ModelFileError:
    return ModelFileError(path, message, "checkpoint.callbacks")
