"""A burst of SIGTERMs (a supervisor that repeats it, a ``kill`` loop, ``killall`` run twice)
while ``nonlin train`` trains: the first stops training after the running step; the others
change nothing. They used to count as more Ctrl-Cs, and a third cut the running step: a
checkpoint of half-updated weights, said saved as any other, which resumed to other bits
than a run never stopped. SIGKILL is what ends a process that does not stop in time.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import pytest

import nonlin
from nonlin import _epoch_loop, cli_train
from signal_helpers import signal_folder
from signal_helpers import train_d_csv as _train

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is not a signal on Windows"),
    pytest.mark.filterwarnings("ignore:.*CrossEntropy takes probabilities:UserWarning"),
]


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """The working folder with ``d.csv``; the signal handlers back after the test."""
    with signal_folder(monkeypatch, tmp_path) as path:
        yield path


def test_ten_sigterms_in_one_step_still_resume_to_the_same_bits(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _train(out="straight.safetensors") == 0
    real, calls = _epoch_loop.permutation, []

    def draw(rng: Any, n: int) -> Any:  # within the step fit's guard shields
        calls.append(n)
        if len(calls) == 2:
            for _ in range(10):
                signal.raise_signal(signal.SIGTERM)
        return real(rng, n)

    monkeypatch.setattr(_epoch_loop, "permutation", draw)
    assert _train() == 143
    assert "nonlin: terminated after 1 of 4 epochs and 32 rows of the next" in \
        capsys.readouterr().err
    assert _train("--resume", "m.checkpoint.safetensors") == 0
    for a, b in zip(nonlin.load("m.safetensors").get_weights(),
                    nonlin.load("straight.safetensors").get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()


def test_a_ctrl_c_after_sigterms_still_counts(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGTERMs then Ctrl-C: the Ctrl-C is the second the guard counts (deferred too)."""
    real, calls = _epoch_loop.permutation, []

    def draw(rng: Any, n: int) -> Any:
        calls.append(n)
        if len(calls) == 2:
            for signum in (signal.SIGTERM, signal.SIGTERM, signal.SIGINT):
                signal.raise_signal(signum)
        return real(rng, n)

    monkeypatch.setattr(_epoch_loop, "permutation", draw)
    assert _train() == 143
    assert "nonlin: terminated after 1 of 4 epochs and 32 rows of the next" in \
        capsys.readouterr().err


def test_a_program_handler_that_lets_reading_go_on_still_lets_training_stop(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``main`` in a program whose own Ctrl-C handler does not raise: a SIGTERM while the
    data is read is passed on to it (reading goes on); one while training still stops it."""
    seen: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    real, calls = _epoch_loop.permutation, []

    def draw(rng: Any, n: int) -> Any:
        calls.append(n)
        if len(calls) == 2:
            signal.raise_signal(signal.SIGTERM)
        return real(rng, n)

    monkeypatch.setattr(_epoch_loop, "permutation", draw)
    real_read = cli_train.read_weighted_table

    def read(args: Any) -> Any:
        signal.raise_signal(signal.SIGTERM)
        return real_read(args)

    monkeypatch.setattr(cli_train, "read_weighted_table", read)
    try:
        assert _train() == 143
    finally:
        signal.signal(signal.SIGINT, previous)
    assert seen == [signal.SIGINT]
    assert "nonlin: terminated after 1 of 4 epochs and 32 rows of the next" in \
        capsys.readouterr().err
