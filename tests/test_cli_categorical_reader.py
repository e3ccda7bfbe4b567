"""``--categorical`` read by the CSV reader in its own pass (s19-onehot), not from a coded
temporary copy: the one-hot inputs of ``train``, ``predict`` and ``evaluate`` against a small
encoder written here with the ``csv`` module, on files the fast paths and the strict parser
read (quotes, spaces, numbers as categories, missing cells, CRLF, one row), with blocks of a
few lines and of the usual size."""

from __future__ import annotations

import argparse
import csv
import math
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nonlin import tabular
from nonlin.cli_categorical import read_model_table, read_training_table
from nonlin.cli_common import UsageError
from nonlin.cli_model import MODEL_INPUT
from nonlin.tabular import CSVError

HEADER = "id,a,colour,zip,y"
ROWS = [  # quotes around whole cells and inside them, spaces and tabs, numbers as categories
    '1,0.5,red,007,yes', '2,1.25," blue ",7,no', '3,-2,"green",1.0,yes', '4,3,red\t,10,no',
    '5,0,"a,b",2,yes', '6,1e-3,"x""y",007,no', '7,"2.5",blue, 7 ,yes', '8,4,NA,-3,no',
    '9,7,?,"10",yes', '10,0.125,blue,2,no', '11,8,caf\u00e9,7,yes', '12,9,red,1.0,no',
]
MISSING = ['13,,red,7,yes', '14,2,,007,no', '15,3,  ,2,yes', '16,4,blue,"",no', '17,5,red,10,yes']
PLAIN = [f"{20 + i},{i / 4},{('red', 'blue', 'green', 'NA')[i % 4]},{(7, 10, 2)[i % 3]},"
         f"{'yes' if i % 3 else 'no'}" for i in range(40)]
FILES = {
    "quoted": ROWS,
    "plain": PLAIN,
    "missing": PLAIN[:12] + MISSING + PLAIN[12:],
    "crlf": ROWS + MISSING,
    "multiline": ROWS[:3] + ['30,1,"two\nlines",7,no'] + ROWS[3:],
    "one": ROWS[:1],
}


def _write(folder: Path, name: str, eol: str = "\n") -> Path:
    path = folder / f"{name}.csv"
    lines = FILES[name]
    path.write_bytes(eol.join([HEADER, *lines, ""]).encode())
    if name == "crlf":
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    return path


# -- the reference: the csv module and float, cell by cell ------------------------------------
def _records(path: Path) -> list[tuple[int, dict[str, str]]]:
    """Each data row of ``path`` with the line it starts on, as the csv module reads it."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        found, line = [], reader.line_num + 1
        for row in reader:
            if row:
                found.append((line, dict(zip(header, row, strict=True))))
            line = reader.line_num + 1
    return found


def _sorted(categories: set[str]) -> list[str]:
    def number(text: str) -> float | None:
        try:
            value = float(text)
        except ValueError:
            return None
        return value if math.isfinite(value) and "_" not in text else None

    if all(number(c) is not None for c in categories):
        return sorted(categories, key=lambda c: (number(c), c))
    return sorted(categories)


class _Stop(Exception):
    """Where the reference stops: (line, column, what)."""


def _reference(path: Path, missing: str, known: dict[str, list[str]] | None = None,
               unknown: str = "error") -> tuple[np.ndarray, dict[str, list[str]], dict]:
    """X as the model's inputs (missing: NaN, as train leaves them with --missing mean), the
    categories of each categorical column and the unseen categories' counts."""
    records = _records(path)
    if known is None:  # train: every row's categories, dropped rows' too
        known = {c: _sorted({r[c].strip(" \t") for _, r in records} - {""})
                 for c in ("colour", "zip")}
    unseen: dict[str, dict[str, int]] = {"colour": {}, "zip": {}}
    rows = []
    for line, record in records:
        row: list[float] = []
        for column in ("a", "colour", "zip"):
            text = record[column].strip(" \t")
            if column == "a":
                row.append(float(text) if text else math.nan)
                if not text and missing == "error":
                    raise _Stop(line, column, "number")
                continue
            if text and text not in known[column]:
                if unknown == "error":
                    raise _Stop(line, column, text)
                unseen[column][text] = unseen[column].get(text, 0) + 1
            if not text and missing == "error":
                raise _Stop(line, column, "category")
            row += [math.nan if not text else float(text == c) for c in known[column]]
        rows.append(row)
    X = np.array(rows, dtype=np.float32).reshape(len(rows), -1)
    if missing == "drop":
        X = X[~np.isnan(X).any(axis=1)]
    return X, known, unseen


