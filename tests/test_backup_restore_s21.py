"""Keras 3's BackupAndRestore and TerminateOnNaN (session 21).

An interrupted run, re-run unchanged, ends bit for bit as the uninterrupted one; the backup
is written atomically, kept on an exception, deleted at a normal end; TerminateOnNaN turns
fit's DivergenceError into a stop.
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import nonlin
from nonlin.callbacks import BackupAndRestore, TerminateOnNaN

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 3))
Y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(np.int64)
X_REG = RNG.normal(size=(64, 3))
Y_REG = X_REG @ np.array([1.0, -2.0, 0.5]) + 0.1


class Interrupt(nonlin.Callback):
    """Raise at the start of epoch ``epoch``, or after its batch ``batch``."""

    def __init__(self, epoch: int, batch: int | None = None,
                 error: type[BaseException] = RuntimeError) -> None:
        self.at, self.batch, self.error, self.epoch = epoch, batch, error, -1

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        if self.batch is None and epoch == self.at:
            raise self.error("interrupted")

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == self.at and batch == self.batch:
            raise self.error("interrupted")


def _script(folder, extra=(), save_freq="epoch", epochs=6, **backup):
    """The user's script: the same model, data and callbacks each time it runs."""
    model = nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(2),
                               nonlin.Softmax()])
    stopper = nonlin.EarlyStopping(monitor="loss", patience=50, restore_best_weights=True)
    plateau = nonlin.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1)
    # the backup first in the list: fit calls it after the others all the same
    callbacks = [BackupAndRestore(str(folder), save_freq=save_freq, **backup), stopper,
                 plateau, *extra]
    history = model.fit(X, Y, loss="cross_entropy", optimizer=nonlin.Adam(0.05),
                        epochs=epochs, batch_size=8, seed=3, verbose=0, metrics=["accuracy"],
                        validation_split=0.2, callbacks=callbacks)
    return model, history, stopper, plateau


def _same_state(a, b):
    ma, ha, sa, pa = a
    mb, hb, sb, pb = b
    for wa, wb in zip(ma.get_weights(), mb.get_weights(), strict=True):
        assert np.array_equal(wa, wb)
    oa, ob = ma.optimizer.state_dict(), mb.optimizer.state_dict()
    assert oa.keys() == ob.keys()
    for key in oa:
        assert np.array_equal(oa[key], ob[key]), key
    assert ha.epoch == hb.epoch and ha.history == hb.history
    assert ma.history.history == mb.history.history
    for left, right in ((sa.state_dict(), sb.state_dict()), (pa.state_dict(), pb.state_dict())):
        assert left.keys() == right.keys()
        for key in left:
            assert np.array_equal(left[key], right[key]), key
    assert ma.rng.bit_generator.state == mb.rng.bit_generator.state


# 48 training rows in batches of 8: 6 batches per epoch; an integer save_freq counts
# batches across epochs, and the interrupting callback runs before the backup's hook
@pytest.mark.parametrize(("save_freq", "interrupt", "saved"), [
    ("epoch", Interrupt(3), (3, False)),  # at the start of epoch 3: resumed at epoch 3
    (4, Interrupt(2, batch=5), (2, True)),  # mid-epoch 2, two batches after a backup
    (4, Interrupt(2, batch=3), (1, True)),  # backed up after epoch 1's last batch
    (4, Interrupt(0, batch=5), (0, True)),  # mid-epoch 0: the callbacks' counters come too
])
def test_an_interrupted_run_rerun_unchanged_ends_bit_for_bit(tmp_path, save_freq, interrupt,
                                                             saved):
    straight = _script(tmp_path / "a", save_freq=save_freq)
    assert not (tmp_path / "a").exists()  # deleted at the end (delete_checkpoint)
    with pytest.raises(RuntimeError, match="interrupted"):
        _script(tmp_path / "b", [interrupt], save_freq=save_freq)
    kept = nonlin.load_checkpoint(tmp_path / "b" / "latest.safetensors")
    assert (kept.epoch, kept.partial is not None) == saved
    resumed = _script(tmp_path / "b", save_freq=save_freq)
    _same_state(straight, resumed)
    assert not (tmp_path / "b").exists()
    assert resumed[1].epoch == list(range(6))  # the whole curve, as resume_from returns it


def test_ctrl_c_keeps_the_backup_and_a_stop_deletes_it(tmp_path):
    with pytest.raises(KeyboardInterrupt):
        _script(tmp_path, [Interrupt(2, error=KeyboardInterrupt)])
    assert sorted(os.listdir(tmp_path)) == ["latest.safetensors"]
    (tmp_path / "mine.txt").write_text("kept")  # only the callback's own files are deleted
    model, history, _, _ = _script(tmp_path, [nonlin.EarlyStopping(monitor="loss",
                                                                   patience=0, min_delta=10)])
    assert history.epoch == [0, 1, 2, 3] and model.stop_training
    assert sorted(os.listdir(tmp_path)) == ["mine.txt"]
    _script(tmp_path / "k", [Interrupt(9)], epochs=2, delete_checkpoint=False)
    assert nonlin.load_checkpoint(tmp_path / "k" / "latest.safetensors").epoch == 2


