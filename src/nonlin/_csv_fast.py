"""The fast path of ``nonlin.tabular.read_csv``: a plain block of CSV numbers read
with vector operations.

A block qualifies when it is plain: "\\n" or "\\r\\n" line ends, no NUL, no blank
line, no empty cell, quotes (if any) around whole cells. Each number's sign,
point and exponent are located with vector operations, its digits are read as
one integer by C strtoull (``np.fromstring``) once points are deleted and signs zeroed,
and that integer is scaled by a power of ten with correct rounding (Clinger's
fast path, double-double arithmetic beyond it), so values come out bit for bit
as ``float`` reads them. Other spellings go through ``float`` one by one; a
cell that is not a number makes ``_fast_block`` return None, which sends the
block to the strict parser in ``_csv_strict.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ._csv_numbers import _scale

if TYPE_CHECKING:
    from ._csv_plan import _Plan

_COMMA, _NEWLINE, _DOT, _MINUS, _PLUS, _ZERO, _E, _QUOTE = b',\n.-+0e"'
# For np.fromstring: separators become commas, any byte but a digit "x" (unparsable).
_TO_DIGITS = bytes(
    ord(",") if c in b",\n" else c if c in b"0123456789" else ord("x") for c in range(256)
)
_NUMBER_CHARS = b"0123456789.eE+-"
_MAX_DIGITS = 19  # every 19-digit integer fits in uint64
_MAX_LABEL_BYTES = 256


class _Layout(NamedTuple):
    """Where the cells of a plain block are; all positions are byte offsets."""

    marks: np.ndarray  # every ",", "\n", ".", "e" and "E"
    kinds: np.ndarray  # the byte at each mark
    last: np.ndarray  # index in marks of each cell's separator
    starts: np.ndarray  # first byte of each cell's text
    ends: np.ndarray  # one past its last byte: the separator (or closing quote)


def _fast_block(raw: bytes, plan: _Plan) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Parse a plain block with vector operations; None sends it to :func:`_strict_block`.

    Returns ``X`` (n_rows, n_features) of ``plan.dtype`` and ``y`` (float64,
    labels as an ``S`` or ``U`` array, or None), with nothing missing.
    """
    plain = _plain(raw)
    if plain is None:
        return None
    n_cols = len(plan.names)
    layout = _layout(np.frombuffer(plain, dtype=np.uint8), n_cols)
    quotes = None
    if layout is not None and b'"' in plain:
        layout, quotes = _unquote(np.frombuffer(plain, dtype=np.uint8), layout)
    if layout is None:
        return None
    n_rows = layout.ends.size // n_cols
    labels = None
    if plan.labels and plan.target is not None:
        column = slice(plan.target, None, n_cols)
        labels = _fast_labels(plain, layout.starts[column], layout.ends[column])
        if labels is None:
            return None
    numeric = None if plan.numeric.all() else np.tile(plan.numeric, n_rows)
    values = _decimals(plain, layout, numeric, quotes)
    if values is None:
        return None
    values = values.reshape(n_rows, n_cols)
    first = plan.features[0]
    if plan.features == tuple(range(first, first + len(plan.features))):  # a slice: no gather
        features = values[:, first : first + len(plan.features)]
    else:
        features = values[:, plan.features]
    with np.errstate(over="ignore"):
        X = features.astype(plan.dtype)
    if not np.isfinite(X).all():  # out of the dtype's range: the strict parser reports it
        return None
    y = labels if plan.labels else None if plan.target is None else values[:, plan.target]
    return X, y


def _plain(raw: bytes) -> bytes | None:
    """The block with "\n" line ends and a final newline, or None if it is not plain."""
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n")
    if not raw.endswith(b"\n"):
        raw += b"\n"
    if b"\r" in raw or b"\0" in raw:
        return None
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return raw


