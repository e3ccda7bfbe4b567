"""A third Ctrl-C (or signal) inside a training step cuts it (``SigintGuard.torn``): the
checkpoint ``nonlin train`` then saves is kept, but it may no longer resume to the bits of a
run never stopped (it does not where the step had begun to change anything), and the command
now says so (it offered it as any other). ``fit``'s
``KeyboardInterrupt`` says so too.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import _epoch_loop
from signal_helpers import signal_folder
from signal_helpers import train_d_csv as _train

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is not a signal on Windows"),
    pytest.mark.filterwarnings("ignore:.*CrossEntropy takes probabilities:UserWarning"),
]

_SAID = ("note: a third Ctrl-C (or SIGTERM) cut the running training step, which the "
         "checkpoint may hold part-way: the resumed run trains on from it, but may not end with "
         "the same bits as a run never stopped")


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """The working folder with ``d.csv`` (8 steps an epoch); the handlers back after it."""
    with signal_folder(monkeypatch, tmp_path) as path:
        yield path


def _signals_in_epoch_2(monkeypatch: pytest.MonkeyPatch, where: str,
                        signals: tuple[int, ...]) -> None:
    """``signals`` raised in epoch 2: right after its shuffling draw (the record of where
    the generator started it not made yet), or before its third step."""
    calls: list[int] = []
    if where == "draw":
        real = _epoch_loop.permutation

        def draw(rng: Any, n: int) -> Any:
            order = real(rng, n)  # the generator moved: a resume must not draw again
            calls.append(n)
            if len(calls) == 2:
                for signum in signals:
                    signal.raise_signal(signum)
            return order

        monkeypatch.setattr(_epoch_loop, "permutation", draw)
        return
    step = _epoch_loop._Loop._step

    def stepped(self: Any, epoch: int, batch: int, *args: Any) -> float:
        calls.append(batch)
        if len(calls) == 11:  # epoch 2, batch 2 (8 a epoch)
            for signum in signals:
                signal.raise_signal(signum)
        return step(self, epoch, batch, *args)

    monkeypatch.setattr(_epoch_loop._Loop, "_step", stepped)


@pytest.mark.parametrize("where", ["draw", "step"])
@pytest.mark.parametrize(("signals", "word", "status"), [
    ((signal.SIGINT,) * 3, "interrupted", 130),
    ((signal.SIGTERM, signal.SIGINT, signal.SIGINT), "terminated", 143)])
def test_a_cut_step_is_said_to_resume_to_other_bits(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        where: str, signals: tuple[int, ...], word: str, status: int) -> None:
    assert _train(out="straight.safetensors") == 0
    _signals_in_epoch_2(monkeypatch, where, signals)
    assert _train() == status
    err = capsys.readouterr().err
    assert f"nonlin: {word} after 1 of 4 epochs; checkpoint saved to " \
        "m.checkpoint.safetensors\n" + _SAID + "\nresume with: nonlin train d.csv" in err, err
    monkeypatch.undo()
    with signal_folder(monkeypatch, folder):  # the checkpoint is kept, and resumes
        assert _train("--resume", "m.checkpoint.safetensors") == 0
    assert _SAID not in capsys.readouterr().err
    assert any(a.tobytes() != b.tobytes() for a, b in zip(
        nonlin.load("m.safetensors").get_weights(),
        nonlin.load("straight.safetensors").get_weights(), strict=True))  # as it said


def test_fit_says_a_third_ctrl_c_cut_the_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """The library's ``KeyboardInterrupt`` says so; a second between steps does not."""
    X = np.random.default_rng(0).normal(size=(32, 2))

    def fit(signals: int) -> KeyboardInterrupt:
        monkeypatch.undo()
        _signals_in_epoch_2(monkeypatch, "step", (signal.SIGINT,) * signals)
        model = nonlin.Sequential([nonlin.Dense(1)])
        with pytest.raises(KeyboardInterrupt) as info:
            model.fit(X, X[:, :1], loss="mse", optimizer="sgd", epochs=3, batch_size=4,
                      verbose=0, seed=0)
        return info.value

    assert "a third Ctrl-C cut the running training step" in str(fit(3))
    assert str(fit(2)) == ""
