"""Review of s19's weight columns read in float64 (review19).

A weight beyond the model's float32 range (``1e39``) is refused naming its line under
every ``--missing``; one beyond float64 too (``1e309``, ``-1e309``) reads as missing, like
``inf``, and ``--missing drop`` left its row out without a word, in ``train`` and in
``evaluate``. Such a cell is now refused as ``1e39`` is. ``inf`` (and ``nan``, an empty
cell) stay missing values, which ``--missing drop`` leaves out.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import error_line
from nonlin import cli, cli_weight_column


def _data(folder: Path, weight: str, name: str = "d.csv") -> Path:
    rows = [f"{i % 5},{i % 3},{1 if i not in (7, 9) else (weight if i == 9 else '')},"
            f"{'yes' if i % 2 else 'no'}" for i in range(30)]
    path = folder / name
    path.write_text("a,b,w,y\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("weights")
    out = folder / "m.st"
    assert cli.main(["train", str(_data(folder, "2")), "--target", "y", "--exclude", "w",
                     "--epochs", "1", "--quiet", "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize("weight", ["1e309", "-1e309", "1e+0309", "1" + "0" * 310])
@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_a_weight_beyond_float64_is_refused_naming_its_line_under_missing_drop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], model: Path, command: str, weight: str
) -> None:
    # before: the row was dropped as if its weight were missing (1e39 was refused)
    data = str(_data(tmp_path, weight))
    capsys.readouterr()
    head = (["train", data, "--target", "y", "--out", str(tmp_path / "o.st")]
            if command == "train" else ["evaluate", str(model), data])
    quiet = ["--quiet"] if command == "train" else []
    assert cli.main([*head, "--weight", "w", "--missing", "drop", *quiet]) == 2
    shown = weight if len(weight) < 80 else weight[:20]
    error_line(capsys, "d.csv, line 11, column 'w': expected a weight within float32 range "
               "(the model's; at most 3.4028235e+38), received '" + shown)


def test_the_same_through_standard_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    model: Path,
) -> None:
    import io
    import sys

    text = _data(tmp_path, "1e309").read_text()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    capsys.readouterr()
    assert cli.main(["evaluate", str(model), "-", "--weight", "w", "--missing", "drop"]) == 2
    error_line(capsys, "<stdin>, line 11, column 'w': expected a weight within float32 range")


@pytest.mark.parametrize("weight", ["inf", "-inf", "Infinity", "nan", "", "x1e400"])
def test_missing_weights_are_still_left_out_by_missing_drop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], model: Path, weight: str
) -> None:
    data = str(_data(tmp_path, weight))
    capsys.readouterr()
    assert cli.main(["evaluate", str(model), data, "--weight", "w", "--missing", "drop",
                     "--json"]) == 0
    assert '"n_samples": 28' in capsys.readouterr().out


def test_no_further_pass_over_a_file_without_a_long_exponent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    model: Path,
) -> None:
    def refused(text: str) -> bool:
        raise AssertionError("the cells were read once more")

    data = str(_data(tmp_path, "1e30"))  # no 3-digit exponent: no cell can be beyond float64
    monkeypatch.setattr(cli_weight_column, "_overflows", refused, raising=False)
    assert cli.main(["evaluate", str(model), data, "--weight", "w", "--missing", "drop",
                     "--json"]) == 0
    assert '"n_samples": 29' in capsys.readouterr().out  # the empty weight's row left out


# -- evaluate --weight of a regressor: a row of weight 0 is absent --------------------------------
@pytest.mark.parametrize(("target", "prediction"), [
    (3.0, float("inf")), (3.0, float("nan")), (1e308, -1e308), (-1e300, 2.0)])
def test_a_row_of_weight_0_leaves_the_regression_scores_as_without_it(
    target: float, prediction: float
) -> None:
    # before: inf or NaN there made RMSE and MAE NaN (0 * inf); a target of 1e308 there set
    # the unit of the sums to 2**1023, and the other rows' squares underflowed: RMSE 0.0
    import numpy as np

    from nonlin.cli_report import regression_report

    y = np.array([1.0, 2.0, target, 4.0])
    predicted = np.array([1.1, 2.0, prediction, 3.5])
    weighted = regression_report(y, predicted, np.array([1.0, 1.0, 0.0, 1.0]))
    without = regression_report(y[[0, 1, 3]], predicted[[0, 1, 3]])
    assert weighted == {**without, "n_samples": 4}
    assert regression_report(y[[0, 1, 3]], predicted[[0, 1, 3]], np.array([2.0, 2.0, 2.0])) \
        == without


def test_evaluate_a_regressor_with_an_outlier_weighted_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [f"{i / 10},{i % 3},{i / 5 + 1},1" for i in range(30)]
    (tmp_path / "r.csv").write_text("a,b,y,w\n" + "\n".join(rows) + "\n")
    out = str(tmp_path / "r.st")
    assert cli.main(["train", str(tmp_path / "r.csv"), "--target", "y", "--exclude", "w",
                     "--epochs", "2", "--quiet", "--out", out]) == 0
    (tmp_path / "o.csv").write_text("a,b,y,w\n" + "\n".join([*rows, "1,1,1e308,0"]) + "\n")
    scores = []
    for data in ("r.csv", "o.csv"):
        capsys.readouterr()
        assert cli.main(["evaluate", out, str(tmp_path / data), "--weight", "w",
                         "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        scores.append([report[key] for key in ("rmse", "mae", "r2", "total_weight")])
    assert scores[1] == scores[0] and scores[0][0] > 0  # before: rmse 0.0 with the outlier


def test_the_same_in_a_gzip_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                 model: Path) -> None:
    """The search for a weight beyond float64 reads the decompressed text (was: the file's
    compressed bytes, so the row was dropped as if its weight were missing)."""
    import gzip

    plain = _data(tmp_path, "1e309")
    packed = tmp_path / "d.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes(), mtime=0))
    capsys.readouterr()
    assert cli.main(["evaluate", str(model), str(packed), "--weight", "w",
                     "--missing", "drop"]) == 2
    error_line(capsys, "d.csv.gz, line 11, column 'w': expected a weight within float32 range "
               "(the model's; at most 3.4028235e+38), received '1e309'")
