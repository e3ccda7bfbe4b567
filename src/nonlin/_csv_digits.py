"""Digits of CSV numbers read eight at a time, for the fast path of ``read_csv``.

A number's digits (up to 19, with at most one point among them) are read in
windows of eight from their end, for every number at once. A window is built
from two 8-byte loads: ``A``, the 8 bytes before its end, and ``B``, the 8
before that less one (``A`` shifted by a byte, plus the byte before it); the
digits after the point come from ``A``, those before it from ``B``, so the
point drops out. The three windows of every number are rows of one array,
joined from five aligned words gathered once per number. The bytes before the
number are made "0", every byte is checked to be a digit, and the eight digits
are combined into one integer with three multiplications, SWAR-style ("SIMD
within a register", as in simdjson): pairs, then quadruples, then octets.

An 8-byte load joins the two aligned words it straddles; the block is copied
behind ``_PAD`` bytes, so that loads near its start stay inside the buffer.
Labels are read the same way (:func:`_texts`) and joined into one ``str``
array at the end (:func:`_join_labels`).
"""

from __future__ import annotations

import numpy as np

_WORD = np.dtype("<u8")  # little-endian whatever the machine: byte 0 is the lowest
_PAD = 32  # bytes in front of the block: the third window's byte before B lies 25 back
_PADDING = bytes(_PAD)
_FULL = 2**64 - 1
_BITS = np.uint64(64)
_BYTE = np.uint64(8)
_THREE = np.uint64(3)
_SHIFTS = np.uint64(56)
_ZEROS = np.uint64(0x3030303030303030)  # "00000000"
_SIXES = np.uint64(0x0606060606060606)
_HIGH = np.uint64(0xF0F0F0F0F0F0F0F0)
# _KEEP[n]: the top n bytes of a word, its last n characters in memory order.
_KEEP = np.array([(_FULL << (8 * (8 - n))) & _FULL for n in range(9)], dtype=np.uint64)
_LOW = np.array([(1 << (8 * n)) - 1 for n in range(9)], dtype=np.uint64)  # the first n bytes
_SKIPS = np.array([[16], [8], [0]])  # digits after windows 2, 1 and 0: the rows of _windows
_SCALES = np.array([[10**16], [10**8]], dtype=np.uint64)  # of windows 2 and 1
# (mask, multiplier, shift) of each step: digit pairs 10 * a + b (the byte of a keeps it),
# then 100 * ab + cd from every other byte, then 10000 * abcd + efgh from every other pair.
_STEPS = (
    (None, np.uint64(10 * 2**8 + 1), np.uint64(8)),
    (np.uint64(0x00FF00FF00FF00FF), np.uint64(100 * 2**16 + 1), np.uint64(16)),
    (np.uint64(0x0000FFFF0000FFFF), np.uint64(10000 * 2**32 + 1), np.uint64(32)),
)


def _words(block: bytes) -> np.ndarray:
    """The block behind ``_PAD`` bytes and before 17 or more, as aligned uint64 words."""
    tail = bytes(24 - len(block) % 8)
    return np.frombuffer(b"".join((_PADDING, block, tail)), dtype=_WORD)


