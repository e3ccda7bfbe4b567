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

Medium numbers (``%.7g``: up to 16 digits and point, below 2**53 with a point)
are read from one word and the byte before it (8 digits and a point) or two
words, with one exact division; a few exponent cells are read with ``float``.

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

from ._csv_digits import _KEEP, _PAD, _ZEROS, _bad, _combine, _load, _words
from ._csv_numbers import _SIGNED_POW10, _float_values

if TYPE_CHECKING:
    from ._csv_plan import _Skipped

_COMMA, _NEWLINE, _MINUS = b",\n-"
_MAX_SIZE = 8  # digits and point of a short number: one word
_MEDIUM_SIZE = 16  # digits and point of a medium number: two words
_LONG_SHARE = 16  # at most one cell in 16 longer, read with float: slower beyond that
_POINTS = np.uint64(0x1E1E1E1E1E1E1E1E)  # "." ^ "0" in every byte
_SEVENS = np.uint64(0x7F7F7F7F7F7F7F7F)
_EIGHTIES = np.uint64(0x8080808080808080)
_ONE, _BYTE, _ZERO = np.uint64(1), np.uint64(8), np.uint64(ord("0"))
_HIGH_SCALES = np.array([10**8, 10**7], dtype=np.uint64)  # of the high word: no point, point in low
_BITWISE_COUNT = getattr(np, "bitwise_count", None)  # NumPy >= 2.0
_M1, _M2 = np.uint64(0x5555555555555555), np.uint64(0x3333333333333333)
_M4, _H01 = np.uint64(0x0F0F0F0F0F0F0F0F), np.uint64(0x0101010101010101)


def _short_values(
    plain: bytes, n_cols: int, skipped: _Skipped | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Every cell of a plain block as float64, bit-identical to ``float(cell)``, each
    cell's first byte and its separator; None if a cell is not ``[-] digits [. digits]``
    (nor, among few, a number ``float`` reads), or too many are longer than the mode
    reads (8 digits and point, or 16) or have an exponent. Cells in ``skipped`` columns
    are not read (their values are 0 or -0).

    ``plain`` ends with "\\n" (``_plain``); arrays are (n_rows * n_cols,) in file order.
    """
    mode = _worth_trying(plain, skipped)
    if not mode:
        return None
    cells = np.frombuffer(plain, dtype=np.uint8)
    bounds = _bounds(cells, n_cols, exact=skipped is not None)
    if bounds is None:
        return None
    starts, ends, size, negative = bounds
    if skipped is not None:
        skipped.clear(size, 0)  # not read: no digits
    long = _long_cells(size) if mode == 1 else None
    if long is None:
        mantissas, decimals, long = _medium(_words(plain), ends, size, skipped)
    else:
        mantissas, decimals = _digits(_load(_words(plain), ends, 0), size, skipped)
    if mantissas is None:
        return None
    decimals += decimals  # the scale of a number is _SIGNED_POW10[2 * decimals + negative]
    decimals += negative
    values = mantissas.view(np.int64).astype(np.float64)  # below 2**53, or no point: exact
    values /= _SIGNED_POW10.take(decimals, mode="clip")
    if long.size:
        exact = _float_values(plain, starts.take(long), ends.take(long))
        if exact is None:
            return None
        values[long] = exact
    return values, starts, ends


def _worth_trying(plain: bytes, skipped: _Skipped | None) -> int:
    """A cheap guess from the first row before the vector work: 1 (short numbers, few
    longer), 2 (medium numbers, few longer or with an exponent), 0 (neither: ``repr``,
    ``%.18e``); 0 with skipped columns (labels: any text) and quotes, as a quoted ","
    is no separator. Short needs no "e" in the block (in read cells of the first row
    with skipped columns)."""
    row = plain[: plain.find(b"\n")].split(b",")
    if skipped is not None:
        if b'"' in plain:
            return 0
        unread = set(skipped.columns.tolist())
        row = [cell for column, cell in enumerate(row) if column not in unread]
    exponents = sum(b"e" in cell or b"E" in cell for cell in row)
    plain_e = skipped is None and (b"e" in plain or b"E" in plain)
    longer = sum(len(cell) > _MAX_SIZE + 1 for cell in row)
    if not (exponents or plain_e) and _LONG_SHARE * longer <= len(row):
        return 1
    longer = sum(len(cell) > _MEDIUM_SIZE + 1 for cell in row)
    return 2 if _LONG_SHARE * (longer + exponents) <= len(row) else 0


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
    """Each cell's first byte, its separator, its count of digits and point (uint8, 17
    for any more than 16), and its sign; None unless every row has ``n_cols`` cells.

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
    np.minimum(lengths, _MEDIUM_SIZE + 2, out=lengths)  # a sign and 17 bytes, or fewer
    first = cells.take(starts)
    negative = first == _MINUS
    size = lengths.astype(np.uint8)
    size -= negative
    return starts, ends, size, negative


