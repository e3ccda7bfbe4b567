"""Promises made in writing, attacked at their edges (session 15's audit).

Each test pins a hole that a concrete script opened: the guarantee it broke is
quoted in the test's docstring.
"""

from __future__ import annotations

import os
import signal
import sys

import numpy as np
import pytest

from nonlin import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Callback,
    Dense,
    DivergenceError,
    EarlyStopping,
    LearningRateScheduler,
    Lion,
    ModelCheckpoint,
    Nadam,
    ReduceLROnPlateau,
    RMSprop,
    Sequential,
    Softmax,
)
from nonlin.checkpoint import load_checkpoint
from nonlin.core import Param
from nonlin.exceptions import NonFiniteUpdate
from nonlin.schedules import CosineDecay

OPTIMIZERS = [lambda: SGD(0.1), lambda: SGD(0.1, momentum=0.9, nesterov=True), Adam, AdamW,
              RMSprop, Adagrad, Adamax, Nadam, Adadelta, Lion]
SQUARES = [Adam, AdamW, RMSprop, Adagrad, Nadam, Adadelta]  # an average of g^2 under a root


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("make", "grad"), [*((make, "inf") for make in OPTIMIZERS),
                                            *((make, "root") for make in SQUARES)])
def test_a_step_that_leaves_the_optimizer_state_non_finite_is_refused(make, grad, dtype) -> None:
    """train.py: a non-finite gradient or update is refused before it reaches the weights.
    A finite gradient above sqrt(largest float) made the squared-gradient average inf while
    the update stayed finite (m / inf = 0): the weight froze for good, silently, and
    ModelCheckpoint then refused to write ("did training diverge?"); an infinite gradient
    moved Lion's weights by lr (sign(inf) = 1), its momentum left at inf."""
    big = np.inf if grad == "inf" else np.sqrt(np.finfo(dtype).max) * 4
    param = Param(np.ones(3, dtype))
    param.grad = np.array([1.0, big, 1.0], dtype)
    optimizer = make()
    optimizer.check_finite = True  # as fit sets it
    with np.errstate(all="ignore"), pytest.raises(NonFiniteUpdate):  # as fit steps
        optimizer.step([param])
    np.testing.assert_array_equal(param.value, np.ones(3, dtype))
    assert optimizer.iterations == 0
    assert all(np.isfinite(value).all() for value in optimizer.state_dict().values()
               if isinstance(value, np.ndarray))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fit_refuses_the_step_whose_squared_gradients_overflow(dtype) -> None:
    """The loss (an output of 1 for a target of 0) and Adam's update are finite; g = x overflows
    only as g^2."""
    x = np.full((2, 1), np.sqrt(np.finfo(dtype).max) * 4, dtype)
    model = Sequential([Dense(1)]).build(1, seed=0, dtype=dtype)
    weights = [np.full((1, 1), 1 / x[0, 0], dtype), np.zeros(1, dtype)]
    model.set_weights(weights)
    with pytest.raises(DivergenceError, match="at epoch 0, batch 0"):
        model.fit(x, np.zeros((2, 1), dtype), loss="mse", optimizer=Adam(), batch_size=2,
                  epochs=2, verbose=0)
    for got, want in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(got, want)


def test_fit_refuses_lions_step_on_an_infinite_gradient() -> None:
    """The loss is 2 (an output of 2 for a target of 0) but dL/dW = x * 2 overflows; Lion's
    sign made a finite step of lr from it, and the fit raised only one step later."""
    x = np.full((1, 1), 1e308)
    model = Sequential([Dense(1)]).build(1, seed=0)
    weights = [np.full((1, 1), 2e-308), np.zeros(1)]
    model.set_weights(weights)
    with pytest.raises(DivergenceError, match="at epoch 0, batch 0"):
        model.fit(x, np.zeros((1, 1)), loss="mse", optimizer=Lion(), epochs=2, verbose=0)
    for got, want in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize(("dtype", "options", "received"), [
    (np.float32, dict(class_weight={0: 1e39, 1: 1.0}), r"Received class_weight\[0\]=1e\+39"),
    (np.float32, dict(class_weight={0: 1e20, 1: 1.0}, sample_weight=np.full(8, 1e20)),
     r"Received sample_weight \* class_weight\[\d\]=1e\+40"),
    (np.float64, dict(class_weight={0: 1e200, 1: 1e200}, sample_weight=np.full(8, 1e200)),
     r"sample_weight \* class_weight.*row 0"),
])
def test_class_weights_out_of_range_are_named_as_given(dtype, options, received) -> None:
    """A bad input's error names the value received: a class weight beyond float32 was
    reported as sample_weight[0] (a value never given as such), and a product of the two
    weights overflowing float64 as a DivergenceError blaming X or y."""
    x, y = np.ones((8, 2), dtype), np.arange(8) % 2
    model = Sequential([Dense(2), Softmax()]).build(2, seed=0, dtype=dtype)
    with pytest.raises(ValueError, match=received):
        model.fit(x, y, loss="cross_entropy", optimizer=SGD(0.1), verbose=0, **options)


