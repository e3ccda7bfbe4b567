"""Tests for the pieces of the CSV fast path: digits read eight bytes at a time.

The whole fast path is checked against the strict path in test_tabular.py;
here the SWAR digit reader is checked against Python's ``int`` on random
digit strings with and without a point, and next to any byte that is not a digit.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nonlin._csv_digits import _mantissas

DIGITS = st.text(alphabet="0123456789", max_size=19)
NUMBER = st.tuples(DIGITS, st.none() | DIGITS).filter(
    lambda parts: len(parts[0]) + len(parts[1] or "") <= 19
)


@settings(max_examples=300, deadline=None)
@given(st.lists(NUMBER, min_size=1, max_size=30), st.binary(max_size=30))
def test_mantissas_read_digits_like_int(
    numbers: list[tuple[str, str | None]], prefix: bytes
) -> None:
    text, ends = bytearray(prefix), []
    for whole, fraction in numbers:
        text += (whole if fraction is None else f"{whole}.{fraction}").encode()
        ends.append(len(text))
        text += b","
    n_digits = np.array([len(whole) + len(fraction or "") for whole, fraction in numbers])
    after = np.array([64 if fraction is None else len(fraction) for _, fraction in numbers])
    mantissas = _mantissas(bytes(text), np.array(ends), n_digits, after)
    assert mantissas is not None and mantissas.dtype == np.uint64
    expected = [int(whole + (fraction or "") or "0") for whole, fraction in numbers]
    assert mantissas.tolist() == expected


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=1, max_size=19), st.data())
def test_mantissas_refuse_any_other_byte(digits: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(digits) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda b: not 48 <= b <= 57))
    text = bytearray(digits.encode())
    text[at] = byte
    end, length = np.array([len(text)]), np.array([len(text)])
    assert _mantissas(bytes(text), end, length, np.array([64])) is None
    point = data.draw(st.integers(0, len(digits)))  # digits after a point put in
    dotted = text[: len(text) - point] + b"." + text[len(text) - point :]
    end = np.array([len(dotted)])
    assert _mantissas(bytes(dotted), end, length, np.array([point])) is None
