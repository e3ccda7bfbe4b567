"""Optimizer and callback details checked against Keras 3's source (QA pass)."""

from __future__ import annotations

import numpy as np
import pytest

from nonlin import Adagrad, Param, RMSprop


def _param(g: list[float]) -> Param:
    p = Param(np.zeros(len(g)))
    p.grad[...] = g
    return p


def test_rmsprop_adds_epsilon_under_the_square_root_as_keras() -> None:
    # keras.optimizers.RMSprop: w -= lr * g / sqrt(v + epsilon); with a tiny gradient the
    # default epsilon (1e-7) under the root dominates: the step is far from lr * sign(g).
    g = np.array([1e-4, -2e-5, 0.5])
    p = _param(list(g))
    RMSprop(lr=0.01, rho=0.9).step([p])
    v = 0.1 * g * g
    np.testing.assert_allclose(p.value, -0.01 * g / np.sqrt(v + 1e-7), rtol=1e-12)


def test_adagrad_adds_epsilon_under_the_square_root_as_keras() -> None:
    # keras.optimizers.Adagrad: a += g^2; w -= lr * g / sqrt(a + epsilon)
    g = np.array([1e-4, -3.0, 0.25])
    p = _param(list(g))
    Adagrad(lr=0.1, initial_accumulator_value=0.0, epsilon=1e-3).step([p])
    np.testing.assert_allclose(p.value, -0.1 * g / np.sqrt(g * g + 1e-3), rtol=1e-12)


def test_early_stopping_refuses_a_monitor_that_is_not_a_key() -> None:
    from nonlin.callbacks import EarlyStopping

    for monitor in (None, 3, ""):
        with pytest.raises(TypeError, match=f"Received: monitor={monitor!r}"):
            EarlyStopping(monitor=monitor)


@pytest.mark.parametrize("separator", [";;", "", 3, None])
def test_csv_logger_refuses_a_bad_separator_when_built(separator) -> None:
    from nonlin.callbacks import CSVLogger

    with pytest.raises(TypeError, match=f"Received: separator={separator!r}"):
        CSVLogger("log.csv", separator=separator)


def test_learning_rate_scheduler_takes_a_one_argument_schedule_as_keras() -> None:
    # keras.callbacks.LearningRateScheduler calls schedule(epoch) when schedule(epoch, lr)
    # does not fit its signature (the old API it keeps supporting).
    from nonlin import SGD, Dense, Sequential, Softmax
    from nonlin.callbacks import LearningRateScheduler

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), np.arange(20) % 2
    h = Sequential([Dense(2), Softmax()]).fit(
        X, y, loss="cross_entropy", optimizer=SGD(0.1), epochs=3, verbose=0,
        callbacks=[LearningRateScheduler(lambda epoch: 0.2 / (epoch + 1))])
    assert h.history["lr"] == pytest.approx([0.2, 0.1, 0.2 / 3])


def test_reduce_lr_at_min_lr_starts_no_cooldown_as_keras() -> None:
    # Keras resets wait and starts the cooldown only when it lowers the rate: at min_lr
    # wait keeps counting, so a rate raised meanwhile (another callback) is cut at once.
    from types import SimpleNamespace

    from nonlin import SGD
    from nonlin.callbacks import ReduceLROnPlateau

    reduce = ReduceLROnPlateau(monitor="loss", patience=1, cooldown=3, min_lr=0.01, factor=0.5)
    reduce.set_model(SimpleNamespace(optimizer=SGD(0.01)))
    reduce.on_train_begin()
    for epoch, loss in enumerate([1.0, 1.0, 1.0]):
        reduce.on_epoch_end(epoch, {"loss": loss})
    assert reduce.state_dict() == {"wait": 2, "cooldown_left": 0, "best": 1.0}
    reduce.model.optimizer.lr = 0.08
    reduce.on_epoch_end(3, {"loss": 1.0})
    assert reduce.model.optimizer.lr == 0.04


def test_clipnorm_clips_finite_float32_gradients_whose_squares_overflow() -> None:
    # The docstring: the norm is inf only when a gradient is. 1e20 is a finite float32 whose
    # square is not; the global norm is still 5e20 and the gradients are clipped to it.
    from nonlin.optimizers import clip_by_global_norm

    p = Param(np.zeros(2, dtype=np.float32))
    p.grad[...] = [3e20, -4e20]
    assert clip_by_global_norm([p], 1.0) == pytest.approx(5e20)
    np.testing.assert_allclose(p.grad, [0.6, -0.8], rtol=1e-6)
    q = Param(np.zeros(2, dtype=np.float32))
    q.grad[...] = [np.inf, 1.0]
    assert clip_by_global_norm([q], 1.0) == np.inf


def test_learning_rate_scheduler_on_a_scheduled_lr_names_the_conflict() -> None:
    # The schedule is never handed the optimizer's schedule object as its "lr".
    from nonlin import SGD, Dense, Sequential, Softmax
    from nonlin.callbacks import LearningRateScheduler
    from nonlin.schedules import ExponentialDecay

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20, 3)), np.arange(20) % 2
    opt = SGD(ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="cannot change a scheduled one"):
        Sequential([Dense(2), Softmax()]).fit(
            X, y, loss="cross_entropy", optimizer=opt, epochs=1, verbose=0,
            callbacks=[LearningRateScheduler(lambda epoch, lr: lr * 0.5)])


def test_lr_callbacks_take_keras_verbose_and_say_what_they_set(capsys) -> None:
    from types import SimpleNamespace

    from nonlin import SGD
    from nonlin.callbacks import LearningRateScheduler, ReduceLROnPlateau

    model = SimpleNamespace(optimizer=SGD(0.1))
    scheduler = LearningRateScheduler(lambda epoch, lr: lr / 2, verbose=1)
    scheduler.set_model(model)
    scheduler.on_epoch_begin(0)
    reduce = ReduceLROnPlateau(monitor="loss", patience=0, factor=0.5, verbose=1)
    reduce.set_model(model)
    reduce.on_train_begin()
    reduce.on_epoch_end(0, {"loss": 1.0})
    reduce.on_epoch_end(1, {"loss": 1.0})
    assert capsys.readouterr().err.splitlines() == [
        "Epoch 1: LearningRateScheduler setting learning rate to 0.05.",
        "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.025.",
    ]
    for make in (lambda v: LearningRateScheduler(abs, verbose=v),
                 lambda v: ReduceLROnPlateau(verbose=v)):
        for bad in (-1, 1.5, "1"):
            with pytest.raises(ValueError, match=f"Received: verbose={bad!r}"):
                make(bad)
