"""The short-number shortcut of the CSV fast path: blocks whose every cell fits in one word.

Files written with a fixed format such as ``%.6f`` hold cells like ``-0.128535``:
a minus sign or none, then at most 8 digits and a point, no exponent. For a block where every
cell is that short, each cell's digits and point lie within the 8 bytes before
its separator, so one 8-byte load per cell (``_csv_digits._load``) holds the
whole number: the point is found inside the word (SWAR, as in
``_csv_digits``), the digits before it are moved over it, and the eight digits
are combined into one integer. The power of ten is minus the number of digits
after the point (0 to 7), and one IEEE division by an exact power of ten rounds
correctly (Clinger's fast path), so values are bit for bit those of ``float``.

This skips the general machinery (marks for points and exponents, a second
window, double-double arithmetic). A few longer cells (up to one in
``_LONG_SHARE``, such as ``1234.567890`` among ``%.6f`` numbers) are read with
``float``. Cells in columns not read as numbers (labels, columns left out)
are skipped; the caller cuts labels at the cell bounds returned. Any block it
does not fit (more longer cells, an exponent, a "+" sign, quotes, a stray byte)
is left to the general fast path in ``_csv_fast.py``, which also gives every
verdict on malformed cells.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._csv_digits import _HIGH, _KEEP, _SIXES, _STEPS, _ZEROS, _load, _words
from ._csv_numbers import _SIGNED_POW10, _float_values

if TYPE_CHECKING:
    from ._csv_plan import _Skipped

_COMMA, _NEWLINE, _MINUS = b",\n-"
_MAX_SIZE = 8  # digits and point of a short number: one word
_LONG_SHARE = 16  # at most one cell in 16 longer, read with float: slower beyond that
_POINTS = np.uint64(0x1E1E1E1E1E1E1E1E)  # "." ^ "0" in every byte
_SEVENS = np.uint64(0x7F7F7F7F7F7F7F7F)
_EIGHTIES = np.uint64(0x8080808080808080)
_ONE, _BYTE = np.uint64(1), np.uint64(8)
_BITWISE_COUNT = getattr(np, "bitwise_count", None)  # NumPy >= 2.0
_M1, _M2 = np.uint64(0x5555555555555555), np.uint64(0x3333333333333333)
_M4, _H01 = np.uint64(0x0F0F0F0F0F0F0F0F), np.uint64(0x0101010101010101)


def _short_values(
    plain: bytes, n_cols: int, skipped: _Skipped | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Every cell of a plain block as float64, bit-identical to ``float(cell)``, each
    cell's first byte and its separator; None if a cell is not ``[-] digits [. digits]``,
    or too many have more than 8 digits and point. Cells in ``skipped`` columns are not
    read (their values are 0 or -0).

    ``plain`` ends with "\\n" (``_plain``); arrays are (n_rows * n_cols,) in file order.
    """
    if not _worth_trying(plain, skipped):
        return None
    cells = np.frombuffer(plain, dtype=np.uint8)
    bounds = _bounds(cells, n_cols, exact=skipped is not None)
    if bounds is None:
        return None
    starts, ends, size, negative = bounds
    if skipped is not None:
        skipped.clear(size, 0)  # not read: no digits
    long = _long_cells(size)
    if long is None:
        return None
    mantissas, decimals = _digits(_load(_words(plain), ends, 0), size, skipped)
    if mantissas is None:
        return None
    decimals += decimals  # the scale of a number is _SIGNED_POW10[2 * decimals + negative]
    decimals += negative
    values = mantissas.view(np.int64).astype(np.float64)  # below 10**8: exact
    values /= _SIGNED_POW10.take(decimals, mode="clip")
    if long.size:
        exact = _float_values(plain, starts.take(long), ends.take(long))
        if exact is None:
            return None
        values[long] = exact
    return values, starts, ends


def _worth_trying(plain: bytes, skipped: _Skipped | None) -> bool:
    """A cheap guess before the vector work: no exponent, few long numbers in the first
    row (a block of longer ones, ``repr`` or ``%.7g``, does not pay for the try), and
    with skipped columns (labels: any text) no quotes, as a quoted "," is no separator."""
    row = plain[: plain.find(b"\n")].split(b",")
    if skipped is None:
        if b"e" in plain or b"E" in plain:
            return False
    else:
        if b'"' in plain:
            return False
        unread = set(skipped.columns.tolist())
        row = [cell for column, cell in enumerate(row) if column not in unread]
        if any(b"e" in cell or b"E" in cell for cell in row):
            return False
    return _LONG_SHARE * sum(len(cell) > _MAX_SIZE + 1 for cell in row) <= len(row)