def _digits(
    words: np.ndarray, size: np.ndarray, skipped: _Skipped | None
) -> tuple[np.ndarray | None, np.ndarray]:
    """The digits of each word's last ``size`` bytes as one integer, and how many follow
    the point (uint8); None for the integers if a byte is neither digit nor one point."""
    point, dotted = _drop_point(words, size)
    n_digits = size - dotted
    if skipped is not None:
        skipped.clear(n_digits, 1)  # not read
    if n_digits.min() < 1 or _bad(words).any():  # no digit ("", "-", ".") or not a number
        return None, size
    return _combine(words), _decimals(point)


def _medium(
    words: np.ndarray, ends: np.ndarray, size: np.ndarray, skipped: _Skipped | None
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """As :func:`_digits` for cells of up to 16 digits and point, and the indices of the
    cells to read with ``float`` (longer, or a byte not a digit: an exponent); None for
    the integers if more than one in ``_LONG_SHARE``, or a cell has no digit.

    A cell of 8 digits and a point (``0.1234567``) is read from one word and the byte
    before it, which moves over the point; longer ones from two words (:func:`_wide`).
    """
    long: np.ndarray = size > _MEDIUM_SIZE  # then the indices of those cells
    np.minimum(size, _MEDIUM_SIZE, out=size)
    before = words.view(np.uint8).take(np.add(ends, _PAD - 9), mode="clip").astype(np.uint64)
    before ^= _ZERO
    mantissas = _load(words, ends, 0)
    point, dotted = _drop_point(mantissas, np.minimum(size, _MAX_SIZE), before)
    n_digits = size - dotted
    if skipped is not None:
        skipped.clear(n_digits, 1)  # not read
    if n_digits.min() < 1:  # no digit: "", "-", "."
        return None, size, long
    wide = np.flatnonzero(n_digits > _MAX_SIZE)
    mantissas &= _KEEP.take(n_digits, mode="clip")  # the byte before, if not the cell's
    bad = _bad(mantissas)
    mantissas = _combine(mantissas)
    decimals = _decimals(point)
    if wide.size:
        mantissas[wide], decimals[wide], bad[wide] = _wide(words, ends.take(wide), size.take(wide))
    long |= bad
    long = np.flatnonzero(long)
    if long.size * _LONG_SHARE > size.size:
        return None, size, long
    return mantissas, decimals, long


def _wide(
    words: np.ndarray, ends: np.ndarray, size: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mantissas, decimals and which are not numbers, of cells of 9 to 16 digits and point:
    from the 8 bytes before each separator (low) and the 8 before those (high), the point
    dropped in either, ``high * 10**7 + low`` (point in low) or ``high * 10**8 + low``."""
    low_size = np.minimum(size, _MAX_SIZE)
    high = _load(words, ends, _MAX_SIZE)
    high_point, high_dotted = _drop_point(high, size - low_size)
    low = _load(words, ends, 0)
    low_point, low_dotted = _drop_point(low, low_size)
    bad = low_dotted & high_dotted
    bad |= _bad(low) | _bad(high)
    high = _combine(high)
    high *= _HIGH_SCALES.take(low_dotted.view(np.uint8))
    high += _combine(low)
    decimals = _decimals(low_point)
    decimals += _decimals(high_point)
    np.add(decimals, _MAX_SIZE, out=decimals, where=high_dotted)  # all of low follows
    return high, decimals, bad


def _drop_point(
    words: np.ndarray, size: np.ndarray, before: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Each word's last ``size`` bytes as digits 0..9 with the point dropped, in place; the
    bit above the point's byte (0 if none or last) and whether there was a point. The
    byte moved into the first one is ``before`` (the byte before the word, ^ "0"), or 0.

    Bytes before the number become 0 (digit 0), so the words need no other mask.
    The point's byte is found as the one equal to "." ^ "0", with exact per-byte
    arithmetic while bytes are ASCII. Only the highest byte taken for a point is
    dropped, so anything else (a second point, a sign, a byte of a UTF-8
    sequence, which has two or more) stays and fails :func:`_bad`.
    """
    words ^= _ZEROS  # digits become 0..9, a point 0x1E
    words &= _KEEP.take(size, mode="clip")
    point: np.ndarray = words ^ _POINTS
    point += _SEVENS  # a byte's high bit is clear only where it was the point
    point &= _EIGHTIES
    point ^= _EIGHTIES  # 0x80 at the point's byte
    dotted = point != 0
    point <<= _ONE  # the byte above the point (0 when the point is last)
    moved = np.left_shift(words, _BYTE)  # the digits before the point, moved over it
    if before is not None:
        moved |= before
    moved ^= words
    moved &= np.subtract(point, dotted, dtype=np.uint64)  # bytes up to the point; none without
    words ^= moved
    return point, dotted


def _decimals(point: np.ndarray) -> np.ndarray:
    """The number of bytes above the bit of ``point`` (uint8), ``point`` as scratch."""
    np.negative(point, out=point)  # the bytes after the point
    decimals = _bit_count(point)
    decimals >>= 3
    return decimals


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
