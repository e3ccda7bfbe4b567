"""Tests for the missing-aware fast pass of nonlin.tabular.read_csv (``_csv_missing.py``).

Files with missing feature cells read bit for bit as the strict parser alone
reads them, and their blocks no longer go to the strict parser.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("hypothesis")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from nonlin import tabular  # noqa: E402
from nonlin._csv_strict import _number  # noqa: E402
from nonlin.tabular import CSVError, read_csv  # noqa: E402

MISSING = ["", "nan", "NaN", "inf", "-inf", "?", "abc", '""', '"nan"', "é"]
NUMBERS = ["0", "1", "-2.5", "3e5", "0.1", "7E-3", "+4", '"2.25"', "1e38", "3.4e38"]
STRICT = ["1e400", "-1e39", "3.4028236e38", " 1.5", "x y", "1.2.3", "-"]  # the strict parser's
TARGETS = ["0", "1", "2.5", "-1"] * 25 + ["nan", "", "inf", "a"]


def _outcome(path: Path, **kwargs: object) -> object:
    try:
        table = read_csv(path, **kwargs)
    except CSVError as error:
        return str(error)
    y = None if table.y is None else (table.y.dtype.kind, table.y.tolist())
    return table.X.dtype, table.X.shape, table.X.tobytes(), y, table.n_dropped


@st.composite
def _files(draw: st.DrawFn) -> tuple[str, str | None]:
    n_features = draw(st.integers(1, 4))
    target = draw(st.sampled_from([None, "numbers", "labels"]))
    n_rows = draw(st.integers(1, 12))
    cell = st.one_of(
        st.sampled_from(MISSING + NUMBERS * 2 + STRICT[draw(st.integers(0, 14)) :][:1]),
        st.floats(-1e6, 1e6).map(repr),
    )
    names = [f"f{i}" for i in range(n_features)] + ([] if target is None else ["t"])
    lines = [",".join(names)]
    for _ in range(n_rows):
        row = [draw(cell) for _ in range(n_features)]
        if target == "numbers":
            row.append(draw(st.sampled_from(TARGETS)))
        elif target == "labels":
            row.append(draw(st.sampled_from(["a", "b c", "nan", "é"] * 12 + [""])))
        lines.append(",".join(row))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n"])), None if target is None else "t"


@settings(max_examples=150, deadline=None)
@given(
    _files(),
    st.sampled_from(["drop", "mean", "mean-no-impute"]),
    st.sampled_from([np.float32, np.float64]),
    st.sampled_from([16, 40, 1 << 20]),
)
def test_missing_cells_read_as_the_strict_parser_reads_them(
    tmp_path_factory: pytest.TempPathFactory,
    file: tuple[str, str | None],
    missing: str,
    dtype: type,
    block_bytes: int,
) -> None:
    text, target = file
    path = tmp_path_factory.mktemp("csv") / "data.csv"
    path.write_bytes(text.encode("utf-8"))
    kwargs = {"target": target, "missing": missing.split("-")[0], "dtype": dtype}
    if missing == "mean-no-impute":
        kwargs["impute"] = False
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tabular, "_BLOCK_BYTES", block_bytes)
        default = _outcome(path, **kwargs)
        patch.setattr(tabular, "_fast_block", lambda raw, plan: None)
        missing_pass = _outcome(path, **kwargs)  # every block through the missing-aware pass
        patch.setattr(tabular, "_missing_block", lambda raw, plan: None)
        strict = _outcome(path, **kwargs)
    assert default == strict
    assert missing_pass == strict


def test_blocks_with_missing_cells_skip_the_strict_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [f"{i}.5,{['', 'nan', '?', 'inf', '-3'][i % 5]},\"{i}\",{i % 2}" for i in range(50)]
    path = tmp_path / "data.csv"
    path.write_text("a,b,c,y\n" + "\n".join(rows) + "\n", encoding="utf-8")
    calls = []
    strict_block = tabular._strict_block
    monkeypatch.setattr(
        tabular, "_strict_block", lambda *args: calls.append(1) or strict_block(*args)
    )
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", 64)
    dropped = read_csv(path, target="y", missing="drop")
    mean = read_csv(path, target="y", missing="mean", dtype=np.float64)
    assert calls == []
    assert dropped.n_dropped == 40 and dropped.X[:, 1].tolist() == [-3.0] * 10
    b = mean.X[:, 1]
    assert b[4::5].tolist() == [-3.0] * 10 and (b[np.arange(50) % 5 != 4] == -3.0).all()


def test_a_space_or_a_missing_target_still_goes_to_the_strict_parser(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    strict_block = tabular._strict_block
    monkeypatch.setattr(
        tabular, "_strict_block", lambda *args: calls.append(1) or strict_block(*args)
    )
    path = tmp_path / "data.csv"
    path.write_text("a,b,y\n1,nan,1\n 2,3,1\n", encoding="utf-8")
    assert read_csv(path, target="y", missing="drop").X.tolist() == [[2.0, 3.0]]
    path.write_text("a,b,y\n1,nan,1\n2,3,\n4,5,6\n", encoding="utf-8")
    assert read_csv(path, target="y", missing="drop").n_dropped == 2
    assert len(calls) == 2


LIMIT32 = 2.0**128 - 2.0**103  # halfway between float32's largest value and 2**128


@pytest.mark.parametrize(
    "value",
    [LIMIT32, np.nextafter(LIMIT32, 0), np.nextafter(LIMIT32, np.inf), 3.4028234663852886e38,
     2.0**128, 1e308, np.finfo(np.float64).max, 5e-324, 0.0, 1.0, 65520.0, 65519.99, 65504.0],
)
@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.longdouble])
def test_number_range_verdicts_match_a_cast(value: float, sign: float, dtype: type) -> None:
    cell = repr(sign * float(value))
    with np.errstate(over="ignore"):
        expected = np.isfinite(np.dtype(dtype).type(float(cell)))
    assert (_number(cell, np.dtype(dtype)) is not None) == expected


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(st.floats(), st.floats(6.5e4, 6.6e4), st.floats(3.4e38, 3.41e38)),
    st.sampled_from([np.float16, np.float32, np.float64]),
)
def test_number_range_verdicts_match_a_cast_anywhere(value: float, dtype: type) -> None:
    cell = repr(value)
    with np.errstate(over="ignore"):
        expected = bool(np.isfinite(np.dtype(dtype).type(value)))
    assert (_number(cell, np.dtype(dtype)) is not None) == expected
