"""Checkpoints keep the callbacks' counters: a resumed run stops, lowers the rate and
restores the best weights exactly as the run straight through does."""

from __future__ import annotations

import numpy as np
import pytest
import safetensors.numpy as stnp

import nonlin
from io_helpers import edit_meta, split
from nonlin import EarlyStopping, ModelFileError, ReduceLROnPlateau
from nonlin.callbacks import Callback
from nonlin.checkpoint import ModelCheckpoint, load_checkpoint
from test_checkpoint import FIT, _assert_same_run, _data, _layers

# These tests train a Dense-last model with cross_entropy (probabilities expected) on
# purpose: fixed trajectories for resume and file checks, not a well-posed loss.
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*CrossEntropy takes probabilities:UserWarning")


def _callbacks(path):
    # ModelCheckpoint last: it records the others' state after they saw the epoch
    return [EarlyStopping(patience=4, restore_best_weights=True),
            ReduceLROnPlateau(patience=1, factor=0.5),
            ModelCheckpoint(path, save_best_only=False)]


class _Interrupt(Callback):
    def __init__(self, at: int) -> None:
        self.at = at

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.at:
            raise KeyboardInterrupt


def _fit(model, callbacks, **kwargs):
    X, y = _data()
    opt = kwargs.pop("optimizer", None) or nonlin.SGD(0.05, momentum=0.9)
    model.fit(X, y, optimizer=opt, epochs=40, callbacks=callbacks, **FIT, **kwargs)
    return model


def test_resumed_early_stopping_and_plateau_equal_the_straight_run(tmp_path):
    straight_cbs = _callbacks(tmp_path / "straight.safetensors")
    straight = _fit(nonlin.Sequential(_layers()), straight_cbs, seed=7)
    stopping = straight_cbs[0]
    assert stopping.best_epoch == 2 and stopping.stopped_epoch == 6  # spans the interruption

    path = tmp_path / "ck.safetensors"
    with pytest.raises(KeyboardInterrupt):
        _fit(nonlin.Sequential(_layers()), [*_callbacks(path), _Interrupt(3)], seed=7)
    checkpoint = load_checkpoint(path)
    assert checkpoint.epoch == 4
    assert [c["class_name"] for c in checkpoint.callbacks] == ["EarlyStopping",
                                                              "ReduceLROnPlateau"]
    resumed_cbs = _callbacks(tmp_path / "again.safetensors")
    resumed = _fit(nonlin.Sequential(_layers()), resumed_cbs, optimizer="sgd", resume_from=path)
    _assert_same_run(resumed, straight)  # the best weights of epoch 2, put back at the end
    assert resumed.optimizer.lr == straight.optimizer.lr
    assert (resumed_cbs[0].best_epoch, resumed_cbs[0].stopped_epoch) == (2, 6)


def test_load_checkpoint_then_fit_restores_the_callbacks_too(tmp_path):
    path = tmp_path / "ck.safetensors"
    with pytest.raises(KeyboardInterrupt):
        _fit(nonlin.Sequential(_layers()), [*_callbacks(path), _Interrupt(3)], seed=7)
    checkpoint = load_checkpoint(path)
    callbacks = _callbacks(tmp_path / "again.safetensors")
    _fit(checkpoint.model, callbacks, optimizer=checkpoint.optimizer,
         initial_epoch=checkpoint.epoch)
    assert (callbacks[0].best_epoch, callbacks[0].stopped_epoch) == (2, 6)


def test_other_callbacks_on_resume_are_warned_about(tmp_path):
    path = tmp_path / "ck.safetensors"
    with pytest.raises(KeyboardInterrupt):
        _fit(nonlin.Sequential(_layers()), [*_callbacks(path), _Interrupt(3)], seed=7)
    with pytest.warns(UserWarning) as caught:
        _fit(nonlin.Sequential(_layers()), [ReduceLROnPlateau(patience=1)], optimizer="sgd",
             resume_from=path)
    messages = [str(w.message) for w in caught]
    assert any("callback 0 (EarlyStopping), but fit's callback 0 is ReduceLROnPlateau" in m
               for m in messages)
    assert any("callback 1 (ReduceLROnPlateau), but fit's callback 1 is missing" in m
               for m in messages)


def _checkpoint(tmp_path):
    path = tmp_path / "ck.safetensors"
    _fit(nonlin.Sequential(_layers()), _callbacks(path)[:1] + [ModelCheckpoint(path)], seed=7)
    return path


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda r: {**r, "callbacks": {}}, "expected a list"),
        (lambda r: {**r, "callbacks": [{"index": -1, "class_name": "X", "state": {}}]},
         "index >= 0"),
        (lambda r: {**r, "callbacks": [{"index": 0, "class_name": "X", "state": {"a": "b"}}]},
         "numbers or null"),
        (lambda r: {**r, "callbacks": [{"index": 5, "class_name": "EarlyStopping",
                                        "state": {}}]}, "belongs to no callback"),
    ],
)
def test_hostile_callback_state_is_a_model_file_error(tmp_path, change, message):
    path = _checkpoint(tmp_path)
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(edit_meta(path.read_bytes(), "checkpoint", change))
    with pytest.raises(ModelFileError, match=message):
        load_checkpoint(bad)


def test_checkpoints_without_callback_state_still_load(tmp_path):
    path = _checkpoint(tmp_path)
    record = load_checkpoint(path)
    assert record.callbacks and any(k.startswith("best_weights.")
                                    for k in record.callbacks[0]["state"])
    old = tmp_path / "old.safetensors"  # as written before callback state existed
    data = edit_meta(path.read_bytes(), "checkpoint",
                     lambda r: {k: v for k, v in r.items() if k != "callbacks"})
    header, _ = split(data)
    tensors = {k: v for k, v in stnp.load(data).items() if not k.startswith("callback.")}
    old.write_bytes(stnp.save(tensors, metadata=header["__metadata__"]))
    assert load_checkpoint(old).callbacks == []
    np.testing.assert_array_equal(nonlin.load(old).get_weights()[0],
                                  nonlin.load(path).get_weights()[0])
