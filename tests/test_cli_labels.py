"""Class labels for the command line: spellings, codes in blocks, the smallest code type."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from cli_helpers import read_csv_rows, run_cli, write_csv
from nonlin.cli_common import UsageError
from nonlin.cli_labels import distinct, encode_labels, find_classes
from nonlin.cli_report import confusion_matrix


def test_numeric_labels_over_many_blocks_encode_like_searchsorted() -> None:
    rng = np.random.default_rng(0)
    classes = [-2, 0.5, 3, 7]
    y = np.asarray(classes, dtype=np.float64)[rng.integers(0, 4, 200_001)]
    codes = encode_labels(y, classes, "d.csv", "y")
    assert codes.dtype == np.uint8 and codes.shape == y.shape
    np.testing.assert_array_equal(np.asarray(classes)[codes], y)
    assert find_classes(y) == classes
    # classes given out of order map to their own positions
    reordered = [7, -2, 3, 0.5]
    np.testing.assert_array_equal(np.asarray(reordered)[encode_labels(y, reordered, "d", "y")], y)


def test_an_unseen_label_in_a_late_block_is_named() -> None:
    y = np.zeros(150_000)
    y[-1], y[-2] = 9.0, 4.5
    with pytest.raises(UsageError, match=r"d.csv: column 'y' has 2 label\(s\) the model never "
                                         r"saw: '4.5', '9'; the model knows: '0'"):
        encode_labels(y, [0], "d.csv", "y")


def test_text_labels_and_wide_codes() -> None:
    y = np.array(["b", "a", "c", "a"], dtype=object)
    codes = encode_labels(y, ["a", "b", "c"], "d", "t")
    assert codes.tolist() == [1, 0, 2, 0] and codes.dtype == np.uint8
    many = np.arange(300).repeat(2)
    codes = encode_labels(many, list(range(300)), "d", "t")
    assert codes.dtype == np.uint16
    np.testing.assert_array_equal(codes, many)


def test_distinct_stops_early_past_the_limit() -> None:
    y = np.arange(300_000) % 1000
    assert distinct(y).tolist() == list(range(1000))
    y = np.arange(300_000.0)[::-1]
    np.testing.assert_array_equal(distinct(y), np.arange(300_000.0))
    assert 20 < distinct(y, limit=20).size < 300_000  # stopped after the first block


def test_confusion_matrix_with_uint8_codes_does_not_wrap() -> None:
    k = 40
    y_true = np.array([39, 39, 2], dtype=np.uint8)
    y_pred = np.array([38, 39, 2], dtype=np.uint8)
    matrix = confusion_matrix(y_true, y_pred, k)
    assert matrix[39, 38] == 1 and matrix[39, 39] == 1 and matrix[2, 2] == 1
    assert matrix.sum() == 3


def test_non_integer_numeric_labels_train_and_predict_as_their_text(tmp_path) -> None:
    rows = [[i % 5, i % 7, [0.5, 1.5, 2.5][i % 3]] for i in range(30)]
    write_csv(tmp_path / "d.csv", ["a", "b", "y"], rows)
    train = run_cli("train", "d.csv", "--target", "y", "--task", "classification",
                    "--epochs", "1", "--quiet", cwd=tmp_path)
    assert train.returncode == 0, train.stderr
    assert nonlin.load(tmp_path / "model.safetensors").metadata["classes"] == ["0.5", "1.5", "2.5"]
    predict = run_cli("predict", "model.safetensors", "d.csv", "-o", "p.csv", cwd=tmp_path)
    assert predict.returncode == 0, predict.stderr
    predicted = {row["prediction"] for row in read_csv_rows(tmp_path / "p.csv")}
    assert predicted <= {"0.5", "1.5", "2.5"}
    evaluate = run_cli("evaluate", "model.safetensors", "d.csv", cwd=tmp_path)
    assert evaluate.returncode == 0 and "(30 samples)" in evaluate.stdout, evaluate.stderr
