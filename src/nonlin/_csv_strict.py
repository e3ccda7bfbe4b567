"""The strict parser of ``nonlin.tabular.read_csv``: exact, row by row.

Every block the fast path in ``_csv_fast.py`` does not accept comes here. It
reads rows with the ``csv`` module and cells with ``float``, so it takes every
spelling the fast path leaves out (blank lines, empty cells, spaces, partial
quotes, lone CR line ends), treats missing numbers as ``missing`` asks, and
writes the error messages: each :class:`~nonlin.tabular.CSVError` names the
file, line, column and value.
"""

from __future__ import annotations

import csv
import functools
import io
import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from ._csv_legacy import not_utf8
from ._quoting import quoted, quoted_list

if TYPE_CHECKING:
    from ._csv_coded import Coder
    from ._csv_plan import _Plan


# A numeric target's missing-value spellings: pandas' default na_values, and "?" and "-".
# A target column of numbers and these is numeric with these cells missing; in a column
# with other text, each is a label as written (only an empty or white-space cell is missing).
MISSING_TARGETS = frozenset((
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null", "?", "-",
))

# a feature cell spelled as a boolean (pandas' ``to_csv`` writes True and False) reads as 1 or 0;
# each cell on its own, so a column may mix them with numbers. Only a cell that is no number
# is looked up here; a target column of them holds labels (read as text, as written)
BOOLEANS = {"True": 1.0, "true": 1.0, "TRUE": 1.0, "False": 0.0, "false": 0.0, "FALSE": 0.0}

# after a feature cell spelled as missing (empty, NA, nan, ...) while missing="error"
_MISSING_HINT = " (a missing value: missing='drop' leaves its row out, missing='mean' fills it)"
# a plain number under formatting: digits in comma groups (thousands, or a decimal comma),
# in groups of three after dots (1.304,50) or spaces (1 304,50: NBSP, narrow NBSP, thin
# space; 1'304.50); ASCII digits alone, as the fast pass (``_csv_missing``) looks for them
_FORMATTED = re.compile(r"\d+(,\d+)*(\.\d*)?|\.\d+|\d{1,3}(\.\d{3})+(,\d*)?"
                        "|\\d{1,3}([ \u00a0\u202f\u2009'\u2019]\\d{3})+([.,]\\d*)?", re.ASCII)
# a whole number under formatting: digits, or groups of three after a separator (1,304;
# 1.304; 1 304), and no fraction but zeros (12.00, 1.304,00); 1,5 may be a decimal comma
_WHOLE = re.compile("(\\d+|\\d{1,3}([,. \u00a0\u202f\u2009'\u2019]\\d{3})+)([.,]0*)?", re.ASCII)
_SIGNS = "+-\u2212"  # U+2212: the minus sign of typeset numbers (−5)
_MONEY = "$€£¥₹₩₽₺₪₱₫₴₦¢%"  # currency signs (dollar ... rupee, won, ruble, lira), percent
# set off by a space, a no-break one, or (French: 12\u202f%) a narrow no-break or thin one
# a currency code before or after the number, set off by a space (12 USD, EUR 3.50): an ISO
# 4217 code (CURRENCIES), not any three capitals: CAT 1, ISO 9001, JAN 2024 stay text, as do
# ids with no space (SKU123, INV001)
_CODED = re.compile("(?:([A-Z]{3})[ \u00a0\u202f\u2009])?(.*?)(?:[ \u00a0\u202f\u2009]([A-Z]{3}))?",
                    re.ASCII | re.DOTALL)
CURRENCIES = frozenset("""
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN
    BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
    FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HRK HTG HUF IDR ILS INR IQD IRR ISK JMD
    JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK
    MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
    PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL
    THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF
    XPF YER ZAR ZMW ZWG ZWL""".split())
_FORMATTED_HINT = (" (a formatted number: thousands separators, currency signs and codes, "
                   "percent signs, "
                   "a typeset minus sign and accounting parentheses are not read, and such a "
                   "cell is not taken as missing; write plain numbers, 1304.5 for '1,304.50', "
                   "as pandas' read_csv(thousands=',') then to_csv does)")
# a date (2020-01-31, 31/01/2020, 31.1.2020: a year of 4 digits) or a time (12:30)
_DATE = re.compile(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{1,2}:\d{2})")
DATE_ADVICE = ("leave the column out of the features or turn it into numbers first (days since "
               "a start date, the month, the weekday)")
# what to do with a feature column of text (categories): the command line says it its way
ADVICE = "leave the column out of the features or encode its text as numbers"


