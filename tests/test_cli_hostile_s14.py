"""Hostile and unusual CSV files found by the session-14 bug hunt on the command line."""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

import numpy as np
import pytest

import nonlin.tabular as tabular
from cli_helpers import assert_user_error, run_cli
from nonlin._csv_quotes import ends_in_quotes
from nonlin.tabular import read_csv


def _csv_ends_in_quotes(data: bytes) -> bool | None:
    """The csv module's verdict; None when it finds another fault first."""
    try:
        list(csv.reader(io.StringIO(data.decode("latin-1"), newline=""), strict=True))
    except csv.Error as error:
        return True if "unexpected end of data" in str(error) else None
    return False


def test_ends_in_quotes_agrees_with_the_csv_module() -> None:
    pieces = [b'"', b",", b"\n", b"a", b"\r\n"]
    for size in range(1, 7):
        for parts in itertools.product(pieces, repeat=size):
            data = b"".join(parts)
            expected = _csv_ends_in_quotes(data)
            if expected is not None:
                assert ends_in_quotes(data) is expected, data


def test_a_plain_quote_in_a_header_name_is_part_of_the_name(tmp_path: Path) -> None:
    # the quote count's parity took the whole file for the header ("\r alone")
    pd = pytest.importorskip("pandas")
    path = tmp_path / "inches.csv"
    path.write_text('a,size in",label\n1,2,yes\n3,4,no\n5,6,yes\n')
    table = read_csv(path, target="label")
    assert table.feature_names == tuple(pd.read_csv(path).columns[:2]) == ("a", 'size in"')
    np.testing.assert_array_equal(table.X, [[1, 2], [3, 4], [5, 6]])


def test_train_takes_a_header_name_with_a_plain_quote(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i % 5},{'yes' if i % 2 else 'no'}\n" for i in range(12))
    (tmp_path / "d.csv").write_text('a,size in",label\n' + rows)
    result = run_cli("train", "d.csv", "--target", "label", "--epochs", "1", "--quiet",
                     "--out", "m.st", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("block_bytes", [16, 40, 64, 1 << 20])
def test_a_plain_quote_before_a_quoted_newline_at_a_block_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_bytes: int
) -> None:
    # '5" screen' turned the parity, so a block was cut inside "multi\nline"
    pd = pytest.importorskip("pandas")
    path = tmp_path / "notes.csv"
    lines = ["a,note,label"]
    for i in range(30):
        note = {5: '5" screen', 6: '"multi\nline"', 17: 'a""b'}.get(i, "plain")
        lines.append(f"{i},{note},{'yes' if i % 2 else 'no'}")
    path.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", block_bytes)
    table = read_csv(path, target="label", columns=["a"])
    expected = pd.read_csv(path)
    np.testing.assert_array_equal(table.X[:, 0], expected["a"])
    assert table.y is not None and list(table.y) == list(expected["label"])


@pytest.mark.parametrize("block_bytes", [16, 1 << 20])
@pytest.mark.parametrize("blank", [" ", "  ", "\t", "\u00a0", "\u3000"])
def test_a_white_space_label_is_missing_not_the_class_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_bytes: int, blank: str
) -> None:
    # read as the class '' (spaces around a label are ignored), with a note saying
    # "'' is a class, not a missing value (only an empty label is missing there)"
    path = tmp_path / "blank.csv"
    labels = ["yes", "no", blank, "ünï"]
    path.write_text("a,label\n" + "".join(f"{i},{labels[i % 4]}\n" for i in range(12)),
                    encoding="utf-8")
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", block_bytes)
    table = read_csv(path, target="label", missing="drop")
    assert table.n_dropped == 3
    assert table.y is not None and sorted(set(table.y.tolist())) == ["no", "yes", "ünï"]
    with pytest.raises(tabular.CSVError, match=r"line 4, column 'label': expected a label"):
        read_csv(path, target="label")


def test_train_refuses_a_blank_label_without_drop(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i % 3},{['yes', 'no', '  '][i % 3]}\n" for i in range(12))
    (tmp_path / "d.csv").write_text("a,b,label\n" + rows)
    result = run_cli("train", "d.csv", "--target", "label", "--epochs", "1", "--quiet",
                     "--out", "m.st", cwd=tmp_path)
    assert_user_error(result, "d.csv, line 4, column 'label'", "received '  '",
                      "--missing drop")


@pytest.mark.parametrize(
    "options", [["--columns", "a,b"], ["--exclude", "a"], ["--target", "a"]]
)
def test_a_name_matching_two_columns_but_for_spaces_says_so(
    tmp_path: Path, options: list[str]
) -> None:
    # was: "no column 'a' (--columns); the columns are ' a', 'a ', 'b', 'label'"
    rows = "".join(f"{i},{i},{i % 4},{'yes' if i % 2 else 'no'}\n" for i in range(8))
    (tmp_path / "d.csv").write_text(" a,a ,b,label\n" + rows)
    target = [] if "--target" in options else ["--target", "label"]
    result = run_cli("train", "d.csv", *target, *options, "--epochs", "1", "--quiet",
                     cwd=tmp_path)
    assert_user_error(result, "d.csv: column name 'a' matches 2 columns", "' a', 'a '")
