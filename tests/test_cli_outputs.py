"""Where ``nonlin`` writes: a closed stdout, progress bars, output paths and file modes.

Whatever happens to stdout, the work is done and the files are written; an
output path that cannot be written, or that is one of the inputs, fails
before any work with exit status 2.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import cli_env, run_cli, write_csv


def _classes(path: Path, n: int = 60) -> Path:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3)).round(4)
    labels = np.where(X[:, 0] > 0, "yes", "no")
    rows = [[*x, y] for x, y in zip(X, labels, strict=True)]
    return write_csv(path, ["a", "b", "c", "label"], rows)


def _run_into_closed_pipe(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """``nonlin ARGS | head -0``: stdout is a pipe whose reader has already gone."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "nonlin", *args],
            cwd=cwd,
            env=cli_env(),
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    finally:
        os.close(write_end)


def test_train_into_a_closed_pipe_still_saves_the_model(tmp_path: Path) -> None:
    _classes(tmp_path / "d.csv")
    args = ["train", "d.csv", "--target", "label", "--epochs", "2", "--quiet", "--out", "m.st"]
    result = _run_into_closed_pipe(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr
    assert nonlin.load(tmp_path / "m.st").metadata["classes"] == ["no", "yes"]


def test_evaluate_into_a_closed_pipe_still_writes_the_plot(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    _classes(tmp_path / "d.csv")
    train = run_cli("train", "d.csv", "--target", "label", "--epochs", "1", "--quiet",
                    cwd=tmp_path)
    assert train.returncode == 0, train.stderr
    result = _run_into_closed_pipe(
        "evaluate", "model.safetensors", "d.csv", "--plot", "cm.png", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "cm.png").stat().st_size > 0


def test_an_error_after_the_progress_bar_starts_on_its_own_line(tmp_path: Path) -> None:
    rows = [[i / 10, (i % 7) / 7, 3000.0 * i] for i in range(100)]
    write_csv(tmp_path / "r.csv", ["a", "b", "y"], rows)
    result = run_cli("train", "r.csv", "--target", "y", "--optimizer", "sgd", "--lr", "1e6",
                     "--epochs", "5", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "diverged" in result.stderr
    assert result.stderr.startswith("nonlin: error:") or "\nnonlin: error:" in result.stderr
    assert result.stderr.endswith("\n") and "diverged" in result.stderr.splitlines()[-1]