def _layout(cells: np.ndarray, n_cols: int) -> _Layout | None:
    """Find marks and cells, if every row has ``n_cols`` non-empty cells."""
    is_mark = (cells | 2) == _DOT  # "," | 2 == "." and "E" | 32 == "e"
    is_mark |= cells == _NEWLINE
    is_mark |= (cells | 32) == _E
    index = np.int32 if cells.size < 2**31 else np.int64  # blocks are small: halve the traffic
    marks = is_mark.nonzero()[0].astype(index)
    kinds = cells[marks]
    last = ((kinds == _COMMA) | (kinds == _NEWLINE)).nonzero()[0].astype(index)
    separators = kinds[last]
    n_rows = int((separators == _NEWLINE).sum())
    # n_rows newlines, each closing a group of n_cols separators: n_cols cells a row.
    if last.size != n_rows * n_cols or (separators[n_cols - 1 :: n_cols] != _NEWLINE).any():
        return None
    ends = marks[last]
    starts = np.empty_like(ends)
    starts[0] = 0
    np.add(ends[:-1], 1, out=starts[1:])
    if (starts == ends).any():  # an empty cell, or a blank line when there is one column
        return None
    return _Layout(marks, kinds, last, starts, ends)


def _unquote(cells: np.ndarray, layout: _Layout) -> tuple[_Layout | None, np.ndarray]:
    """The layout of the text inside quotes, if each pair of quotes encloses a whole cell.

    A separator, newline or doubled quote inside quotes breaks the pairing, and
    leaves the block to the strict parser. Also returns where the quotes are.
    """
    quotes = (cells == _QUOTE).nonzero()[0]
    if quotes.size % 2:
        return None, quotes
    opening, closing = quotes[0::2], quotes[1::2]
    owners = np.searchsorted(layout.ends, opening)
    if (layout.starts[owners] != opening).any() or (layout.ends[owners] - 1 != closing).any():
        return None, quotes
    starts, ends = layout.starts.copy(), layout.ends.copy()
    starts[owners] += 1
    ends[owners] -= 1
    return layout._replace(starts=starts, ends=ends), quotes


