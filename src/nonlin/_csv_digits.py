"""Digits of CSV numbers read eight at a time, for the fast path of ``read_csv``.

A number's digits lie in two fields, the integer part before the point and the
fraction after it. Each field is read from the 8 bytes that end where it ends,
for every field at once: the two aligned words holding them are gathered and
shifted together, the bytes before the field are made "0", every byte is
checked to be a digit, and the eight digits are combined into one integer
with three multiplications, SWAR-style ("SIMD within a register", as in
simdjson): pairs, then quadruples, then octets.

The block is copied behind ``_PAD`` bytes, so that words ending near its
start stay inside the buffer. Fields hold at most 19 digits (the caller sends
longer numbers to ``float``), three words at most.
"""

from __future__ import annotations

import numpy as np

_PAD = 24  # bytes in front of the block: the three words of a 19-digit field fit
_PADDING = bytes(_PAD)
_FULL = 2**64 - 1
_BITS = np.uint64(64)
_ZEROS = np.uint64(0x3030303030303030)  # "00000000"
_SIXES = np.uint64(0x0606060606060606)
_HIGH = np.uint64(0xF0F0F0F0F0F0F0F0)
# _KEEP[n]: the top n bytes of a word, its last n characters in memory order.
_KEEP = np.array([(_FULL << (8 * (8 - n))) & _FULL for n in range(9)], dtype=np.uint64)
_POW10 = np.array([10**k for k in range(20)], dtype=np.uint64)
# (mask, multiplier, shift) of each step: digit pairs 10 * a + b (the byte of a keeps it),
# then 100 * ab + cd from every other byte, then 10000 * abcd + efgh from every other pair.
_STEPS = (
    (None, np.uint64(10 * 2**8 + 1), np.uint64(8)),
    (np.uint64(0x00FF00FF00FF00FF), np.uint64(100 * 2**16 + 1), np.uint64(16)),
    (np.uint64(0x0000FFFF0000FFFF), np.uint64(10000 * 2**32 + 1), np.uint64(32)),
)


def _mantissas(
    block: bytes,
    int_end: np.ndarray,
    int_len: np.ndarray,
    frac_end: np.ndarray,
    frac_len: np.ndarray,
) -> np.ndarray | None:
    """Each cell's digits as one integer: ``int_part * 10**frac_len + frac_part``.

    Parameters
    ----------
    block : the bytes the positions refer to
    int_end, frac_end : (n_cells,) positions in the block (without the pad) one
        past each field's last digit
    int_len, frac_len : (n_cells,) digits in each field; ``int_len + frac_len <= 19``

    Returns
    -------
    (n_cells,) uint64, or None when a byte of a field is not a digit.
    """
    tail = bytes(16 - len(block) % 8)  # whole words, and one spare for the last load
    words = np.frombuffer(b"".join((_PADDING, block, tail)), dtype=np.uint64)
    ints = _field(words, int_end, int_len)
    fracs = _field(words, frac_end, frac_len)
    if ints is None or fracs is None:
        return None
    ints *= _POW10.take(frac_len)
    ints += fracs
    return ints


def _field(words: np.ndarray, ends: np.ndarray, lengths: np.ndarray) -> np.ndarray | None:
    """The integer spelled by ``lengths`` digits before ``ends``; None if one is not a digit."""
    values = _eight(words, ends, np.minimum(lengths, 8))
    longer = (lengths > 8).nonzero()[0]
    for skip in (8, 16):
        if values is None or not longer.size:
            break
        high = _eight(words, ends.take(longer) - skip, np.minimum(lengths.take(longer) - skip, 8))
        if high is None:
            return None
        high *= _POW10[skip]
        values[longer] += high
        longer = longer[lengths.take(longer) > skip + 8]
    return values


def _eight(words: np.ndarray, ends: np.ndarray, lengths: np.ndarray) -> np.ndarray | None:
    """Up to 8 digits before each of ``ends`` as integers; None if a byte is not a digit.

    The bytes before the field become "0".
    """
    digits = _load(words, ends)
    digits ^= _ZEROS  # digits become 0..9, every other byte something else
    digits &= _KEEP.take(lengths)  # and the bytes before the field 0
    check = digits + _SIXES  # a byte 0..9 stays below 16; 10..15 reach it
    check |= digits
    check &= _HIGH
    if check.any():
        return None
    for mask, multiplier, shift in _STEPS:
        if mask is not None:
            digits &= mask
        digits *= multiplier
        digits >>= shift
    return digits


def _load(words: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The 8 bytes before each of ``ends`` as a little-endian uint64 (first byte lowest).

    ``words`` is the padded block as aligned words; each load joins the two
    words it straddles (a shift by 64 gives 0 in NumPy, so an aligned load works too).
    """
    at = ends.astype(np.intp)
    at += _PAD - 8
    shift = (at & 7).astype(np.uint64)
    shift <<= np.uint64(3)
    at >>= 3
    low = words.take(at)
    at += 1
    high = words.take(at)
    low >>= shift
    np.subtract(_BITS, shift, out=shift)
    high <<= shift
    low |= high
    return low
