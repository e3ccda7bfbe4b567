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
