"""What to do with a pandas column of numbers held as text, refused by ``fit``.

Imported only when a column is refused (never by ``import nonlin``): a column of dtype
object or string whose cells are all numbers (``"1"``, ``"2.5"``, Python floats,
``None``), which scikit-learn's ``check_array`` converts and ``fit``, ``evaluate`` and
``predict`` refuse as they refuse text, gets ``pd.to_numeric`` as its fix instead of
one-hot encoding (which would make one input per distinct number). A column of text whose
cells are numbers, some written with formatting (``"1,000"``, ``"$12"``, ``"12 USD"``: the
CSV reader's ``_csv_strict.formatted``), gets the same fix once that formatting is removed.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import numpy as np

_SAMPLE = 100_000  # cells tested at most
_NUMBERS = (str, int, float, np.number)
# a decimal comma: 1.304,50, 2,5, 1 304,5 (a comma before other than three digits, or after
# groups of dots); 1,304 and 1,304.50 are thousands
_DECIMAL_COMMA = re.compile(r"\.\d{3},|,(\d{1,2}|\d{4,})?$")


def numbers_as_text(frame: Any, column: Any) -> str | None:
    """For a pandas column of text or objects whose cells all read as numbers (or are
    missing), how to convert it; None when some cell is text that is no number.

    The test is the advice itself, ``pd.to_numeric`` (which refuses ``"nan"`` and
    ``"1_000"``, that ``float`` takes), on the first ``_SAMPLE`` cells that are not missing
    (NaN, None, ``pd.NA``, ``NaT``): this runs before a ``TypeError``, and a later cell that
    is no number, ``pd.to_numeric`` names itself, with its position.
    """
    pd: Any = sys.modules.get("pandas")  # the frame is pandas': already imported
    if pd is None:  # a frame of another library that looks like pandas': no hint
        return None

    series = frame[column] if hasattr(frame, "columns") else frame
    if hasattr(series, "columns"):  # duplicated names select a frame: no single column
        return None
    present = series.dropna().head(_SAMPLE)
    cells = present.tolist()
    if not cells or any(isinstance(cell, bool) or not isinstance(cell, _NUMBERS) for cell in cells):
        return None
    select = f"df[{column!r}]" if hasattr(frame, "columns") else "series"
    try:
        read = pd.to_numeric(present).dtype.kind
    except (TypeError, ValueError):
        return _formatted(cells, select)
    if read not in "iuf":  # complex numbers
        return None
    shown = next((str(c) for c in cells if isinstance(c, str)), cells[0])
    kind = "numbers stored as text" if isinstance(shown, str) else "numbers in an object column"
    return (f"it holds {kind} ({shown!r}): convert it with {select} = pd.to_numeric({select}) "
            "(scikit-learn's estimators convert such a column themselves)")


def _formatted(cells: list[Any], select: str) -> str | None:
    """The fix for ``cells`` (not missing) that are numbers, some of them text written with
    formatting (``"1,000"``, ``"$12"``, ``"12 USD"``), that ``pd.to_numeric`` refuses; None
    when a cell is other text. A currency sign or code or a percent sign is removed by a
    regular expression first (not where accounting parentheses or a typeset minus sign
    would lose the sign that way: those are left for the user to see)."""
    from ._csv_strict import _core, _number, formatted

    texts = [cell for cell in cells if isinstance(cell, str)]
    shown = next((cell for cell in texts if formatted(cell)), None)
    finite = np.dtype(np.float64)  # "nan" is text here, as pd.to_numeric's
    if shown is None or any(_number(c, finite) is None and not formatted(c) for c in texts):
        return None
    if any(_DECIMAL_COMMA.search(_core(c.strip(" \t"))) for c in texts if formatted(c)):
        # removing the commas of 1.304,50 would make it 1.30450, silently
        fix, read = ".str.replace('.', '').str.replace(',', '.')", "thousands='.', decimal=','"
    else:
        fix, read = ".str.replace(',', '')", "thousands=','"
    signs = [c for c in texts if formatted(c) and _core(c.strip(" \t")) != c.strip(" \t")]
    if any("(" in c or "\u2212" in c for c in signs):  # (12), -5: a sign the regex would drop
        signs = []
    strip = (f"{select} = {select}.str.replace(r'[^0-9.,-]', '', regex=True) (the currency and "
             "percent signs), then " if signs else "")  # $12, 12 USD, 5%
    percent = " ('5%' then reads 5: divide by 100)" if any("%" in c for c in signs) else ""
    return (f"it holds numbers written as text with formatting ({shown!r}: thousands "
            "separators, currency signs or codes, percent signs, which are not read): remove "
            f"the formatting, then convert: {strip}{select} = pd.to_numeric({select}{fix})"
            f"{percent} (pd.read_csv(..., {read}) reads a file of thousands separators so)")