def _long_cells(size: np.ndarray) -> np.ndarray | None:
    """Indices of the cells with more than 8 digits and point, their ``size`` clipped to 8
    in place (their last 8 bytes pass as a number); None if more than one in ``_LONG_SHARE``."""
    if size.max() <= _MAX_SIZE:
        return np.empty(0, dtype=np.intp)
    long = np.flatnonzero(size > _MAX_SIZE)
    if long.size * _LONG_SHARE > size.size:
        return None
    np.minimum(size, _MAX_SIZE, out=size)
    return long


def _bounds(
    cells: np.ndarray, n_cols: int, exact: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Each cell's first byte, its separator, its count of digits and point (uint8, 9
    for any more than 8), and its sign; None unless every row has ``n_cols`` cells.

    Unless ``exact`` (text in skipped columns), separators are found as the bytes
    up to ",": "\\n", "," and rarer ones (space, quote, "+"), in one pass; those
    found must be "," within rows and "\\n" at their ends, so a cell with a "+"
    sign is left to the general path.
    """
    if exact:
        ends = np.flatnonzero((cells == _COMMA) | (cells == _NEWLINE))
    else:
        ends = np.flatnonzero(cells <= _COMMA)
    if ends.size % n_cols:
        return None
    kinds = cells.take(ends).reshape(-1, n_cols)
    if (kinds[:, -1] != _NEWLINE).any() or (kinds[:, :-1] != _COMMA).any():
        return None
    starts = np.empty_like(ends)
    starts[0] = 0
    np.add(ends[:-1], 1, out=starts[1:])
    lengths = np.subtract(ends, starts)
    np.minimum(lengths, _MAX_SIZE + 2, out=lengths)  # a sign and 9 bytes, or fewer
    first = cells.take(starts)
    negative = first == _MINUS
    size = lengths.astype(np.uint8)
    size -= negative
    return starts, ends, size, negative


def _digits(
    words: np.ndarray, size: np.ndarray, skipped: _Skipped | None
) -> tuple[np.ndarray | None, np.ndarray]:
    """The digits of each word's last ``size`` bytes as one integer, and how many follow
    the point (uint8); None for the integers if a byte is neither digit nor one point.

    Bytes before the number become 0 (digit 0), so the words need no other mask.
    The point's byte is found as the one equal to "." ^ "0", with exact per-byte
    arithmetic while bytes are ASCII. Only the highest byte taken for a point is
    dropped, so anything else (a second point, a sign, a byte of a UTF-8
    sequence, which has two or more) stays and fails the digit check.
    """
    words ^= _ZEROS  # digits become 0..9, a point 0x1E
    words &= _KEEP.take(size, mode="clip")
    point = words ^ _POINTS
    point += _SEVENS  # a byte's high bit is clear only where it was the point
    point &= _EIGHTIES
    point ^= _EIGHTIES  # 0x80 at the point's byte
    dotted = point != 0
    n_digits = size - dotted
    if skipped is not None:
        skipped.clear(n_digits, 1)  # not read
    if n_digits.min() < 1:  # no digit: "", "-", "."
        return None, size
    point <<= _ONE  # the byte above the point (0 when the point is last)
    moved = np.left_shift(words, _BYTE)  # the digits before the point, moved over it
    moved ^= words
    moved &= np.subtract(point, dotted, dtype=np.uint64)  # bytes up to the point; none without
    words ^= moved
    check = words + _SIXES  # a byte 0..9 stays below 16; 10..15 reach it
    check |= words
    check &= _HIGH
    if check.any():
        return None, size
    for mask, multiplier, shift in _STEPS:
        if mask is not None:
            words &= mask
        words *= multiplier
        words >>= shift
    np.negative(point, out=point)  # the bytes after the point
    decimals = _bit_count(point)
    decimals >>= 3
    return words, decimals


def _bit_count(x: np.ndarray) -> np.ndarray:
    """The number of set bits of each uint64 (uint8): ``np.bitwise_count`` (NumPy 2),
    else the classic SWAR sum (NumPy 1.x), with ``x`` as scratch."""
    if _BITWISE_COUNT is not None:
        return _BITWISE_COUNT(x)
    x -= (x >> _ONE) & _M1
    x[:] = (x & _M2) + ((x >> np.uint64(2)) & _M2)
    x += x >> np.uint64(4)
    x &= _M4
    x *= _H01
    x >>= np.uint64(56)
    return x.astype(np.uint8)
