"""Class labels on the command line: one spelling per class, and their integer codes.

In a column of numbers, ``1``, ``1.0`` and ``"1"`` are the same class. A
column that holds any text is a column of text: each distinct text is its own
class (``007``, ``7`` and ``A7`` are three, ``1_000`` and ``1000`` two), as
scikit-learn keeps them. A number is what the CSV reader reads as one in a
feature column (``_csv_strict._number``: ASCII, no ``_``, finite), so the
target column is a column of numbers exactly when the reader returned floats,
or when every text left after ``--missing drop`` is such a number. Spaces
around a label are ignored in both. A model's stored classes say which kind
it has (``is_numeric_classes``).

Numeric labels are handled in blocks of rows, so a label column of a million
rows never needs a sorted copy or an int64 array of its own: codes come back
in the smallest integer type that holds them (``uint8`` for up to 256 classes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._csv_strict import MISSING_TARGETS, _number, formatted
from ._quoting import quoted, quoted_list, shown_path
from .cli_common import UsageError, note

_BLOCK = 1 << 16  # rows per block


def is_number(text: str) -> bool:
    """Whether ``text`` is a number as the CSV reader reads one in a feature column:
    ``"1"``, ``" 1.0 "``, ``"-2e3"``; not ``"1_000"``, ``"nan"``, ``"inf"`` or ``"A7"``."""
    return _number(str(text), np.dtype(np.float64)) is not None


def label_key(value: Any) -> str:
    """One spelling per label of a column of numbers: 1, 1.0 and "1" are the same class;
    a text that is no number (``is_number``) stays itself, without surrounding spaces."""
    if isinstance(value, str | np.str_):
        text = str(value).strip()
        return label_key(float(text)) if is_number(text) else text
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def text_key(value: Any) -> str:
    """A label of a column of text as it is written, without surrounding spaces
    (``"007"`` stays ``"007"``); a number (a class stored as an int) as ``label_key``."""
    return str(value).strip() if isinstance(value, str | np.str_) else label_key(value)


def is_numeric_classes(classes: Sequence[Any]) -> bool:
    """Whether a model's classes are numbers (matched by value: ``1.0`` finds ``1``) rather
    than texts (matched as written): no class is a text that is no number, and no two
    classes are one number (``"007"`` and ``"7"`` from a DataFrame are two texts)."""
    if any(isinstance(c, str | np.str_) and not is_number(c) for c in classes):
        return False
    return len({label_key(c) for c in classes}) == len(classes)


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
    """The sorted distinct labels of ``y``: numbers sorted numerically when every label is
    one, else each distinct text, sorted alphabetically (see the module docstring)."""
    found = distinct(y)
    if np.asarray(y).dtype.kind in "OUS" and not all(is_number(v) for v in found.tolist()):
        return sorted({text_key(v) for v in found.tolist()})
    return sorted(label_value(k) for k in {label_key(v) for v in found.tolist()})


def note_missing_like(classes: Sequence[Any], target: str) -> None:
    """A note naming the text classes spelled like a missing value (``NA``, ``?``): in a
    column of text they are labels as written; only in a column of numbers are they missing."""
    spelled = [c for c in classes if isinstance(c, str) and c.strip() in MISSING_TARGETS]
    if spelled and not is_numeric_classes(classes):
        note(f"column {quoted(target)} holds text, so {quoted_list(spelled)} "
             "is a class, not a missing value (only an empty label is missing there)")


def encode_labels(y: np.ndarray, classes: Sequence[Any], path: str, target: str) -> np.ndarray:
    """Class indices (n_samples,) for the labels ``y``; labels not in ``classes`` are an error.

    Numeric classes match labels by value (``label_key``), text classes as written
    (``text_key``); see the module docstring. Numeric labels against numeric classes
    go through ``searchsorted``, a block of rows at a time; the others through ``np.unique``.
    """
    y = np.asarray(y)
    codes = np.empty(y.shape[0], dtype=np.min_scalar_type(max(len(classes) - 1, 0)))
    key = label_key if is_numeric_classes(classes) else text_key
    if y.dtype.kind in "fiu" and key is label_key:
        return _encode_numbers(y, classes, codes, path, target)
    index = {key(c): i for i, c in enumerate(classes)}
    uniques, inverse = np.unique(y, return_inverse=True)
    mapped = np.array([index.get(key(u), -1) for u in uniques], dtype=np.int64)
    if (mapped < 0).any():
        _unseen_error([key(u) for u in uniques[mapped < 0]], list(index), path, target)
    return np.take(mapped.astype(codes.dtype), inverse.reshape(-1), out=codes, mode="clip")


def _encode_numbers(
    y: np.ndarray, classes: Sequence[Any], codes: np.ndarray, path: str, target: str
) -> np.ndarray:
    """``encode_labels`` of numbers ``y`` against numeric classes, into ``codes``."""
    values = [label_value(label_key(c)) for c in classes]
    order = np.argsort(values)
    known = np.asarray(values, dtype=np.float64)[order]
    order = order.astype(codes.dtype)
    for start in range(0, y.shape[0], _BLOCK):
        block = y[start : start + _BLOCK]
        found = np.searchsorted(known, block)
        np.minimum(found, len(known) - 1, out=found)
        if not np.array_equal(known[found], block):
            unseen = np.setdiff1d(distinct(y), known)
            known_keys = [label_key(c) for c in classes]
            _unseen_error([label_key(u) for u in unseen], known_keys, path, target)
        np.take(order, found, out=codes[start : start + _BLOCK], mode="clip")
    return codes


def _unseen_error(keys: list[str], known: list[str], path: str, target: str) -> None:
    """Name (up to 10 of) the labels ``keys`` that are none of the model's ``known`` ones."""
    raise UsageError(
        f"{shown_path(path)}: column {quoted(target)} has {len(keys)} label(s) the model "
        f"never saw: {quoted_list(keys)}; the model knows: {quoted_list(known)}"
    )