def test_a_save_that_fails_mid_write_leaves_the_previous_backup(tmp_path, monkeypatch):
    from nonlin import _atomic

    straight = _script(tmp_path / "a")
    real, calls = _atomic._write_all, []

    def half_then_fail(handle, data):
        calls.append(len(data))
        if len(calls) == 3:  # the third backup: half of it, then the disk is full
            handle.write(bytes(data)[: len(data) // 2])
            raise OSError(28, "No space left on device")
        real(handle, data)

    monkeypatch.setattr(_atomic, "_write_all", half_then_fail)
    with pytest.raises(OSError, match="No space left"):
        _script(tmp_path / "b")
    monkeypatch.undo()
    assert os.listdir(tmp_path / "b") == ["latest.safetensors"]  # no temporary file left
    assert nonlin.load_checkpoint(tmp_path / "b" / "latest.safetensors").epoch == 2
    _same_state(straight, _script(tmp_path / "b"))


def test_double_checkpoint_keeps_the_previous_and_falls_back_to_it(tmp_path):
    straight = _script(tmp_path / "a")
    with pytest.raises(RuntimeError):
        _script(tmp_path / "b", [Interrupt(3)], double_checkpoint=True)
    folder = tmp_path / "b"
    assert sorted(os.listdir(folder)) == ["_latest.safetensors", "latest.safetensors"]
    assert nonlin.load_checkpoint(folder / "_latest.safetensors").epoch == 2
    (folder / "latest.safetensors").write_bytes(b"\x00" * 40)  # damaged on disk
    with pytest.warns(UserWarning, match="resuming from the previous one"):
        resumed = _script(folder, double_checkpoint=True)
    _same_state(straight, resumed)
    # without double_checkpoint a damaged backup is refused, naming the file
    with pytest.raises(RuntimeError):
        _script(tmp_path / "c", [Interrupt(3)])
    (tmp_path / "c" / "latest.safetensors").write_bytes(b"\x00" * 40)
    with pytest.raises(nonlin.ModelFileError, match="latest.safetensors"):
        _script(tmp_path / "c")


def test_the_backup_wins_over_resume_from_and_initial_epoch(tmp_path):
    ck = tmp_path / "ck.safetensors"
    first = nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(2),
                               nonlin.Softmax()])
    straight = first.fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=2, batch_size=8,
                         seed=3, verbose=0, validation_split=0.2, metrics=["accuracy"],
                         callbacks=[nonlin.ModelCheckpoint(ck)])
    model = nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(2),
                               nonlin.Softmax()])
    backup = BackupAndRestore(tmp_path / "b", delete_checkpoint=False)
    model.fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=3, batch_size=8, verbose=0,
              validation_split=0.2, metrics=["accuracy"], callbacks=[backup],
              resume_from=ck)  # no backup yet: resume_from starts it
    assert model.history.epoch == [0, 1, 2]
    assert nonlin.load_checkpoint(tmp_path / "b" / "latest.safetensors").epoch == 3
    again = nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(2),
                               nonlin.Softmax()])
    history = again.fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=4, batch_size=8,
                        verbose=0, validation_split=0.2, metrics=["accuracy"],
                        callbacks=[BackupAndRestore(tmp_path / "b")], resume_from=ck,
                        initial_epoch=1)
    assert history.epoch == [0, 1, 2, 3]  # from the backup's epoch 3, not ck's 2 nor 1
    assert history.history["loss"][:2] == straight.history["loss"]


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"backup_dir": None}, TypeError, "Expected a folder path.*Received: backup_dir=None"),
    ({"backup_dir": ""}, ValueError, "Expected a folder path.*Received: backup_dir=''"),
    ({"backup_dir": 3}, TypeError, "Received: backup_dir=3"),
    ({"save_freq": 0}, ValueError, "Expected save_freq 'epoch' or a positive integer"),
    ({"save_freq": -2}, ValueError, "Received: save_freq=-2"),
    ({"save_freq": True}, ValueError, "Received: save_freq=True"),
    ({"save_freq": False}, ValueError, "Received: save_freq=False"),
    ({"save_freq": "batch"}, ValueError, "Received: save_freq='batch'"),
    ({"save_freq": 2.5}, ValueError, "Received: save_freq=2.5"),
    ({"double_checkpoint": "yes"}, TypeError, "double_checkpoint"),
    ({"delete_checkpoint": None}, TypeError, "delete_checkpoint"),
])
def test_nonsense_arguments_are_refused(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        BackupAndRestore(**{"backup_dir": str(tmp_path), **kwargs})


def test_refused_uses_change_nothing(tmp_path):
    file = tmp_path / "file"
    file.write_text("x")
    with pytest.raises(ValueError, match="Expected a folder.*a file"):
        BackupAndRestore(file)
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    two = [BackupAndRestore(tmp_path / "a"), BackupAndRestore(tmp_path / "b")]
    with pytest.raises(ValueError, match=r"Expected one BackupAndRestore.*Received 2"):
        model.fit(X, Y, loss="cross_entropy", optimizer="adam", verbose=0, callbacks=two)
    batches = iter([(X[:10], Y[:10])])
    with pytest.raises(ValueError, match="as x with BackupAndRestore.*an iterator"):
        model.fit(batches, loss="cross_entropy", optimizer="adam", verbose=0,
                  callbacks=BackupAndRestore(tmp_path / "a"))
    with pytest.raises(ValueError, match="as validation_data with BackupAndRestore"):
        model.fit(X, Y, loss="cross_entropy", optimizer="adam", verbose=0,
                  validation_data=iter([(X, Y)]), callbacks=[BackupAndRestore(tmp_path / "a")])
    model.build(3, seed=np.random.RandomState(0))
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        model.fit(X, Y, loss="cross_entropy", optimizer="adam", verbose=0,
                  callbacks=[BackupAndRestore(tmp_path / "a")])
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(), strict=True))
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_a_sequence_source_resumes_at_its_epoch(tmp_path):
    class Batches:
        def __len__(self):
            return 6

        def __getitem__(self, i):
            return X[10 * i: 10 * i + 10], Y[10 * i: 10 * i + 10]

    def run(folder, extra=()):
        model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2),
                                   nonlin.Softmax()])
        model.fit(Batches(), loss="cross_entropy", optimizer="adam", epochs=4, seed=2,
                  verbose=0, callbacks=[BackupAndRestore(folder), *extra])
        return model

    straight = run(tmp_path / "a")
    with pytest.raises(RuntimeError):
        run(tmp_path / "b", [Interrupt(2)])
    resumed = run(tmp_path / "b")
    assert all(np.array_equal(a, b) for a, b in zip(straight.get_weights(),
                                                    resumed.get_weights(), strict=True))
    assert straight.history.history == resumed.history.history


