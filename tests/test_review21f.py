"""Hostile review of s21-kerascb (BackupAndRestore, TerminateOnNaN): faults found, each
with the test that failed before its fix."""

from __future__ import annotations

import os

import numpy as np
import pytest

import nonlin
from nonlin.callbacks import BackupAndRestore

RNG = np.random.default_rng(21)
X = RNG.normal(size=(40, 3))
Y = (X[:, 0] > 0).astype(np.int64)


def _model():
    return nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])


def test_a_numpy_array_of_callbacks_is_taken_as_before():
    # fit's new "if callbacks:" asked an array for its truth value (ValueError: ambiguous)
    stopper = nonlin.EarlyStopping(monitor="loss")
    for callbacks in (np.array([stopper, nonlin.History()], dtype=object),
                      np.array([], dtype=object)):
        history = _model().fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=2,
                               seed=0, verbose=0, callbacks=callbacks)
        assert history.epoch == [0, 1]


def test_a_working_directory_changed_during_fit_leaves_no_backup_behind(tmp_path,
                                                                       monkeypatch):
    # a relative backup_dir was joined anew at each write: the backups went to the first
    # folder, the delete at the end to the second, and the next run of the script resumed
    # from the stale backup of a run that had ended
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")

    class Moves(nonlin.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                os.chdir(tmp_path / "b")

    _model().fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=3, seed=0, verbose=0,
                 callbacks=[BackupAndRestore("backup"), Moves()])
    assert not (tmp_path / "a" / "backup").exists()
    assert not (tmp_path / "b" / "backup").exists()


def test_a_backup_dir_with_a_nul_is_refused_when_made(tmp_path):
    # accepted, then os.makedirs' "embedded null byte" after the first epoch had trained
    with pytest.raises(ValueError, match=r"Expected a folder path.*Received: backup_dir="):
        BackupAndRestore(f"{tmp_path}/a\0b")


def test_backup_and_restore_in_a_loop_of_ones_own_is_refused(tmp_path):
    # it wrote a backup of epoch 1, then warned at each epoch ("Expected epoch=2 ...") and
    # kept that stale file, which a later fit with the same backup_dir resumed from
    from nonlin.callbacks import CallbackList

    model = _model()
    model.build(3, seed=0)
    model.compile(optimizer="adam", loss="cross_entropy")
    callbacks = CallbackList([BackupAndRestore(tmp_path / "b", delete_checkpoint=False)],
                             model=model, add_history=True, epochs=3)
    with pytest.raises(RuntimeError, match="Expected BackupAndRestore among fit's callbacks"):
        callbacks.on_train_begin()
    assert not (tmp_path / "b").exists()


class _FailsAtTheEnd(nonlin.Callback):
    def on_train_end(self, logs=None):
        raise RuntimeError("killed in on_train_end")


def _stopped_script(folder, extra=(), **backup):
    model = _model()
    stopper = nonlin.EarlyStopping(monitor="loss", patience=0, min_delta=10,
                                   restore_best_weights=True)
    history = model.fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=8, batch_size=8,
                        seed=3, verbose=0,
                        callbacks=[BackupAndRestore(folder, **backup), stopper, *extra])
    return model, history, stopper


def test_a_run_stopped_early_and_killed_before_its_end_resumes_to_that_stop(tmp_path):
    # the backup did not say that training had stopped: the re-run trained epoch 2 and on
    straight = _stopped_script(tmp_path / "a")
    assert straight[1].epoch == [0, 1] and straight[2].stopped_epoch == 1
    with pytest.raises(RuntimeError, match="killed in on_train_end"):
        _stopped_script(tmp_path / "b", [_FailsAtTheEnd()])
    model, history, stopper = _stopped_script(tmp_path / "b")
    assert history.epoch == [0, 1] and stopper.stopped_epoch == 1 and model.stop_training
    assert model.optimizer.iterations == straight[0].optimizer.iterations
    for a, b in zip(straight[0].get_weights(), model.get_weights(), strict=True):
        assert np.array_equal(a, b)
    assert history.history == straight[1].history
    assert model.rng.bit_generator.state == straight[0].rng.bit_generator.state
    assert not (tmp_path / "b").exists()
    # delete_checkpoint=False: the script run again after its stop trains no more either
    first = _stopped_script(tmp_path / "k", delete_checkpoint=False)
    again = _stopped_script(tmp_path / "k", delete_checkpoint=False)
    assert again[1].epoch == [0, 1]
    assert again[0].optimizer.iterations == first[0].optimizer.iterations


def test_the_stop_a_checkpoint_holds_binds_only_a_resumed_backup(tmp_path):
    # resume_from= a ModelCheckpoint file written at the stop trains on, as before
    saver = nonlin.ModelCheckpoint(str(tmp_path / "ck-{epoch}.safetensors"))
    _stopped_script(tmp_path / "a", [saver])
    model = _model()
    with pytest.warns(UserWarning, match="callback 1 .EarlyStopping., but fit's callback 1 is "
                                         "missing"):
        history = model.fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=8,
                            batch_size=8, verbose=0, resume_from=tmp_path / "ck-2.safetensors",
                            callbacks=[BackupAndRestore(tmp_path / "b")])
    assert history.epoch == list(range(8)) and not model.stop_training


class _Crash(nonlin.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        if epoch == 2:
            raise RuntimeError("interrupted")


@pytest.mark.parametrize(("made", "then"), [("epoch", 3), (3, "epoch")])
def test_save_freq_set_after_the_callback_was_made_backs_up_so(tmp_path, made, then):
    # the batch hook was installed (or not) when made: an int set later wrote no backup
    # at all, "epoch" set later raised int('epoch') at the first batch
    backup = BackupAndRestore(tmp_path / "b", save_freq=made)
    backup.save_freq = then
    with pytest.raises(RuntimeError, match="interrupted"):
        _model().fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=4, batch_size=8,
                     verbose=0, callbacks=[backup, _Crash()])
    kept = nonlin.load_checkpoint(tmp_path / "b" / "latest.safetensors")
    assert (kept.epoch, kept.partial is None) == ((2, True) if then == "epoch" else (1, False))


@pytest.mark.parametrize(("name", "value", "error"), [("save_freq", 0, ValueError),
                                                      ("backup_dir", None, TypeError)])
def test_attributes_set_to_nonsense_after_it_was_made_are_refused_by_fit(tmp_path, name,
                                                                         value, error):
    backup = BackupAndRestore(tmp_path / "b")
    setattr(backup, name, value)
    model = _model()
    with pytest.raises(error, match=f"Expected .*Received: {name}="):
        model.fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=2, verbose=0,
                  callbacks=[backup])
    assert not model.built and not (tmp_path / "b").exists()