def _message_of(stop: _Stop, path: Path) -> str:
    line, column, what = stop.args
    if what in ("number", "category"):
        return f"{path}, line {line}, column '{column}': expected a {what}, received"
    return f"{path}, line {line}, column '{column}': category '{what}' was not seen in training"


# -- train ---------------------------------------------------------------------------------------
def _train_table(path: Path, missing: str) -> Any:
    args = argparse.Namespace(data=str(path), target="y", columns=None, exclude=["id"],
                              missing=missing, categorical=["colour", "zip"], weight=None)
    return read_training_table(args)


@pytest.mark.parametrize("block", [40, 3 << 17])
@pytest.mark.parametrize("missing", ["error", "drop", "mean"])
@pytest.mark.parametrize("name", sorted(FILES))
def test_train_reads_the_categories_as_the_reference_encoder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, missing: str, block: int
) -> None:
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", block)
    path = _write(tmp_path, name)
    try:
        X, categories, _ = _reference(path, missing)
    except _Stop as stop:
        with pytest.raises((CSVError, UsageError)) as caught:
            _train_table(path, missing)
        assert str(caught.value).startswith(_message_of(stop, path)), str(caught.value)
        return
    table = _train_table(path, missing)
    np.testing.assert_array_equal(table.X, X)  # NaN where missing, for train to fill
    assert [(e["column"], e["categories"]) for e in table.categorical] == list(categories.items())
    assert table.feature_names == ("a", *[f"{c}={k}" for c in categories for k in categories[c]])
    assert table.y.tolist() == [r["y"] for _, r in _records(path)
                                if missing != "drop" or "" not in (r["a"].strip(), r[
                                    "colour"].strip(), r["zip"].strip())]


