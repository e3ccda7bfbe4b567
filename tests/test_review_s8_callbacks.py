"""Review s8: ``mode="auto"`` in EarlyStopping, ReduceLROnPlateau and ModelCheckpoint asks
the fit's metric which way is better (its ``greater_is_better``, as Keras 3 asks a metric's
direction), instead of guessing from the name only ("precision" and "auc" were minimized)."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin._monitor import _direction
from nonlin.callbacks import EarlyStopping, ReduceLROnPlateau
from nonlin.checkpoint import ModelCheckpoint
from nonlin.metrics import (
    AUC,
    Accuracy,
    MeanAbsoluteError,
    Metric,
    Precision,
    R2Score,
    Recall,
    TopKAccuracy,
)

X = np.random.default_rng(0).normal(size=(32, 3))
Y = (X[:, :1] > 0).astype(float)


class Rising(Metric):
    """A metric whose value rises by 0.1 each epoch: better when greater (declared)."""

    name = "score"
    greater_is_better = True

    def __init__(self) -> None:
        self.epochs = 0

    def __call__(self, y_true, y_pred, sample_weight=None) -> float:
        self.epochs += 1
        return 0.1 * self.epochs


def _fit(callback, epochs: int = 5) -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()]).build(3, seed=0)
    model.fit(X, Y, loss="bce", optimizer=nonlin.SGD(0.1), epochs=epochs, verbose=0,
              metrics=[Rising()], callbacks=[callback])
    return model


@pytest.mark.parametrize("metric", [AUC(), Precision(), Recall(), Accuracy(), R2Score(),
                                    TopKAccuracy(2)])
def test_the_built_in_metrics_that_grow_when_better_are_maximized(metric) -> None:
    for key in (metric.name, "val_" + metric.name):
        assert _direction(key, "auto", [metric]) == "max"
        assert _direction(key, "min", [metric]) == "min"


def test_error_metrics_the_loss_and_nonlin_metric_names_keep_their_direction() -> None:
    assert _direction("val_mae", "auto", [MeanAbsoluteError()]) == "min"
    assert _direction("loss", "auto", [Rising()]) == "min"
    assert _direction("val_accuracy", "auto", []) == "max"  # no metric: the name tells

    def my_score(y_true, y_pred):  # a plain function declares nothing: nothing decides
        return 1.0
    metrics = nonlin.metrics.get_metrics([my_score])
    with pytest.raises(ValueError, match="monitor='my_score' with mode='auto'"):
        _direction("my_score", "auto", metrics)  # Keras 3 refuses it too (s12 review)


def test_early_stopping_keeps_training_while_a_declared_metric_rises() -> None:
    stopper = EarlyStopping(monitor="score", patience=0)
    model = _fit(stopper)
    assert len(model.history.epoch) == 5 and stopper.stopped_epoch == 0
    assert stopper.best == pytest.approx(0.5)
    assert "_fit_metrics" not in vars(model)  # published only while fit runs


def test_reduce_lr_on_plateau_sees_a_rising_metric_as_improving() -> None:
    reducer = ReduceLROnPlateau(monitor="score", patience=0, factor=0.5)
    model = _fit(reducer)
    assert model.optimizer.lr == pytest.approx(0.1)  # never reduced


def test_model_checkpoint_keeps_the_best_of_a_rising_metric(tmp_path) -> None:
    saver = ModelCheckpoint(tmp_path / "e{epoch}.nlck", save_best_only=True, monitor="score")
    _fit(saver)
    assert [p.rsplit("/", 1)[-1] for p in saver.saved] == [f"e{i}.nlck" for i in range(1, 6)]
    with pytest.raises(ValueError, match="Received: mode='best'"):
        ModelCheckpoint(tmp_path / "x.nlck", mode="best")


# -- a learning rate of 0 (Keras and PyTorch take it; a warm-up schedule starts there) ------------
def test_a_warm_up_schedule_may_return_zero_at_its_first_epoch() -> None:
    from nonlin.callbacks import LearningRateScheduler

    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()]).build(3, seed=0)
    before = model.get_weights()
    warm_up = LearningRateScheduler(lambda epoch, lr: 0.05 * epoch)  # 0 at epoch 0
    history = model.fit(X, Y, loss="bce", optimizer=nonlin.SGD(0.1), epochs=1, verbose=0,
                        callbacks=[warm_up])
    assert history.history["lr"] == [0.0]
    for old, new in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(old, new)  # lr 0: no step
    model.fit(X, Y, loss="bce", optimizer=nonlin.SGD(0.1), epochs=2, verbose=0,
              callbacks=[warm_up])
    assert model.optimizer.lr == pytest.approx(0.05)
    assert not all(np.array_equal(a, b) for a, b in zip(before, model.get_weights(),
                                                         strict=True))
    with pytest.raises(ValueError, match="learning rate >= 0"):
        nonlin.SGD(-1e-3)


def test_a_metric_class_instead_of_a_metric_is_refused_naming_what_to_write() -> None:
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()]).build(3, seed=0)
    with pytest.raises(TypeError, match=r"Received the class Accuracy; create one: Accuracy\(\)"):
        model.fit(X, Y, loss="bce", optimizer=nonlin.SGD(0.1), verbose=0, metrics=[Accuracy])


def test_callbacks_show_their_non_default_settings() -> None:
    from nonlin.callbacks import Callback, CSVLogger

    assert repr(EarlyStopping()) == "EarlyStopping()"
    assert repr(EarlyStopping(monitor="val_auc", patience=3, restore_best_weights=True)) == (
        "EarlyStopping(monitor='val_auc', patience=3, restore_best_weights=True)")
    assert repr(ReduceLROnPlateau(factor=0.5, min_lr=1e-5)) == (
        "ReduceLROnPlateau(factor=0.5, min_lr=1e-05)")
    assert repr(CSVLogger("log.csv", append=True)) == "CSVLogger(filename='log.csv', append=True)"

    class Mine(Callback):
        def __init__(self, k=3, weights=None):
            self.k, self.weights = k, weights

    assert repr(Mine()) == "Mine()"
    assert repr(Mine(5, np.ones(2))) == "Mine(k=5, weights=array([1., 1.]))"
