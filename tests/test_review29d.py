"""Review of the progress display on a file or a pipe (s29-cilogs29).

``redraws`` counted ``PYCHARM_HOSTED`` (set in every process PyCharm runs: a run
configuration, its pytest runner) for any stream at all: a ``StringIO`` that
``sys.stderr`` was redirected to, a log file a script opened, ``2> log``. There
``fit(verbose=1)`` wrote tqdm's ``\\r`` frames into the file again, the very thing the
change is for, and a test suite capturing the progress lines failed when run from PyCharm.
PyCharm's console is the process's own standard output or error, a pipe to the IDE:
that alone redraws now.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import cli_env
from nonlin.progress import redraws


def _fit_to(stream: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", stream)
    X = np.random.default_rng(0).normal(size=(200, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    model = nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])
    model.fit(X, y, loss="cross_entropy", optimizer="adam", metrics=["accuracy"], seed=0,
              epochs=3, batch_size=10, verbose=1)


def test_in_pycharm_a_redirected_stderr_still_gets_plain_lines(monkeypatch) -> None:
    monkeypatch.setenv("PYCHARM_HOSTED", "1")
    out = io.StringIO()
    _fit_to(out, monkeypatch)
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()
    assert [line.split(" - ")[0] for line in out.getvalue().splitlines()] == [
        "Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]


def test_in_pycharm_a_string_or_a_log_file_does_not_redraw(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYCHARM_HOSTED", "1")
    assert not redraws(io.StringIO())
    with open(tmp_path / "log", "w") as log:
        assert not redraws(log)


_ASK = "import sys; from nonlin.progress import redraws; print(redraws(sys.stderr))"


@pytest.mark.skipif(sys.platform == "win32", reason="file descriptors 1 and 2 as on POSIX")
def test_in_pycharm_the_console_pipe_redraws_and_2_to_a_log_does_not(tmp_path: Path) -> None:
    env = {**cli_env(), "PYCHARM_HOSTED": "1"}
    console = subprocess.run([sys.executable, "-c", _ASK], env=env, capture_output=True,
                             text=True, timeout=120)
    assert console.stdout.strip() == "True", console.stderr  # PyCharm's run console: a pipe
    with open(tmp_path / "log", "wb") as handle:  # `python train.py 2> log`, run from PyCharm
        logged = subprocess.run([sys.executable, "-c", _ASK], env=env, stdout=subprocess.PIPE,
                                stderr=handle, text=True, timeout=120)
    assert logged.stdout.strip() == "False", (tmp_path / "log").read_text()
    env.pop("PYCHARM_HOSTED")  # a pipe outside PyCharm (CI): plain lines
    plain = subprocess.run([sys.executable, "-c", _ASK], env=env, capture_output=True,
                           text=True, timeout=120)
    assert plain.stdout.strip() == "False", plain.stderr
