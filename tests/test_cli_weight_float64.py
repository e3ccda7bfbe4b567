"""``--weight`` columns are read in float64 and cast to the model's dtype where the loss
needs it: ``1e-320`` is no 0, a weight beyond the model's range is refused naming its line
and value, and a training run on weights float32 holds exactly is byte-identical."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import error_line
from nonlin import cli
from nonlin.tabular import read_csv

N = 40
# the model file trained by _train on _data(tmp_path) (weights float32 holds exactly), with
# its training.created time replaced: what the code before float64 weights wrote
_MODEL_SHA256 = "ddf9966658e2f2f99405bc082506774819100bd9604e869053a67aa574beeb11"


def _data(folder: Path, weights: list[str] | None = None, name: str = "d.csv") -> Path:
    rng = np.random.default_rng(11)
    X = rng.normal(size=(N, 2)).round(3)
    w = weights or [("0.5", "1", "1.5", "2", "0.25", "3", "0.125", "0.0625")[i % 8]
                    for i in range(N)]
    rows = [f"{a},{b},{w[i]},{'yes' if a + b > 0.3 else 'no'}" for i, (a, b) in enumerate(X)]
    path = folder / name
    path.write_text("a,b,w,y\n" + "\n".join(rows) + "\n")
    return path


def _train(folder: Path, data: Path, *options: str) -> int:
    return cli.main(["train", str(data), "--target", "y", "--weight", "w", "--hidden", "4",
                     "--epochs", "3", "--quiet", "-o", str(folder / "m.safetensors"),
                     *options])


def _bytes_without_created(path: Path) -> bytes:
    created = nonlin.load(str(path)).metadata["training"]["created"]
    return path.read_bytes().replace(created.encode(), b"2000-01-01T00:00:00+00:00")


def test_training_on_weights_float32_holds_writes_the_bytes_it_wrote_before(
    tmp_path: Path,
) -> None:
    assert _train(tmp_path, _data(tmp_path), "--class-weight", "no=2") == 0
    digest = hashlib.sha256(_bytes_without_created(tmp_path / "m.safetensors")).hexdigest()
    assert digest == _MODEL_SHA256


@pytest.mark.parametrize("missing", ["error", "drop", "mean"])
def test_a_weight_beyond_float32_is_refused_naming_its_line_and_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], missing: str
) -> None:
    # before: 'expected a number within float32 range' (error), the row silently dropped
    # (drop), or 'expected a weight' as if missing (mean)
    data = _data(tmp_path, ["1e39" if i == 5 else "1" for i in range(N)])
    assert _train(tmp_path, data, "--missing", missing) == 2
    error_line(capsys, "d.csv, line 7, column 'w': expected a weight within float32 range",
               "received '1e39'", "--weight")


def test_weights_of_1e_320_are_no_zeros_when_scoring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # before: read in float32, every weight was 0 and evaluate refused them
    assert _train(tmp_path, _data(tmp_path)) == 0
    tiny = _data(tmp_path, ["1e-320"] * N, "tiny.csv")
    capsys.readouterr()
    model = str(tmp_path / "m.safetensors")
    assert cli.main(["evaluate", model, str(tiny), "--weight", "w", "--json"]) == 0
    weighted = json.loads(capsys.readouterr().out)
    assert cli.main(["evaluate", model, str(tiny), "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert weighted["accuracy"] == plain["accuracy"]
    assert weighted["total_weight"] == pytest.approx(N * 1e-320)
    assert [c["recall"] for c in weighted["classes"]] == [c["recall"] for c in plain["classes"]]


def test_training_on_weights_that_are_all_0_in_float32_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _train(tmp_path, _data(tmp_path, ["1e-320"] * N)) == 2
    error_line(capsys, "every weight in column 'w' is 0 in float32", "1e-320")


def test_the_refused_weight_is_the_first_of_the_rows_kept_by_missing_drop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # before: the message named line 4's '-2', whose row --missing drop had left out
    data = _data(tmp_path, ["-2" if i == 2 else "-3" if i == 6 else "1" for i in range(N)])
    lines = data.read_text().splitlines()
    lines[3] = "," + lines[3].split(",", 1)[1]  # row 3 (line 4): feature a missing
    data.write_text("\n".join(lines) + "\n")
    assert _train(tmp_path, data, "--missing", "drop") == 2
    error_line(capsys, "line 8, column 'w': expected a weight >= 0, received '-3'")


def test_evaluate_refuses_a_weight_beyond_the_models_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _train(tmp_path, _data(tmp_path)) == 0
    huge = _data(tmp_path, ["1" if i else "1e300" for i in range(N)], "huge.csv")
    assert cli.main(["evaluate", str(tmp_path / "m.safetensors"), str(huge), "--weight",
                     "w", "--missing", "drop"]) == 2
    error_line(capsys, "line 2, column 'w': expected a weight within float32 range",
               "received '1e300'")


def test_the_reader_records_the_rows_missing_drop_kept(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text("a,b\n1,2\n,3\n\n4,5\nx,6\n7,8\n")
    table = read_csv(path, target="b", missing="drop")
    assert table.kept is not None and table.kept.tolist() == [True, False, True, False, True]
    assert read_csv(path, target="b", missing="mean").kept is None
