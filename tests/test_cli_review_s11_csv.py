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