def test_the_estimators_refuse_both(tmp_path):
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier

    for callback, name in ((BackupAndRestore(tmp_path), "BackupAndRestore"),
                           (TerminateOnNaN(), "TerminateOnNaN")):
        with pytest.raises(ValueError, match=f"Received a {name}"):
            MLPClassifier(max_iter=2, callbacks=[callback]).fit(X, Y)


def _diverging(callbacks=()):
    model = nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(1)])
    history = model.fit(X_REG, Y_REG, loss="mse", optimizer=nonlin.SGD(1e6), epochs=4,
                        batch_size=16, seed=0, verbose=0, callbacks=list(callbacks))
    return model, history


def test_terminate_on_nan_stops_without_raising_at_the_last_finite_step():
    with pytest.raises(nonlin.DivergenceError) as raised:
        _diverging()
    refused = raised.value
    seen, ends = [], []
    watcher = nonlin.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(
            [w.copy() for w in watcher.model.get_weights()]),
        on_train_end=lambda logs: ends.append(dict(logs)))
    terminate = TerminateOnNaN()
    with pytest.warns(UserWarning, match=rf"^Batch {refused.batch}: Invalid loss, terminating "
                                         rf"training\. The loss became inf at epoch "
                                         rf"{refused.epoch}, batch {refused.batch}"):
        model, history = _diverging([terminate, watcher])
    weights = model.get_weights()
    assert all(np.isfinite(w).all() for w in weights)
    assert all(np.array_equal(a, b) for a, b in zip(weights, seen[-1], strict=True))
    assert history.epoch == list(range(refused.epoch))  # the epochs completed
    assert ends == [{key: values[-1] for key, values in history.history.items()}]
    assert model.stop_training
    assert (terminate.stopped_epoch, terminate.stopped_batch) == (refused.epoch, refused.batch)
    with pytest.raises(nonlin.DivergenceError):
        _diverging([TerminateOnNaN(raise_error=True)])


def test_terminate_on_nan_leaves_finite_runs_alone_and_is_exported():
    assert nonlin.TerminateOnNaN is TerminateOnNaN
    assert nonlin.BackupAndRestore is BackupAndRestore
    assert {"TerminateOnNaN", "BackupAndRestore"} <= set(nonlin.__all__)
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = model.fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=2, seed=0,
                            verbose=0, callbacks=TerminateOnNaN())
    assert history.epoch == [0, 1] and not model.stop_training
    with pytest.raises(TypeError, match="raise_error"):
        TerminateOnNaN(raise_error="no")


def test_a_backup_mid_way_through_epoch_0_brings_the_callbacks_counters_back(tmp_path):
    # fit(resume_from=) too: before, a checkpoint of epoch 0's middle left them at 0
    def run(folder, extra=()):
        saver = nonlin.ModelCheckpoint(str(tmp_path / "ck-{epoch}-{batch}.safetensors"),
                                       save_freq=5)
        _script(folder, [saver, *extra], save_freq=4, epochs=2)
        return [os.path.basename(path) for path in saver.saved]

    straight = run(tmp_path / "a")
    with pytest.raises(RuntimeError):
        run(tmp_path / "b", [Interrupt(0, batch=5)])  # backed up after batch 3
    resumed = run(tmp_path / "b")  # from batch 4, the saver's count at 4 of 5
    assert straight == resumed == ["ck-1-5.safetensors", "ck-2-4.safetensors"]
