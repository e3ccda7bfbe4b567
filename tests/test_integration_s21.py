"""Session 21's Keras 3 features used together, as a ported Keras script uses them.

Dense(activation=, kernel_initializer=, kernel_regularizer=) with Input, a CosineDecay with a
float warm-up, Adam(use_ema=True), label smoothing, the loss-like and confusion metrics, and
BackupAndRestore, EarlyStopping, SwapEMAWeights, ModelCheckpoint, TerminateOnNaN and
CSVLogger in one fit: a run killed and run again ends as the uninterrupted one, every object
round-trips through files, and the estimators refuse what they cannot run before changing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.callbacks import (
    BackupAndRestore,
    CSVLogger,
    EarlyStopping,
    ModelCheckpoint,
    ReduceLROnPlateau,
    SwapEMAWeights,
    TerminateOnNaN,
)
from nonlin.metrics import MeanIoU, PrecisionAtRecall
from nonlin.schedules import CosineDecay, PiecewiseConstantDecay

RNG = np.random.default_rng(0)
N, K = 5, 3
X = RNG.normal(size=(40, N))
LABELS = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0).astype(int)
Y = np.eye(K)[LABELS]
EPOCHS, BATCH = 4, 16  # 32 training rows: 2 batches an epoch, 8 steps


def ported(dtype: type = np.float64, hidden: int = 8) -> nonlin.Sequential:
    """The Keras model as ported: Input, an activated Dense with Keras' initializer and
    regularizer, Dropout, a softmax Dense."""
    model = nonlin.Sequential([
        nonlin.Input(shape=(N,)),
        nonlin.Dense(hidden, activation="relu",
                     kernel_initializer=nonlin.initializers.HeNormal(), kernel_regularizer="l2"),
        nonlin.Dropout(0.2), nonlin.Dense(K, activation="softmax")])
    model.compile(
        optimizer=nonlin.optimizers.Adam(
            learning_rate=CosineDecay(0.01, EPOCHS * 2, warmup_steps=0.1 * EPOCHS * 2),
            use_ema=True),
        loss=nonlin.losses.CategoricalCrossentropy(label_smoothing=0.1),
        metrics=["accuracy", "categorical_crossentropy", "kl_divergence",
                 registry.lookup("metric", "TruePositives")(), PrecisionAtRecall(0.5),
                 MeanIoU(K, sparse_y_true=False, sparse_y_pred=False)])
    return model


class Crash(nonlin.Callback):
    """Raise at epoch ``epoch``: after its batch ``batch``, or at its end (``batch=None``)."""

    def __init__(self, epoch: int, batch: int | None) -> None:
        self.at, self.batch, self.epoch = epoch, batch, -1

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == self.at and batch == self.batch:
            raise RuntimeError("killed")

    def on_epoch_end(self, epoch, logs=None):
        if self.batch is None and epoch == self.at:
            raise RuntimeError("killed")


class CrashAtEnd(nonlin.Callback):
    """Raise in on_train_end, before BackupAndRestore deletes its backup (its hooks run last)."""

    def on_train_end(self, logs=None):
        raise RuntimeError("killed")


def script(folder: Path, *extra: nonlin.Callback, save_freq: int | str = 3,
           plateau: bool = False, min_delta: float = 0.0, dtype: type = np.float64) -> tuple:
    """The ported script; ``plateau``: a float learning rate and a ReduceLROnPlateau (which
    refuses a schedule) after EarlyStopping, both with ``min_delta`` (they act then)."""
    model = ported()
    if plateau:
        model.optimizer.lr = 0.01
    callbacks = [BackupAndRestore(folder / "backup", save_freq=save_freq),
                 EarlyStopping(restore_best_weights=True, patience=2, min_delta=min_delta),
                 *([ReduceLROnPlateau(patience=0, factor=0.5, min_delta=min_delta)]
                   if plateau else []),
                 SwapEMAWeights(swap_on_epoch=True),
                 ModelCheckpoint(str(folder / "ck-{epoch}.safetensors")), TerminateOnNaN(),
                 CSVLogger(folder / "log.csv", append=True), *extra]
    history = model.fit(X.astype(dtype), Y, batch_size=BATCH, epochs=EPOCHS, verbose=0,
                        callbacks=callbacks, validation_split=0.2, seed=0)
    return model, history, callbacks


def outcome(model: nonlin.Sequential, history: nonlin.History, callbacks: list) -> dict:
    """Everything a run leaves: weights, optimizer state (the average too), History, the
    callbacks' state and the generator's next draws."""
    states = [(type(cb).__name__, cb.state_dict()) for cb in callbacks[1:-2]]
    return {
        "weights": [w.tobytes() for w in model.get_weights()],
        "optimizer": {k: np.asarray(v).tobytes() for k, v in
                      model.optimizer.state_dict().items()},
        "history": {k: np.asarray(v).tobytes() for k, v in history.history.items()},
        "epochs": list(history.epoch),
        "callbacks": repr(states),
        "rng": model.rng.random(3).tobytes(),
        "lr": repr(model.optimizer.lr),
    }


@pytest.mark.parametrize("epoch, batch, plateau, min_delta", [
    (0, 1, False, 0.0), (1, 0, False, 0.0), (2, None, False, 0.0), (1, 1, True, 0.0),
    (1, 1, True, 0.004), (2, 0, False, 0.004)])  # 0.004: an early stop at 2, a lower lr at 2
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_killed_script_reruns_to_the_uninterrupted_bits(tmp_path, epoch, batch, plateau,
                                                         min_delta, dtype):
    run = {"plateau": plateau, "min_delta": min_delta, "dtype": dtype}
    straight = outcome(*script(tmp_path / "a", **run))
    with pytest.raises(RuntimeError, match="killed"):
        script(tmp_path / "b", Crash(epoch, batch), **run)
    again = outcome(*script(tmp_path / "b", **run))
    assert again == straight
    assert not (tmp_path / "b" / "backup").exists()
    # CSVLogger(append=True) keeps the killed run's rows: those of epochs after the last
    # backup come twice (documented), each row as the uninterrupted run's
    rows = (tmp_path / "b" / "log.csv").read_text().splitlines()
    expected = (tmp_path / "a" / "log.csv").read_text().splitlines()
    assert set(rows) == set(expected) and rows[-1] == expected[-1]


def test_reduce_lr_on_plateau_refuses_the_cosine_schedule(tmp_path):
    model = ported()
    with pytest.raises(TypeError, match="schedule"):
        model.fit(X, Y, epochs=1, verbose=0, seed=0, validation_split=0.2,
                  callbacks=[ReduceLROnPlateau()])


@pytest.mark.parametrize("save_freq, min_delta", [("epoch", 0.0), (3, 0.0), ("epoch", 0.004)])
def test_backup_left_at_the_last_epoch_with_swap_on_epoch_ends_with_the_average(
        tmp_path, save_freq, min_delta):
    """A backup of the last epoch's end (or of EarlyStopping's stop) holds the average in the
    model (swap_on_epoch): the re-run, training nothing, must end as the uninterrupted run."""
    run = {"save_freq": save_freq, "min_delta": min_delta}
    straight = outcome(*script(tmp_path / "a", **run))
    with pytest.raises(RuntimeError, match="killed"):
        script(tmp_path / "b", CrashAtEnd(), **run)
    assert (tmp_path / "b" / "backup" / "latest.safetensors").exists()
    again = outcome(*script(tmp_path / "b", **run))
    assert again["weights"] == straight["weights"]
    assert again["optimizer"] == straight["optimizer"]


def test_resume_from_last_checkpoint_with_swap_on_epoch_ends_with_the_average(tmp_path):
    def run(**fit):
        model = ported()
        callbacks = [SwapEMAWeights(swap_on_epoch=True),
                     ModelCheckpoint(str(tmp_path / "ck-{epoch}.safetensors"))]
        model.fit(X, Y, batch_size=BATCH, epochs=EPOCHS, verbose=0, callbacks=callbacks,
                  seed=0, **fit)
        return model

    straight = run()
    average = [straight.optimizer.state_dict()[f"average.{i}"] for i in range(4)]
    params = straight.parameters()
    assert all(np.array_equal(p.value, a) for p, a in zip(params, average, strict=True))
    resumed = run(resume_from=str(tmp_path / f"ck-{EPOCHS}.safetensors"))
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_swap_callback_of_a_fit_given_to_evaluate_after_it(tmp_path):
    """fit's SwapEMAWeights(swap_on_epoch=True), given to evaluate after fit, evaluates the
    average and leaves the weights as they were."""
    model, _, callbacks = script(tmp_path)
    swap = callbacks[2]
    weights = model.get_weights()  # EarlyStopping's best weights, not the average
    fresh = model.evaluate(X, Y, callbacks=[SwapEMAWeights()])
    assert model.evaluate(X, Y, callbacks=[swap]) == fresh
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights(), strict=True))
    assert fresh != model.evaluate(X, Y)
    predicted = model.predict(X, callbacks=[swap])
    assert all(np.array_equal(a, b) for a, b in zip(weights, model.get_weights(), strict=True))
    assert not np.array_equal(predicted, model.predict(X))


def test_metrics_names_match_evaluate_list(tmp_path):
    model, _, _ = script(tmp_path)
    as_dict = model.evaluate(X, Y)
    assert list(as_dict) == model.metrics_names
    assert model.evaluate(X, Y, return_dict=False) == list(as_dict.values())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_activated_dense_with_smoothing_trains_as_dense_softmax(dtype):
    from nonlin.objective import fused_kind

    def fit(fused):
        model = ported(dtype)
        if not fused:
            first, drop, last = model.layers
            model = nonlin.Sequential([
                nonlin.Input(shape=(N,)),
                nonlin.Dense(8, kernel_initializer=nonlin.initializers.HeNormal(),
                             kernel_regularizer="l2"),
                nonlin.ReLU(), nonlin.Dropout(0.2), nonlin.Dense(K), nonlin.Softmax()])
            model.compile(optimizer=nonlin.optimizers.Adam(
                learning_rate=CosineDecay(0.01, EPOCHS * 2, warmup_steps=0.8), use_ema=True),
                loss=nonlin.losses.CategoricalCrossentropy(label_smoothing=0.1),
                metrics=["accuracy", "kl_divergence"])
        history = model.fit(X.astype(dtype), Y, batch_size=BATCH, epochs=2, verbose=0, seed=0,
                            validation_split=0.2)
        return model, history

    fused, history = fit(True)
    assert fused_kind(fused, fused.loss) == ("logits", True)
    explicit, explicit_history = fit(False)
    assert fused.get_weights()[0].dtype == dtype
    for a, b in zip(fused.get_weights(), explicit.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    for key in ("loss", "accuracy", "kl_divergence", "val_loss"):
        np.testing.assert_array_equal(history.history[key], explicit_history.history[key])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_object_round_trips_through_files(tmp_path, dtype):
    model = ported(dtype)
    model.optimizer.ema_momentum, model.optimizer.ema_overwrite_frequency = 0.9, 3
    model.fit(X.astype(dtype), Y, batch_size=BATCH, epochs=2, verbose=0, seed=0,
              callbacks=[ModelCheckpoint(str(tmp_path / "ck.safetensors"))])
    expected = model.evaluate(X.astype(dtype), Y)
    model.save(tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert loaded.evaluate(X.astype(dtype), Y) == expected
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    config = loaded.optimizer.get_config()
    assert config["lr"]["config"]["warmup_steps"] == 0.8
    assert (config["use_ema"], config["ema_momentum"], config["ema_overwrite_frequency"]) == (
        True, 0.9, 3)
    assert repr(loaded.loss) == repr(model.loss)
    ck = nonlin.load_checkpoint(tmp_path / "ck.safetensors")
    assert ck.optimizer.get_config() == model.optimizer.get_config()
    assert ck.model.evaluate(X.astype(dtype), Y) == expected
    text = model.to_json()
    again = nonlin.model_from_json(text)
    assert json.loads(again.to_json()) == json.loads(text)
    assert again.layers[0].get_config() == model.layers[0].get_config()
    env = {**os.environ, "PYTHONPATH": str(Path(nonlin.__file__).parents[1])}
    for name in ("m.safetensors", "ck.safetensors"):
        info = subprocess.run([sys.executable, "-m", "nonlin", "info", str(tmp_path / name)],
                              capture_output=True, text=True, env=env, timeout=60)
        assert info.returncode == 0, info.stderr
        assert "label_smoothing=0.1" in info.stdout and "CosineDecay" in info.stdout


def test_terminate_on_nan_with_backup_and_ema_ends_with_the_average(tmp_path):
    def run(epochs):
        model = ported()
        model.compile(optimizer=nonlin.optimizers.SGD(
            PiecewiseConstantDecay([4], [0.01, 1e250]), use_ema=True))
        terminate = TerminateOnNaN()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            history = model.fit(X, Y, batch_size=BATCH, epochs=epochs, verbose=0, seed=0,
                                callbacks=[BackupAndRestore(tmp_path / "backup", save_freq=1),
                                           SwapEMAWeights(swap_on_epoch=True), terminate])
        return model, history, terminate

    model, history, terminate = run(EPOCHS)
    assert model.stop_training and (terminate.stopped_epoch, terminate.stopped_batch) == (2, 0)
    assert history.epoch == [0, 1]
    assert not (tmp_path / "backup").exists()
    assert all(np.isfinite(w).all() for w in model.get_weights())
    average = [model.optimizer.state_dict()[f"average.{i}"] for i in range(4)]
    assert all(np.array_equal(p.value, a) for p, a in zip(model.parameters(), average, strict=True))
    two, _, _ = run(2)  # the average of the finite steps: as a run of the epochs completed
    for a, b in zip(model.get_weights(), two.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_estimators_take_loss_options_and_refuse_swap_ema_weights_first():
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier

    binary = (X[:, 0] > 0).astype(int)
    for loss, target in [
            (nonlin.losses.BinaryCrossentropy(from_logits=True, pos_weight=[2.0]), binary),
            (nonlin.losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1), binary),
            (nonlin.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1),
             LABELS)]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # max_iter=2 does not converge
            est = MLPClassifier((4,), max_iter=2, random_state=0, loss=loss).fit(X, target)
        assert est.loss is loss and est.n_iter_ == 2
    fitted = {k: v for k, v in vars(est).items() if k.endswith("_")}
    est.set_params(warm_start=True, callbacks=[SwapEMAWeights()])
    with pytest.raises(ValueError, match="SwapEMAWeights .callbacks.0.*use_ema"):
        est.fit(X, LABELS)
    assert est.n_iter_ == fitted["n_iter_"] and est.loss_curve_ == fitted["loss_curve_"]


@pytest.mark.parametrize("swap_first", [True, False])
def test_early_stopping_best_weights_are_the_average_when_swap_comes_first(swap_first):
    """The guide: SwapEMAWeights(swap_on_epoch=True) before EarlyStopping: its best weights
    are the average; after it: the weights themselves, put back over fit's average."""
    model = ported()
    stop = EarlyStopping(restore_best_weights=True, patience=5)
    swap = SwapEMAWeights(swap_on_epoch=True)
    model.fit(X, Y, batch_size=BATCH, epochs=EPOCHS, verbose=0, seed=0, validation_split=0.2,
              callbacks=[swap, stop] if swap_first else [stop, swap])
    assert stop.best_epoch == EPOCHS - 1
    average = [model.optimizer.state_dict()[f"average.{i}"] for i in range(4)]
    params = model.parameters()
    assert all(np.array_equal(p.value, a) for p, a in zip(params, average, strict=True)) == (
        swap_first)
