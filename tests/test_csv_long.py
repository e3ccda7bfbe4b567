"""Tests for long CSV numbers (``repr``, ``%.18e``): the float32 shortcut of the scaling.

When ``read_csv`` reads features as float32, a long number's float64 value is
kept without double-double arithmetic where its float32 rounding is sure; the
result must still be ``np.float32(float(text))`` bit for bit, and float64
columns (``dtype=np.float64``, a numeric target) stay exactly ``float(text)``.
The hard cases are texts next to a float32 tie (where rounding to float64 first
decides the tie), mantissas around 2**53 and 2**63, and the ends of the range.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("hypothesis")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from nonlin import tabular  # noqa: E402
from nonlin._csv_digits import _words  # noqa: E402
from nonlin._csv_numbers import _scale  # noqa: E402
from nonlin._csv_spelling import _exponents  # noqa: E402

MANTISSA = st.one_of(
    st.integers(0, 10**19 - 1),
    st.integers(2**53 - 50, 2**53 + 50),
    st.integers(2**63 - 50, 2**63 + 50),
    st.integers(10**19 - 50, 10**19 - 1),
    st.integers(10**18, 10**19 - 1),  # 19 digits, as %.18e writes
)

FINITE = st.floats(allow_nan=False, allow_infinity=False)
EXPONENT = st.from_regex(r"\A[+-]?[0-9]{0,5}\Z")


def float32_of(text: str) -> np.float32:
    with np.errstate(over="ignore"):
        return np.float32(float(text))


def near_tie(low: float, offset: int) -> str:
    """The text of the float32 tie above ``low`` (as %.18e, 19 digits), its last digit moved by
    ``offset``: a number that float64 may round onto the tie, or on either side of it."""
    with np.errstate(over="ignore"):
        above = float(np.nextafter(np.float32(low), np.float32(np.inf)))
    tie = (float(np.float32(low)) + min(above, 2.0**128)) / 2  # 2**128 - 2**103 overflows
    digits, exponent = f"{tie:.18e}".split("e")
    mantissa = int(digits.replace(".", "")) + int(offset)
    return f"{mantissa}e{int(exponent) - 18}"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(MANTISSA, st.integers(-22, 22), st.booleans()), min_size=1, max_size=20))
def test_float32_scaling_rounds_like_float_then_float32(
    numbers: list[tuple[int, int, bool]],
) -> None:
    mantissas = np.array([m for m, _, _ in numbers], dtype=np.uint64)
    powers = np.array([p for _, p, _ in numbers])
    negative = np.array([minus for _, _, minus in numbers])
    texts = [f"{'-' if minus else ''}{m}e{p}" for m, p, minus in numbers]
    loose = np.ones(len(numbers), dtype=bool)
    values, unsure = _scale(mantissas, powers, negative, loose)
    with np.errstate(over="ignore"):
        got = values.astype(np.float32)[~unsure]
    expected = np.array([float32_of(text) for text in texts])[~unsure]
    assert got.tobytes() == expected.tobytes()


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(1e-4, 3.4e38) | st.sampled_from([3.4028234663852886e38, 1e-4]),
            st.integers(-40, 40),
            st.booleans(),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_float32_scaling_next_to_float32_ties(numbers: list[tuple[float, int, bool]]) -> None:
    texts = [("-" if minus else "") + near_tie(low, offset) for low, offset, minus in numbers]
    mantissas = np.array([int(text.lstrip("-").split("e")[0]) for text in texts], dtype=np.uint64)
    powers = np.array([int(text.split("e")[1]) for text in texts])
    negative = np.array([minus for _, _, minus in numbers])
    values, unsure = _scale(mantissas, powers, negative, np.ones(len(texts), dtype=bool))
    with np.errstate(over="ignore"):
        got = values.astype(np.float32)[~unsure]
    expected = np.array([float32_of(text) for text in texts])[~unsure]
    assert got.tobytes() == expected.tobytes()


def test_float32_scaling_keeps_float64_cells_exact() -> None:
    # 2**53 + 1 is a float64 tie: a float64 cell must be unsure, a float32 cell is sure.
    mantissas = np.array([2**53 + 1, 2**53 + 1, 2**63 + 1], np.uint64)
    loose = np.array([False, True, True])
    values, unsure = _scale(mantissas, np.zeros(3, np.int64), np.zeros(3, bool), loose)
    assert unsure.tolist() == [True, False, False]
    assert np.float32(values[1]) == np.float32(2.0**53) and values[2] == float(2**63 + 1)


def long_texts(rng: np.random.Generator, n: int) -> list[str]:
    """Long spellings of every kind: repr, %.18e, near float32 ties, extremes, -0, subnormals."""
    values = rng.standard_normal(n) * 10.0 ** rng.integers(-40, 40, n)
    texts = [repr(v) for v in values[: n // 3].tolist()] + [f"{v:.18e}" for v in values[n // 3 :]]
    lows = np.abs(values)
    lows = lows[(lows < 3e38) & (lows > 1e-30)].astype(np.float32).astype(np.float64)
    offsets = rng.integers(-3, 4, lows.size).tolist()
    texts += [near_tie(low, offset) for low, offset in zip(lows, offsets, strict=True)]
    texts += ["-0.000000000000000000e+00", "5e-324", "2.2250738585072014e-308", "1e-45"]
    texts += ["1.401298464324817e-45", "-7.006492321624085e-46", "3.4028235677973366e+38"]
    texts += ["1.7976931348623157e+308", "9007199254740993", "18446744073709551615e-20"]
    return texts


def test_read_csv_float32_features_and_float64_target(tmp_path: Path) -> None:
    texts = long_texts(np.random.default_rng(7), 600)
    small = [text for text in texts if np.isfinite(float32_of(text))]
    rows = len(small) // 2
    columns = (small[:rows], texts[:rows], small[rows : 2 * rows])
    lines = [",".join(row) for row in zip(*columns, strict=True)]
    path = tmp_path / "long.csv"
    path.write_text("a,y,b\n" + "\n".join(lines) + "\n")
    table = tabular.read_csv(path, target="y")
    expected = np.array([[float32_of(a), float32_of(b)] for a, _, b in zip(*columns, strict=True)])
    assert table.X.dtype == np.float32 and table.X.tobytes() == expected.tobytes()
    assert table.y.tolist() == [float(text) for text in columns[1]]
    exact = tabular.read_csv(path, dtype=np.float64)
    assert exact.X.tolist() == [[float(text) for text in line.split(",")] for line in lines]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(EXPONENT | st.text("0123456789+-.e ", max_size=5), min_size=1),
    st.binary(max_size=9),
)
def test_exponents_read_like_int(exponents: list[str], prefix: bytes) -> None:
    text, marks, ends = bytearray(prefix), [], []
    for exponent in exponents:
        marks.append(len(text) + 1)
        text += f"1e{exponent}".encode()
        ends.append(len(text))
        text += b","
    values, valid = _exponents(_words(bytes(text)), np.array(marks), np.array(ends))
    plain = [re.fullmatch(r"[+-]?[0-9]{1,3}", exponent) is not None for exponent in exponents]
    assert valid.tolist() == plain
    assert values[valid].tolist() == [int(e) for e, ok in zip(exponents, plain, strict=True) if ok]


@settings(max_examples=100, deadline=None)
@given(st.lists(FINITE, min_size=1, max_size=8), st.data())
def test_exponent_blocks_refuse_a_second_exponent(values: list[float], data: st.DataObject) -> None:
    # Every cell has an exponent (the %.18e shortcut); one gets a second: not a number.
    cells = [f"{value:.18e}" for value in values]
    at = data.draw(st.integers(0, len(cells) - 1))
    plan = tabular._Plan("x.csv", ("a",), (0,), None, "drop", np.dtype(np.float64), False)
    raw = "".join(f"{cell}\n" for cell in cells).encode()
    assert tabular._fast_block(raw, plan)[0].ravel().tolist() == [float(c) for c in cells]
    cells[at] = cells[at].replace(".", "e", 1)  # 1e234e+05: marks e, e
    assert tabular._fast_block("".join(f"{cell}\n" for cell in cells).encode(), plan) is None
