"""Review s11 of the CSV side of the command line: pandas' unnamed index column is never a
feature (``--exclude`` too), and a numeric target's missing-value spellings (``NA``, ``?``)
are missing values, not classes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import cli


def _train(folder: Path, data: str, target: str, *options: str) -> int:
    return cli.main(["train", str(folder / data), "--target", target, "--epochs", "1",
                     "--quiet", "--out", str(folder / "m.safetensors"), *options])


def _meta(folder: Path) -> dict:
    return nonlin.load(folder / "m.safetensors").metadata


# -- 1. the unnamed index column --------------------------------------------------
def _indexed(path: Path, n: int = 30) -> Path:
    """``,id,x1,x2,label``: the index ``DataFrame.to_csv`` writes, a text id, two features."""
    rng = np.random.default_rng(0)
    lines = [",id,x1,x2,label"]
    lines += [f"{i},r{i},{rng.normal():.4f},{rng.normal():.4f},{'ab'[i % 2]}" for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_exclude_leaves_the_unnamed_index_column_out(tmp_path: Path, capsys) -> None:
    _indexed(tmp_path / "t.csv")
    assert _train(tmp_path, "t.csv", "label", "--exclude", "id") == 0
    assert _meta(tmp_path)["feature_names"] == ["x1", "x2"]
    assert "2 features" in capsys.readouterr().out


def test_predict_and_evaluate_need_no_index_column(tmp_path: Path, capsys) -> None:
    _indexed(tmp_path / "t.csv")
    assert _train(tmp_path, "t.csv", "label", "--exclude", "id") == 0
    bare = tmp_path / "bare.csv"  # the same rows without the index and the id
    bare.write_text("".join(",".join(line.split(",")[2:]) + "\n"
                            for line in (tmp_path / "t.csv").read_text().splitlines()))
    model = str(tmp_path / "m.safetensors")
    assert cli.main(["predict", model, str(bare), "-o", str(tmp_path / "p.csv")]) == 0
    assert cli.main(["evaluate", model, str(bare)]) == 0


def test_pandas_iris_with_its_index_and_an_id_trains_on_the_four_features(
    tmp_path: Path, capsys
) -> None:
    pytest.importorskip("pandas")
    datasets = pytest.importorskip("sklearn.datasets")
    frame = datasets.load_iris(as_frame=True).frame
    frame.insert(0, "id", [f"flower{i}" for i in range(len(frame))])
    frame.to_csv(tmp_path / "iris.csv")  # the index too, as an unnamed first column
    assert _train(tmp_path, "iris.csv", "target", "--exclude", "id") == 0
    assert _meta(tmp_path)["feature_names"] == [
        "sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]


# -- 2. a numeric target's missing-value spellings --------------------------------
SPELLINGS = ("NA", "N/A", "NULL", "?", "-", "nan", "None", "#N/A", " NA ")


def _prices(path: Path, holes: dict[int, str], n: int = 40) -> Path:
    """``area,price``: numbers (every price distinct), but the target cells in ``holes``
    (row index -> text); row i is on line i + 2."""
    rng = np.random.default_rng(1)
    area = rng.uniform(50, 200, n)
    lines = ["area,price"] + [f"{a:.1f},{holes.get(i, f'{1000 * a + i:.0f}')}"
                              for i, a in enumerate(area)]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_read_csv_reads_missing_spellings_in_a_numeric_target_as_missing(tmp_path: Path) -> None:
    from nonlin.tabular import read_csv

    path = _prices(tmp_path / "p.csv", {3 * i: s for i, s in enumerate(SPELLINGS)})
    table = read_csv(path, target="price", missing="drop")
    assert table.y.dtype == np.float64 and table.n_dropped == len(SPELLINGS)
    assert len(table.y) == 40 - len(SPELLINGS)


def test_the_missing_spellings_are_missing_in_a_later_block_too(tmp_path: Path, monkeypatch):
    from nonlin import tabular

    monkeypatch.setattr(tabular, "_BLOCK_BYTES", 64)
    path = _prices(tmp_path / "p.csv", {35: "NA"}, n=400)
    table = tabular.read_csv(path, target="price", missing="drop")
    assert table.y.dtype == np.float64 and table.n_dropped == 1


def test_train_on_a_numeric_target_with_na_is_a_regression_dropping_those_rows(
    tmp_path: Path, capsys
) -> None:
    _prices(tmp_path / "p.csv", {5: "NA", 9: "?", 20: "-"})
    assert _train(tmp_path, "p.csv", "price", "--missing", "drop") == 0
    meta = _meta(tmp_path)
    assert meta["task"] == "regression" and meta["training"]["dropped_rows"] == 3
    assert "dropped 3 row(s)" in capsys.readouterr().err


@pytest.mark.parametrize("missing", ["error", "mean"])
def test_a_missing_target_spelling_without_drop_names_the_cell(
    tmp_path: Path, capsys, missing: str
) -> None:
    _prices(tmp_path / "p.csv", {5: "NA"})
    assert _train(tmp_path, "p.csv", "price", "--missing", missing) == 2
    err = capsys.readouterr().err
    assert "p.csv, line 7, column 'price': expected a number, received 'NA'" in err
    assert "--missing drop" in err


def test_integer_classes_with_a_missing_spelling_stay_two_classes(tmp_path: Path, capsys):
    rows = "".join(f"{i},{'NA' if i == 4 else i % 2}\n" for i in range(30))
    (tmp_path / "c.csv").write_text("x,y\n" + rows)
    assert _train(tmp_path, "c.csv", "y", "--missing", "drop") == 0
    meta = _meta(tmp_path)
    assert meta["task"] == "classification" and meta["classes"] == [0, 1]


def test_a_text_label_column_keeps_na_as_a_class_and_says_so(tmp_path: Path, capsys) -> None:
    rows = "".join(f"{i},{('yes', 'no', 'NA')[i % 3]}\n" for i in range(30))
    (tmp_path / "c.csv").write_text("x,y\n" + rows)
    assert _train(tmp_path, "c.csv", "y", "--missing", "drop") == 0
    assert _meta(tmp_path)["classes"] == ["NA", "no", "yes"]
    assert "'NA' is a class, not a missing value" in capsys.readouterr().err


def test_task_regression_on_a_text_target_names_the_line_and_value(tmp_path: Path, capsys):
    _prices(tmp_path / "p.csv", {2: "NA", 6: "cheap"})
    assert _train(tmp_path, "p.csv", "price", "--task", "regression", "--missing", "drop") == 2
    assert "holds text labels (line 8: 'cheap')" in capsys.readouterr().err


def test_evaluate_reads_a_regressors_target_as_train_does(tmp_path: Path, capsys) -> None:
    _prices(tmp_path / "p.csv", {})
    assert _train(tmp_path, "p.csv", "price") == 0
    _prices(tmp_path / "q.csv", {5: "N/A"})
    model, data = str(tmp_path / "m.safetensors"), str(tmp_path / "q.csv")
    capsys.readouterr()
    assert cli.main(["evaluate", model, data, "--missing", "drop"]) == 0
    assert "dropped 1 row(s)" in capsys.readouterr().err
    assert cli.main(["evaluate", model, data]) == 2
    assert "line 7, column 'price': expected a number, received 'N/A'" in capsys.readouterr().err


def test_a_text_model_evaluated_on_numeric_labels_drops_a_missing_spelling(
    tmp_path: Path, capsys
) -> None:
    rows = "".join(f"{i},{('007', '7', 'A7')[i % 3]}\n" for i in range(30))
    (tmp_path / "c.csv").write_text("x,y\n" + rows)
    assert _train(tmp_path, "c.csv", "y") == 0
    rows = "".join(f"{i},{('007', '7', '?')[i % 3]}\n" for i in range(30))
    (tmp_path / "d.csv").write_text("x,y\n" + rows)
    model = str(tmp_path / "m.safetensors")
    assert cli.main(["evaluate", model, str(tmp_path / "d.csv"), "--missing", "drop"]) == 0
    assert "dropped 10 row(s)" in capsys.readouterr().err


def test_evaluate_of_a_regressor_on_a_text_target_names_the_cell(tmp_path: Path, capsys) -> None:
    _prices(tmp_path / "p.csv", {})
    assert _train(tmp_path, "p.csv", "price") == 0
    _prices(tmp_path / "q.csv", {5: "cheap"})
    capsys.readouterr()
    assert cli.main(["evaluate", str(tmp_path / "m.safetensors"), str(tmp_path / "q.csv")]) == 2
    assert "column 'price' holds text (line 7: 'cheap'); this model is a regressor" in \
        capsys.readouterr().err
