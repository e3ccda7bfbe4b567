"""Session 32 (review32c): a review of loops32's fit checks (two callbacks writing one file,
a BackupAndRestore of a running fit) and of its PyTorch habits (requires_grad, grad None)."""

from __future__ import annotations

import os
import pathlib

import numpy as np
import pytest

import nonlin


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 4))
    return X, (X[:, 0] > 0).astype(int)


def _compiled() -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])
    model.compile(optimizer="adam", loss="cross_entropy")
    return model


# -- two callbacks writing one file ----------------------------------------------------------

def test_two_best_only_checkpoints_of_one_epoch_template_both_kept(tmp_path):
    # before: refused, though each writes ck-N only at epoch N's end, the same model then
    # (the best by either metric kept, as Keras runs them)
    X, y = _data()
    template = tmp_path / "ck-{epoch}.safetensors"
    by_loss = nonlin.ModelCheckpoint(template, monitor="val_loss", save_best_only=True)
    by_acc = nonlin.ModelCheckpoint(template, monitor="val_accuracy", save_best_only=True)
    _compiled().fit(X, y, epochs=3, verbose=0, seed=0, validation_split=0.25,
                    metrics=["accuracy"], callbacks=[by_loss, by_acc])
    assert set(by_loss.saved) | set(by_acc.saved) == {
        str(p) for p in tmp_path.iterdir()} and (tmp_path / "ck-1.safetensors").exists()


def test_guard_one_epoch_template_in_two_formats_still_refused(tmp_path):
    # guard (refused before and after): a weights-only file would replace a resumable one
    X, y = _data()
    template = tmp_path / "ck-{epoch}.safetensors"
    with pytest.raises(ValueError, match=r"both writing .*ck-\{epoch\}"):
        _compiled().fit(X, y, epochs=1, verbose=0, seed=0, callbacks=[
            nonlin.ModelCheckpoint(template),
            nonlin.ModelCheckpoint(template, save_weights_only=True)])


def test_checkpoints_of_one_file_through_a_symbolic_link_refused(tmp_path):
    # before: the link's spelling differed, and the second replaced the first's file
    X, y = _data()
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    best = nonlin.ModelCheckpoint(tmp_path / "real" / "c.safetensors", monitor="loss",
                                  save_best_only=True)
    with pytest.raises(ValueError, match=r"callbacks\[0\]\) and ModelCheckpoint .*c\.safe"):
        _compiled().fit(X, y, epochs=1, verbose=0, seed=0, callbacks=[
            best, nonlin.ModelCheckpoint(pathlib.Path(tmp_path / "link" / "c.safetensors"))])
    assert not (tmp_path / "real" / "c.safetensors").exists()


def test_one_checkpoint_listed_twice_named_as_one(tmp_path):
    # before: "ModelCheckpoint (callbacks[0]) and ModelCheckpoint (callbacks[1]) both
    # writing ...: each epoch one would replace the other's file", of one object
    X, y = _data()
    checkpoint = nonlin.ModelCheckpoint(tmp_path / "c.safetensors")
    with pytest.raises(ValueError, match=r"each callback once.*one ModelCheckpoint .*as "
                                         r"callbacks\[0\] and callbacks\[1\]"):
        _compiled().fit(X, y, epochs=1, verbose=0, seed=0, callbacks=[checkpoint, checkpoint])


# -- a BackupAndRestore of a running fit -------------------------------------------------------

def test_backup_a_finished_fit_left_bound_is_free_for_a_nested_fit(tmp_path):
    # before: refused ("the running fit of Sequential ... backs up to ..."), because the
    # callback still named the outer model from an earlier fit, whose running fit has none
    X, y = _data()
    backup = nonlin.BackupAndRestore(tmp_path / "b")
    outer, inner = _compiled(), _compiled()
    outer.fit(X, y, epochs=1, verbose=0, seed=0, callbacks=[backup])  # backup.model: outer
    done = []

    class Nested(nonlin.Callback):
        def on_epoch_end(self, epoch, logs=None):
            done.append(inner.fit(X, y, epochs=2, verbose=0, seed=1, callbacks=[backup]))

    outer.fit(X, y, epochs=1, verbose=0, seed=0, callbacks=[Nested()])
    assert len(done[0].history["loss"]) == 2 and backup.model is inner
    alone = _compiled().fit(X, y, epochs=2, verbose=0, seed=1)
    assert done[0].history == alone.history


