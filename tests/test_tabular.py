"""Tests for nonlin.tabular: strict, streaming CSV reading.

Every malformed input is checked for the content of its message (file, line,
column, value); the fast NumPy path is checked against the strict ``csv`` +
``float`` path bit for bit, and blocks are made tiny to cross block boundaries.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("hypothesis")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from nonlin import tabular  # noqa: E402
from nonlin._csv_numbers import _scale  # noqa: E402
from nonlin.tabular import CSVError, Table, read_csv  # noqa: E402


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


MISSING_HINT = " (a missing value: missing='drop' leaves its row out, missing='mean' fills it)"
TEXT_HINT = " (text: leave the column out of the features or encode its text as numbers)"


def error_message(path: Path, **kwargs: object) -> str:
    with pytest.raises(CSVError) as info:
        read_csv(path, **kwargs)
    assert isinstance(info.value, ValueError)
    return str(info.value)


@pytest.fixture(params=[1 << 20, 8], ids=["one-block", "tiny-blocks"])
def block_bytes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Run a test with the normal block size and with blocks of a line or two."""
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", request.param)
    return request.param


# Reading ---------------------------------------------------------------------


def test_reads_numbers_in_file_order(tmp_path: Path, block_bytes: int) -> None:
    path = write(tmp_path, "a,b,c\n1,2.5,-3\n4e2,.5,6.\n")
    table = read_csv(path)
    assert isinstance(table, Table)
    assert table.X.dtype == np.float32 and table.X.shape == (2, 3)
    np.testing.assert_array_equal(table.X, [[1, 2.5, -3], [400, 0.5, 6]])
    assert table.feature_names == ("a", "b", "c")
    assert table.y is None and table.target is None
    assert table.n_dropped == 0 and table.extra_columns == ()


