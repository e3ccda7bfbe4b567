"""Where ``nonlin`` writes: a closed stdout, progress bars, output paths and file modes.

Whatever happens to stdout, the work is done and the files are written; an
output path that cannot be written, or that is one of the inputs, fails
before any work with exit status 2.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from cli_helpers import assert_user_error, cli_env, run_cli, write_csv


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


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with d.csv and m.st, a classifier trained on it."""
    folder = tmp_path_factory.mktemp("trained")
    _classes(folder / "d.csv")
    result = run_cli("train", "d.csv", "--target", "label", "--epochs", "1", "--quiet",
                     "--out", "m.st", cwd=folder)
    assert result.returncode == 0, result.stderr
    return folder


SAME_PATHS = {
    "train --out DATA": (["train", "d.csv", "--target", "label", "--out", "d.csv"],
                         ["--out d.csv", "DATA d.csv"]),
    "train --plot DATA": (["train", "d.csv", "--target", "label", "--plot", "./d.csv"],
                          ["--plot ./d.csv", "DATA d.csv"]),
    "train --out --plot": (["train", "d.csv", "--target", "label", "--out", "o.st", "--plot",
                            "o.st"], ["--out o.st", "--plot o.st"]),
    "predict -o MODEL": (["predict", "m.st", "d.csv", "-o", "m.st"], ["-o m.st", "MODEL m.st"]),
    "predict -o DATA": (["predict", "m.st", "d.csv", "-o", "d.csv"], ["-o d.csv", "DATA d.csv"]),
    "evaluate --plot MODEL": (["evaluate", "m.st", "d.csv", "--plot", "m.st"],
                              ["--plot m.st", "MODEL m.st"]),
}


@pytest.mark.parametrize("case", sorted(SAME_PATHS))
def test_an_output_that_is_an_input_is_refused(trained: Path, tmp_path: Path, case: str) -> None:
    pytest.importorskip("matplotlib")
    for name in ("d.csv", "m.st"):
        shutil.copy(trained / name, tmp_path / name)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    args, fragments = SAME_PATHS[case]
    assert_user_error(run_cli(*args, "--quiet" if args[0] == "train" else "--missing=error",
                              cwd=tmp_path), *fragments)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


BAD_OUTPUTS = {
    "empty --out": (["train", "d.csv", "--target", "label", "--out", ""], ["model file", "''"]),
    "--out ending in /": (["train", "d.csv", "--target", "label", "--out", "new.st/"],
                          ["new.st/", "'/'"]),
    "--plot ending in /": (["train", "d.csv", "--target", "label", "--plot", "p.png/"],
                           ["p.png/", "'/'"]),
    "checkpoint path a folder": (["train", "d.csv", "--target", "label", "--out", "c.st"],
                                 ["c.checkpoint.st", "directory", "--out"]),
    "empty -o": (["predict", "m.st", "d.csv", "-o", ""], ["predictions file", "''"]),
    "xor --plot in no folder": (["xor", "--plot", "no/such/folder/a.png"],
                                ["no/such/folder", "does not exist"]),
}


@pytest.mark.parametrize("case", sorted(BAD_OUTPUTS))
def test_a_bad_output_path_fails_before_any_work(trained: Path, tmp_path: Path, case: str) -> None:
    pytest.importorskip("matplotlib")
    for name in ("d.csv", "m.st"):
        shutil.copy(trained / name, tmp_path / name)
    (tmp_path / "c.checkpoint.st").mkdir()
    args, fragments = BAD_OUTPUTS[case]
    result = run_cli(*args, cwd=tmp_path)
    assert_user_error(result, *fragments)
    assert result.stdout == ""  # nothing ran: no data read, no step trained
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.checkpoint.st", "d.csv", "m.st"]


def test_predict_output_keeps_the_mode_of_the_file_it_replaces(trained: Path,
                                                               tmp_path: Path) -> None:
    for name in ("d.csv", "m.st"):
        shutil.copy(trained / name, tmp_path / name)
    (tmp_path / "old.csv").write_text("old\n")
    os.chmod(tmp_path / "old.csv", 0o644)
    umask = os.umask(0o022)
    os.umask(umask)
    for name, expected in (("old.csv", 0o644), ("new.csv", 0o666 & ~umask)):
        result = run_cli("predict", "m.st", "d.csv", "-o", name, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / name).stat().st_mode & 0o777 == expected, name
        assert (tmp_path / name).read_text().startswith("prediction\n")


@pytest.mark.skipif(sys.platform == "win32", reason="preexec_fn closes a POSIX descriptor")
def test_train_with_stderr_closed_still_saves_the_model(tmp_path: Path) -> None:
    _classes(tmp_path / "d.csv")
    result = subprocess.run(
        [sys.executable, "-m", "nonlin", "train", "d.csv", "--target", "label", "--epochs", "2",
         "--out", "m.st"],
        cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE, text=True, timeout=120,
        preexec_fn=lambda: os.close(2),  # `nonlin train ... 2>&-`
    )
    assert result.returncode == 0, result.stdout
    assert "Saved m.st" in result.stdout
    assert nonlin.load(tmp_path / "m.st").metadata["classes"] == ["no", "yes"]


def _predict_with(folder: Path, tmp_path: Path, *args: str,
                  **streams: Any) -> subprocess.CompletedProcess[bytes]:
    """``nonlin predict m.st d.csv ARGS`` with the standard streams set as given."""
    for name in ("d.csv", "m.st"):
        shutil.copy(folder / name, tmp_path / name)
    return subprocess.run(
        [sys.executable, "-m", "nonlin", "predict", "m.st", "d.csv", *args],
        cwd=tmp_path, env=cli_env(), timeout=120, **streams,
    )


def _stderr_read_only() -> None:
    """Leave fd 2 open for reading only, as a shell wrapper may do for ``2>&-``."""
    read_only = os.open(os.devnull, os.O_RDONLY)
    os.dup2(read_only, 2)
    os.close(read_only)


@pytest.mark.skipif(sys.platform == "win32", reason="preexec_fn closes a POSIX descriptor")
def test_predict_with_stdout_closed_exits_0(trained: Path, tmp_path: Path) -> None:
    result = _predict_with(trained, tmp_path, stderr=subprocess.PIPE,
                           preexec_fn=lambda: os.close(1))  # `nonlin predict ... >&-`
    assert result.returncode == 0, result.stderr
    assert b"Traceback" not in result.stderr


STDERR_UNWRITABLE = {
    "2>/dev/full": {"stderr": "/dev/full"},
    "fd 2 read-only": {"preexec_fn": _stderr_read_only},
}


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full and fds")
@pytest.mark.parametrize("case", sorted(STDERR_UNWRITABLE))
def test_predict_with_an_unwritable_stderr_still_writes_the_file(
    trained: Path, tmp_path: Path, case: str
) -> None:
    streams = dict(STDERR_UNWRITABLE[case])
    with open(streams.pop("stderr", os.devnull), "w") as stderr:  # the note must be written
        result = _predict_with(trained, tmp_path, "-o", "p.csv", stdout=subprocess.PIPE,
                               stderr=stderr, **streams)
    assert result.returncode == 0, result.stdout
    assert (tmp_path / "p.csv").read_text().startswith("prediction\n")
    assert len((tmp_path / "p.csv").read_text().splitlines()) == 61


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
def test_predict_to_a_full_stdout_is_an_error(trained: Path, tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        result = _predict_with(trained, tmp_path, stdout=full, stderr=subprocess.PIPE)
    assert result.returncode == 2, result.stderr  # predictions lost: not a success
    assert b"No space left on device" in result.stderr
