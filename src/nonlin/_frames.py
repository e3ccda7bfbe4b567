"""Array conversion for ``fit``, ``evaluate`` and ``predict`` inputs, pandas included.

``np.asarray`` turns a DataFrame whose columns mix dtypes (float with bool,
or pandas' nullable ``Int64`` / ``Float64`` / ``boolean``) into an object
array, which nonlin refuses. As scikit-learn's ``check_array`` does, such a
frame of numeric columns becomes one float array (a missing ``pd.NA`` becomes
NaN, which the finiteness check then names), and a frame holding a column
that is not numeric is refused naming that column and its dtype. pandas is
never imported: a frame is recognised by its type's module. polars and pyarrow
frames are converted by ``nonlin._columnar``, by the same rules.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._columnar import columnar_values, is_columnar, library
from ._finite import MISSING_ADVICE

_NUMERIC_KINDS = "biuf"


def _numpy_dtype(dtype: Any) -> np.dtype:
    """The NumPy dtype of a column's (NumPy or pandas extension) dtype."""
    if isinstance(dtype, np.dtype):
        return dtype
    inner = getattr(dtype, "numpy_dtype", None)
    return np.dtype(inner if inner is not None else dtype.subtype)  # SparseDtype: subtype


def text_hint(name: str, dummies: str = "pandas.get_dummies") -> str:
    """What to do with text or categories found in the input ``name``: targets are
    class labels (integers for ``Sequential``), anything else features (``dummies``:
    the one-hot encoder of the frame's library)."""
    if name in ("y", "y_true") or name.endswith(" targets"):
        return ("encode class labels as integers 0, 1, ... first, for example with "
                "classes, y = np.unique(y, return_inverse=True) (nonlin.sklearn.MLPClassifier "
                "takes labels of any kind)")
    return ("encode text and categories as numbers first (for example with "
            f"{dummies} or scikit-learn's OneHotEncoder)")


def _column_hint(frame: Any, column: Any, dtype: Any, name: str) -> str:
    """What to do with the refused column: ``pd.to_numeric`` for numbers held as text or
    objects (``nonlin._frame_hints``), else ``text_hint``."""
    if getattr(dtype, "kind", "O") in "OSU" and name not in ("y", "y_true"):
        from ._frame_hints import numbers_as_text

        return numbers_as_text(frame, column) or text_hint(name)
    return text_hint(name)


def missing_hint(values: np.ndarray, name: str = "", *, with_text: bool = False) -> str:
    """For an object array holding a missing value, ``None`` or pandas' ``pd.NA``, and no
    text (unless ``with_text``): that it does, in which row (and, given the array's
    ``name``, at which index: ``x[1, 0]``), and what to do (the hint a NaN gets); else ``""``."""
    for i, v in enumerate(values.flat):
        if isinstance(v, str | bytes) and not with_text:
            return ""
        if v is None or type(v).__name__ == "NAType":
            index = [int(j) for j in np.unravel_index(i, values.shape)] if values.ndim else [0]
            where = f" ({name}[{', '.join(map(str, index))}])" if name else ""
            found = f"{'None' if v is None else 'pd.NA'} in row {index[0]}{where}"
            if with_text or not any(isinstance(w, str | bytes) for w in values.flat):
                return f"it holds {found}: {MISSING_ADVICE}"
            return ""
    return ""


def _frame_values(frame: Any, name: str) -> np.ndarray:
    """A pandas DataFrame or Series as a NumPy array (see the module docstring)."""
    if hasattr(frame, "columns"):
        columns, dtypes = list(frame.columns), list(frame.dtypes)
    else:
        columns, dtypes = [frame.name], [frame.dtype]
    plain = all(isinstance(dt, np.dtype) for dt in dtypes) and len(set(dtypes)) <= 1
    numeric = all(getattr(dt, "kind", "O") in _NUMERIC_KINDS for dt in dtypes)
    if plain or not numeric:
        arr = np.asarray(frame)
        if arr.dtype.kind == "O" and not numeric:
            i, column, dtype = next((i, c, d) for i, (c, d) in enumerate(zip(
                columns, dtypes, strict=True)) if getattr(d, "kind", "O") not in _NUMERIC_KINDS)
            unnamed = column is None and not hasattr(frame, "columns")  # a Series, no name
            what = "a Series" if unnamed else f"column {column!r}"
            hint = _column_hint(frame, column, dtype, name)
            missing = missing_hint(arr[:, i] if arr.ndim == 2 else arr)  # [1, pd.NA]: object
            if missing:  # numbers and None: both fixes; else the missing value's
                hint = f"{hint}; and {missing}" if "pd.to_numeric" in hint else missing
            raise TypeError(f"Expected numeric columns in {name}. Received {what} of dtype "
                            f"{dtype}; {hint}")
        return arr
    target = np.result_type(*(_numpy_dtype(dt) for dt in dtypes))
    if target.kind != "f":  # an integer or bool column may hold pd.NA: NaN needs a float
        target = np.dtype(np.float64)
    return frame.to_numpy(dtype=target, na_value=np.nan)


