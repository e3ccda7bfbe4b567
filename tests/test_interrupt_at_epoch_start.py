"""Ctrl-C at an epoch's start, right after its shuffling order is drawn from the model's
generator: the draw and its progress record are one step for SIGINT (``SigintGuard.in_step``),
so a second Ctrl-C there is deferred like one inside a training step; the checkpoint then
saved (``nonlin train``'s) resumes bit-identically. It used to raise between the draw and the
record: the checkpoint held a generator past the draw and no record of it, and the resumed
run shuffled that epoch another way."""

from __future__ import annotations

import signal

import pytest

import nonlin
from nonlin import _epoch_loop
from nonlin.checkpoint import load_checkpoint, save_checkpoint
from test_checkpoint import _assert_same_run, _layers
from test_checkpoint_partial import _fit

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*CrossEntropy takes probabilities:UserWarning")


def _twice_after_the_draw(monkeypatch, epoch):
    """Make two Ctrl-C arrive right after the order of ``epoch`` is drawn."""
    real, calls = _epoch_loop.permutation, []

    def drawn_then_interrupted(rng, n):
        order = real(rng, n)
        calls.append(n)
        if len(calls) == epoch + 1:
            signal.raise_signal(signal.SIGINT)  # deferred: pending
            signal.raise_signal(signal.SIGINT)  # between two steps this one raised at once
        return order

    monkeypatch.setattr(_epoch_loop, "permutation", drawn_then_interrupted)


@pytest.mark.skipif(not hasattr(signal, "raise_signal"), reason="needs signal.raise_signal")
def test_a_ctrl_c_right_after_the_epochs_draw_resumes_bit_identically(tmp_path, monkeypatch):
    straight = _fit(nonlin.Sequential(_layers()), "adam", 5, seed=7)
    _twice_after_the_draw(monkeypatch, epoch=2)
    model = nonlin.Sequential(_layers())
    with pytest.raises(KeyboardInterrupt):
        _fit(model, "adam", 5, seed=7)
    monkeypatch.undo()
    path = tmp_path / "stopped.safetensors"
    save_checkpoint(model, path, epoch=model.history.epoch[-1] + 1)  # as nonlin train does
    checkpoint = load_checkpoint(path)
    assert checkpoint.epoch == 2 and checkpoint.partial is not None
    assert checkpoint.partial["rows"] == 16  # the first step ran, then the deferred Ctrl-C
    resumed = _fit(nonlin.Sequential(_layers()), "adam", 5, optimizer="adam", resume_from=path)
    _assert_same_run(resumed, straight)
