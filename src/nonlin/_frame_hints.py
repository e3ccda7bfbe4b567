"""What to do with a pandas column of numbers held as text, refused by ``fit``.

Imported only when a column is refused (never by ``import nonlin``): a column of dtype
object or string whose cells are all numbers (``"1"``, ``"2.5"``, Python floats,
``None``), which scikit-learn's ``check_array`` converts and ``fit``, ``evaluate`` and
``predict`` refuse as they refuse text, gets ``pd.to_numeric`` as its fix instead of
one-hot encoding (which would make one input per distinct number).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def numbers_as_text(frame: Any, column: Any) -> str | None:
    """For a pandas column of text or objects whose cells all read as numbers (or are
    missing), how to convert it; None when some cell is text that is no number."""
    series = frame[column] if hasattr(frame, "columns") else frame
    if hasattr(series, "columns"):  # duplicated names select a frame: no single column
        return None
    cells = [v for v in series.tolist()  # NaN, None, pd.NA (whose == is no bool): missing
             if v is not None and type(v).__name__ != "NAType" and v == v]
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