class _LabelsFound(Exception):
    """The target column holds text; the file is read again with string labels."""


def _strict_block(
    raw: bytes, first_line: int, plan: _Plan
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, int]:
    """Parse a block with the ``csv`` module and ``float``: exact messages, missing as NaN.

    Returns ``X`` (float64, NaN where missing), ``y``, which targets are
    missing, and the number of lines the block spans.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = first_line + raw.count(b"\n", 0, error.start)
        raise plan.fail(line, None, not_utf8(raw, error)) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    features: list[list[float]] = []
    targets: list[Any] = []
    line = first_line
    try:
        for row in reader:
            if not blank(row):  # a blank line, or one of spaces and tabs: skipped
                features.append(_strict_row(row, line, plan, targets))
            line = first_line + reader.line_num
    except csv.Error as error:
        raise plan.fail(line, None, f"malformed CSV ({error})") from None
    X = np.array(features, dtype=np.float64).reshape(len(features), len(plan.features))
    y_missing = np.array([value is None for value in targets], dtype=bool)
    if plan.target is None:
        return X, None, np.zeros(len(X), dtype=bool), reader.line_num
    if plan.labels:
        y = np.array(["" if value is None else value for value in targets], dtype=str)
    else:
        y = np.array([math.nan if value is None else value for value in targets])
    return X, y, y_missing, reader.line_num


def blank(row: list[str]) -> bool:
    """Whether a row the ``csv`` module read is a blank line, skipped as pandas'
    ``skip_blank_lines`` skips it: empty, or one cell of ASCII spaces and tabs only. A line
    ``""`` (``['']``) is a cell, empty: how pandas' ``to_csv`` and ``csv.writer`` write a
    missing value of one column, which ``pd.read_csv`` reads as NaN."""
    return not row or (len(row) == 1 and row[0] != "" and not row[0].strip(" \t"))


def _strict_row(row: list[str], line: int, plan: _Plan, targets: list[Any]) -> list[float]:
    if len(row) != len(plan.names):
        raise plan.fail(
            line,
            None,
            f"expected {len(plan.names)} cells (one per header column), "
            f"received {len(row)}: [{quoted_list(row, 8)}]",
        )
    values = []
    for column in plan.features:  # in order: the first bad cell of the row is named
        coder = plan.coders.get(column)
        if coder is not None:  # a category's code, None if missing
            value = _code(coder, row[column], line)
        else:
            value = _number(row[column], plan.dtype)
            if value is None:  # not a number: a boolean, or missing
                value = BOOLEANS.get(row[column].strip(" \t"))
        if value is None and (plan.missing == "error" or not_missing(row[column])):
            cell = row[column]  # a formatted number ('1,304') or a date is never missing
            raise plan.fail(line, column, f"expected a category, received {quoted(cell)}"
                            f"{_MISSING_HINT}" if coder is not None
                            else _why(cell, plan.dtype) + _hint(cell))
        values.append(math.nan if value is None else value)
    if plan.target is not None:
        targets.append(_strict_target(row[plan.target], line, plan))
    return values


def _code(coder: Coder, cell: str, line: int) -> float | None:
    """The code of a categorical cell (``_csv_coded``), None for a missing one (empty, or
    ASCII spaces and tabs only)."""
    text = cell.strip(" \t")
    return coder.code(text, line) if text else None


def _strict_target(cell: str, line: int, plan: _Plan) -> float | str | None:
    """A target value, or None when missing (allowed with ``missing="drop"`` only)."""
    if plan.labels:
        value: float | str | None = cell if cell.strip() else None  # "  " reads as ""
        problem = f"expected a label, received {quoted(cell)}"
    else:
        value = _number(cell, np.dtype(np.float64))
        if (value is None and cell.strip() and _number(cell, None) is None
                and cell.strip(" \t") not in MISSING_TARGETS):
            raise _LabelsFound
        problem = _why(cell, np.dtype(np.float64)) if cell.strip() else (
            f"expected a number or a label, received {quoted(cell)}")  # text labels may come later
    if value is None and plan.missing != "drop":
        raise plan.fail(line, plan.target, f"{problem} (a missing target needs missing='drop')")
    return value


def _number(cell: str, dtype: np.dtype | None) -> float | None:
    """``float(cell)`` if the cell is a plain decimal number finite in ``dtype``, else None.

    ASCII spaces and tabs around the number are allowed; any other white space
    (which ``float`` would skip: NBSP, em-space, \\x1c-\\x1f, line breaks) is not.
    With ``dtype=None`` only the spelling is checked: nan and inf count as numbers.
    """
    text = cell.strip(" \t")
    if not text.isascii() or "_" in text or text[:1].isspace() or text[-1:].isspace():
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    if dtype is None:
        return value
    return value if abs(value) < _finite_limit(dtype) else None


@functools.cache
def _finite_limit(dtype: np.dtype) -> float:
    """The magnitude from which a float64 value casts to inf in ``dtype`` (inf: only inf does).

    Casting rounds to nearest, ties to even: a value at least halfway between
    the dtype's largest finite value ``(2 - 2**-nmant) * 2**(maxexp - 1)`` and
    ``2**maxexp`` rounds to inf (float32: ``2**128 - 2**103``). Comparing with
    this limit gives the cast's verdict without the cast, and NaN compares False.
    """
    if dtype.itemsize >= 8:  # float64 or wider: every finite float64 stays finite
        return math.inf
    info = np.finfo(dtype)
    return 2.0**info.maxexp - 2.0 ** (info.maxexp - info.nmant - 2)


def formatted(cell: str) -> bool:
    """Whether ``cell`` is a number written with formatting (``1,304.50``, ``$12``, ``-5%``,
    ``€ 3``, ``12 USD``): grouping commas, a currency sign or code (an ISO 4217 code set
    off by a space: ``EUR 3.50``; ``CAT 1`` is text) or a percent sign around a plain number. Such
    a cell is no number here, nor is it missing: it stops the reading even with ``missing``
    "drop" or "mean", which would otherwise drop its row or overwrite its value."""
    text = cell.strip(" \t")
    core = _core(text)
    if core == text.lstrip("+-") and _number(core, None) is not None:  # nothing was formatting
        return False
    return _FORMATTED.fullmatch(core) is not None


def whole(cell: str) -> bool:
    """Whether ``cell``, a plain or a :func:`formatted` number, is a whole one (``12``,
    ``1e3``, ``10%``, ``$1,304``, ``(5.00 EUR)``), as ``--task auto`` asks of a target's
    numbers; a fraction (``2.5``, ``$12.50``) or a decimal comma (``1,5``) is not."""
    text = cell.strip(" \t")
    value = _number(text, None)
    if value is not None:
        return math.isfinite(value) and value.is_integer()
    return _WHOLE.fullmatch(_core(text)) is not None


def _core(text: str) -> str:
    """The digits of ``text`` (no spaces around) without the signs, parentheses, currency
    and percent signs and currency codes around them (``-$1,304.50`` -> ``1,304.50``)."""
    core = text[1:-1] if text[:1] == "(" and text[-1:] == ")" else text  # (1,304): negative
    core = core.lstrip(_SIGNS).strip(_MONEY + " \t\u00a0\u202f\u2009").lstrip(_SIGNS)
    return _uncoded(core).lstrip(_SIGNS).strip(_MONEY)


def _uncoded(core: str) -> str:
    """``core`` without an ISO 4217 currency code before or after it (``EUR 3.50``,
    ``12 USD``: ``CURRENCIES``); as it is when its capitals name no currency (``CAT 1``)."""
    coded = _CODED.fullmatch(core)  # always matches: each part is optional
    if coded is None or not {coded[1], coded[3]} - {None} <= CURRENCIES:
        return core
    return coded[2]


def not_missing(cell: str) -> bool:
    """Whether ``cell``, no number, is still a value rather than missing: a formatted number
    (:func:`formatted`) or a date or time (``2020-01-31``, ``12:30``)."""
    return formatted(cell) or _DATE.match(cell.strip(" \t")) is not None


def _hint(cell: str) -> str:
    """What to do about a feature cell that is no number: missing, text (a category), or a
    formatted number."""
    text = cell.strip(" \t")
    if formatted(cell):
        return _FORMATTED_HINT
    if _DATE.match(text):
        return f" (a date or time: {DATE_ADVICE})"
    if text in MISSING_TARGETS:
        return _MISSING_HINT
    if any(char.isalpha() for char in text) and _number(text, None) is None:
        return f" (text: {ADVICE})"
    return ""


def _why(cell: str, dtype: np.dtype) -> str:
    if _number(cell, None) is None:
        return f"expected a number, received {quoted(cell)}"
    if math.isfinite(float(cell)) or any(char.isdigit() for char in cell):  # 1e400: no "inf"
        return f"expected a number within {dtype.name} range, received {quoted(cell)}"
    return f"expected a finite number, received {quoted(cell)}"