@pytest.mark.parametrize("failure", ["nan", "disk full"])
def test_a_best_checkpoint_that_was_not_written_is_not_the_best_saved(tmp_path, monkeypatch,
                                                                      failure) -> None:
    """ModelCheckpoint.best is "the best monitored value saved so far": a write refused
    (NaN weights: a warning) or failed (disk full: the error) still set it, so a later,
    worse epoch was never written although the file held nothing better, or nothing."""
    import nonlin.checkpoint

    path = tmp_path / "best.safetensors"
    model = Sequential([Dense(2), Softmax()])
    model.fit(np.eye(2), np.arange(2), loss="cross_entropy", optimizer=SGD(0.1), verbose=0)
    callback = ModelCheckpoint(path, save_best_only=True, monitor="loss")
    callback.set_model(model)
    weight = model.layers[0].W.value[0, 0]
    if failure == "nan":
        model.layers[0].W.value[0, 0] = np.nan
        with pytest.warns(UserWarning, match="did not write"):
            callback.on_epoch_end(0, {"loss": 0.5})
        model.layers[0].W.value[0, 0] = weight
    else:
        def full(*args: object) -> None:
            raise OSError(28, "No space left on device")

        with monkeypatch.context() as patch:
            patch.setattr(nonlin.checkpoint, "write_atomic", full)
            with pytest.raises(OSError, match="No space"):
                callback.on_epoch_end(0, {"loss": 0.5})
    assert callback.best is None and not path.exists()
    callback.on_epoch_end(0, {"loss": 0.7})  # the best one that could be saved
    assert callback.best == 0.7 and load_checkpoint(path).epoch == 1


class _CtrlCIn(Callback):
    """Sends this process a real SIGINT from the hook named ``hook``."""

    def __init__(self, hook: str) -> None:
        self.hook = hook

    def _ctrl_c(self, hook: str) -> None:
        if hook == self.hook:
            os.kill(os.getpid(), signal.SIGINT)

    def on_train_begin(self, logs=None) -> None:
        self._ctrl_c("on_train_begin")

    def on_epoch_end(self, epoch, logs=None) -> None:
        self._ctrl_c("on_epoch_end")

    def on_train_end(self, logs=None) -> None:
        self._ctrl_c("on_train_end")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to this process")
@pytest.mark.parametrize("hook", ["on_train_begin", "on_epoch_end", "on_train_end"])
def test_a_ctrl_c_between_steps_is_never_lost(hook) -> None:
    """train.py: Ctrl-C is deferred to the end of the running step, then raised. One that
    came during on_train_end (EarlyStopping restoring weights, a callback writing files)
    was deferred to a check that never came: fit returned as if nothing had happened."""
    model = Sequential([Dense(1)])
    with pytest.raises(KeyboardInterrupt):
        model.fit(np.ones((4, 1)), np.ones((4, 1)), loss="mse", optimizer=SGD(0.1), epochs=2,
                  verbose=0, callbacks=[_CtrlCIn(hook)])
    assert model.history.epoch == ([] if hook == "on_train_begin" else [0] if
                                   hook == "on_epoch_end" else [0, 1])


def test_a_folder_that_cannot_be_read_still_takes_an_atomic_save(tmp_path, monkeypatch) -> None:
    """_atomic: the folder's fsync is "a no-op where folders cannot be opened". In a folder
    the user may write but not read (mode 0o300, a drop box), the file was replaced, then
    opening the folder for its fsync raised PermissionError: a save that succeeded failed."""
    from nonlin._atomic import write_atomic

    target = tmp_path / "model.safetensors"
    target.write_bytes(b"old")
    real_open = os.open

    def write_only_folder(path, flags, *args, **kwargs):
        if os.path.isdir(path):
            raise PermissionError(13, "Permission denied", path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", write_only_folder)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to this process")
