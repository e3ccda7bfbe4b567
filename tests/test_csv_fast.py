"""Tests for the pieces of the CSV fast path: digits read eight bytes at a time.

The whole fast path is checked against the strict path in test_tabular.py;
here the SWAR digit reader is checked against Python's ``int`` on random
fields, next to any byte that is not a digit.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nonlin._csv_digits import _mantissas

DIGITS = st.text(alphabet="0123456789", max_size=19)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        DIGITS.flatmap(lambda whole: st.tuples(st.just(whole), DIGITS)).filter(
            lambda fields: len(fields[0]) + len(fields[1]) <= 19
        ),
        min_size=1,
        max_size=30,
    ),
    st.binary(max_size=30),
)
def test_mantissas_read_digits_like_int(fields: list[tuple[str, str]], prefix: bytes) -> None:
    text, int_end, frac_end = bytearray(prefix), [], []
    for whole, fraction in fields:
        text += whole.encode()
        int_end.append(len(text))
        text += b"." + fraction.encode()
        frac_end.append(len(text))
        text += b","
    int_len = np.array([len(whole) for whole, _ in fields])
    frac_len = np.array([len(fraction) for _, fraction in fields])
    mantissas = _mantissas(bytes(text), np.array(int_end), int_len, np.array(frac_end), frac_len)
    assert mantissas is not None and mantissas.dtype == np.uint64
    assert mantissas.tolist() == [int(whole + fraction or "0") for whole, fraction in fields]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789", min_size=1, max_size=19), st.data())
def test_mantissas_refuse_any_other_byte(digits: str, data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(digits) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda b: not 48 <= b <= 57))
    text = bytearray(digits.encode())
    text[at] = byte
    end, length = np.array([len(text)]), np.array([len(text)])
    assert _mantissas(bytes(text), end, length, end, np.array([0])) is None
    assert _mantissas(bytes(text), end, np.array([0]), end, length) is None
