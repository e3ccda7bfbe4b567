"""Messy real-world tables, session 34 (tables34).

Currency codes in a feature cell (``12 USD``) are formatted numbers; a target of formatted
numbers (``$1,304.50``) is no column of class labels; a DataFrame column of ``"1,000"`` gets
``pd.to_numeric``; a frame naming a column twice is refused at fit; a line of spaces or tabs
is a blank line, as pandas skips it; ``None`` named by row and index; ``--positive`` on
``--resume`` matched as a label; polars nulls get polars' advice; argparse's errors start
``nonlin: error:`` as the project's own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import interrupt_after, one_cell_csv
from nonlin import cli, tabular

X = np.random.default_rng(0).normal(size=(8, 2))
Y = np.array([0, 1] * 4)


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(3), nonlin.ReLU(), nonlin.Dense(1)])


def _fit(model: nonlin.Sequential, x: object, y: object) -> None:
    model.fit(x, y, loss="mse", optimizer="sgd", epochs=1, seed=0, verbose=0)


@pytest.mark.parametrize("cell", ["12 USD", "EUR 3.50", "-4 GBP", '"1,000 EUR"', "(12 USD)"])
@pytest.mark.parametrize("missing", ["error", "drop", "mean"])
def test_a_currency_code_makes_a_formatted_number(tmp_path: Path, cell: str,
                                                  missing: str) -> None:
    path = one_cell_csv(tmp_path, cell, X, Y)
    with pytest.raises(tabular.CSVError, match=r"line 5, column 'a': expected a number, received "
                       r".*\(a formatted number: thousands separators, currency signs and codes"):
        tabular.read_csv(path, target="y", missing=missing)


@pytest.mark.parametrize("cell", ["USD", "abc 12", "ABCD 12", "NA", "SKU123", "INV001"])
def test_text_with_capitals_is_no_currency(tmp_path: Path, cell: str) -> None:
    table = tabular.read_csv(one_cell_csv(tmp_path, cell, X, Y), target="y", missing="drop")
    assert table.X.shape == (7, 2)  # missing, as before


def _prices(tmp_path: Path, cells: list[str]) -> Path:
    rows = "".join(f"{a:.3f},{b:.3f},{c}\n" for (a, b), c in zip(X, cells, strict=True))
    path = tmp_path / "prices.csv"
    path.write_text("a,b,price\n" + rows, encoding="utf-8")
    return path


@pytest.mark.parametrize(("cells", "first"), [
    (['"$1,304.50"', "$12", "$7.25", '"$2,000"'] * 2, "$1,304.50"),
    (['"1,000.5"', "3.5", '"2,750.25"', "NA"] * 2, "1,000.5"),
    (["12 USD", "14 USD", "9.5 USD", "11 USD"] * 2, "12 USD"),
])
def test_a_target_of_formatted_numbers_is_refused_not_made_classes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cells: list[str], first: str
) -> None:
    path = _prices(tmp_path, cells)
    out = str(tmp_path / "m.safetensors")
    for task in ("auto", "regression"):
        assert cli.main(["train", str(path), "--target", "price", "--epochs", "1", "--quiet",
                         "--task", task, "-o", out]) == 2
        err = capsys.readouterr().err
        assert f"column 'price' holds numbers written with formatting (line 2: '{first}')" in err
        assert "write plain numbers" in err and "--task classification" in err
    assert not Path(out).exists()
    assert cli.main(["train", str(path), "--target", "price", "--epochs", "1", "--quiet",
                     "--task", "classification", "-o", out]) == 0  # asked for: labels


def test_a_target_of_text_labels_is_still_classes(tmp_path: Path) -> None:
    path = _prices(tmp_path, ["cheap", "$12", "dear", "$7"] * 2)  # other text: labels
    out = tmp_path / "m.safetensors"
    assert cli.main(["train", str(path), "--target", "price", "--epochs", "1", "--quiet",
                     "-o", str(out)]) == 0
    assert len(nonlin.load(out).metadata["classes"]) == 4


@pytest.mark.parametrize("cells", [["1,000", "2,500", "300"], ["$12", "4", None]])
def test_a_frame_column_of_formatted_numbers_gets_to_numeric(cells: list) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": pd.Series(cells * 3, dtype=object), "b": np.arange(9.0)})
    with pytest.raises(TypeError, match=r"column 'a' of dtype object; it holds numbers written "
                       r"as text with formatting \('(1,000|\$12)'.*df\['a'\] = pd\.to_numeric\("
                       r"df\['a'\]\.str\.replace\(',', ''\)\)") as refused:
        _fit(_model(), frame, np.zeros(9))
    assert "get_dummies" not in str(refused.value)


def test_a_frame_naming_a_column_twice_is_refused_at_fit() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(np.ones((6, 3)), columns=["a", "b", "a"])
    message = r"^Expected unique column names, got:\n- 'a' 2 times\n"  # scikit-learn 1.9's
    model = _model()
    with pytest.raises(ValueError, match=message):
        _fit(model, frame, np.zeros(6))
    assert "feature_names_in_" not in vars(model)
    sklearn = pytest.importorskip("nonlin.sklearn")
    estimator = sklearn.MLPRegressor(hidden_layer_sizes=(2,), max_iter=1)
    with pytest.raises(ValueError, match=message):  # under scikit-learn < 1.9 too
        estimator.fit(frame, np.zeros(6))
    assert not hasattr(estimator, "feature_names_in_")


def test_lines_of_spaces_and_tabs_are_blank_lines(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    path = tmp_path / "b.csv"
    path.write_text("a,b,y\n1,2,0\n   \n3,4,1\n\t\n5,6,0\n \t \n", encoding="utf-8")
    expected = pd.read_csv(path).to_numpy()  # skip_blank_lines
    for missing in ("error", "drop", "mean"):
        table = tabular.read_csv(path, target="y", missing=missing)
        assert table.X.tolist() == expected[:, :2].tolist() and table.n_dropped == 0
        assert table.y.tolist() == expected[:, 2].tolist()
    one = tmp_path / "one.csv"
    one.write_text("a\n1\n  \n3\n", encoding="utf-8")
    assert tabular.read_csv(one, missing="drop").X.tolist() == pd.read_csv(one).to_numpy().tolist()


def test_predict_keep_reads_the_same_rows_past_a_line_of_spaces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "d.csv"
    rows = [f"{i},{a:.3f},{b:.3f},{t}" for i, ((a, b), t) in enumerate(zip(X, Y, strict=True))]
    rows.insert(3, "  ")
    data.write_text("id,a,b,y\n" + "\n".join(rows) + "\n", encoding="utf-8")
    model = tmp_path / "m.safetensors"
    assert cli.main(["train", str(data), "--target", "y", "--exclude", "id", "--epochs", "1",
                     "--quiet", "-o", str(model)]) == 0
    out = tmp_path / "p.csv"
    assert cli.main(["predict", str(model), str(data), "--keep", "id", "-o", str(out)]) == 0
    kept = [line.split(",")[0] for line in out.read_text().splitlines()[1:]]
    assert kept == [str(i) for i in range(8)]


def test_none_is_named_by_row_and_index() -> None:
    x = np.array([[1.0, 2.0], [3.0, None], [5.0, 6.0]], dtype=object)
    with pytest.raises(TypeError, match=r"dtype object \(object\); it holds None in row 1 "
                       r"\(x\[1, 1\]\): fill in or drop the missing values first"):
        _fit(_model(), x, np.zeros(3))
    y = np.array([1.0, 2.0, None], dtype=object)
    with pytest.raises(TypeError, match=r"it holds None in row 2 \(y\[2\]\): fill in"):
        _fit(_model(), np.ones((3, 2)), y)


def test_positive_on_resume_is_matched_as_a_label(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from nonlin import cli_train_model

    rng = np.random.default_rng(1)
    x = rng.normal(size=(120, 3)).round(3)
    labels = np.where(x[:, 0] > 0.8, "fraud", "ok")
    rows = "".join(f"{a},{b},{c},{t}\n" for (a, b, c), t in zip(x, labels, strict=True))
    (tmp_path / "d.csv").write_text("a,b,c,y\n" + rows, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    run = ["train", "d.csv", "--target", "y", "--hidden", "4", "--quiet", "-o", "m.safetensors",
           "--epochs", "3", "--early-stopping", "3", "--monitor", "val_recall"]
    real = cli_train_model._callbacks
    monkeypatch.setattr(cli_train_model, "_callbacks",
                        lambda args: [*real(args), interrupt_after(0)])
    assert cli.main([*run, "--positive", "fraud"]) == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", real)
    resume = [*run, "--resume", "m.checkpoint.safetensors"]
    capsys.readouterr()
    assert cli.main([*resume, "--positive", "ok"]) == 2  # another class: still refused
    assert "--positive ok differs from the checkpoint's fraud" in capsys.readouterr().err
    assert cli.main([*resume, "--positive", "fraud "]) == 0
    assert nonlin.load("m.safetensors").metadata["training"]["positive"] == "fraud"


def test_polars_nulls_get_polars_advice() -> None:
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"a": [1.0, None, 3.0], "b": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"x\[1, 0\]=nan; .*polars' fill_null") as refused:
        _fit(_model(), frame, np.zeros(3))
    assert "fillna" not in str(refused.value)
    with pytest.raises(ValueError, match=r"y\[1\]=nan; .*polars' fill_null"):
        _fit(_model(), np.ones((3, 2)), pl.Series([1.0, None, 2.0]))
    with pytest.raises(ValueError, match="pandas' fillna"):  # an array: as before
        _fit(_model(), np.array([[1.0], [np.nan]]), np.zeros(2))


def test_argparse_errors_start_as_the_projects(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--bogus"])
    assert stop.value.code == 2
    assert capsys.readouterr().err == (
        "nonlin: error: unrecognized arguments: --bogus (see 'nonlin train --help')\n")
    with pytest.raises(SystemExit):
        cli.main(["predict"])
    assert capsys.readouterr().err.startswith("nonlin: error: the following arguments are ")
    assert cli.main(["evaluate", str(tmp_path / "none.safetensors"), "d.csv"]) == 2
    assert capsys.readouterr().err.startswith("nonlin: error: ")  # the project's own