@pytest.mark.filterwarnings("ignore:.*CrossEntropy takes probabilities:UserWarning")
def test_two_ctrl_c_during_validation_leave_a_checkpoint_that_resumes_exactly(
        tmp_path, monkeypatch) -> None:
    """A second Ctrl-C outside a step raises at once; during the validation pass the epoch had
    trained every batch but was neither in the history nor recorded as in progress, so the
    checkpoint nonlin train then saves trained that epoch again on --resume, against its
    promise of the weights of a run never interrupted."""
    import nonlin._epoch_loop
    from nonlin.checkpoint import save_checkpoint
    from test_checkpoint import _assert_same_run, _layers
    from test_checkpoint_partial import _fit

    straight = _fit(Sequential(_layers()), "adam", 4, seed=7)
    evaluate, calls = nonlin._epoch_loop.evaluate_dataset, []

    def two_ctrl_c(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:  # epoch 1's validation
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)
        return evaluate(*args, **kwargs)

    model = Sequential(_layers())
    with monkeypatch.context() as patch:
        patch.setattr(nonlin._epoch_loop, "evaluate_dataset", two_ctrl_c)
        with pytest.raises(KeyboardInterrupt):
            _fit(model, "adam", 4, seed=7)
    path = tmp_path / "ck.safetensors"
    save_checkpoint(model, path, epoch=len(model.history.epoch))  # as nonlin train does
    resumed = _fit(Sequential(_layers()), "adam", 4, optimizer="adam", resume_from=path)
    _assert_same_run(resumed, straight)


@pytest.mark.parametrize("callback", [
    lambda tmp: EarlyStopping(monitor="val_acuracy"),
    lambda tmp: ReduceLROnPlateau(monitor="val_acuracy"),
    lambda tmp: ModelCheckpoint(tmp / "best.safetensors", monitor="val_acuracy",
                                save_best_only=True),
    lambda tmp: ModelCheckpoint(tmp / "a-file" / "ck.safetensors"),  # no folder there
    lambda tmp: LearningRateScheduler(lambda epoch, lr: lr),
], ids=["EarlyStopping", "ReduceLROnPlateau", "ModelCheckpoint", "folder", "scheduler"])
def test_a_fit_its_callbacks_refuse_changes_nothing(tmp_path, callback) -> None:
    """A refused call changes nothing. A monitored key of unknown direction (a typo), a
    folder that cannot be made or a scheduled rate a callback must set were refused in
    on_train_begin, after fit had replaced the model's history (the curve of its earlier
    training was lost), optimizer and generator: now before anything changes."""
    from test_side_effects import X, Y, assert_unchanged, everything, trained

    (tmp_path / "a-file").write_text("")
    model = trained()
    before = everything(model)
    with pytest.raises((ValueError, TypeError, OSError)):
        model.fit(X, Y, epochs=3, verbose=0, seed=3, optimizer=Adam(CosineDecay(0.1, 10)),
                  callbacks=[callback(tmp_path)])
    assert_unchanged(before, everything(model))


def test_loading_a_folder_names_the_folder(tmp_path) -> None:
    """A bad input's error names what was received: nonlin.load(a folder) said "Is a
    directory: 3", the number of the descriptor it had opened, not the path."""
    import nonlin
    pytest.importorskip("sklearn")
    from nonlin.sklearn import load as load_estimator

    for load in (nonlin.load, nonlin.load_checkpoint, load_estimator):
        with pytest.raises(IsADirectoryError) as info:
            load(tmp_path)
        assert info.value.filename == str(tmp_path) and str(tmp_path) in str(info.value)


class _CtrlCAfterEachBatch(Callback):
    def on_train_batch_end(self, batch, logs=None) -> None:
        os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to this process")
def test_a_program_that_ignores_ctrl_c_keeps_ignoring_it_in_fit() -> None:
    """fit defers Python's KeyboardInterrupt; it must not turn Ctrl-C back on where the
    program ignores it (a worker of a pool whose parent handles Ctrl-C, a job under nohup):
    fit installed its own handler over SIG_IGN, and the SIGINT raised in the worker."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        model = Sequential([Dense(1)])
        try:
            model.fit(np.ones((4, 1)), np.ones((4, 1)), loss="mse", optimizer=SGD(0.1),
                      epochs=2, batch_size=2, verbose=0, callbacks=[_CtrlCAfterEachBatch()])
        except KeyboardInterrupt:
            pytest.fail("fit raised KeyboardInterrupt in a program that ignores SIGINT")
        assert model.history.epoch == [0, 1]
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_handler_installed_outside_python_is_left_alone(monkeypatch) -> None:
    """signal.getsignal is None for a handler a host program installed in C: fit replaced
    it, then could not put it back (signal.signal(SIGINT, None) is a TypeError) and
    ended with that error, its own handler left behind."""
    real = signal.signal
    calls: list[object] = []

    def host_handler_in_c(signum, handler):
        calls.append(handler)
        real(signum, signal.default_int_handler if handler is None else handler)
        return None  # what signal.signal returns for a handler not installed from Python

    monkeypatch.setattr(signal, "getsignal", lambda signum: None)
    monkeypatch.setattr(signal, "signal", host_handler_in_c)
    model = Sequential([Dense(1)])
    model.fit(np.ones((4, 1)), np.ones((4, 1)), loss="mse", optimizer=SGD(0.1), verbose=0)
    assert calls == []  # never replaced
