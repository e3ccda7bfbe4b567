"""Session 32 (loops32): a hand-written training loop's errors, and fit's progress display."""

from __future__ import annotations

import functools
import io
import os

import numpy as np
import pytest

import nonlin
from nonlin.progress import ProgbarLogger


class _Tty(io.StringIO):
    """A stream that says it is a terminal (no file descriptor to ask for its width)."""

    def isatty(self) -> bool:
        return True


def test_tqdm_disable_bound_at_tqdm_import_still_turns_bars_off(monkeypatch):
    # tqdm reads TQDM_DISABLE once, when imported, as disable's default: a variable
    # removed since leaves its bars blank, so the epoch's results need the plain lines
    import tqdm.std

    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    init = tqdm.std.tqdm.__dict__["__init__"]  # tqdm 4.66+: a partialmethod (envwrap's)
    bound = functools.partialmethod(getattr(init, "func", init), disable=True)
    monkeypatch.setattr(tqdm.std.tqdm, "__init__", bound)
    file = _Tty()
    logger = ProgbarLogger(1, 2, 1, file=file)
    logger.on_epoch_begin(0)
    logger.on_batch_end(0, {"loss": 0.5})
    logger.on_batch_end(1, {"loss": 0.25})
    logger.on_epoch_end(0, {"loss": 0.25})
    assert "loss: 0.2500" in file.getvalue()


def test_guard_tqdm_disable_set_after_import_read_at_each_fit(monkeypatch):
    # guard (passes before and after): a variable set after tqdm's import gives plain lines
    import tqdm  # noqa: F401  (imported before the variable is set)

    monkeypatch.setenv("TQDM_DISABLE", "1")
    file = _Tty()
    logger = ProgbarLogger(1, 2, 1, file=file)
    logger.on_epoch_begin(0)
    logger.on_epoch_end(0, {"loss": 0.25})
    assert logger._tqdm is False and "TQDM_DISABLE" in os.environ
    assert file.getvalue().startswith("Epoch 1/1 - ") and "loss: 0.2500" in file.getvalue()


# -- A.2: a Param.grad set to None (PyTorch's zero_grad(set_to_none=True)) or replaced ------

def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(3, name="d1"), nonlin.ReLU(),
                              nonlin.Dense(2, name="d2")]).build(4, seed=0)


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, 4))
    return X, (X[:, 0] > 0).astype(int)


def test_freezing_a_layer_whose_grad_is_none_gives_zeros():
    model = _model()
    model.layers[0].W.grad = None  # was: AttributeError 'NoneType' object has no attribute 'fill'
    model.layers[0].trainable = False
    assert np.array_equal(model.layers[0].W.grad, np.zeros((4, 3)))


@pytest.mark.parametrize("bad", [None, np.zeros(5)])
def test_dense_backward_names_a_grad_set_to_none_or_replaced(bad):
    X, y = _data()
    model = _model()
    model.layers[2].W.grad = bad
    loss = nonlin.CrossEntropy(from_logits=True)
    out = model(X, training=True)
    with pytest.raises(ValueError, match=r"W\.grad of Dense 'd2'.*shape \(3, 2\)"):
        model.backward(loss.grad(y, out))


def test_fit_names_a_grad_set_to_none():
    X, y = _data()
    model = _model()
    model.layers[0].W.grad = None
    with pytest.raises(ValueError, match=r"W\.grad of Dense 'd1'.*Received None.*set_to_none"):
        model.fit(X, y, loss=nonlin.CrossEntropy(from_logits=True), optimizer="sgd",
                  epochs=1, verbose=0)


def test_step_over_a_grad_set_to_none_says_what_to_do():
    model = _model()
    model.layers[0].b.grad = None
    # named by its layer since session 34 (was "params[1].grad (b)")
    expected = (r"grad of layers\[0\] \(Dense 'd1'\)\.b \(params\[1\]\).*Received None.*"
                r"p\.grad\[\.\.\.\] = 0")
    with pytest.raises(ValueError, match=expected):
        nonlin.SGD(0.1).step(model.parameters())


def test_trainable_not_a_bool_names_the_layer_and_the_model():
    model = _model()
    layer = r"Expected a bool\. Received: trainable='yes' for Dense 'd1'"
    with pytest.raises(TypeError, match=layer):
        model.layers[0].trainable = "yes"
    whole = r"Expected a bool\. Received: trainable=1 for Sequential '.*'"
    with pytest.raises(TypeError, match=whole):
        model.trainable = 1


# -- B.4: two callbacks writing one file ---------------------------------------------------

def _compiled() -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])
    model.compile(optimizer="adam", loss="cross_entropy")
    return model


def test_two_checkpoints_of_one_path_refused_before_training(tmp_path):
    X, y = _data()
    path = tmp_path / "c.safetensors"
    best = nonlin.ModelCheckpoint(path, save_best_only=True, monitor="loss")
    with pytest.raises(ValueError, match=r"ModelCheckpoint \(callbacks\[0\]\) and "
                                         r"ModelCheckpoint \(callbacks\[1\]\) both writing"):
        _compiled().fit(X, y, epochs=2, verbose=0, seed=0,
                        callbacks=[best, nonlin.ModelCheckpoint(str(path))])
    assert not path.exists()