def _texts(words: np.ndarray, starts: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """The ``widths`` bytes from each of ``starts`` as NUL-padded ``S`` strings.

    Eight bytes at a time: each load is masked to the bytes of its text.
    """
    width = int(widths.max())
    text = np.empty((starts.size, -(-width // 8)), dtype=_WORD)
    for word in range(text.shape[1]):
        loaded = _load(words, starts, -8 * (word + 1))  # the 8 bytes from starts + 8 * word
        loaded &= _LOW.take(widths - 8 * word, mode="clip")
        text[:, word] = loaded
    return np.ascontiguousarray(text.view(np.uint8)[:, :width]).view(f"S{width}").ravel()


def _join_labels(blocks: list[np.ndarray], n_rows: int) -> np.ndarray:
    """One str array from the blocks' labels; ASCII bytes are decoded here, once, in place.

    An ``S`` block (ASCII) is copied byte by byte into the code points of the
    ``U`` array, a cast from uint8 to uint32, much faster than NumPy's bytes to str.
    """
    width = max(block.itemsize // (4 if block.dtype.kind == "U" else 1) for block in blocks)
    labels = np.empty(n_rows, dtype=f"U{max(width, 1)}")
    code_points = labels.view(np.uint32).reshape(n_rows, -1)
    start = 0
    for block in blocks:
        end = start + len(block)
        if block.dtype.kind == "S":
            size = block.itemsize
            code_points[start:end, :size] = block.view(np.uint8).reshape(len(block), size)
            code_points[start:end, size:] = 0
        else:
            labels[start:end] = block
        start = end
    return labels


def _mantissas(
    words: np.ndarray, ends: np.ndarray, n_digits: np.ndarray, after: np.ndarray
) -> np.ndarray | None:
    """Each number's digits, the point left out, as one integer.

    The three windows of every number are rows of one (3, n_cells) array, read
    from the 25 bytes before its end (:func:`_windows`), so that each step is
    one NumPy call on all of them.

    Parameters
    ----------
    words : the block the positions refer to, from :func:`_words`
    ends : (n_cells,) positions one past each number's last digit
    n_digits : (n_cells,) digits of each number, 0 to 19 (0 reads as 0)
    after : (n_cells,) digits after the point; 8 or more (any) when there is none

    Returns
    -------
    (n_cells,) uint64, or None when a byte among the digits is not a digit.
    """
    digits, before = _windows(words, ends)
    digits ^= before
    digits &= _KEEP.take(np.subtract(after, _SKIPS), mode="clip")  # clipped to 0..8
    digits ^= before
    digits ^= _ZEROS  # digits become 0..9, every other byte something else
    digits &= _KEEP.take(np.subtract(n_digits, _SKIPS), mode="clip")  # bytes before: 0
    if _bad(digits).any():
        return None
    digits = _combine(digits)
    digits[:2] *= _SCALES
    return digits.sum(axis=0)


def _windows(words: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Windows 2, 1 and 0 (rows) of each number ending at ``ends``: ``A`` and ``B``.

    The five aligned words holding the 32 bytes before each end are gathered
    once; the four unaligned loads ending 24, 16, 8 and 0 bytes before the end
    are joined from them. ``B`` of a window is its ``A`` shifted by a byte
    plus the top byte of the load before it.
    """
    at = np.add(ends, _PAD - 32, dtype=np.intp)
    shift = _bits_into_word(at)
    at >>= 3
    aligned = np.empty((5, ends.size), dtype=np.uint64)
    for row in aligned:
        words.take(at, mode="clip", out=row)
        at += 1
    loads = np.left_shift(aligned[1:], np.subtract(_BITS, shift))  # a shift by 64 gives 0
    aligned[:4] >>= shift
    loads |= aligned[:4]
    before = np.right_shift(loads[:3], _SHIFTS, out=aligned[:3])  # the byte before each window
    last = loads[1:]
    before |= last << _BYTE
    return last, before


def _bad(words: np.ndarray) -> np.ndarray:
    """Whether a byte of each word is not 0..9."""
    check = words + _SIXES  # a byte 0..9 stays below 16; 10..15 reach it
    check |= words
    check &= _HIGH
    return check != 0


def _combine(words: np.ndarray) -> np.ndarray:
    """The eight digits 0..9 of each word as one integer, in place."""
    for mask, multiplier, shift in _STEPS:
        if mask is not None:
            words &= mask
        words *= multiplier
        words >>= shift
    return words


def _load(words: np.ndarray, ends: np.ndarray, skip: int) -> np.ndarray:
    """The 8 bytes before each of ``ends - skip`` as a little-endian uint64 (first byte lowest).

    ``words`` is the padded block as aligned words; each load joins the two
    words it straddles (a shift by 64 gives 0 in NumPy, so an aligned load works too).
    """
    at = np.add(ends, _PAD - 8 - skip, dtype=np.intp)
    shift = _bits_into_word(at)
    at >>= 3
    low = words.take(at, mode="clip")
    at += 1
    high = words.take(at, mode="clip")
    low >>= shift
    np.subtract(_BITS, shift, out=shift)
    high <<= shift
    low |= high
    return low


def _bits_into_word(at: np.ndarray) -> np.ndarray:
    """``8 * (at % 8)`` of each byte position ``at`` (intp, >= 0): the bits into its word,
    as uint64 (the words' shifts). intp is int32 on 32-bit platforms (a Raspberry Pi's
    32-bit OS, Pyodide's wasm32): a copy there, a view of the same bytes elsewhere."""
    wide = at.view(np.uint64) if at.dtype.itemsize == 8 else at.astype(np.uint64)
    shift = np.left_shift(wide, _THREE)
    shift &= _SHIFTS
    return shift
