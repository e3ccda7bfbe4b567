"""``model.stop_training`` set in a batch hook ends the epoch after that batch (Keras 3):
``on_epoch_end`` still runs, with the loss and metrics of the rows trained, then
``on_train_end``; History, checkpoints and the progress display treat it as the epoch."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
import nonlin.progress
from nonlin import Callback
from nonlin.checkpoint import ModelCheckpoint, load_checkpoint
from test_callbacks import data, model
from test_checkpoint import FIT, _assert_same_run, _data, _layers

# These tests train a Dense-last model with cross_entropy (probabilities expected) on
# purpose: fixed trajectories for resume and file checks, not a well-posed loss.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*CrossEntropy takes probabilities:UserWarning")


class _StopAt(Callback):
    """Set ``stop_training`` after batch ``batch`` of epoch ``epoch``; with ``carry_on``,
    clear it again at that epoch's end (the epoch ends early, training goes on)."""

    def __init__(self, epoch: int, batch: int, carry_on: bool = False) -> None:
        self.epoch, self.batch, self.carry_on, self.current = epoch, batch, carry_on, -1
        self.calls: list[str] = []
        self.batch_losses: list[tuple[float, int]] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.current = epoch

    def on_batch_end(self, batch, logs=None):
        self.calls.append(f"batch_end {self.current}.{batch}")
        if self.current == self.epoch:
            self.batch_losses.append((logs["loss"], logs["size"]))
        if (self.current, batch) == (self.epoch, self.batch):
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self.calls.append(f"epoch_end {epoch} in progress={self.model._epoch_in_progress}")
        if self.carry_on and epoch == self.epoch:
            self.model.stop_training = False

    def on_train_end(self, logs=None):
        self.calls.append("train_end")


def hits(y_true, y_pred):
    """Arg-max accuracy as a plain function (fit keeps the outputs for it)."""
    return float(np.mean(y_pred.argmax(axis=1) == y_true))


def test_a_stop_in_on_batch_end_ends_the_epoch_after_that_batch() -> None:
    X, y = data(n=120)
    stop = _StopAt(epoch=1, batch=1)
    m = model()
    h = m.fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=5, batch_size=32, seed=0,
              metrics=["accuracy", hits], validation_split=0.2, callbacks=[stop], verbose=0)
    assert stop.calls == ["batch_end 0.0", "batch_end 0.1", "batch_end 0.2",
                          "epoch_end 0 in progress=None", "batch_end 1.0", "batch_end 1.1",
                          "epoch_end 1 in progress=None", "train_end"]
    assert h.epoch == [0, 1] and m._epoch_in_progress is None
    assert m.optimizer.iterations == 3 + 2
    # 96 training rows, batches of 32: epoch 1 trained on 64 of them
    # the batch-end loss is the epoch's running loss (Keras 3): the last one is the epoch's
    losses, sizes = np.array(stop.batch_losses).T
    assert h.history["loss"][1] == losses[-1]
    assert sizes.sum() == 64
    # the streaming metric and the plain function see the same 64 rows only
    assert h.history["accuracy"][1] == pytest.approx(h.history["hits"][1], rel=1e-12)
    assert np.isfinite(h.history["val_loss"][1]) and "val_hits" in h.history


def test_an_epoch_ended_early_then_resumed_from_its_checkpoint_equals_carrying_on(tmp_path):
    """ModelCheckpoint writes the short epoch as done: resuming from that file gives the
    bits of a run whose epoch 2 ended after batch 1 and that then simply went on."""
    X, y = _data()
    def opt():
        return dict(optimizer=nonlin.SGD(0.05, momentum=0.9), seed=7)

    carried = nonlin.Sequential(_layers())
    carried.fit(X, y, epochs=5, callbacks=[_StopAt(2, 1, carry_on=True)], **FIT, **opt())
    assert carried.history.epoch == [0, 1, 2, 3, 4]
    assert carried.optimizer.iterations == 4 * 5 + 2  # 72 rows in batches of 16; epoch 2: two

    path = tmp_path / "ck.safetensors"
    stopped = nonlin.Sequential(_layers())
    stopped.fit(X, y, epochs=5, callbacks=[_StopAt(2, 1), ModelCheckpoint(path)], **FIT, **opt())
    assert stopped.history.epoch == [0, 1, 2]
    checkpoint = load_checkpoint(path)
    assert checkpoint.epoch == 3 and checkpoint.partial is None
    assert checkpoint.history.history == stopped.history.history

    resumed = nonlin.Sequential(_layers())
    resumed.fit(X, y, epochs=5, optimizer="sgd", resume_from=path, **FIT)
    _assert_same_run(resumed, carried)


def test_the_progress_bar_shows_the_batches_trained(capsys, monkeypatch) -> None:
    monkeypatch.setattr(nonlin.progress, "redraws", lambda file: True)  # as on a terminal
    X, y = data(n=120)
    model().fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=3, batch_size=24,
                callbacks=[_StopAt(0, 1)], verbose=1)
    err = capsys.readouterr().err
    assert "2/5" in err and "5/5" not in err


def test_an_epoch_resumed_from_a_ctrl_c_checkpoint_can_end_early_too(tmp_path) -> None:
    """Ctrl-C after batch 1 of epoch 2, resumed; a callback ends that epoch after batch 3:
    the loss and accuracy cover rows 0-63 across the interruption, as in a run straight
    through."""
    from test_checkpoint_partial import _fit, _stopped_checkpoint

    straight = _fit(nonlin.Sequential(_layers()), "adam", 4, seed=7,
                    callbacks=[_StopAt(2, 3, carry_on=True)])
    path = _stopped_checkpoint(tmp_path, "adam", epoch=2, batch=1)
    resumed = _fit(nonlin.Sequential(_layers()), "adam", 4, optimizer="adam", resume_from=path,
                   callbacks=[_StopAt(2, 3, carry_on=True)])
    _assert_same_run(resumed, straight)
    assert resumed.optimizer.iterations == 3 * 5 + 4
