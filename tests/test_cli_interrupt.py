"""Ctrl-C during ``nonlin train``: exit 130, a loadable checkpoint, a resume that finishes
with the same weights as an uninterrupted run.

The model file named by ``--out`` is never written or damaged by the
interrupted run.
"""

from __future__ import annotations

import os
import select
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import popen_cli, run_cli, write_csv

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")


def _wait_for_training(process, timeout: float = 30.0) -> str:
    """Read stdout until the line announcing the split (printed just before fitting)."""
    deadline = time.monotonic() + timeout
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if "for training" in line or not line:
            return line
    raise AssertionError("train never started")


def wait_for_epoch(process: subprocess.Popen[str], epoch: int, timeout: float = 60.0) -> str:
    """Read standard error until the progress bar of ``epoch`` (1-based) shows; what was read.
    The bar ends its lines with ``\\r``, not a line break: read as it comes, not by lines."""
    fd, shown = process.stderr.fileno(), b""
    deadline = time.monotonic() + timeout
    while f"Epoch {epoch}/".encode() not in shown:
        ready = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))[0]
        chunk = os.read(fd, 65536) if ready else b""
        if not chunk:
            raise AssertionError(f"no epoch {epoch} in: {shown.decode()[-2000:]}")
        shown += chunk
    while True:  # up to a whole character: the rest is decoded apart (``communicate``)
        try:
            return shown.decode()
        except UnicodeDecodeError:
            shown += os.read(fd, 1)


def test_sigint_saves_a_checkpoint_and_resume_finishes(tmp_path: Path) -> None:
    stop_and_resume(tmp_path, signal.SIGINT, 130, "interrupted")


def stop_and_resume(tmp_path: Path, signum: int, status: int, word: str, times: int = 1) -> None:
    """``nonlin train`` sent ``signum`` (``times`` times) while training: exit ``status``,
    ``nonlin: WORD after ...``, a checkpoint whose ``resume with:`` command ends with the
    bits of a run never stopped; the model file ``--out`` named is left as it was."""
    old_model = write_stop_data(tmp_path)
    process = popen_cli(*STOP_TRAIN, cwd=tmp_path)
    assert "for training" in _wait_for_training(process)
    shown = wait_for_epoch(process, 2)  # a whole epoch done: training, not starting
    for _ in range(times):
        process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert process.returncode == status, (out, shown + err)
    check_stopped_and_resumed(tmp_path, shown + err, word, old_model)


# the command stop_and_resume stops, in the folder write_stop_data fills
STOP_TRAIN = ("train", "d.csv", "--target", "y", "--epochs", "100000", "--out", "m.safetensors")


def write_stop_data(tmp_path: Path) -> bytes:
    """``d.csv`` (4000 rows, 8 features, a 0/1 target ``y``) and an existing ``m.safetensors``
    in ``tmp_path``; the bytes of that file, which a stopped run must leave as they are."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 8))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    write_csv(tmp_path / "d.csv", [*"abcdefgh", "y"], np.column_stack([X, y]).tolist())
    old_model = b"an existing model file that must survive"
    (tmp_path / "m.safetensors").write_bytes(old_model)
    return old_model


def check_stopped_and_resumed(tmp_path: Path, err: str, word: str, old_model: bytes) -> None:
    """``STOP_TRAIN``, stopped, said ``err``: ``nonlin: WORD after ...``, a checkpoint whose
    ``resume with:`` command ends with the bits of a run never stopped; ``--out`` left as
    it was (``old_model``), no temporary file."""
    assert "Traceback" not in err
    assert f"nonlin: {word} after " in err, err[-3000:]
    assert "cut the running training step" not in err  # the resume is exact: not said to differ
    checkpoint = tmp_path / "m.checkpoint.safetensors"
    assert f"checkpoint saved to {checkpoint.name}" in err
    assert (tmp_path / "m.safetensors").read_bytes() == old_model
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files
    saved = nonlin.load(checkpoint)
    done = saved.metadata["training"]["epochs_done"]
    assert saved.metadata["classes"] == [0, 1] and 0 <= done < 100000
    command = shlex.split(err.split("resume with: ", 1)[1].strip())
    assert command[:2] == ["nonlin", "train"] and command[-2:] == ["--resume", checkpoint.name]
    resumed = run_cli(*command[1:], "--epochs", done + 2, "--quiet", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert f"from epoch {done + 1} of {done + 2}" in resumed.stderr
    final = nonlin.load(tmp_path / "m.safetensors")
    assert final.metadata["training"]["epochs_done"] == done + 2
    assert final.metadata["preprocessing"] == saved.metadata["preprocessing"]
    # stopped between two batches and carried on from the next row: the same bits as a run
    # of done + 2 epochs straight through
    straight = run_cli("train", "d.csv", "--target", "y", "--epochs", done + 2, "--quiet",
                       "--out", "straight.safetensors", cwd=tmp_path)
    assert straight.returncode == 0, straight.stderr
    for a, b in zip(final.get_weights(), nonlin.load(tmp_path / "straight.safetensors")
                    .get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
