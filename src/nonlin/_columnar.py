"""polars and pyarrow inputs of ``fit``, ``evaluate`` and ``predict``: names and values.

A polars ``DataFrame`` or ``Series``, or a pyarrow ``Table`` or ``RecordBatch``,
is taken as a pandas DataFrame is (``nonlin._frames``): its column names are
feature names (``frame_names``, as scikit-learn >= 1.9 reads them), a column
that is not numeric (text, categories, dates, lists) is refused naming it and
its dtype, a null becomes NaN (which the finiteness check then names by row and
column), and the values become one C-ordered array in one copy (polars' default
``to_numpy`` is Fortran-ordered, which the C-contiguous conversion after it would
copy a second time). A boolean column with nulls, or a decimal one, converts to
float64. A polars ``LazyFrame`` is refused: ``collect()`` it first. Neither
library is imported here: a value is recognised by its type's module, and the
library it comes from is already loaded.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

_TABLES = ("Table", "RecordBatch")  # pyarrow's tables of named columns


def library(value: Any) -> str:
    """The top-level module of ``value``'s type (``"polars"``, ``"pyarrow"``, ...)."""
    return type(value).__module__.split(".")[0]


def is_columnar(value: Any) -> bool:
    """Whether ``value`` is a polars DataFrame, Series or LazyFrame, or a pyarrow table."""
    kind = type(value).__name__
    return ((library(value) == "polars" and kind in ("DataFrame", "Series", "LazyFrame"))
            or (library(value) == "pyarrow" and kind in _TABLES))


def columnar_names(value: Any) -> np.ndarray | None:
    """The column names (an object array) of a polars DataFrame or pyarrow table, else None
    (their names are always ``str``); None for a frame of no columns."""
    kind = type(value).__name__
    if library(value) == "polars" and kind == "DataFrame":
        names = list(value.columns)
    elif library(value) == "pyarrow" and kind in _TABLES:
        names = list(value.column_names)
    else:
        return None
    return np.asarray(names, dtype=object) if names else None


def columnar_values(value: Any, name: str, hint: str) -> np.ndarray:
    """``value`` (``is_columnar``) as a NumPy array (see the module docstring); ``name``:
    the argument, and ``hint``: what to do with text, in the messages."""
    if type(value).__name__ == "LazyFrame":
        raise TypeError(f"Expected a polars DataFrame for {name}, not a LazyFrame (a query "
                        f"not yet run). Received a LazyFrame; run it with {name}.collect() "
                        "first")
    polars = library(value) == "polars"
    columns = _columns(value, polars)
    for column, dtype in columns:
        if not _numeric(dtype, polars):
            what = "a Series" if column == "" else f"column {column!r}"
            raise TypeError(f"Expected numeric columns in {name}. Received {what} of dtype "
                            f"{dtype}; {hint}")
    if polars:
        series = type(value).__name__ == "Series"
        arr = value.to_numpy() if series else value.to_numpy(order="c")
    else:
        arr = np.asarray(value)
    if arr.dtype.kind == "O":  # decimals, or a boolean column with nulls: None in it
        arr = _as_float(value, polars)
    return arr


def _columns(value: Any, polars: bool) -> list[tuple[str, Any]]:
    """(name, dtype) of each column of ``value``; a Series is one column."""
    if polars and type(value).__name__ == "Series":
        return [(value.name, value.dtype)]
    if polars:
        return list(value.schema.items())
    return [(field.name, field.type) for field in value.schema]


def _numeric(dtype: Any, polars: bool) -> bool:
    """Whether a polars or pyarrow column type holds numbers or booleans."""
    if polars:
        return bool(dtype.is_numeric()) or str(dtype) == "Boolean"
    types = sys.modules["pyarrow"].types
    return bool(types.is_integer(dtype) or types.is_floating(dtype)
                or types.is_boolean(dtype) or types.is_decimal(dtype))


def _as_float(value: Any, polars: bool) -> np.ndarray:
    """``value``, of numeric columns, as float64 with NaN for each null."""
    if polars:
        float64 = sys.modules["polars"].Float64
        if type(value).__name__ == "Series":
            return np.asarray(value.cast(float64).to_numpy())
        return np.asarray(value.cast(float64).to_numpy(order="c"))
    float64 = sys.modules["pyarrow"].float64()
    return np.column_stack([np.asarray(column.cast(float64).to_numpy(zero_copy_only=False))
                            for column in value.columns])