# -- a Param.grad replaced (PyTorch's habit of zeroing by a new array) --------------------------

def test_float64_grad_in_a_float32_model_named_by_layer():
    # before: NumPy's "output array is not acceptable (must have the right datatype, ...)":
    # np.zeros(shape) is float64, the habit of zeroing by a new array in a float32 model
    X, y = _data()
    model = nonlin.Sequential([nonlin.Dense(3, name="d1"), nonlin.ReLU(),
                               nonlin.Dense(2, name="d2")]).build(4, seed=0, dtype="float32")
    for param in model.parameters():
        param.grad = np.zeros(param.value.shape)
    out = model(X.astype(np.float32), training=True)
    with pytest.raises(ValueError, match=r"W\.grad of Dense 'd2' as an array of shape \(3, 2\) "
                                         r"and dtype float32.*Received shape \(3, 2\), dtype "
                                         r"float64"):
        model.backward(nonlin.CrossEntropy(from_logits=True).grad(y, out))


def test_nested_fit_given_the_running_fits_checkpoint_refused(tmp_path):
    # before: the inner fit rebound it (checkpoint.model became the inner model); the outer
    # fit's checkpoints then held the inner model, or failed with a warning on its history
    X, y = _data()
    checkpoint = nonlin.ModelCheckpoint(tmp_path / "ck.safetensors")
    outer, inner = _compiled(), _compiled()
    seen = []

    class Nested(nonlin.Callback):
        def on_epoch_end(self, epoch, logs=None):
            with pytest.raises(ValueError, match=r"ModelCheckpoint of this fit alone.*running "
                                                 r"fit of Sequential"):
                inner.fit(X, y, epochs=1, verbose=0, seed=1, callbacks=[checkpoint])
            seen.append(checkpoint.model is outer)

    outer.fit(X, y, epochs=2, verbose=0, seed=0, callbacks=[Nested(), checkpoint])
    assert seen == [True, True]
    saved = nonlin.load_checkpoint(tmp_path / "ck.safetensors")
    assert saved.epoch == 2 and all(np.array_equal(a, b) for a, b in zip(
        saved.model.get_weights(), outer.get_weights(), strict=True))


def test_evaluate_of_another_model_given_the_running_fits_checkpoint_refused(tmp_path):
    # before: evaluate bound it to the other model, and the running fit's next checkpoint
    # held that model (the file's first layer had the other model's shape)
    X, y = _data()
    checkpoint = nonlin.ModelCheckpoint(tmp_path / "ck.safetensors")
    outer = _compiled()
    other = nonlin.Sequential([nonlin.Dense(5), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])
    other.compile(optimizer="adam", loss="cross_entropy")
    other.fit(X, y, epochs=1, verbose=0, seed=0)
    seen = []

    class Evaluates(nonlin.Callback):
        def on_epoch_end(self, epoch, logs=None):
            with pytest.raises(ValueError, match=r"ModelCheckpoint of the running fit of "
                                                 r"Sequential"):
                other.evaluate(X, y, verbose=0, callbacks=[checkpoint])
            seen.append(checkpoint.model is outer)

    outer.fit(X, y, epochs=2, verbose=0, seed=0, callbacks=[Evaluates(), checkpoint])
    assert seen == [True, True]
    assert nonlin.load(tmp_path / "ck.safetensors").layers[0].W.value.shape == (4, 3)
    assert "loss" in other.evaluate(X, y, verbose=0, callbacks=[checkpoint])  # that fit over