def refuse_formatted_numbers(path: str, target: str, y: np.ndarray, task: str,
                             max_classes: int) -> None:
    """A ``UsageError`` when the text labels ``y`` of column ``target`` (read as text) are
    all numbers, some written with formatting (``"$12"``, ``"1,000.5"``, ``"12 USD"``:
    ``_csv_strict.formatted``), or missing: a regression target the reader could not read,
    not one class per price. Under ``--task auto`` (``task``), numbers that written plainly
    would be classes, whole and at most ``max_classes`` distinct (``10%``, ``20%``), are
    class labels as before. ``--task classification`` takes any as labels all the same."""
    from ._csv_strict import whole
    from .cli_table import first_text_cell

    labels = _formatted_labels(y)
    if labels is None or (task == "auto" and len(labels) <= max_classes
                          and all(whole(label) for label in labels)):
        return
    raise UsageError(
        f"{shown_path(path)}: column {quoted(target)} holds numbers written with formatting"
        f"{first_text_cell(path, target)}: thousands separators, currency signs or codes "
        "and percent signs are not read, and as text each value would be a class label of "
        "its own; write plain numbers (1304.5 for '$1,304.50', as pandas' read_csv("
        "thousands=',') then to_csv does), or give --task classification to take them "
        "as class labels")


def _formatted_labels(y: np.ndarray) -> list[str] | None:
    """The distinct labels of ``y`` present (not missing), without the spaces around them,
    when each is a number and one at least a formatted one; else None, at the first word of
    the first 1000 rows when there is one (a column of words is not sorted)."""
    def words(labels: list[Any]) -> bool:
        return any(text not in MISSING_TARGETS and _number(text, None) is None
                   and not formatted(text) for text in labels)

    head = [str(label).strip(" \t") for label in dict.fromkeys(y[:1000].tolist())]
    if words(head):
        return None
    texts = dict.fromkeys(str(label).strip(" \t") for label in np.unique(y).tolist())
    labels = [text for text in texts if text not in MISSING_TARGETS]
    if words(labels) or not any(formatted(text) for text in labels):
        return None
    return labels