def test_checkpoint_in_a_backup_file_refused(tmp_path):
    # before: BackupAndRestore replaced the checkpoint each epoch and deleted it at the end
    X, y = _data()
    backup = tmp_path / "b"
    with pytest.raises(ValueError, match=r"BackupAndRestore \(callbacks\[1\]\).*latest"):
        _compiled().fit(X, y, epochs=2, verbose=0, seed=0,
                        callbacks=[nonlin.ModelCheckpoint(backup / "latest.safetensors"),
                                   nonlin.BackupAndRestore(backup)])
    assert not backup.exists()


def test_guard_checkpoints_of_different_paths_both_written(tmp_path):
    # guard (passes before and after): distinct paths still train and write both files
    X, y = _data()
    _compiled().fit(X, y, epochs=1, verbose=0, seed=0,
                    callbacks=[nonlin.ModelCheckpoint(tmp_path / "a.safetensors"),
                               nonlin.ModelCheckpoint(tmp_path / "b.safetensors")])
    assert (tmp_path / "a.safetensors").exists() and (tmp_path / "b.safetensors").exists()


# -- B.5: one BackupAndRestore shared by two fits --------------------------------------------

def test_nested_fit_sharing_a_backup_refused_and_the_outer_binding_kept(tmp_path):
    # before: the inner fit rebound the callback (callback.model became the inner model),
    # and the outer fit's backup then held the inner model, or was skipped with a warning
    X, y = _data()
    backup = nonlin.BackupAndRestore(tmp_path / "b", delete_checkpoint=False)
    inner, outer = _compiled(), _compiled()
    seen = []

    class Nested(nonlin.Callback):
        def on_epoch_end(self, epoch, logs=None):
            with pytest.raises(ValueError, match=r"running fit of Sequential .*own "
                                                 r"BackupAndRestore"):
                inner.fit(X, y, epochs=1, verbose=0, seed=1, callbacks=[backup])
            seen.append(backup.model is outer)

    outer.fit(X, y, epochs=2, verbose=0, seed=0, callbacks=[Nested(), backup])
    assert seen == [True, True]
    state = nonlin.load_checkpoint(tmp_path / "b" / "latest.safetensors")
    assert state.epoch == 2
    assert all(np.array_equal(a, b) for a, b in zip(state.model.get_weights(),
                                                    outer.get_weights(), strict=True))


def test_guard_backup_reused_by_a_later_fit_trains_as_a_fresh_one(tmp_path):
    # guard (passes before and after): one after the other, nothing leaks between fits
    X, y = _data()
    shared = nonlin.BackupAndRestore(tmp_path / "b", save_freq=3)
    _compiled().fit(X, y, epochs=2, batch_size=4, verbose=0, seed=0, callbacks=[shared])
    again = _compiled()
    history = again.fit(X, y, epochs=2, batch_size=4, verbose=0, seed=0, callbacks=[shared])
    fresh = _compiled()
    expected = fresh.fit(X, y, epochs=2, batch_size=4, verbose=0, seed=0,
                         callbacks=[nonlin.BackupAndRestore(tmp_path / "c", save_freq=3)])
    assert history.history == expected.history
    pairs = zip(again.get_weights(), fresh.get_weights(), strict=True)
    assert all(np.array_equal(a, b) for a, b in pairs)


# -- A.3: saving after a loop of one's own ---------------------------------------------------

def test_guard_loop_optimizer_saved_through_compile_only(tmp_path):
    # guard (passes before and after; the behaviour documented in the guide): the model
    # never hears of an optimizer only the loop steps, as in Keras; compile hands it over
    X, y = _data()
    model, loss = _model(), nonlin.CrossEntropy(from_logits=True)
    optimizer = nonlin.Adam(1e-2)
    for _ in range(3):
        out = model(X, training=True)
        model.backward(loss.grad(y, out))
        optimizer.step(model.parameters())
    nonlin.save(model, tmp_path / "plain.safetensors")
    assert nonlin.load(tmp_path / "plain.safetensors").optimizer is None
    model.compile(optimizer=optimizer, loss=loss)
    nonlin.save(model, tmp_path / "compiled.safetensors")
    assert nonlin.load(tmp_path / "compiled.safetensors").optimizer.iterations == 3


# -- A.2: PyTorch's requires_grad -----------------------------------------------------------

def test_requires_grad_set_on_a_layer_or_model_is_refused_not_ignored():
    # before: layer.requires_grad = False set a plain attribute, and fit trained the layer
    model = _model()
    with pytest.raises(AttributeError, match=r"Dense 'd1' has no requires_grad.*trainable = False"):
        model.layers[0].requires_grad = False
    with pytest.raises(AttributeError, match=r"Sequential '.*' has no requires_grad"):
        model.requires_grad = False
    assert model.layers[0].trainable and "requires_grad" not in vars(model.layers[0])


def test_requires_grad_on_a_param_names_it_and_the_way():
    param = _model().layers[0].W
    for use in (lambda: param.requires_grad, lambda: setattr(param, "requires_grad", False),
                lambda: param.requires_grad_(False)):
        with pytest.raises(AttributeError, match=r"Param 'W' has no requires_grad \(PyTorch's\)"
                                                 r": layer\.trainable = False"):
            use()
    with pytest.raises(AttributeError, match=r"requires_grad_'; PyTorch's; layer\.trainable"):
        _model().layers[0].requires_grad_(False)
