"""Class labels on the command line: one spelling per class, and their integer codes.

``1``, ``1.0`` and ``"1"`` in a CSV file are the same class; ``"cat"`` stays
``"cat"``. Numeric labels are handled in blocks of rows, so a label column of
a million rows never needs a sorted copy or an int64 array of its own: codes
come back in the smallest integer type that holds them (``uint8`` for up to
256 classes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .cli_common import UsageError

_BLOCK = 1 << 16  # rows per block


def label_key(value: Any) -> str:
    """One spelling per label: 1, 1.0 and "1" are the same class; "cat" stays "cat"."""
    if isinstance(value, str | np.str_):
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            return text
        return label_key(number)
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def label_value(key: str) -> int | float | str:
    """The JSON value stored for a class: an int or float when it reads as one, else the text."""
    try:
        number = float(key)
    except ValueError:
        return key
    return int(number) if number.is_integer() else number


def stored_label(value: int | float | str) -> int | str:
    """A class as a model file stores it: an int, or its text (``0.5`` -> ``"0.5"``, ``"cat"``).

    Model files hold str or int labels only; a non-integer number keeps its
    spelling, so ``predict`` prints it as ``train`` showed it.
    """
    return value if isinstance(value, int | str) else label_key(value)


def distinct(y: np.ndarray, limit: int | None = None) -> np.ndarray:
    """The sorted distinct values of ``y``, found block by block; once there are more
    than ``limit``, what was found so far (enough to tell there are too many)."""
    y = np.asarray(y)
    if y.dtype.kind not in "fiub" or y.shape[0] <= _BLOCK:
        return np.unique(y)
    found = np.unique(y[:_BLOCK])
    for start in range(_BLOCK, y.shape[0], _BLOCK):
        if limit is not None and found.size > limit:
            break
        found = np.union1d(found, np.unique(y[start : start + _BLOCK]))
    return found


def find_classes(y: np.ndarray) -> list[Any]:
    """The sorted distinct labels of ``y`` (numbers sorted numerically, text alphabetically)."""
    keys = {label_key(v) for v in distinct(y)}
    values = [label_value(k) for k in keys]
    if all(isinstance(v, int | float) for v in values):
        return sorted(values)
    return sorted(str(v) for v in values)


def encode_labels(y: np.ndarray, classes: Sequence[Any], path: str, target: str) -> np.ndarray:
    """Class indices (n_samples,) for the labels ``y``; labels not in ``classes`` are an error.

    Numeric labels against numeric classes go through ``searchsorted``, a block
    of rows at a time; text labels through ``np.unique``.
    """
    y = np.asarray(y)
    codes = np.empty(y.shape[0], dtype=np.min_scalar_type(max(len(classes) - 1, 0)))
    values = [label_value(label_key(c)) for c in classes]
    if y.dtype.kind in "fiu" and all(isinstance(v, int | float) for v in values):
        order = np.argsort(values)
        known = np.asarray(values, dtype=np.float64)[order]
        order = order.astype(codes.dtype)
        for start in range(0, y.shape[0], _BLOCK):
            block = y[start : start + _BLOCK]
            found = np.searchsorted(known, block)
            np.minimum(found, len(known) - 1, out=found)
            if not np.array_equal(known[found], block):
                _unseen_error(_unseen(y, known), classes, path, target)
            np.take(order, found, out=codes[start : start + _BLOCK], mode="clip")
        return codes
    keys = [label_key(c) for c in classes]
    index = {k: i for i, k in enumerate(keys)}
    uniques, inverse = np.unique(y, return_inverse=True)
    mapped = np.array([index.get(label_key(u), -1) for u in uniques], dtype=np.int64)
    if (mapped < 0).any():
        _unseen_error(uniques[mapped < 0], classes, path, target)
    return np.take(mapped.astype(codes.dtype), inverse.reshape(-1), out=codes, mode="clip")


def _unseen(y: np.ndarray, known: np.ndarray) -> np.ndarray:
    """The distinct values of ``y`` not in ``known`` (for the error message)."""
    return np.setdiff1d(distinct(y), known)


def _unseen_error(unseen: np.ndarray, classes: Sequence[Any], path: str, target: str) -> None:
    keys = [label_key(u) for u in unseen]
    shown = ", ".join(repr(k) for k in keys[:10]) + (" ..." if len(keys) > 10 else "")
    raise UsageError(
        f"{path}: column {target!r} has {len(keys)} label(s) the model never saw: {shown}; "
        f"the model knows: {', '.join(repr(label_key(c)) for c in classes)}"
    )