def _fast_labels(raw: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray | None:
    """The text of one column's cells: an ``S`` array if ASCII, else ``U``.

    None if a label is empty: it is missing, and the strict parser decides.
    """
    widths = ends - starts
    if not widths.all():
        return None
    width = int(widths.max())
    if width > _MAX_LABEL_BYTES:
        texts = [raw[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        labels = np.array(texts, dtype=bytes)
    else:
        cells = np.frombuffer(raw, dtype=np.uint8)
        window = np.minimum(starts[:, None] + np.arange(width), cells.size - 1)
        text = cells[window]
        text[np.arange(width) >= widths[:, None]] = 0
        labels = text.view(f"S{width}").ravel()
    return labels if raw.isascii() else np.char.decode(labels, "utf-8")


def _blank(cells: np.ndarray, starts: np.ndarray, ends: np.ndarray, byte: int) -> None:
    """Overwrite ``cells[starts[i]:ends[i]]`` with ``byte`` for every i, in place."""
    widths = ends - starts
    first = np.repeat(starts - np.cumsum(widths) + widths, widths)
    cells[first + np.arange(widths.sum())] = byte


def _decimals(
    raw: bytes, layout: _Layout, numeric: np.ndarray | None, quotes: np.ndarray | None
) -> np.ndarray | None:
    """Every numeric cell as float64, bit-identical to ``float(cell)``; None if one is not a number.

    ``numeric`` marks the cells to read (None: all); the others become "0".
    ``quotes`` are the positions of quotes, deleted like points.
    """
    starts, ends = layout.starts, layout.ends
    text = bytearray(raw)
    cells = np.frombuffer(text, dtype=np.uint8)
    if quotes is not None:
        cells[quotes] = _DOT
    if numeric is not None:
        _blank(cells, starts[~numeric], ends[~numeric], _ZERO)
    parts = _number_parts(cells, layout, numeric)
    if parts is None:
        return None
    signed, negative, power, special = parts
    cells[starts[signed]] = _ZERO  # the sign lives on in ``negative``; any other fails strtoull
    exact = special.nonzero()[0]
    exact_values = _float_values(raw, starts[exact], ends[exact])
    if exact_values is None:
        return None
    if exact.size:
        _blank(cells, starts[exact], ends[exact], _ZERO)
        power[exact] = 0
    mantissas = _read_digits(text, ends.size)
    if mantissas is None:
        return None
    values, unsure = _scale(mantissas, power, negative)
    unsure[exact] = False
    for cell in unsure.nonzero()[0].tolist():  # too long or too close to call: ask float
        values[cell] = float(raw[starts[cell] : ends[cell]])
    values[exact] = exact_values
    return values


def _float_values(raw: bytes, starts: np.ndarray, ends: np.ndarray) -> list[float] | None:
    """``float`` of each cell, or None if one is not a plain number (``float`` also takes "_")."""
    spelled = [raw[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    if any(cell.translate(None, _NUMBER_CHARS) for cell in spelled):
        return None
    try:
        return [float(cell) for cell in spelled]
    except ValueError:
        return None


def _number_parts(
    cells: np.ndarray, layout: _Layout, numeric: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Check each cell's spelling; find its sign and power of ten.

    A number is ``[sign] digits [. digits] [e [sign] digits]`` with at least one
    digit. Returns ``signed``, ``negative``, ``power`` (the value is the cell's
    digits read as one integer times ``10**power``) and ``special`` (cells left to
    ``float``: more than 19 digits, an exponent of more than 3 digits, or
    something ``float`` will refuse). None when a cell cannot be a number.
    """
    found = _points_and_exponents(cells, layout, numeric)
    if found is None:
        return None
    power, digits_end, dotted, special = found
    first = cells[layout.starts]
    negative = first == _MINUS
    signed = negative | (first == _PLUS)
    n_digits = digits_end - layout.starts
    n_digits -= signed
    n_digits -= dotted
    special |= (n_digits < 1) | (n_digits > _MAX_DIGITS)
    if numeric is not None:
        special &= numeric
    return signed, negative, power, special


def _points_and_exponents(
    cells: np.ndarray, layout: _Layout, numeric: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Each cell's power of ten, where its digits end, whether it has a point, and which
    exponents are left to ``float``; exponents are blanked to "." in ``cells``."""
    marks, kinds, last = layout.marks, layout.kinds, layout.last
    inner = np.empty_like(last)  # marks inside each cell: a point, an exponent mark, or both
    inner[0] = last[0]
    np.subtract(last[1:], last[:-1], out=inner[1:])
    inner[1:] -= 1
    if numeric is not None:
        inner[~numeric] = 0  # those cells are all "0" now
    if inner.max() > 2:
        return None
    previous = last - 1
    before = kinds[previous]
    exponent = (inner > 0) & ((before | 32) == _E)
    dotted = (inner > 0) & (before == _DOT)
    digits_end = layout.ends
    owners = exponent.nonzero()[0]
    if owners.size:
        both = inner == 2  # only "digits . digits e exponent" has two marks
        if (both & ~exponent).any() or (kinds[previous[both] - 1] != _DOT).any():
            return None
        dotted |= both
        previous -= both  # now the point's mark
        digits_end = layout.ends.copy()
        digits_end[owners] = marks[last[owners] - 1]
    elif (inner == 2).any():
        return None
    power = (marks[previous] + 1 - digits_end) * dotted  # minus the number of decimals
    special = np.zeros(last.size, dtype=bool)
    if owners.size:
        values, valid = _exponents(cells, digits_end[owners], layout.ends[owners])
        power[owners] += values
        special[owners] = ~valid
    return power, digits_end, dotted, special


def _exponents(
    cells: np.ndarray, marks: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Values of the exponents after ``marks`` (up to 3 digits) and which are valid; blank them."""
    sign = cells[marks + 1]
    has_sign = (sign == _MINUS) | (sign == _PLUS)
    first_digit = marks + 1 + has_sign
    n_digits = ends - first_digit
    valid = (n_digits >= 1) & (n_digits <= 3)
    value = np.zeros(marks.size, dtype=np.int32)
    for place in range(3):
        present = n_digits > place
        digit = cells[np.minimum(first_digit + place, cells.size - 1)].astype(np.int32) - ord("0")
        valid &= ~present | ((digit >= 0) & (digit <= 9))
        value = np.where(present, value * 10 + digit, value)
    _blank(cells, marks, ends, _DOT)
    return np.where(sign == _MINUS, -value, value), valid


def _read_digits(text: bytearray, n_cells: int) -> np.ndarray | None:
    """Each cell's digits as one unsigned integer, by ``np.fromstring`` (C strtoull).

    Points are deleted first (quotes and exponents were blanked to points, signs
    to zeros); any other byte but digits and separators is made unparsable.
    """
    try:  # on bad text NumPy raises ValueError; before 2.x it warned and stopped early
        digits = np.fromstring(bytes(text).translate(_TO_DIGITS, b"."), np.uint64, sep=",")
    except (ValueError, DeprecationWarning):
        return None
    return digits if digits.size == n_cells else None