def test_table_is_frozen(tmp_path: Path) -> None:
    table = read_csv(write(tmp_path, "a\n1\n"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.target = "a"  # type: ignore[misc]


def test_float64_dtype_and_numeric_target(tmp_path: Path, block_bytes: int) -> None:
    path = write(tmp_path, "x1,y,x2\n0.1,1,2\n0.2,0,3\n")
    table = read_csv(path, target="y", dtype=np.float64)
    assert table.X.dtype == np.float64
    np.testing.assert_array_equal(table.X, [[0.1, 2], [0.2, 3]])
    assert table.y.dtype == np.float64
    np.testing.assert_array_equal(table.y, [1.0, 0.0])
    assert table.feature_names == ("x1", "x2") and table.target == "y"


def test_string_labels_kept_exactly(tmp_path: Path, block_bytes: int) -> None:
    path = write(tmp_path, "a,label\n1,setosa\n2, two words \n3,café\n4,7\n")
    table = read_csv(path, target="label")
    assert table.y.dtype.kind == "U"
    assert table.y.tolist() == ["setosa", " two words ", "café", "7"]
    np.testing.assert_array_equal(table.X[:, 0], [1, 2, 3, 4])


def test_labels_found_after_numbers_keep_their_spelling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", 16)
    rows = "".join(f"{i},{i}.0\n" for i in range(50)) + "50,cat\n"
    table = read_csv(write(tmp_path, "a,t\n" + rows), target="t")
    assert table.y[:2].tolist() == ["0.0", "1.0"] and table.y[-1] == "cat"


def test_columns_reorder_and_report_extras(tmp_path: Path, block_bytes: int) -> None:
    path = write(tmp_path, "id,a,b,note,y\nr1,1,2,x.y.z,0\nr2,3,4,,1\n")
    table = read_csv(path, target="y", columns=["b", "a"])
    np.testing.assert_array_equal(table.X, [[2, 1], [4, 3]])
    assert table.feature_names == ("b", "a")
    assert table.extra_columns == ("id", "note")
    np.testing.assert_array_equal(table.y, [0, 1])


def test_bom_crlf_and_blank_lines(tmp_path: Path, block_bytes: int) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfage,h\r\n1,2\r\n\r\n3,4\r\n\r\n")
    table = read_csv(path)
    assert table.feature_names == ("age", "h")
    np.testing.assert_array_equal(table.X, [[1, 2], [3, 4]])


def test_no_final_newline(tmp_path: Path, block_bytes: int) -> None:
    np.testing.assert_array_equal(read_csv(write(tmp_path, "a,b\n1,2\n3,4")).X, [[1, 2], [3, 4]])


def test_quoted_fields(tmp_path: Path, block_bytes: int) -> None:
    text = 'a,"b, quoted",label\n"1.5",2,"x, y"\n3,"4","say ""hi"""\n5,6,"two\nlines"\n7,8,z\n'
    table = read_csv(write(tmp_path, text), target="label")
    assert table.feature_names == ("a", "b, quoted")
    np.testing.assert_array_equal(table.X, [[1.5, 2], [3, 4], [5, 6], [7, 8]])
    assert table.y.tolist() == ["x, y", 'say "hi"', "two\nlines", "z"]


def test_line_numbers_count_quoted_newlines(tmp_path: Path, block_bytes: int) -> None:
    text = 'a,note\n1,"one\ntwo\nthree"\n2,ok\nbad,x\n'
    message = error_message(write(tmp_path, text), columns=["a"])
    assert "line 6, column 'a'" in message and "'bad'" in message


def test_numbers_are_read_exactly(tmp_path: Path, block_bytes: int) -> None:
    cells = ["0.1", "-0", "1e-5", "123456789012345678901", "2.5E+3", "00012.50", "+7", "1.", "-.5"]
    path = write(tmp_path, "v\n" + "\n".join(cells) + "\n")
    table = read_csv(path, dtype=np.float64)
    expected = np.array([float(cell) for cell in cells])
    assert table.X[:, 0].tobytes() == expected.tobytes()  # same bits, sign of zero included


def test_blocks_give_the_same_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    values = rng.standard_normal((300, 4)) * 10.0 ** rng.integers(-8, 8, (300, 4))
    lines = [",".join(f"{v:.6g}" for v in row) + f",c{i % 3}" for i, row in enumerate(values)]
    lines[77] = lines[77].replace(",", ", ", 1)  # a space: that block takes the strict path
    path = write(tmp_path, "a,b,c,d,k\n" + "\n".join(lines) + "\n")
    whole = read_csv(path, target="k", dtype=np.float64)
    for size in (1, 50, 333, 4096):
        monkeypatch.setattr(tabular, "_BLOCK_BYTES", size)
        part = read_csv(path, target="k", dtype=np.float64)
        assert part.X.tobytes() == whole.X.tobytes()
        assert part.y.tolist() == whole.y.tolist()
    np.testing.assert_allclose(whole.X, values, rtol=1e-5)


def test_pathlib_and_str_paths(tmp_path: Path) -> None:
    path = write(tmp_path, "a\n1\n")
    assert read_csv(str(path)).X.tolist() == read_csv(path).X.tolist() == [[1.0]]


MIXED = (
    'id,"a",b,c,label\r\n'
    '1,"0.5",-2,3e-2,"setosa"\r\n'
    '2,.25,"+4",1E3,virginica\r\n'
    "\r\n"
    '3,1.5,6, 7 ,"x, y"\r\n'
    '4,,8,9,"a ""b"""\r\n'
    "5,2,nan,10,\r\n"
    '6,3,4,5,"two\r\nlines"\r\n'
    "7,4,5,6,ok\r\n"
)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"target": "label", "missing": "drop"},
        {"target": "label", "missing": "drop", "columns": ["c", "a"]},
        {"columns": ["b", "id"], "missing": "mean", "dtype": np.float64},
        {"target": "id", "columns": ["a"], "missing": "mean"},
    ],
)
def test_fast_path_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_bytes: int, kwargs: dict
) -> None:
    path = write(tmp_path, MIXED)
    fast = read_csv(path, **kwargs)
    monkeypatch.setattr(tabular, "_fast_block", lambda raw, plan: None)
    strict = read_csv(path, **kwargs)
    assert fast.X.tobytes() == strict.X.tobytes() and fast.X.dtype == strict.X.dtype
    assert (fast.y is None and strict.y is None) or fast.y.tolist() == strict.y.tolist()
    assert fast.feature_names == strict.feature_names and fast.n_dropped == strict.n_dropped
    assert fast.extra_columns == strict.extra_columns