def test_more_than_1000_categories_are_refused_at_the_line_of_the_1001st(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", 200)
    lines = [f"{i},1,c{i // 2},7,{'yes' if i % 2 else 'no'}" for i in range(2010)]
    (tmp_path / "many.csv").write_text("\n".join([HEADER, *lines, ""]))
    with pytest.raises(UsageError, match="many.csv, line 2002, column 'colour': more than 1000 "
                       "categories"):  # c1000, on row 2000
        _train_table(tmp_path / "many.csv", "error")


# -- predict and evaluate --------------------------------------------------------------------------
KNOWN = {"colour": ["blue", "green", "red"], "zip": ["007", "2", "7", "10"]}
SHARES = {"colour": [0.25, 0.25, 0.5], "zip": [0.125, 0.125, 0.5, 0.25]}
META = {"feature_names": ["a", *[f"{c}={k}" for c in KNOWN for k in KNOWN[c]]],
        "categorical": [{"column": c, "categories": KNOWN[c], "frequencies": SHARES[c]}
                        for c in KNOWN]}


def _model_table(path: Path, missing: str, unknown: str, **options: Any) -> Any:
    fill = [1.5] + [0.0] * 7 if missing == "mean" else None
    return read_model_table(str(path), META, unknown=unknown, complete=True,
                            **{"target": None, "columns": META["feature_names"],
                               "missing": missing, "fill_values": fill,
                               "columns_option": MODEL_INPUT, "model": "m.st",
                               "dtype": np.float32, **options})


@pytest.mark.parametrize("block", [40, 3 << 17])
@pytest.mark.parametrize("unknown", ["error", "ignore"])
@pytest.mark.parametrize("missing", ["error", "drop", "mean"])
@pytest.mark.parametrize("name", ["quoted", "missing", "crlf", "one"])
def test_predict_reads_the_model_categories_as_the_reference_encoder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    name: str, missing: str, unknown: str, block: int
) -> None:
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", block)
    path = _write(tmp_path, name)
    try:
        X, _, unseen = _reference(path, missing, KNOWN, unknown)
    except _Stop as stop:
        with pytest.raises((CSVError, UsageError)) as caught:
            _model_table(path, missing, unknown)
        assert str(caught.value).startswith(_message_of(stop, path)), str(caught.value)
        return
    table = _model_table(path, missing, unknown)
    if missing == "mean":  # a missing category: the training frequencies; a number: its mean
        X[:, 0] = np.where(np.isnan(X[:, 0]), 1.5, X[:, 0])
        for block_of, start in (("colour", 1), ("zip", 4)):
            part = X[:, start : start + len(KNOWN[block_of])]
            part[np.isnan(part).any(axis=1)] = SHARES[block_of]
    np.testing.assert_array_equal(table.X, X)
    err = capsys.readouterr().err
    for column, counts in unseen.items():  # each category in the order it first appears
        listed = ", ".join(repr(text) for text in counts)
        assert (f"column '{column}': {sum(counts.values())} cell(s) of categories not seen in "
                f"training ({listed})" in err) == bool(counts), err
    if table.n_dropped:  # predict --keep's rows: those the reader kept
        complete = [all(r[c].strip(" \t") for c in ("a", "colour", "zip"))
                    for _, r in _records(path)]
        assert table.complete.tolist() == complete


def test_evaluate_starting_again_for_text_labels_counts_each_unseen_cell_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the target reads as numbers until line 42, then the reader starts again with labels
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", 40)
    lines = [f"{i},1,{('red', 'teal', 'pink')[i % 3]},7,{i % 2}" for i in range(40)] + [
        "40,1,teal,7,x"]
    (tmp_path / "t.csv").write_text("\n".join([HEADER, *lines, ""]))
    table = _model_table(tmp_path / "t.csv", "error", "ignore", target="y")
    assert table.y.tolist()[-2:] == ["1", "x"]
    assert "column 'colour': 27 cell(s) of categories not seen in training ('teal', 'pink')" \
        in capsys.readouterr().err


# -- what the temporary copy got wrong ---------------------------------------------------------
def test_no_temporary_folder_is_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # before: the coded copy went to a temporary folder (it needed the file's size free there)
    def refused(*args: Any, **kwargs: Any) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "mkdtemp", refused)
    table = _train_table(_write(tmp_path, "plain"), "error")
    assert table.X.shape == (40, 8)
    assert _model_table(_write(tmp_path, "quoted"), "error", "ignore").X.shape == (12, 8)


def test_a_line_break_in_a_quoted_category_keeps_the_line_numbers_of_later_messages(
    tmp_path: Path,
) -> None:
    # before: the copy wrote the category's code on one line, and a later message named the
    # line before the right one
    path = _write(tmp_path, "multiline")
    path.write_text(path.read_text() + "40,x,red,7,no\n")
    lines = path.read_text().splitlines()
    with pytest.raises(CSVError, match=rf"line {len(lines)}, column 'a': expected a number"):
        _train_table(path, "error")


def test_invalid_utf8_is_named_at_its_line_as_without_categorical(tmp_path: Path) -> None:
    # before: "line 1: cannot read the --categorical column(s) ('utf-8' codec can't decode...)"
    path = _write(tmp_path, "plain")
    path.write_bytes(path.read_bytes() + b"99,1,r\xffd,7,no\n")
    with pytest.raises(CSVError, match=re.escape(f"{path}, line 42: expected UTF-8 text, "
                                                 "received the bytes b'\\xff'")):
        _train_table(path, "error")
