"""Progress display corners left by session 29 (session 30):

* ``TQDM_DISABLE`` on a terminal turned the bar off and with it each epoch's results (they
  lived in the bar): such a run now gets verbose=2's line per epoch, as a file does;
* a pseudo-terminal reporting 0 columns (a size never set: a CI runner's or a container's
  ``-t``) gets plain lines, not a bar that cannot be fitted to it;
* on a file, a validation pass within ``fit`` writes a line a minute, as the training
  batches do (a CI job's no-output timeout).
Both terminal cases run ``fit`` in a child process whose standard error is a real
pseudo-terminal.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import Dense, Sequential
from source_helpers import Seq, data

pty = pytest.importorskip("pty")
fcntl = pytest.importorskip("fcntl")
termios = pytest.importorskip("termios")

SRC = str(Path(nonlin.__file__).resolve().parents[1])  # the nonlin under test
FIT = ("import numpy as np, nonlin as nl; X = np.random.default_rng(0).random((64, 3)); "
       "y = np.arange(64) % 2; m = nl.Sequential([nl.Dense(2)]); "
       "m.fit(X, y, loss=nl.CrossEntropy(from_logits=True), optimizer='sgd', epochs=2, "
       "batch_size=16, seed=0, validation_split=0.25, verbose=1)")


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PYCHARM_HOSTED", "TQDM_DISABLE", "TQDM_MININTERVAL", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)


def _on_a_terminal(columns: int, **env: str) -> str:
    """What ``FIT`` writes to a pseudo-terminal of ``columns`` (its standard error)."""
    import struct

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    child_env = {**os.environ, "PYTHONPATH": SRC, **env}
    with subprocess.Popen([sys.executable, "-c", FIT], stdin=subprocess.DEVNULL,
                          stdout=subprocess.DEVNULL, stderr=slave, env=child_env) as child:
        os.close(slave)
        out = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the child closed its end
                break
            if not chunk:
                break
            out += chunk
        assert child.wait(timeout=120) == 0, out
    os.close(master)
    return out.decode().replace("\r\n", "\n")


def _epoch_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.startswith("Epoch ")]


@pytest.mark.parametrize("value", ["1", "True"])
def test_tqdm_disable_on_a_terminal_still_shows_each_epochs_results(value: str) -> None:
    lines = _epoch_lines(_on_a_terminal(80, TQDM_DISABLE=value))
    assert len(lines) == 2 and all(" - loss: " in line and " - val_loss: " in line
                                   for line in lines), lines
    assert lines[0].startswith("Epoch 1/2 - ") and lines[1].startswith("Epoch 2/2 - ")


def test_a_terminal_of_zero_columns_gets_plain_lines() -> None:
    text = _on_a_terminal(0)
    assert "\r" not in text and "|" not in text, repr(text)
    assert len(_epoch_lines(text)) == 2


def test_a_terminal_of_eighty_columns_still_gets_the_bar() -> None:
    pytest.importorskip("tqdm")
    text = _on_a_terminal(80)
    assert "\r" in text and "batch/s" in text and " - val_loss: " in text, repr(text)


def test_redraws_answers_no_for_a_disabled_bar_or_zero_columns(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from nonlin.progress import redraws

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert redraws(Tty())  # no file descriptor: no size to ask, a bar
    monkeypatch.setenv("TQDM_DISABLE", "1")
    assert not redraws(Tty())
    monkeypatch.setenv("TQDM_DISABLE", "")  # tqdm reads the empty string as not set
    assert redraws(Tty())


# -- a long validation pass on a file -----------------------------------------------------
class _Clock:
    """``time.monotonic`` a minute and a second further at each reading."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 61.0
        return self.now


@pytest.mark.parametrize("form", ["arrays", "sequence"])
def test_a_long_validation_pass_within_fit_writes_a_line_a_minute_on_a_file(
        monkeypatch: pytest.MonkeyPatch, form: str) -> None:
    X, y = data(40, 3)
    Xv, yv = data(60, 3, seed=1)
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    monkeypatch.setattr(nonlin.progress, "time", _Clock())
    given: dict[str, Any] = ({"validation_data": (Xv, yv), "validation_batch_size": 10}
                             if form == "arrays" else {"validation_data": Seq(Xv, yv, size=10)})
    Sequential([Dense(2)]).fit(X, y, loss=nonlin.CrossEntropy(from_logits=True),
                               optimizer="sgd", epochs=1, batch_size=20, seed=0, verbose=1,
                               **given)
    lines = log.getvalue().splitlines()
    validation = [line for line in lines if " - validation: " in line]
    assert validation, lines
    assert validation[0].startswith("Epoch 1/1 - validation: 1 batches - ")
    assert lines[-1].startswith("Epoch 1/1 - ") and " - val_loss: " in lines[-1]


def test_verbose_2_and_a_terminal_add_nothing_per_validation_chunk() -> None:
    from nonlin.progress import ProgbarLogger

    assert ProgbarLogger(2, 3, 1, file=io.StringIO()).validation_tick() is None
    assert ProgbarLogger(1, 3, 1, file=io.StringIO()).validation_tick() is not None

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert ProgbarLogger(1, 3, 1, file=Tty()).validation_tick() is None


def test_the_bits_are_those_of_a_silent_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = data(40, 3)
    weights = []
    for verbose in (0, 1):
        monkeypatch.setattr(sys, "stderr", io.StringIO())
        model = Sequential([Dense(2)])
        model.fit(X, y, loss=nonlin.CrossEntropy(from_logits=True), optimizer="sgd",
                  epochs=2, batch_size=8, seed=0, verbose=verbose, validation_split=0.25)
        weights.append(model.get_weights())
    for a, b in zip(*weights, strict=True):
        np.testing.assert_array_equal(a, b)