def test_quoted_cells_take_the_fast_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls = []
    fast_block = tabular._fast_block
    monkeypatch.setattr(
        tabular, "_fast_block", lambda raw, plan: calls.append(fast_block(raw, plan)) or calls[-1]
    )
    text = '"sepal","petal","species"\n"5.1",1.4,"setosa"\n4.9,"1.5","versi color"\n'
    table = read_csv(write(tmp_path, text), target="species")
    # The first try reads the target as numbers, meets "setosa" and starts again with labels.
    assert len(calls) == 2 and calls[1] is not None
    np.testing.assert_array_equal(table.X, np.array([[5.1, 1.4], [4.9, 1.5]], dtype=np.float32))
    assert table.y.tolist() == ["setosa", "versi color"]


# Missing values --------------------------------------------------------------

MISSING_TEXT = "a,b,y\n1,2,0\n,4,1\n5,nan,0\n7,8,\n9,-inf,1\n11,12,1\n"


def test_missing_drop_counts_rows(tmp_path: Path, block_bytes: int) -> None:
    table = read_csv(write(tmp_path, MISSING_TEXT), target="y", missing="drop")
    np.testing.assert_array_equal(table.X, [[1, 2], [11, 12]])
    np.testing.assert_array_equal(table.y, [0, 1])
    assert table.n_dropped == 4


def test_missing_mean_uses_finite_values(tmp_path: Path, block_bytes: int) -> None:
    text = "a,b\n1,2\n,abc\n5,inf\n6,8\n"
    table = read_csv(write(tmp_path, text), missing="mean")
    np.testing.assert_allclose(table.X, [[1, 2], [4, 5], [5, 5], [6, 8]])  # means 4 and 5
    assert table.n_dropped == 0


def test_missing_mean_with_fill_values_uses_them(tmp_path: Path, block_bytes: int) -> None:
    path = write(tmp_path, "a,b,c\n1,2,\n,abc,nan\n5,8,9\n")
    table = read_csv(path, columns=["c", "a", "b"], missing="mean", fill_values=[30, 10, 20])
    np.testing.assert_array_equal(table.X, [[30, 1, 2], [30, 10, 20], [9, 5, 8]])
    with pytest.raises(ValueError, match=r"Expected 3 finite fill_values"):
        read_csv(path, missing="mean", fill_values=[1.0, 2.0])


def test_missing_mean_without_impute_leaves_nan(tmp_path: Path, block_bytes: int) -> None:
    path = write(tmp_path, "a,b\n1,2\n,abc\n5,inf\n6,8\n")
    table = read_csv(path, missing="mean", impute=False)  # the caller fills them (nonlin train)
    np.testing.assert_array_equal(table.X, [[1, 2], [np.nan, np.nan], [5, np.nan], [6, 8]])
    assert "column 'b'" in error_message(write(tmp_path, "a,b\n1,\n"), missing="mean",
                                         impute=False)  # still a column without a mean
    for kwargs in ({"missing": "drop"}, {"missing": "mean", "fill_values": [1, 2]}):
        with pytest.raises(ValueError, match=r"Expected impute=True.*impute=False"):
            read_csv(path, impute=False, **kwargs)


def test_mean_never_imputes_the_target(tmp_path: Path) -> None:
    message = error_message(write(tmp_path, MISSING_TEXT), target="y", missing="mean")
    assert "line 5, column 'y'" in message and "''" in message and "missing='drop'" in message


def test_mean_of_an_all_missing_column_is_an_error(tmp_path: Path) -> None:
    message = error_message(write(tmp_path, "a,b\n1,\n2,nan\n"), missing="mean")
    assert "data.csv" in message and "column 'b'" in message


def test_everything_dropped_is_an_error(tmp_path: Path) -> None:
    assert "none left" in error_message(write(tmp_path, "a\nx\n"), missing="drop")


# Errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("abc", "expected a number, received 'abc'" + TEXT_HINT),
        ("", "expected a number, received ''" + MISSING_HINT),
        ("nan", "expected a finite number, received 'nan'" + MISSING_HINT),
        ("-Inf", "expected a finite number, received '-Inf'"),
        ("INFINITY", "expected a finite number, received 'INFINITY'"),
        ("1_000", "expected a number, received '1_000'"),
        ("\u0661", "expected a number, received '\u0661'"),
        ("0x10", "expected a number, received '0x10'" + TEXT_HINT),
        ("1e39", "expected a number within float32 range, received '1e39'"),
        ("1.2.3", "expected a number, received '1.2.3'"),
        ("--1", "expected a number, received '--1'"),
    ],
)
def test_bad_cell_names_file_line_column_value(
    tmp_path: Path, block_bytes: int, cell: str, expected: str
) -> None:
    path = write(tmp_path, f"age,h\n1,2\n3,4\n5,{cell}\n7,8\n")
    message = error_message(path)
    assert message == f"{path}, line 4, column 'h': {expected}"


