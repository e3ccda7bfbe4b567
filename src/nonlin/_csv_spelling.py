"""The spelling of CSV numbers for the fast path of ``read_csv``: sign, point, exponent.

A number is ``[sign] digits [. digits] [e [sign] digits]`` with at least one
digit. From the marks the layout found (``,``, newline, ``.``, ``e``, ``E``),
each cell's sign, integer and fraction fields and exponent are located with
vector operations; the fields' digits are read by ``_csv_digits``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from ._csv_digits import _KEEP, _ZEROS, _bad, _combine, _load

if TYPE_CHECKING:
    from ._csv_fast import _Layout
    from ._csv_plan import _Skipped

_DOT, _MINUS, _PLUS, _E = b".-+e"
_MAX_DIGITS = 19  # every 19-digit integer fits in uint64
_NO_POINT = 64  # ``after`` of a number without a point: more digits than any number has


class _Parts(NamedTuple):
    """Each cell's number as ``±digits * 10**power``; all arrays are (n_cells,)."""

    negative: np.ndarray
    power: np.ndarray  # the exponent minus the number of decimals
    special: np.ndarray  # left to ``float``: more than 19 digits or an unusual exponent
    digits_end: np.ndarray  # one past the last digit: the exponent mark or the cell's end
    n_digits: np.ndarray  # digits before and after the point
    after: np.ndarray  # digits after the point; _NO_POINT when there is none


def _number_parts(
    cells: np.ndarray, words: np.ndarray, layout: _Layout, skipped: _Skipped | None
) -> _Parts | None:
    """Check each cell's marks; find its sign, digits, point and power of ten.

    ``special`` cells (more than 19 digits, none, an exponent of more than 3
    digits or something ``float`` will refuse) are left to ``float``. Cells
    ``skipped`` count as plain digits. None when a cell cannot be a number.
    ``words`` holds ``cells`` as ``_csv_digits._words`` pads them.
    """
    found = _points_and_exponents(cells, words, layout, skipped)
    if found is None:
        return None
    power, digits_end, after, special = found
    first = cells.take(layout.starts, mode="clip")
    negative = first == _MINUS
    n_digits = digits_end - layout.starts
    n_digits -= negative
    n_digits -= first == _PLUS
    n_digits -= after != _NO_POINT
    special |= (n_digits < 1) | (n_digits > _MAX_DIGITS)
    if skipped is not None:
        skipped.clear(special, False)
    return _Parts(negative, power, special, digits_end, n_digits, after)


def _points_and_exponents(
    cells: np.ndarray, words: np.ndarray, layout: _Layout, skipped: _Skipped | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Each cell's power of ten, where its digits end, how many follow the point
    (``_NO_POINT`` if none), and which exponents are left to ``float``."""
    marks, kinds, last = layout.marks, layout.kinds, layout.last
    inner = np.empty_like(last)  # marks inside each cell: a point, an exponent mark, or both
    inner[0] = last[0]
    np.subtract(last[1:], last[:-1], out=inner[1:])
    inner[1:] -= 1
    if skipped is not None:
        skipped.clear(inner, 0)  # those cells are not read
    if inner.max() > 2:
        return None
    previous = last - 1  # each cell's last inner mark, if it has one
    before = kinds.take(previous, mode="clip")
    exponent = (inner > 0) & ((before | 32) == _E)
    dotted = (inner > 0) & (before == _DOT)
    owners = exponent.nonzero()[0]
    digits_end = _before_exponents(layout, inner, owners, previous, dotted)
    if digits_end is None:
        return None
    decimals = digits_end - marks.take(previous, mode="clip")
    decimals -= 1
    decimals *= dotted
    # decimals is 0 without a point: the larger of it and _NO_POINT there, itself elsewhere
    after = np.maximum(decimals, np.multiply(~dotted, _NO_POINT, dtype=decimals.dtype))
    power = np.negative(decimals, out=decimals)
    special = np.zeros(last.size, dtype=bool)
    if owners.size == last.size:  # every cell has one (%.18e): no gathers by owner
        values, valid = _exponents(words, digits_end, layout.ends)
        power += values
        np.logical_not(valid, out=special)
    elif owners.size:
        values, valid = _exponents(words, digits_end.take(owners), layout.ends.take(owners))
        power[owners] += values
        special[owners] = ~valid
    return power, digits_end, after, special


def _before_exponents(
    layout: _Layout, inner: np.ndarray, owners: np.ndarray, previous: np.ndarray, dotted: np.ndarray
) -> np.ndarray | None:
    """Where each cell's digits end: its exponent mark, or its end; None if marks are misplaced.

    The exponent ``owners`` with a point too ("digits . digits e exponent", the
    only spelling with two marks) get ``dotted`` and ``previous`` (in place)
    pointing at their point's mark.
    """
    n_both = np.count_nonzero(inner == 2)
    if not owners.size:
        return None if n_both else layout.ends
    if owners.size == inner.size:
        return _every_exponent(layout, inner, previous, dotted)
    both = owners[inner.take(owners) == 2]
    previous_both = previous.take(both) - 1
    if both.size != n_both or (layout.kinds.take(previous_both) != _DOT).any():
        return None
    dotted[both] = True
    previous[both] = previous_both
    digits_end = layout.ends.copy()
    digits_end[owners] = layout.marks.take(layout.last.take(owners) - 1)
    return digits_end


def _every_exponent(
    layout: _Layout, inner: np.ndarray, previous: np.ndarray, dotted: np.ndarray
) -> np.ndarray | None:
    """:func:`_before_exponents` where every cell has an exponent (``%.18e``), on whole arrays."""
    both = inner == 2
    if both.any():
        points = np.subtract(previous, 1)
        misplaced = layout.kinds.take(points, mode="clip") != _DOT
        if (misplaced & both).any():
            return None
        np.copyto(previous, points, where=both)
        dotted |= both
    return layout.marks.take(layout.last - 1)


def _exponents(
    words: np.ndarray, marks: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Values of the exponents after ``marks`` (a sign and up to 3 digits) and which are valid.

    Each exponent is read from the 8 bytes before its end (``_csv_digits._load``):
    its first byte is the sign if it is "+" or "-", and the digits after it
    are combined as the digits of a mantissa are.
    """
    size = np.subtract(ends, marks, dtype=np.int64)
    size -= 1  # the sign and digits after the mark
    np.minimum(size, 8, out=size)
    text = _load(words, ends, 0)  # the exponent is its top ``size`` bytes
    first = np.right_shift(text, np.left_shift(8 - size, 3).view(np.uint64))  # 0 if none
    first &= np.uint64(0xFF)
    negative = first == _MINUS
    has_sign = negative | (first == _PLUS)
    size -= has_sign
    valid = (size >= 1) & (size <= 3)
    text ^= _ZEROS
    # the sign, and the bytes before it, become 0 (take indexes with intp: int32 on 32-bit)
    text &= _KEEP.take(size.astype(np.intp, copy=False), mode="clip")
    valid &= ~_bad(text)
    value = _combine(text).view(np.int64)
    return np.where(negative, -value, value), valid
