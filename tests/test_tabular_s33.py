"""Messy real-world tables in fit/evaluate/predict and in the CSV reader (session 33).

A SciPy sparse X, numbers held as text in a DataFrame, a pd.NA in a frame or a Series,
and formatted numbers (``1,304.50``, ``$12``, ``5%``) in a CSV
read with ``--missing drop`` or ``mean``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import tabular

pd = pytest.importorskip("pandas")


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(3), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])


def _fit(model: nonlin.Sequential, X: object, y: object) -> None:
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, seed=0, verbose=0)


X = np.random.default_rng(0).normal(size=(8, 2))
Y = np.array([0, 1] * 4)


@pytest.mark.parametrize("kind", ["csr_matrix", "csc_matrix", "coo_matrix", "csr_array"])
def test_sparse_x_is_refused_naming_it_and_the_dense_way(kind: str) -> None:
    sparse = pytest.importorskip("scipy.sparse")
    Xs = getattr(sparse, kind)(X)
    with pytest.raises(TypeError, match=rf"dense array for x\. Received a SciPy sparse {kind} "
                       r"of shape \(8, 2\) \(16 stored values\); .*x\.toarray\(\) \(128 bytes "
                       r"dense\), or use nonlin\.sklearn\.MLPClassifier"):
        _fit(_model(), Xs, Y)
    model = _model()
    _fit(model, X, Y)
    for call in (model.predict, lambda v: model.evaluate(v, Y)):
        with pytest.raises(TypeError, match="SciPy sparse"):
            call(Xs)


@pytest.mark.parametrize(("cells", "shown"), [(["1", "2.5"], "numbers stored as text \\('1'\\)"),
                                              ([1, None], "numbers in an object column \\(1\\)")])
def test_numbers_held_as_text_get_to_numeric_as_the_fix(cells: list, shown: str) -> None:
    frame = pd.DataFrame({"a": pd.Series(cells * 4, dtype=object), "b": X[:, 1]})
    with pytest.raises(TypeError, match=rf"column 'a' of dtype object; it holds {shown}: "
                       r"convert it with df\['a'\] = pd\.to_numeric\(df\['a'\]\)"):
        _fit(_model(), frame, Y)
    with pytest.raises(TypeError, match="pandas.get_dummies"):  # real text: one-hot, as before
        _fit(_model(), frame.assign(a=["x", "y"] * 4), Y)


def test_a_missing_value_in_a_frame_names_its_column_and_what_to_do() -> None:
    frame = pd.DataFrame({"a": X[:, 0], "b": pd.array([1, 2, None, 4, 5, 6, 7, 8], "Int64")},
                         index=[f"r{i}" for i in range(8)])
    with pytest.raises(ValueError, match=r"x\[2, 1\]=nan \(column 'b', index label 'r2'\); fill "
                       r"in the missing values first \(df\.fillna\(\.\.\.\), or scikit-learn's "
                       r"SimpleImputer in a Pipeline\) or drop those rows \(df\.dropna\(\)\)$"):
        _fit(_model(), frame, Y)
    inf = pd.DataFrame({"a": X[:, 0], "b": np.where(np.arange(8) == 5, -np.inf, 1.0)})
    with pytest.raises(ValueError, match=r"=-inf \(column 'b'\); replace the infinities"):
        _fit(_model(), inf, Y)
    target = pd.Series(pd.array([0, 1, None, 1, 0, 1, 0, 1], "Int64"))
    with pytest.raises(ValueError, match=r"y\[2\]=nan; drop the rows whose target is missing"):
        _fit(_model(), X, target)
    with pytest.raises(ValueError, match=r"x\[3, 1\]=nan$"):  # an array: the message as before
        _fit(_model(), np.where(np.arange(16).reshape(8, 2) == 7, np.nan, X), Y)


def _csv(tmp_path: Path, cell: str) -> Path:
    rows = [f"{v:.3f},{w:.3f},{t}" for (v, w), t in zip(X, Y, strict=True)]
    rows[3] = f"{cell},{X[3, 1]:.3f},{Y[3]}"
    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


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


def test_a_polars_null_gets_polars_fixes() -> None:
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"a": [1.0, None] * 4, "b": X[:, 1]})
    with pytest.raises(ValueError, match=r"x\[1, 0\]=nan \(column 'a'\); fill in the missing "
                       r"values first \(df\.fill_null\(\.\.\.\), .* \(df\.drop_nulls\(\)\)$"):
        _fit(_model(), frame, Y)


@pytest.mark.parametrize("cell", ["2020-01-31", "31/01/2020", "31.1.2020", "12:30"])
def test_a_date_cell_says_it_is_a_date(tmp_path: Path, cell: str) -> None:
    with pytest.raises(tabular.CSVError, match=rf"received '{cell}' \(a date or time: leave the "
                       r"column out of the features or turn it into numbers first"):
        tabular.read_csv(_csv(tmp_path, cell), target="y")