def test_float64_accepts_what_float32_cannot_hold(tmp_path: Path) -> None:
    path = write(tmp_path, "a\n1e39\n")
    assert read_csv(path, dtype=np.float64).X[0, 0] == 1e39


@pytest.mark.parametrize(
    ("row", "received"), [("1,2,3", "received 3"), ("1", "received 1"), ("", None)]
)
def test_ragged_rows(tmp_path: Path, block_bytes: int, row: str, received: str | None) -> None:
    path = write(tmp_path, f"a,b\n1,2\n{row}\n5,6\n")
    if received is None:  # a blank line is skipped
        assert read_csv(path).X.shape == (2, 2)
        return
    message = error_message(path)
    assert message.startswith(f"{path}, line 3: expected 2 cells") and received in message


@pytest.mark.parametrize(
    "text", ['a,b\n1,2\n"3,4\n5,6\n', 'a,b\n1,2\n"3"x,4\n', 'a,b\n1,2\n3,"4" \n5,6\n']
)
def test_malformed_quotes(tmp_path: Path, block_bytes: int, text: str) -> None:
    message = error_message(write(tmp_path, text))
    assert re.search(r"data\.csv, line 3: malformed CSV", message), message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "line 1: expected a header row"),
        ("\ufeff", "line 1: expected a header row"),
        ("a,b\n", "expected data rows"),
        ("a,b", "expected data rows"),
        ("a,a\n1,2\n", "column name 'a' appears twice"),
        ("a,,b\n1,2,3\n", "column 2 has an empty name"),
        ('a,"b\n1,2\n', "line 1: cannot read the header row"),
    ],
)
def test_bad_files(tmp_path: Path, text: str, expected: str) -> None:
    message = error_message(write(tmp_path, text))
    assert "data.csv" in message and expected in message


def test_lone_carriage_returns_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes(b"a,b\r1,2\r3,4\r")
    assert "line 1: expected lines ending in" in error_message(path)


def test_invalid_utf8_names_the_line(tmp_path: Path, block_bytes: int) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(b"a,b\n1,2\n3,\xff\n")
    assert "line 3: expected UTF-8 text" in error_message(path)


@pytest.mark.parametrize("kwargs", [{"target": "nope"}, {"columns": ["a", "nope"]}])
def test_unknown_columns_list_the_known_ones(tmp_path: Path, kwargs: dict) -> None:
    message = error_message(write(tmp_path, "a,b\n1,2\n"), **kwargs)
    assert "'nope'" in message and "'a', 'b'" in message


def test_missing_target_is_an_error_unless_dropping(tmp_path: Path) -> None:
    path = write(tmp_path, "a,y\n1,x\n2,\n")
    assert "line 3, column 'y': expected a label, received ''" in error_message(path, target="y")
    assert read_csv(path, target="y", missing="drop").y.tolist() == ["x"]


@pytest.mark.parametrize(
    ("kwargs", "error", "expected"),
    [
        ({"missing": "zero"}, ValueError, "Received: missing='zero'"),
        ({"dtype": np.int32}, TypeError, "floating dtype"),
        ({"columns": "a"}, TypeError, "sequence of column names"),
        ({"target": 3}, TypeError, "Received: target=3"),
        ({"columns": ["a", "a"]}, ValueError, "distinct feature columns"),
        ({"columns": ["a"], "target": "a"}, ValueError, "without the target"),
    ],
)
def test_argument_errors(tmp_path: Path, kwargs: dict, error: type, expected: str) -> None:
    with pytest.raises(error, match=re.escape(expected)):
        read_csv(write(tmp_path, "a,b\n1,2\n"), **kwargs)


# The fast path against the strict path ----------------------------------------

NUMBER = st.from_regex(r"\A[+-]?[0-9]{0,20}(\.[0-9]{0,20})?([eE][+-]?[0-9]{1,4})?\Z")
ODD = st.text(alphabet='0123456789.eE+-_ xn"', min_size=0, max_size=6)
QUOTED = NUMBER.map(lambda cell: f'"{cell}"')
SPELLINGS = (repr, "{:.7g}".format, "{:.6f}".format, "{:.3e}".format, "{:.18e}".format)