def as_numeric(value: Any, name: str) -> np.ndarray:
    """``value`` (an array-like, DataFrame or Series) as a NumPy array, unchecked."""
    if value is None:  # fit(X) without targets: not an object array "of numbers"
        raise TypeError(f"Expected a real numeric array for {name}. Received: None")
    if type(value).__module__.split(".")[0] == "pandas" and hasattr(value, "dtypes"):
        return _frame_values(value, name)
    if is_columnar(value):  # polars, pyarrow
        return columnar_values(value, name, text_hint(name, "polars' DataFrame.to_dummies"
                                                     if library(value) == "polars" else
                                                     "pandas.get_dummies"))
    if type(value).__module__.startswith("scipy.sparse") and hasattr(value, "toarray"):
        return _dense(value, name)
    try:
        return np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"Expected a numeric array for {name}. Received: {exc}") from None


def _dense(value: Any, name: str) -> np.ndarray:
    """A ``scipy.sparse`` matrix or array read dense, a copy (as Keras reads one); a
    ``MemoryError`` naming its shape, its dense size and what keeps it sparse."""
    try:
        return np.asarray(value.toarray())
    except MemoryError:
        size = float(np.prod(value.shape, dtype=np.float64)) * np.dtype(value.dtype).itemsize
        raise MemoryError(
            f"Expected {name} that fits in memory as a dense array. Received a scipy.sparse "
            f"matrix of shape {value.shape}, {size / 2**30:.3g} GiB dense ({value.dtype}); "
            "nonlin.sklearn's MLPClassifier and MLPRegressor keep a sparse X sparse, or "
            "select fewer columns") from None


def reshape_hint(value: Any, name: str = "x", ndim: int = 1) -> str:
    """What to do with data of ``ndim`` dimensions given where rows are expected. 1-D: for a
    pandas Series (has ``to_frame`` and ``name``: ``df.iloc[0]``, one row, or ``df["a"]``,
    one column; a polars Series, always a column), the DataFrame selections that keep two
    dimensions; else NumPy's reshape,
    written on ``name``, the parameter the data came in (``X.reshape(-1, 1)`` where it is
    ``X``; ``x`` for a name that is no identifier). 3-D and more: each sample flattened
    into one row; 0-D: one sample of one feature."""
    if library(value) == "polars" and hasattr(value, "to_frame"):
        return ("a polars Series is one column: select a one-column DataFrame with "
                "df.select('a') (df['a'] is a Series), or turn the Series into one with "
                "series.to_frame()")
    if hasattr(value, "to_frame") and hasattr(value, "name"):
        return ("a pandas Series is one row or one column: select a one-row DataFrame with "
                "df.iloc[[0]] (double brackets; df.iloc[0] is a Series), one column with "
                "df[['a']], or turn a row Series into one with series.to_frame().T")
    x = name if name.isidentifier() else "x"
    if ndim > 2:
        return f"flatten each sample into one row of features with {x}.reshape(len({x}), -1)"
    if ndim == 0:
        return f"a single number is one sample of one feature: np.reshape({x}, (1, 1))"
    return (f"reshape 1-D data with {x}.reshape(-1, 1) for one feature or {x}.reshape(1, -1) "
            "for one sample")


def stacked_hint(arr: np.ndarray, n_samples: int, name: str) -> str:
    """For targets of shape ``(n_outputs, n_samples)``, Keras' list of one array per output
    (or a transpose): how to give one row per sample; else ``""``."""
    if arr.ndim == 2 and arr.shape[1] == n_samples:
        return (f"; {name} looks like one array per output (a list of them, as a Keras model "
                f"with several outputs takes): np.column_stack({name}) gives one row per sample")
    return ""

