"""Numbers at the edges: targets far from 0 or beyond float32, columns near float32's limits.

Scaling runs in float64 and is rounded to float32 once; an overflowing cell is
a user error naming it; ``--json`` is always valid JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

import nonlin
from cli_helpers import assert_user_error, run_cli, write_csv


def _strict_json(text: str) -> dict:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def _regression_csv(path: Path, offset: float, factor: float, n: int = 120) -> Path:
    x = np.random.default_rng(0).uniform(-3, 3, size=(n, 2))
    rows = [[f"{a:.5f}", f"{b:.5f}", repr(offset + factor * a)] for a, b in x.tolist()]
    return write_csv(path, ["a", "b", "y"], rows)


def _train(tmp_path: Path, *options: str) -> None:
    result = run_cli("train", "d.csv", "--target", "y", "--task", "regression", "--quiet",
                     "--hidden", "none", "--lr", "0.05", "--epochs", "20", *options, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr


def test_a_target_far_from_zero_keeps_its_spread(tmp_path: Path) -> None:
    _regression_csv(tmp_path / "d.csv", offset=1e8, factor=1.0)  # float32 would collapse it
    _train(tmp_path)
    scale = nonlin.load(tmp_path / "model.safetensors").metadata["target_preprocessing"]["scale"]
    assert 1.5 < scale[0] < 2.0  # the spread of uniform(-3, 3), not 1.0
    result = run_cli("evaluate", "model.safetensors", "d.csv", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert _strict_json(result.stdout)["r2"] > 0.9


def test_targets_beyond_float32_train_and_evaluate_to_finite_scores(tmp_path: Path) -> None:
    for factor in (1e39, 1e307):
        _regression_csv(tmp_path / "d.csv", offset=0.0, factor=factor)
        _train(tmp_path)
        final = nonlin.load(tmp_path / "model.safetensors").metadata["training"]["final"]
        assert final["training"]["r2"] > 0.9 and np.isfinite(final["training"]["rmse"])
        result = run_cli("evaluate", "model.safetensors", "d.csv", "--json", cwd=tmp_path)
        assert result.returncode == 0 and "Warning" not in result.stderr, result.stderr
        report = _strict_json(result.stdout)
        assert report["r2"] > 0.9 and 0 < report["rmse"] < factor, (factor, report)


def test_an_overflowing_target_cell_is_named(tmp_path: Path) -> None:
    rows = [[i, i % 3, i % 2] for i in range(40)]
    rows[6][2] = "1e400"  # a plain block: the fast reader's path
    write_csv(tmp_path / "d.csv", ["a", "b", "y"], rows)
    result = run_cli("train", "d.csv", "--target", "y", "--epochs", "1", cwd=tmp_path)
    assert_user_error(result, "d.csv", "line 8", "'y'", "'1e400'")
    assert not (tmp_path / "model.safetensors").exists()


def test_columns_at_float32_limits_are_scaled_in_float64(tmp_path: Path) -> None:
    rows = [[["0", "1.4e-45"][i % 2], ["3e38", "-3e38"][i % 2], i % 2, i % 2] for i in range(40)]
    write_csv(tmp_path / "d.csv", ["tiny", "huge", "c", "y"], rows)
    result = run_cli("train", "d.csv", "--target", "y", "--epochs", "2", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr
    scaling = nonlin.load(tmp_path / "model.safetensors").metadata["preprocessing"]
    assert scaling["scale"][0] == 1.0  # a subnormal spread: constant, as scikit-learn has it
    assert 2.9e38 < scaling["scale"][1] < 3.1e38
    predict = run_cli("predict", "model.safetensors", "d.csv", cwd=tmp_path)
    assert predict.returncode == 0 and "Warning" not in predict.stderr, predict.stderr


def test_data_too_far_from_the_training_data_names_the_column(tmp_path: Path) -> None:
    rows = [[f"{i % 5}e-30", i % 7, i % 2] for i in range(40)]
    write_csv(tmp_path / "d.csv", ["a", "b", "y"], rows)
    train = run_cli("train", "d.csv", "--target", "y", "--epochs", "1", "--quiet", cwd=tmp_path)
    assert train.returncode == 0, train.stderr
    write_csv(tmp_path / "new.csv", ["a", "b"], [[1, 1], [1e10, 2]])
    result = run_cli("predict", "model.safetensors", "new.csv", cwd=tmp_path)
    assert_user_error(result, "new.csv", "'a'", "float32")


def test_a_validation_target_far_outside_the_training_spread_scores_finitely(
    tmp_path: Path,
) -> None:
    rows = [[i, round(i * 0.37 % 1, 4), round(i * 7.3 % 100, 3)] for i in range(50)]
    rows[7][2] = "1e39"  # --seed 0 shuffles row 7 into the validation rows
    write_csv(tmp_path / "d.csv", ["a", "b", "y"], rows)
    result = run_cli("train", "d.csv", "--target", "y", "--epochs", "2", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "inf" not in result.stdout and "nan" not in result.stdout, result.stdout
    training = nonlin.load(tmp_path / "model.safetensors").metadata["training"]
    assert training["final"]["training"]["rmse"] < 100 < training["final"]["validation"]["rmse"]
