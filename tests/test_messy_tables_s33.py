"""Messy real-world tables in fit and in the CSV reader (session 33, tabular33b).

Numbers held as text in a DataFrame; formatted numbers (``1,304.50``, ``$12``, ``5%``) in
a CSV read with ``--missing drop`` or ``mean``; Excel's ``sep=,`` line, a header ending in
a comma, a date in a feature column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import one_cell_csv
from nonlin import tabular

pd = pytest.importorskip("pandas")


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(3), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])


def _fit(model: nonlin.Sequential, X: object, y: object) -> None:
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, seed=0, verbose=0)


X = np.random.default_rng(0).normal(size=(8, 2))
Y = np.array([0, 1] * 4)


@pytest.mark.parametrize(("cells", "shown"), [(["1", "2.5"], "numbers stored as text \\('1'\\)"),
                                              ([1, None], "numbers in an object column \\(1\\)")])
def test_numbers_held_as_text_get_to_numeric_as_the_fix(cells: list, shown: str) -> None:
    frame = pd.DataFrame({"a": pd.Series(cells * 4, dtype=object), "b": X[:, 1]})
    with pytest.raises(TypeError, match=rf"column 'a' of dtype object; it holds {shown}: "
                       r"convert it with df\['a'\] = pd\.to_numeric\(df\['a'\]\)"):
        _fit(_model(), frame, Y)
    with pytest.raises(TypeError, match="pandas.get_dummies"):  # real text: one-hot, as before
        _fit(_model(), frame.assign(a=["x", "y"] * 4), Y)


def _csv(tmp_path: Path, cell: str) -> Path:
    return one_cell_csv(tmp_path, cell, X, Y)


@pytest.mark.parametrize("cell", ['"1,304.50"', "$12", "-5%", "€3.5", "£ 7", '"0,5"'])
@pytest.mark.parametrize("missing", ["error", "drop", "mean"])
def test_a_formatted_number_is_refused_never_taken_as_missing(
    tmp_path: Path, cell: str, missing: str
) -> None:
    path = _csv(tmp_path, cell)
    with pytest.raises(tabular.CSVError, match=r"line 5, column 'a': expected a number, received "
                       r".*\(a formatted number: thousands separators"):
        tabular.read_csv(path, target="y", missing=missing)


@pytest.mark.parametrize("cell", ["", "NA", "?", "n/a"])
def test_missing_cells_are_still_missing(tmp_path: Path, cell: str) -> None:
    table = tabular.read_csv(_csv(tmp_path, cell), target="y", missing="mean")
    assert table.X.shape == (8, 2) and list(table.n_missing) == [1, 0]
    assert tabular.read_csv(_csv(tmp_path, cell), target="y", missing="drop").X.shape == (7, 2)


def test_cli_mean_does_not_fill_thousands(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from nonlin.cli import main

    path = _csv(tmp_path, '"1,304.50"')
    code = main(["train", str(path), "--target", "y", "--epochs", "1", "--quiet",
                 "--missing", "mean", "--out", str(tmp_path / "m.safetensors")])
    assert code == 2 and not (tmp_path / "m.safetensors").exists()
    assert "received '1,304.50' (a formatted number" in capsys.readouterr().err


@pytest.mark.parametrize("first", ["sep=,", "sep=;"])
def test_excels_separator_line_is_named(tmp_path: Path, first: str) -> None:
    path = tmp_path / "excel.csv"
    path.write_text(f"{first}\na,b,y\n1,2,0\n3,4,1\n", encoding="utf-8")
    with pytest.raises(tabular.CSVError, match=rf"line 1: .* received Excel's separator line "
                       rf"'{first}'; delete that first line$"):
        tabular.read_csv(path, target="y")


def test_a_header_ending_in_a_comma_says_so(tmp_path: Path) -> None:
    path = tmp_path / "trailing.csv"
    path.write_text("a,b,y,\n1,2,0,\n3,4,1,\n", encoding="utf-8")
    with pytest.raises(tabular.CSVError, match=r"column 4 has an empty name '' \(the header "
                       r"ends in a comma: delete it, or name the column\)$"):
        tabular.read_csv(path, target="y")


@pytest.mark.parametrize("cell", ["2020-01-31", "31/01/2020", "31.1.2020", "12:30"])
def test_a_date_cell_says_it_is_a_date(tmp_path: Path, cell: str) -> None:
    with pytest.raises(tabular.CSVError, match=rf"received '{cell}' \(a date or time: leave the "
                       r"column out of the features or turn it into numbers first"):
        tabular.read_csv(_csv(tmp_path, cell), target="y")
