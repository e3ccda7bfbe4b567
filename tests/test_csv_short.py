"""Tests for the short-number shortcut of the CSV fast path (``_csv_short.py``).

Every block of valid short numbers is taken and read bit for bit as ``float``
reads each cell, and so is one with a few longer numbers; a block with
anything else (a second point, a sign inside, a stray byte, a "+" sign, an
exponent, many longer cells) is either refused or, where ``float`` agrees, read
exactly; and read_csv takes the shortcut on a ``%.6f`` file.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("hypothesis")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from nonlin import _csv_fast, tabular  # noqa: E402
from nonlin._csv_plan import _Skipped  # noqa: E402
from nonlin._csv_short import _short_values  # noqa: E402
from nonlin.tabular import read_csv  # noqa: E402


@st.composite
def numbers(draw: st.DrawFn, max_size: int) -> str:
    """``[-] digits [. digits]``: 1 to ``max_size`` bytes of digits and point, any split."""
    digits = draw(st.text(alphabet="0123456789", min_size=1, max_size=max_size))
    if len(digits) < max_size and draw(st.booleans()):
        point = draw(st.integers(0, len(digits)))
        digits = f"{digits[:point]}.{digits[point:]}"
    return ("-" if draw(st.booleans()) else "") + digits


SHORT = numbers(8)
LONG = numbers(20).filter(lambda cell: len(cell.lstrip("-")) > 8)
MEDIUM = numbers(16)
LONGER = numbers(24).filter(lambda cell: len(cell.lstrip("-")) > 16)
EXPONENT = st.builds(
    lambda number, e, sign, power: f"{number}{e}{sign}{power}",
    numbers(9).filter(lambda cell: cell.strip("-.")),
    st.sampled_from("eE"),
    st.sampled_from(["", "-"]),
    st.integers(0, 400),
)
ODD = st.text(alphabet="0123456789.+-eE _x\"é\t", min_size=0, max_size=9)
GRAMMAR = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE]-?[0-9]+)?")


def block(rows: list[list[str]]) -> bytes:
    return "".join(",".join(row) + "\n" for row in rows).encode()


def short_values(rows: list[list[str]], skipped: _Skipped | None = None) -> np.ndarray | None:
    read = _short_values(block(rows), len(rows[0]), skipped)
    return None if read is None else read[0]


def rows_of(cell: st.SearchStrategy[str]) -> st.SearchStrategy[list[list[str]]]:
    return st.integers(1, 4).flatmap(
        lambda n: st.lists(st.lists(cell, min_size=n, max_size=n), min_size=1, max_size=6)
    )


@settings(max_examples=300, deadline=None)
@given(rows_of(SHORT))
def test_short_numbers_read_like_float(rows: list[list[str]]) -> None:
    values = short_values(rows)
    assert values is not None, rows
    expected = np.array([float(cell) for row in rows for cell in row])
    assert values.dtype == np.float64 and values.tobytes() == expected.tobytes()


@settings(max_examples=500, deadline=None)
@given(rows_of(st.one_of(SHORT, ODD)))
def test_anything_else_is_refused_or_read_exactly(rows: list[list[str]]) -> None:
    assert_refused_or_read_exactly(rows)


def assert_refused_or_read_exactly(rows: list[list[str]]) -> None:
    """The shortcut refuses ``rows`` or reads each cell, a number, bit for bit as float."""
    values = short_values(rows)
    if values is None:
        return
    cells = [cell for row in rows for cell in row]
    assert all(GRAMMAR.fullmatch(cell) for cell in cells), cells
    assert values.tobytes() == np.array([float(cell) for cell in cells]).tobytes()


@settings(max_examples=200, deadline=None)
@given(st.lists(SHORT, min_size=16, max_size=40), LONG, st.data())
def test_a_few_long_numbers_are_read_with_float(
    cells: list[str], long: str, data: st.DataObject
) -> None:
    cells.insert(data.draw(st.integers(0, len(cells))), long)
    values = short_values([cells])
    assert values is not None, cells
    assert values.tobytes() == np.array([float(cell) for cell in cells]).tobytes()


@pytest.mark.parametrize(
    "cell",
    ["1.2.3", "1-2", "+1", "-+1", "-", ".", "", "1e", " 1", "1_0", "1.2.345678", "1-345678"],
)
def test_refuses_what_is_not_a_short_number(cell: str) -> None:
    assert short_values([["1.5"] * 16 + [cell]]) is None


def test_refuses_more_than_a_few_long_numbers() -> None:
    assert short_values([["1.5", "12345678901234567.9"]]) is None
    assert short_values([["1.5", "1.5e-05"]]) is None
    assert short_values([["1.5"] * 15 + ["-123456789"]]) is not None


@settings(max_examples=200, deadline=None)
@given(rows_of(SHORT), st.lists(st.text(alphabet="ab e+&\t-.19é", max_size=12), min_size=6))
def test_skipped_columns_may_hold_any_text(rows: list[list[str]], texts: list[str]) -> None:
    rows = [[*row, text] for row, text in zip(rows, texts, strict=False)]
    n_cols = len(rows[0])
    read = _short_values(block(rows), n_cols, _Skipped(n_cols, np.array([n_cols - 1])))
    assert read is not None, rows
    values, starts, ends = read
    expected = np.array([[float(cell) for cell in row[:-1]] for row in rows])
    assert values.reshape(len(rows), -1)[:, :-1].tobytes() == expected.tobytes()
    raw = block(rows)
    assert [raw[s:e].decode() for s, e in zip(starts, ends, strict=True)] == sum(rows, [])


def test_read_csv_takes_the_shortcut_for_fixed_decimals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(0)
    values = rng.standard_normal((500, 4))
    path = tmp_path / "fixed.csv"
    with path.open("w") as handle:
        handle.write("a,b,c,y\n")
        np.savetxt(handle, values, fmt="%.6f", delimiter=",")

    def general_path(*args: object) -> None:
        raise AssertionError("the general fast path ran")

    monkeypatch.setattr(_csv_fast, "_layout", general_path)
    table = read_csv(path, target="y", dtype=np.float64)
    expected = np.array([[float(f"{v:.6f}") for v in row] for row in values])
    assert table.X.tobytes() == expected[:, :3].tobytes()
    assert table.y.tobytes() == expected[:, 3].tobytes()


def test_labels_and_columns_left_out_take_the_shortcut(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(1)
    path = tmp_path / "labelled.csv"
    names = ["Iris setosa", "versi+color", "a&b", "E", "-1.5"]
    with path.open("w") as handle:
        handle.write("a,b,species,c\n")
        for row in rng.standard_normal((300, 3)):
            label = names[rng.integers(len(names))]
            handle.write(f"{row[0]:.6f},{row[1]:.3f},{label},{row[2]:.6f}\n")
    general = []
    layout = _csv_fast._layout
    monkeypatch.setattr(_csv_fast, "_layout", lambda *args: general.append(1) or layout(*args))
    fast_block = tabular._fast_block
    # A numeric target meets "Iris setosa" in the general path, and starts again with labels.
    for kwargs, n_general in [({"target": "species"}, 1), ({"columns": ["c", "a"]}, 0)]:
        general.clear()
        fast = read_csv(path, **kwargs)
        assert len(general) == n_general
        monkeypatch.setattr(tabular, "_fast_block", lambda raw, plan: None)
        strict = read_csv(path, **kwargs)
        monkeypatch.setattr(tabular, "_fast_block", fast_block)
        assert fast.X.tobytes() == strict.X.tobytes() and fast.feature_names == strict.feature_names
        assert (fast.y is None and strict.y is None) or fast.y.tolist() == strict.y.tolist()


def test_the_bit_count_fallback_for_numpy_1_matches_bitwise_count(monkeypatch):
    """NumPy 1.x has no np.bitwise_count: the SWAR fallback counts the same bits."""
    from nonlin import _csv_short

    rng = np.random.default_rng(0)
    x = rng.integers(0, 2**64, size=1000, dtype=np.uint64, endpoint=False)
    x[:3] = [0, 2**64 - 1, 2**63]
    expected = np.array([bin(int(v)).count("1") for v in x], dtype=np.uint8)
    monkeypatch.setattr(_csv_short, "_BITWISE_COUNT", None)
    counted = _csv_short._bit_count(x.copy())
    assert counted.dtype == np.uint8
    np.testing.assert_array_equal(counted, expected)


def assert_read_like_float(rows: list[list[str]]) -> None:
    values = short_values(rows)
    assert values is not None, rows
    expected = np.array([float(cell) for row in rows for cell in row])
    assert values.dtype == np.float64 and values.tobytes() == expected.tobytes(), rows


@settings(max_examples=300, deadline=None)
@given(rows_of(MEDIUM))
def test_medium_numbers_read_like_float(rows: list[list[str]]) -> None:
    """Up to 16 digits and point, the point anywhere, with two words per cell."""
    assert_read_like_float(rows)


@settings(max_examples=300, deadline=None)
@given(rows_of(st.one_of(MEDIUM, SHORT, EXPONENT, ODD, st.text("0123456789.-eE", max_size=17))))
def test_medium_blocks_of_anything_are_refused_or_read_exactly(rows: list[list[str]]) -> None:
    assert_refused_or_read_exactly(rows)


@settings(max_examples=200, deadline=None)
@given(st.lists(MEDIUM, min_size=16, max_size=40), st.one_of(EXPONENT, LONGER), st.data())
def test_a_few_exponents_and_longer_numbers_among_medium_are_read_with_float(
    cells: list[str], other: str, data: st.DataObject
) -> None:
    cells.insert(data.draw(st.integers(0, len(cells))), other)
    assert_read_like_float([cells])


@pytest.mark.parametrize(
    "cell",
    [
        "-0.0", "-0.000000000000", "0000000000000000", "-0000000000000001", "9999999999999999",
        "9007199254740993", "-999999999999999.", ".999999999999999", "0.00000000000001",
        "123456789.012345", "1234567.8", "-12345678", "0.1234567", "-12.34567", "0.0001234567",
    ],
)
def test_medium_edge_cases_read_like_float(cell: str) -> None:
    assert_read_like_float([["0.1234567", cell, "-1.5"], [cell, "7", "12345.67"]])


def test_medium_refuses_what_is_not_a_number() -> None:
    for cell in ["1.2.3", "12345678.9.1", "1-2345678901", "", "-", "-.", "1e", "1e5e5", "e5"]:
        assert short_values([["0.1234567"] * 16 + [cell]]) is None, cell
    assert short_values([["0.1234567", "1.234567e-05"]]) is None  # too many exponents


def test_read_csv_takes_the_shortcut_for_float32_spelled_with_7_digits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(2)
    values = rng.standard_normal((500, 20)) * np.logspace(-2, 3, 20)
    values[7, 3], values[400, 0] = 1.5e-7, -2.25e-5  # a few exponents: read with float
    path = tmp_path / "g7.csv"
    with path.open("w") as handle:
        handle.write(",".join(f"f{i}" for i in range(20)) + "\n")
        np.savetxt(handle, values, fmt="%.7g", delimiter=",")

    def general_path(*args: object) -> None:
        raise AssertionError("the general fast path ran")

    monkeypatch.setattr(_csv_fast, "_layout", general_path)
    table = read_csv(path, dtype=np.float64)
    expected = np.array([[float(f"{v:.7g}") for v in row] for row in values])
    assert table.X.tobytes() == expected.tobytes()
