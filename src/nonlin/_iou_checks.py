"""The argument and class-id checks of ``nonlin._iou_metrics``' IoU metrics.

``num_classes`` is checked before anything of that size is built (``MeanIoU(10**12)``
is refused at once, not after listing its classes): at most ``MAX_CLASSES``
(``_metric_sizes``: 4096, whose float64 ``(num_classes, num_classes)`` confusion matrix
takes 128 MiB), the most a model file's metric config may ask for, so that a metric made
can be saved and loaded back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._metric_sizes import MAX_CLASSES
from ._quoting import quoted, quoted_list
from .validation import is_integer


def class_ids(values: np.ndarray, num_classes: int, what: str,
               ignored: np.ndarray | None = None, hint: str = "") -> np.ndarray:
    """``values`` (flat) as integer class ids in ``[0, num_classes)``, those ``ignored``
    left unchecked (set to 0); a fractional or out-of-range id is a ``ValueError`` (its
    message ends its parenthesis with ``hint``)."""
    ids = np.asarray(values).reshape(-1)
    check = ids if ignored is None else np.where(ignored, 0, ids)
    bad = (check != np.round(check)) | (check < 0) | (check >= num_classes)
    if np.any(bad):
        i = int(np.argmax(bad))
        raise ValueError(f"Expected {what} of integer class ids in [0, {num_classes}) "
                         f"(num_classes={num_classes}{hint}). Received {check[i].item()!r} at "
                         f"flat index {i}")
    return check.astype(np.intp)


def checked_num_classes(num_classes: Any) -> int:
    """``num_classes`` as an int in ``[1, MAX_CLASSES]``, checked before anything of that
    size is built; a ``ValueError`` otherwise."""
    if not is_integer(num_classes) or not 1 <= num_classes <= MAX_CLASSES:
        raise ValueError(f"Expected an integer num_classes in [1, {MAX_CLASSES}] (the most a "
                         f"model file holds: the float64 (num_classes, num_classes) confusion "
                         f"matrix takes 128 MiB at {MAX_CLASSES}). "
                         f"Received: num_classes={quoted(num_classes)}")
    return int(num_classes)


def target_ids(target_class_ids: Any, num_classes: int) -> list[int]:
    """``target_class_ids`` (a list, tuple, range or 1-D array, as Keras takes any
    iterable) as a list of ints in ``[0, num_classes)``; a ``ValueError`` otherwise (a
    range or an array longer than ``num_classes`` without listing it: one id is out).

    A class may be named more than once: Keras averages over the ids as given, so a
    repeated class weighs more. At most ``MAX_CLASSES`` ids, counted before any is checked
    or copied (3,000,000 zeros in a file of 9 MB made ``load`` take 67 MB and 14 s)."""
    ids = target_class_ids
    if isinstance(ids, list | tuple) or (isinstance(ids, np.ndarray) and ids.ndim == 1):
        if len(ids) > MAX_CLASSES:
            head = ids[:10].tolist() if isinstance(ids, np.ndarray) else ids[:10]
            shown = quoted_list(head, width=20)  # an array's items as numbers: 0, not np.int64(0)
            raise ValueError(f"Expected at most {MAX_CLASSES} target_class_ids (the classes "
                             f"averaged, a class repeated to weigh it more). Received "
                             f"{len(ids):,}: target_class_ids=[{shown}, ...]")
    if isinstance(ids, range) or isinstance(ids, np.ndarray) and ids.ndim == 1:
        if not _longer(ids, num_classes) or isinstance(ids, np.ndarray):
            ids = list(ids)
    if not (isinstance(ids, list | tuple) and ids and all(
            is_integer(c) and 0 <= c < num_classes for c in ids)):
        raise ValueError(f"Expected target_class_ids: a non-empty list of class ids in "
                         f"[0, {num_classes}). Received: "
                         f"target_class_ids={quoted(target_class_ids)}")
    return [int(c) for c in ids]


def _longer(ids: range | np.ndarray, n: int) -> bool:
    """Whether ``ids`` holds more than ``n`` items; a range too long for ``len`` (past
    2**31 items on 32-bit platforms, 2**63 elsewhere: ``OverflowError``) does."""
    try:
        return len(ids) > n
    except OverflowError:
        return True
