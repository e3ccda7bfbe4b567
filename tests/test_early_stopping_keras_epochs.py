"""EarlyStopping's ``stopped_epoch`` and ``best_epoch`` start at 0 as in Keras 3 (they
were -1), so ``if stopping.stopped_epoch:`` asks whether training stopped early; states
and checkpoints written with -1 still load, and a run resumed from one equals the straight run."""

from __future__ import annotations

import pytest
import safetensors.numpy as stnp

import nonlin
from io_helpers import edit_meta
from nonlin import SGD, EarlyStopping
from nonlin.checkpoint import ModelCheckpoint
from test_checkpoint import FIT, _assert_same_run, _data, _layers
from test_checkpoint_callbacks import _Interrupt
from test_early_stopping import _run

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*CrossEntropy takes probabilities:UserWarning")


def test_a_fresh_callback_has_keras_zeros() -> None:
    stop = EarlyStopping()
    assert (stop.stopped_epoch, stop.best_epoch) == (0, 0)


def test_a_run_not_stopped_leaves_stopped_epoch_false_and_says_nothing(capsys) -> None:
    stop = EarlyStopping(patience=2, verbose=1)
    _run([1.0, 0.5, 0.6, 0.7], stop)  # stopped in epoch 3
    assert stop.stopped_epoch == 3 and "Epoch 4: early stopping" in capsys.readouterr().err
    _run([0.5, 0.6, 0.4], stop)  # the same callback again: on_train_begin starts anew
    assert not stop.stopped_epoch and stop.best_epoch == 2
    assert capsys.readouterr().err == ""


def test_a_state_with_minus_one_from_older_versions_reads_as_zero() -> None:
    stop = EarlyStopping()
    stop.load_state_dict({"wait": 2, "best": None, "best_epoch": -1, "stopped_epoch": -1})
    assert (stop.wait, stop.best_epoch, stop.stopped_epoch) == (2, 0, 0)
    assert stop.state_dict()["stopped_epoch"] == 0


def _older(path) -> None:
    """Rewrite the EarlyStopping state of the checkpoint at ``path`` as older versions wrote it."""
    def change(meta):
        for entry in meta["callbacks"]:
            if entry["class_name"] == "EarlyStopping":
                assert entry["state"]["best_epoch"] == 0 == entry["state"]["stopped_epoch"]
                entry["state"].update(best_epoch=-1, stopped_epoch=-1)
        return meta

    path.write_bytes(edit_meta(path.read_bytes(), "checkpoint", change))


def test_resumed_from_an_older_checkpoint_equals_the_straight_run(tmp_path) -> None:
    def fit(extra=(), **kwargs):
        X, y = _data()
        # start_from_epoch beyond the run: no best epoch, no stop, on either side of the cut
        stop = EarlyStopping(patience=0, start_from_epoch=10, verbose=1)
        m = nonlin.Sequential(_layers())
        m.fit(X, y, epochs=5, callbacks=[stop, ModelCheckpoint(tmp_path / "ck.safetensors"),
                                         *extra], **FIT, **kwargs)
        return m, stop

    straight, stop = fit(optimizer=SGD(0.05, momentum=0.9), seed=7)
    assert (stop.best_epoch, stop.stopped_epoch) == (0, 0)
    with pytest.raises(KeyboardInterrupt):
        fit([_Interrupt(2)], optimizer=SGD(0.05, momentum=0.9), seed=7)
    _older(tmp_path / "ck.safetensors")
    assert stnp.load_file(tmp_path / "ck.safetensors")  # still a readable file
    resumed, again = fit(optimizer="sgd", resume_from=tmp_path / "ck.safetensors")
    _assert_same_run(resumed, straight)
    assert (again.best_epoch, again.stopped_epoch, again.wait) == (0, 0, 0)
