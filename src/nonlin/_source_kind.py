"""Whether ``fit``, ``evaluate`` or ``predict`` got a batch source (``nonlin._sources``)
rather than an array-like, and which kind: imported by the array paths, so kept light."""

from __future__ import annotations

import array
from typing import Any

import numpy as np

_ARRAY_LIKE = (np.ndarray, list, tuple, range, set, frozenset, dict, str, bytes, bytearray,
               memoryview, array.array)


def is_source(value: Any) -> bool:
    """Whether ``value`` is a batch source rather than an array-like (arrays, lists,
    DataFrames, tensors with ``__array__``, memory maps stay on the array path)."""
    if (isinstance(value, _ARRAY_LIKE) or hasattr(value, "__array__")
            or hasattr(value, "__array_interface__")
            or type(value).__module__.split(".")[0] in ("pandas", "scipy")):
        return False
    return (hasattr(value, "__next__") or hasattr(value, "__iter__")
            or (hasattr(value, "__len__") and hasattr(value, "__getitem__")))


def source_kind(value: Any) -> str:
    """``"iterator"``, ``"sequence"`` or ``"iterable"`` (see the module's docstring)."""
    if hasattr(value, "__next__"):
        return "iterator"
    if hasattr(value, "__len__") and hasattr(value, "__getitem__"):
        return "sequence"
    return "iterable"