def both_paths(cells: list[list[str]], dtype: type) -> tuple:
    """The fast path's result (or None) and the strict path's (or the CSVError it raises)."""
    names = tuple(f"c{i}" for i in range(len(cells[0])))
    plan = tabular._Plan(
        "x.csv", names, tuple(range(len(names))), None, "drop", np.dtype(dtype), False
    )
    raw = "".join(",".join(row) + "\n" for row in cells).encode()
    try:
        strict = tabular._strict_block(raw, 2, plan)
    except CSVError as error:
        strict = error
    return tabular._fast_block(raw, plan), strict


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda n: st.lists(
            st.lists(st.one_of(NUMBER, NUMBER, ODD, QUOTED), min_size=n, max_size=n),
            min_size=1,
            max_size=5,
        )
    ),
    st.sampled_from([np.float32, np.float64]),
)
def test_fast_path_agrees_with_strict_path(cells: list[list[str]], dtype: type) -> None:
    fast, strict = both_paths(cells, dtype)
    if fast is None:
        return
    assert not isinstance(strict, CSVError)
    X_strict = strict[0].astype(dtype)
    assert not np.isnan(X_strict).any()
    assert fast[0].dtype == dtype and fast[0].tobytes() == X_strict.tobytes()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=40))
def test_fast_path_takes_common_spellings(values: list[float]) -> None:
    for spell in SPELLINGS:
        cells = [[spell(value)] for value in values if math.isfinite(float(spell(value)))]
        if cells:
            fast, strict = both_paths(cells, np.float64)
            assert fast is not None, cells
            assert fast[0].tobytes() == strict[0].tobytes()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 10**19 - 1), st.integers(-22, 22), st.booleans()), min_size=1)
)
def test_scaling_rounds_like_float(numbers: list[tuple[int, int, bool]]) -> None:
    # uint64 from the start: np.array of Python ints above 2**63 - 1 would be float64
    mantissas = np.array([m for m, _, _ in numbers], dtype=np.uint64)
    powers = np.array([p for _, p, _ in numbers])
    negative = np.array([minus for _, _, minus in numbers])
    values, unsure = _scale(mantissas, powers, negative)
    expected = np.array([float(f"{'-' if minus else ''}{m}e{p}") for m, p, minus in numbers])
    assert values[~unsure].tobytes() == expected[~unsure].tobytes()


def test_scaling_flags_exact_ties(tmp_path: Path) -> None:
    # 2**53 + 1 lies exactly halfway between two doubles: only float() knows the tie rule.
    mantissas = np.array([2**53 + 1, 2**53 + 2], np.uint64)
    values, unsure = _scale(mantissas, np.zeros(2, np.int64), np.zeros(2, bool))
    assert unsure.tolist() == [True, False] and values[1] == 2.0**53 + 2
    path = write(tmp_path, "a\n9007199254740993\n-9007199254740995\n")
    table = read_csv(path, dtype=np.float64)
    assert table.X[:, 0].tolist() == [float("9007199254740993"), float("-9007199254740995")]


# Streaming -------------------------------------------------------------------


def test_memory_stays_near_the_array_size(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    path = tmp_path / "big.csv"
    with path.open("w") as handle:
        handle.write(",".join(f"f{i}" for i in range(10)) + "\n")
        np.savetxt(handle, rng.standard_normal((100_000, 10)), fmt="%.7g", delimiter=",")
    tracemalloc.start()
    try:
        table = read_csv(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert table.X.shape == (100_000, 10)
    # The array (with at most 5% spare capacity) plus a buffer of a few blocks.
    assert peak < table.X.nbytes * 1.05 + 16 * tabular._BLOCK_BYTES, (peak, table.X.nbytes)
    assert math.isclose(float(table.X.std()), 1.0, rel_tol=0.02)


@pytest.mark.parametrize("cell", ["\u00a05", "5\u2003", "\x1c5", "5\x1f", '"5\n"', '"\x0b5"'])
def test_only_ascii_spaces_and_tabs_may_surround_a_number(tmp_path: Path, cell: str) -> None:
    assert read_csv(write(tmp_path, "a,b\n1, 5\t\n")).X.tolist() == [[1.0, 5.0]]
    message = error_message(write(tmp_path, f"a,b\n1,{cell}\n"))
    assert "line 2, column 'b'" in message and "expected a number" in message
