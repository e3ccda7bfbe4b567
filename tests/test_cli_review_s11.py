"""Review s11 of the command line: text labels are not merged by their numeric spelling,
and output paths are proven writable before any training."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import cli
from nonlin.cli_labels import encode_labels, find_classes


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _labelled(path: Path, labels: list[str], n: int = 30) -> Path:
    """``a, b, code`` rows: two features, the labels in turn."""
    rng = np.random.default_rng(0)
    rows = [[f"{rng.normal():.4f}", f"{rng.normal():.4f}", labels[i % len(labels)]]
            for i in range(n)]
    return _write(path, ["a", "b", "code"], rows)


def _train(folder: Path, data: str, *options: str) -> int:
    return cli.main(["train", str(folder / data), "--target", "code", "--epochs", "1",
                     "--quiet", "--out", str(folder / "m.safetensors"), *options])


# -- 1. text labels ------------------------------------------------------------
def test_find_classes_merges_spellings_only_in_a_column_of_numbers() -> None:
    assert find_classes(np.array(["007", "7", "A7", "007"])) == ["007", "7", "A7"]
    assert find_classes(np.array(["1_000", "1000"])) == ["1000", "1_000"]
    assert find_classes(np.array(["1", "1.0", "cat"])) == ["1", "1.0", "cat"]
    assert find_classes(np.array([" cat", "cat "])) == ["cat"]  # spaces around: ignored
    # every label a number as the CSV reader reads one: one class per number
    assert find_classes(np.array(["1", "1.0", " 01 ", "2e0"])) == [1, 2]
    assert find_classes(np.array([1.0, 0.5, 1.0])) == [0.5, 1]


def test_text_classes_match_labels_as_written() -> None:
    classes = ["007", "7", "A7"]
    y = np.array(["7", "A7", "007", " 007 "])
    assert encode_labels(y, classes, "d.csv", "code").tolist() == [1, 2, 0, 0]
    with pytest.raises(cli.UsageError, match=r"never saw: '07'; the model knows: '007', '7'"):
        encode_labels(np.array(["07", "A7"]), classes, "d.csv", "code")
    # classes that are one number in two spellings (a DataFrame's texts) stay two texts
    assert encode_labels(np.array(["7", "007"]), ["007", "7"], "d", "t").tolist() == [1, 0]
    # numeric classes still take any spelling of their numbers
    assert encode_labels(np.array(["1.0", "01", "2"]), [1, 2], "d", "t").tolist() == [0, 0, 1]


def test_train_keeps_007_7_and_a7_apart_and_predict_prints_them(
    tmp_path: Path, capsys
) -> None:
    _labelled(tmp_path / "codes.csv", ["007", "7", "A7"])
    assert _train(tmp_path, "codes.csv") == 0
    out = capsys.readouterr().out
    assert "classification of 3 classes (007, 7, A7)" in out
    model = nonlin.load(tmp_path / "m.safetensors")
    assert model.metadata["classes"] == ["007", "7", "A7"]
    assert cli.main(["predict", str(tmp_path / "m.safetensors"), str(tmp_path / "codes.csv"),
                     "--proba"]) == 0
    header = capsys.readouterr().out.splitlines()[0]
    assert header == "prediction,proba_007,proba_7,proba_A7"


def test_underscored_number_and_plain_number_are_two_classes(tmp_path: Path, capsys) -> None:
    _labelled(tmp_path / "u.csv", ["1_000", "1000"])
    assert _train(tmp_path, "u.csv") == 0
    assert "classification of 2 classes (1000, 1_000)" in capsys.readouterr().out


def test_numeric_spellings_left_after_missing_drop_are_one_class(
    tmp_path: Path, capsys
) -> None:
    rows = [[i % 5, i % 3, ["1", "1.0", "2", "02"][i % 4]] for i in range(24)]
    rows += [["", 1, "cat"], ["", 2, "cat"]]  # text labels, on rows --missing drop drops
    _write(tmp_path / "d.csv", ["a", "b", "code"], rows)
    assert _train(tmp_path, "d.csv", "--missing", "drop") == 0
    assert "classification of 2 classes (1, 2)" in capsys.readouterr().out
    assert nonlin.load(tmp_path / "m.safetensors").metadata["classes"] == [1, 2]


def test_evaluate_reads_a_text_models_labels_as_written_in_a_file_of_numbers(
    tmp_path: Path, capsys
) -> None:
    _labelled(tmp_path / "codes.csv", ["007", "7", "A7"])
    assert _train(tmp_path, "codes.csv") == 0
    # no A7 here, so the reader finds numbers only (7.0 for both 007 and 7); a row with a
    # missing feature and one with a missing label are dropped in step with the labels
    rows = [["0.1", "0.2", "007"], ["", "0.3", "7"], ["0.5", "0.1", "7"],
            ["0.2", "0.2", ""], ["0.3", "-1", "007"], ["0.4", "0.4", "007"]]
    _write(tmp_path / "numbers.csv", ["a", "b", "code"], rows)
    capsys.readouterr()
    status = cli.main(["evaluate", str(tmp_path / "m.safetensors"),
                       str(tmp_path / "numbers.csv"), "--json", "--missing", "drop"])
    assert status == 0
    report = json.loads(capsys.readouterr().out)
    support = {row["label"]: row["support"] for row in report["classes"]}
    assert support == {"007": 3, "7": 1, "A7": 0}, report
