"""A signal that comes right after another (a Ctrl-C and a SIGTERM together, ``timeout`` and
a user, a CI runner's SIGINT then SIGTERM, a burst) may run its handler at the first
instruction of the ``except`` where ``nonlin train`` takes the first in hand, before it
ignores them. It used to raise a second ``KeyboardInterrupt`` there, which escaped: while
reading, ``nonlin: interrupted`` and 130 for a SIGTERM; while training, no checkpoint
(``nothing saved``: the run lost). Now it is counted, and the first is finished.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from nonlin import _epoch_loop, cli, cli_train
from signal_helpers import signal_folder

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is not a signal on Windows"),
    pytest.mark.filterwarnings("ignore:.*CrossEntropy takes probabilities:UserWarning"),
]


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """The working folder with ``d.csv``; SIGTERM's and SIGINT's handlers back after."""
    with signal_folder(monkeypatch, tmp_path) as path:
        yield path


def _train() -> int:
    return cli.main(["train", "d.csv", "--target", "y", "--epochs", "2", "--quiet",
                     "--out", "m.safetensors"])


def _second_signal_as_the_first_is_taken(monkeypatch: pytest.MonkeyPatch, signum: int) -> None:
    """``signum`` raised as the command starts to take a ``KeyboardInterrupt`` in hand (its
    first step there ignores Ctrl-C), once."""
    real = cli_train.set_ctrl_c

    def set_ctrl_c(handler: Any) -> None:
        if handler is signal.SIG_IGN and isinstance(sys.exc_info()[1], KeyboardInterrupt):
            monkeypatch.setattr(cli_train, "set_ctrl_c", real)
            signal.raise_signal(signum)
        real(handler)

    monkeypatch.setattr(cli_train, "set_ctrl_c", set_ctrl_c)


@pytest.mark.parametrize(("first", "second"), [(signal.SIGINT, signal.SIGTERM),
                                               (signal.SIGTERM, signal.SIGTERM),
                                               (signal.SIGTERM, signal.SIGINT)])
def test_a_second_signal_while_reading_keeps_the_message_and_143(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        first: int, second: int) -> None:
    real = cli_train.read_weighted_table

    def read(args: Any) -> Any:
        signal.raise_signal(first)
        return real(args)

    monkeypatch.setattr(cli_train, "read_weighted_table", read)
    _second_signal_as_the_first_is_taken(monkeypatch, second)
    assert _train() == 143
    assert capsys.readouterr().err.strip() == (
        "nonlin: terminated before training started; nothing saved")
    assert sorted(p.name for p in folder.iterdir()) == ["d.csv"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("second", [signal.SIGTERM, signal.SIGINT])
def test_a_second_signal_as_training_stops_still_saves_the_checkpoint(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        second: int) -> None:
    real = _epoch_loop.permutation

    def draw(rng: Any, n: int) -> Any:
        signal.raise_signal(signal.SIGTERM)  # fit's guard: stops after the running step
        return real(rng, n)

    monkeypatch.setattr(_epoch_loop, "permutation", draw)
    _second_signal_as_the_first_is_taken(monkeypatch, second)
    assert _train() == 143
    err = capsys.readouterr().err
    assert "nonlin: terminated after 0 of 2 epochs and 32 rows of the next; checkpoint saved " \
           "to m.checkpoint.safetensors" in err
    assert (folder / "m.checkpoint.safetensors").exists()
