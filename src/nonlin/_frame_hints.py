"""What to do with messy tabular input to ``fit``, ``evaluate`` and ``predict``.

Imported only when an input is refused (never by ``import nonlin``):

* ``refuse_sparse``: a SciPy sparse matrix or array, which ``np.asarray`` turns into a
  0-d object array (refused as "dtype object", which says nothing of sparsity): named,
  with its shape, the dense size ``toarray()`` would take, and the estimators that keep
  ``X`` sparse;
* ``numbers_as_text``: a pandas column of dtype object or string whose cells are all
  numbers (``"1"``, ``"2.5"``, Python floats, ``None``), which scikit-learn converts and
  ``fit`` refuses, gets ``pd.to_numeric`` as its fix instead of one-hot encoding;
* ``nonfinite_where``: a NaN (a ``pd.NA`` or ``null`` made NaN) or an infinity in a
  DataFrame or Series, named by its column and index label, with what to do
  (impute, as scikit-learn's ``SimpleImputer`` does, or drop the rows).
"""

from __future__ import annotations

from typing import Any, NoReturn

import numpy as np

from ._quoting import quoted


def is_sparse(value: Any) -> bool:
    """Whether ``value`` is a SciPy sparse matrix or array (Keras 3's test, no import)."""
    return type(value).__module__.startswith("scipy.sparse") and hasattr(value, "tocoo")


def refuse_sparse(value: Any, name: str) -> NoReturn:
    """Raise ``TypeError`` for the SciPy sparse ``value`` given as ``name``."""
    rows, cols = value.shape if len(value.shape) == 2 else (value.shape[0], 1)
    dense = rows * cols * np.dtype(value.dtype).itemsize
    x = name if name.isidentifier() else "x"
    raise TypeError(
        f"Expected a dense array for {name}. Received a SciPy sparse {type(value).__name__} "
        f"of shape {value.shape} ({value.nnz} stored values); fit, evaluate and predict take "
        f"dense arrays: pass {x}.toarray() ({_size(dense)} dense), or use "
        "nonlin.sklearn.MLPClassifier or MLPRegressor, which keep a sparse X sparse"
    )


def _size(n_bytes: int) -> str:
    """``n_bytes`` in readable units (``128 bytes``, ``3.2 MB``, ``1.5 GB``)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes} bytes"


def numbers_as_text(frame: Any, column: Any) -> str | None:
    """For a pandas column of text or objects whose cells all read as numbers (or are
    missing), how to convert it; None when some cell is text that is no number."""
    series = frame[column] if hasattr(frame, "columns") else frame
    if hasattr(series, "columns"):  # duplicated names select a frame: no single column
        return None
    cells = [v for v in series.tolist() if v is not None and v == v]  # NaN, None: missing
    if not cells:
        return None
    for cell in cells:
        if isinstance(cell, bool) or not isinstance(cell, str | int | float | np.number):
            return None
        try:
            float(cell)
        except (TypeError, ValueError):
            return None
    shown = next((c for c in cells if isinstance(c, str)), cells[0])
    kind = "numbers stored as text" if isinstance(shown, str) else "numbers in an object column"
    select = f"df[{column!r}]" if hasattr(frame, "columns") else "series"
    return (f"it holds {kind} ({shown!r}): convert it with {select} = pd.to_numeric({select}) "
            "(scikit-learn's estimators convert such a column themselves)")


# each frame library's way to fill in, and to drop, missing values
_FIXES = {"pandas": ("df.fillna(...)", "df.dropna()"),
          "polars": ("df.fill_null(...)", "df.drop_nulls()"),
          "pyarrow": ("pyarrow.compute.fill_null", "table.drop_null()")}


def nonfinite_where(value: Any, arr: np.ndarray, row: int, target: bool) -> str:
    """`` (column 'b', index label 7); <what to do>`` for the first NaN or infinity of a
    DataFrame or Series ``value``, found at position ``row`` of its array ``arr``."""
    where = []
    columns = getattr(value, "column_names" if type(value).__module__.startswith("pyarrow")
                      else "columns", None)
    if columns is not None and arr.ndim == 2:
        col = int(np.argmax(~np.isfinite(arr[row])))
        where.append(f"column {quoted(list(columns)[col])}")
    index = getattr(value, "index", None)
    if index is not None and not _is_default_index(index):
        where.append(f"index label {quoted(index[row])}")
    at = f" ({', '.join(where)})" if where else ""
    if np.isnan(arr[row]).any():
        fill, drop = _FIXES.get(type(value).__module__.split(".")[0], _FIXES["pandas"])
        todo = ("drop the rows whose target is missing first (keep = y.notna(); X[keep], "
                "y[keep])" if target else
                f"fill in the missing values first ({fill}, or scikit-learn's "
                f"SimpleImputer in a Pipeline) or drop those rows ({drop})")
    else:
        todo = "replace the infinities first (df.replace([np.inf, -np.inf], np.nan), then "
        todo += "drop or fill those rows)"
    return f"{at}; {todo}"


def _is_default_index(index: Any) -> bool:
    """Whether a pandas index is the ``0, 1, ...`` of a fresh frame (its labels are rows)."""
    return type(index).__name__ == "RangeIndex" and index.start == 0 and index.step == 1
