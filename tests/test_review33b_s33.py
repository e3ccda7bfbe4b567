"""Review of the tabular33b and search33b merges (session 33, review33b).

Formatted numbers the reader took as missing (a space or a dot as thousands separator, a
typeset minus sign, accounting parentheses); the fast missing pass sending a block with
``"—"`` as its missing cells to the row-by-row parser; the ``pd.to_numeric`` hint on a
``string`` column holding ``pd.NA`` and on text that ``pd.to_numeric`` refuses; a 0-d
integer array as a layer width; ``set_params(loss__=...)``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import one_cell_csv
from nonlin import tabular
from nonlin._csv_missing import _missing_block
from nonlin._csv_plan import _make_plan

X = np.random.default_rng(0).normal(size=(8, 2))
Y = np.array([0, 1] * 4)


def _csv(tmp_path: Path, cell: str) -> Path:
    return one_cell_csv(tmp_path, cell, X, Y)


@pytest.mark.parametrize("cell", ['"1 304,50"', "1\u00a0304", "12\u202f345", '"1.304,50"',
                                  "1.304.000", "\u22125", "(12)", '"(1,304.50)"', "1'304.5"])
@pytest.mark.parametrize("missing", ["drop", "mean"])
def test_a_locale_formatted_number_is_refused_never_taken_as_missing(
    tmp_path: Path, cell: str, missing: str
) -> None:
    with pytest.raises(tabular.CSVError, match=r"line 5, column 'a': expected a number, "
                       r"received .*\(a formatted number: "):
        tabular.read_csv(_csv(tmp_path, cell), target="y", missing=missing)


@pytest.mark.parametrize("cell", ["-", ".", "NA", "\u2014", "$", "%", "(blank)", "1.2.3", "5'11"])
def test_missing_cells_without_a_formatted_number_stay_missing(tmp_path: Path, cell: str) -> None:
    table = tabular.read_csv(_csv(tmp_path, cell), target="y", missing="drop")
    assert table.n_dropped == 1


@pytest.mark.parametrize("cell", ["\u2014", "$", "#DIV/0!"])
def test_the_fast_missing_pass_keeps_a_block_whose_missing_cells_are_no_numbers(
    tmp_path: Path, cell: str
) -> None:
    # "—" (bytes E2 80 94) or "$" once sent the block to the row-by-row parser: 20 times
    # slower; "#DIV/0!" (a digit, no formatted number) stays fast too
    path = _csv(tmp_path, cell)
    plan = _make_plan(str(path), ["a", "b", "y"], "y", None, "mean", np.dtype(np.float32), False)
    raw = path.read_bytes().split(b"\n", 1)[1]
    read = _missing_block(raw, plan)
    assert read is not None
    assert np.isnan(read[0][3, 0]) and np.isfinite(np.delete(read[0], 3, axis=0)).all()
    for value in ("\u20ac3", "(12)", "2020-01-31", '"1,304"'):
        assert _missing_block(raw.replace(cell.encode(), value.encode()), plan) is None


def _fit(frame: object) -> None:
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.fit(frame, Y, loss="cross_entropy", optimizer="adam", epochs=1, seed=0, verbose=0)


def test_a_string_column_with_pd_na_gets_the_to_numeric_hint() -> None:
    pd = pytest.importorskip("pandas")
    cells = pd.array(["1", None, "2.5", "3"] * 2, dtype="string")
    with pytest.raises(TypeError, match=r"of dtype string; it holds numbers stored as text "
                       r"\('1'\): convert it with df\['a'\] = pd\.to_numeric"):
        _fit(pd.DataFrame({"a": cells, "b": X[:, 1]}))


@pytest.mark.parametrize("cell", ["nan", "1_000"])
def test_text_pd_to_numeric_refuses_gets_no_to_numeric_hint(cell: str) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": pd.Series([cell, "2"] * 4, dtype=object), "b": X[:, 1]})
    with pytest.raises(TypeError, match="pandas.get_dummies"):
        _fit(frame)


def test_a_0d_integer_array_is_a_layer_width_as_in_scikit_learn() -> None:
    from nonlin.sklearn import MLPRegressor

    est = MLPRegressor(hidden_layer_sizes=[np.array(3)], max_iter=2, random_state=0)
    with pytest.warns(Warning):  # ConvergenceWarning
        est.fit(X, X[:, 0])
    assert [c.shape for c in est.coefs_] == [(2, 3), (3, 1)]


def test_a_nested_name_with_nothing_after_it_is_refused_before_anything_is_set() -> None:
    from nonlin.sklearn import MLPRegressor

    est = MLPRegressor(loss=nonlin.LogCosh())
    with pytest.raises(ValueError, match=r"Received loss__=1\.0, and loss=LogCosh"):
        est.set_params(alpha=0.5, loss__=1.0)
    assert est.alpha == 0.0001


@pytest.mark.parametrize("missing", ["drop", "mean"])
def test_a_date_is_never_missing(tmp_path: Path, missing: str) -> None:
    with pytest.raises(tabular.CSVError, match=r"line 5, column 'a': expected a number, "
                       r"received '2020-01-31' \(a date or time: "):
        tabular.read_csv(_csv(tmp_path, "2020-01-31"), target="y", missing=missing)


def test_train_does_not_advise_one_hot_encoding_a_date(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from nonlin.cli import main

    path = _csv(tmp_path, "2020-01-31")
    code = main(["train", str(path), "--target", "y", "--epochs", "1", "--quiet",
                 "--out", str(tmp_path / "m.safetensors")])
    err = capsys.readouterr().err
    assert code == 2 and "(a date or time: leave it out (--exclude" in err
    assert "--categorical" not in err
