"""Callbacks against Keras 3's source (keras/src/callbacks/*.py): the divergences a Keras
user would trip on, each fixed here with a test that fails on the code before."""

from __future__ import annotations

import inspect

import numpy as np

import nonlin
from nonlin.callbacks import ReduceLROnPlateau


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    return x, x @ rng.normal(size=(3, 1))


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(1)]).build(3, seed=0)


def test_reduce_lr_on_plateau_takes_keras_positional_order() -> None:
    # keras/src/callbacks/reduce_lr_on_plateau.py: (monitor, factor, patience, verbose, mode,
    # min_delta, cooldown, min_lr); the 4th was min_delta here, so verbose=1 meant min_delta=1
    reduce = ReduceLROnPlateau("val_loss", 0.5, 3, 1, "min", 0.01, 2, 1e-5)
    assert (reduce.verbose, reduce.mode, reduce.min_delta) == (1, "min", 0.01)
    assert (reduce.cooldown, reduce.min_lr) == (2, 1e-5)
    assert list(inspect.signature(ReduceLROnPlateau).parameters) == [
        "monitor", "factor", "patience", "verbose", "mode", "min_delta", "cooldown", "min_lr"]


def test_lr_callbacks_log_learning_rate_as_keras() -> None:
    # learning_rate_scheduler.py and reduce_lr_on_plateau.py (on_epoch_end): logs["learning_rate"],
    # the rate the epoch trained with, so history.history["learning_rate"] exists (Keras' plots)
    x, y = _data()
    run = {"loss": "mse", "optimizer": "sgd", "epochs": 3, "verbose": 0}
    sched = _model().fit(x, y, callbacks=[
        nonlin.LearningRateScheduler(lambda epoch, lr: lr * 0.5)], **run)
    np.testing.assert_allclose(sched.history["learning_rate"], [0.005, 0.0025, 0.00125])
    plateau = _model().fit(x, y, callbacks=[
        ReduceLROnPlateau("loss", 0.5, 1, mode="max")], **run)  # every later epoch: worse
    np.testing.assert_allclose(plateau.history["learning_rate"], [0.01, 0.01, 0.005])
    assert plateau.history["lr"] == [0.01, 0.01, 0.005]  # nonlin's key: the same rates


class _Calls(nonlin.Callback):
    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def on_test_begin(self, logs=None):  # type: ignore[no-untyped-def]
        super().on_test_begin(logs)  # Keras 3's Callback has it: a super() call works
        self.calls.append(("test_begin", dict(logs or {})))

    def on_test_end(self, logs=None):  # type: ignore[no-untyped-def]
        super().on_test_end(logs)
        self.calls.append(("test_end", sorted(logs or {})))

    def on_epoch_end(self, epoch, logs=None):  # type: ignore[no-untyped-def]
        self.calls.append(("epoch_end", epoch))


def test_fit_validation_calls_on_test_begin_and_end_as_keras() -> None:
    # keras/src/backend/*/trainer.py fit validates with self.evaluate(callbacks=callbacks):
    # on_test_begin, then on_test_end with the unprefixed results, before on_epoch_end
    x, y = _data()
    probe, seen = _Calls(), []
    _model().fit(x, y, loss="mse", optimizer="sgd", epochs=2, verbose=0, metrics=["mae"],
                 validation_split=0.25, validation_freq=2, callbacks=[probe, nonlin.LambdaCallback(
                     on_test_end=lambda logs: seen.append(sorted(logs)))])
    assert probe.calls == [("epoch_end", 0), ("test_begin", {}),
                           ("test_end", ["loss", "mae"]), ("epoch_end", 1)]
    assert seen == [["loss", "mae"]]


def test_callback_has_keras_evaluate_and_predict_hooks() -> None:
    # keras/src/callbacks/callback.py: every hook exists on the base class (no-ops)
    cb = nonlin.Callback()
    for name in ("on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
                 "on_predict_batch_end"):
        assert getattr(cb, name)(0, {}) is None
    for name in ("on_test_begin", "on_test_end", "on_predict_begin", "on_predict_end"):
        assert getattr(cb, name)({}) is None


def test_cli_history_and_plots_leave_learning_rate_out_as_lr() -> None:
    # guard (passes before too): the CLI's stored history and plot_history leave the learning
    # rate out, so --lr-schedule plateau's model file keeps its bytes with Keras' new key
    from nonlin.cli_train_model import history_dict

    x, y = _data()
    history = _model().fit(x, y, loss="mse", optimizer="sgd", epochs=2, verbose=0,
                           callbacks=[ReduceLROnPlateau("loss", 0.5, 1, mode="max")])
    assert "learning_rate" in history.history
    assert sorted(history_dict(history)) == ["loss"]


def test_early_stopping_subclass_overrides_get_monitor_value() -> None:
    # keras/src/callbacks/early_stopping.py: on_epoch_end reads self.get_monitor_value(logs),
    # the method Keras users override to monitor a value of their own
    class Scripted(nonlin.EarlyStopping):
        values = iter([1.0, 2.0, 3.0])

        def get_monitor_value(self, logs):  # type: ignore[no-untyped-def]
            assert "loss" in logs  # the epoch's logs, as Keras passes them
            return next(self.values)

    x, y = _data()
    history = _model().fit(x, y, loss="mse", optimizer="sgd", epochs=3, verbose=0,
                           callbacks=[Scripted(monitor="custom", mode="min", patience=1)])
    assert history.epoch == [0, 1]  # 2.0 did not improve on 1.0: stopped after epoch 1


def test_callback_list_drives_a_loop_of_your_own_as_keras() -> None:
    # keras/src/callbacks/callback_list.py: CallbackList(callbacks, add_history, add_progbar,
    # model, **params) with a method per hook, the loop of keras/src/callbacks/callback.py's
    # docstring; here a TypeError (keywords) and an AttributeError (cbs.on_train_begin)
    from nonlin.callbacks import CallbackList

    x, y = _data()
    model = _model()
    model.compile(optimizer="sgd", loss="mse")
    seen: list[int] = []
    cbs = CallbackList([nonlin.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))],
                       add_history=True, model=model, verbose=0, epochs=2, steps=2)
    cbs.on_train_begin()
    for epoch in range(2):
        cbs.on_epoch_begin(epoch)
        for i in range(2):
            cbs.on_train_batch_begin(i)
            logs = model.train_on_batch(x[20 * i:20 * i + 20], y[20 * i:20 * i + 20],
                                        return_dict=True)
            cbs.on_train_batch_end(i, logs)
        cbs.on_epoch_end(epoch, logs)
    cbs.on_train_end(logs)
    assert seen == [0, 1, 0, 1]
    assert model.history is cbs.history and model.history.epoch == [0, 1]
    assert list(model.history.history) == ["loss"]
    assert cbs.callbacks[0].params == {"verbose": 0, "epochs": 2, "steps": 2}
    late = _Calls()
    cbs.append(late)
    cbs.on_test_begin()
    assert late.model is model and late.calls == [("test_begin", {})]
