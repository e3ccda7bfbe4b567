"""Callbacks: hooks order, early stopping, learning-rate callbacks, CSV logging."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from nonlin import (
    SGD,
    Callback,
    CSVLogger,
    Dense,
    EarlyStopping,
    LearningRateScheduler,
    ReduceLROnPlateau,
    Sequential,
    Softmax,
    Tanh,
)


def data(n: int = 120, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, y


def model() -> Sequential:
    return Sequential([Dense(8), Tanh(), Dense(2), Softmax()])


def test_hooks_are_called_in_order() -> None:
    calls = []

    class Recorder(Callback):
        def on_train_begin(self, logs=None):
            calls.append("train_begin")

        def on_epoch_begin(self, epoch, logs=None):
            calls.append(f"epoch_begin {epoch}")

        def on_batch_begin(self, batch, logs=None):
            calls.append(f"batch_begin {batch}")

        def on_batch_end(self, batch, logs=None):
            calls.append(f"batch_end {batch} {logs['size']}")

        def on_epoch_end(self, epoch, logs=None):
            calls.append(f"epoch_end {epoch} {sorted(logs)}")

        def on_train_end(self, logs=None):
            calls.append("train_end")

    X, y = data(n=10)
    model().fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=2, batch_size=6,
                callbacks=[Recorder()], verbose=0)
    epoch_end = "['loss', 'lr']"
    assert calls == [
        "train_begin",
        "epoch_begin 0", "batch_begin 0", "batch_end 0 6", "batch_begin 1", "batch_end 1 4",
        f"epoch_end 0 {epoch_end}",
        "epoch_begin 1", "batch_begin 0", "batch_end 0 6", "batch_begin 1", "batch_end 1 4",
        f"epoch_end 1 {epoch_end}",
        "train_end",
    ]


class ScriptedLoss(Callback):
    """Replaces the monitored value by a script, and records weights per epoch."""

    def __init__(self, values):
        self.values, self.weights = values, []

    def on_epoch_end(self, epoch, logs=None):
        logs["val_loss"] = self.values[epoch]
        self.weights.append(self.model.get_weights())


def test_early_stopping_stops_after_patience_and_restores_best() -> None:
    X, y = data()
    script = ScriptedLoss([1.0, 0.5, 0.6, 0.55, 0.7, 0.1, 0.1])
    stop = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    m = model()
    h = m.fit(X, y, loss="cross_entropy", optimizer=SGD(0.1), epochs=7,
              callbacks=[script, stop], verbose=0)
    assert len(h.history["loss"]) == 4  # epochs 0..3; the best was epoch 1
    assert stop.best_epoch == 1 and stop.stopped_epoch == 3 and stop.best == 0.5
    for got, best in zip(m.get_weights(), script.weights[1], strict=True):
        np.testing.assert_array_equal(got, best)


def test_early_stopping_mode_max_and_min_delta() -> None:
    X, y = data()

    class Acc(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_accuracy"] = [0.5, 0.6, 0.605, 0.61, 0.9][epoch]

    stop = EarlyStopping(monitor="val_accuracy", min_delta=0.02, patience=1)
    h = model().fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=5,
                    callbacks=[Acc(), stop], verbose=0)
    assert len(h.history["loss"]) == 3 and stop.best == 0.6


def test_missing_monitor_warns_and_training_goes_on_as_in_keras() -> None:
    X, y = data()
    with pytest.warns(UserWarning, match="Early stopping conditioned on metric `val_loss` which "
                      "is not available. Available metrics are: loss,lr"):
        h = model().fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=3,
                        callbacks=[EarlyStopping()], verbose=0)
    assert h.epoch == [0, 1, 2]


def test_learning_rate_scheduler_and_history_lr() -> None:
    X, y = data()
    opt = SGD(0.1)
    h = model().fit(X, y, loss="cross_entropy", optimizer=opt, epochs=3, verbose=0,
                    callbacks=[LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))])
    assert h.history["lr"] == pytest.approx([0.1, 0.05, 0.1 / 3])


def test_reduce_lr_on_plateau() -> None:
    X, y = data()
    script = ScriptedLoss([1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95])
    reduce = ReduceLROnPlateau(factor=0.5, patience=2, cooldown=1, min_lr=0.02)
    h = model().fit(X, y, loss="cross_entropy", optimizer=SGD(0.1), epochs=7, verbose=0,
                    callbacks=[script, reduce])
    # history["lr"][e] is the rate used in epoch e. Plateau from epoch 2: reduced at the
    # end of epoch 3 (wait 2), cooldown in epoch 4, reduced again at the end of epoch 5.
    assert h.history["lr"] == pytest.approx([0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.025])


def test_csv_logger(tmp_path) -> None:
    X, y = data()
    path = tmp_path / "log.csv"
    model().fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=3, metrics=["accuracy"],
                validation_split=0.2, callbacks=[CSVLogger(str(path))], verbose=0)
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["epoch", "accuracy", "loss", "lr", "val_accuracy", "val_loss"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2"]
    assert all(np.isfinite(float(v)) for r in rows[1:] for v in r)


def test_stop_training_flag_ends_after_the_epoch() -> None:
    X, y = data()

    class StopAt1(Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                self.model.stop_training = True

    h = model().fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=5,
                    callbacks=[StopAt1()], verbose=0)
    assert len(h.history["loss"]) == 2


def test_a_non_numeric_log_value_is_recorded_as_is_and_history_stays_aligned() -> None:
    class Tag(Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["tag"] = None

    X, y = data(20)
    m = model()
    m.fit(X, y, loss="cross_entropy", optimizer=SGD(0.1), epochs=2, verbose=0,
          callbacks=[Tag()])  # as Keras 3's History: the value itself
    assert m.history.epoch == [0, 1] and m.history.history["tag"] == [None, None]
    assert {k: len(v) for k, v in m.history.history.items()} == {"loss": 2, "lr": 2, "tag": 2}
