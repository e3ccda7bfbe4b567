"""Review s12 (a Keras 3 / PyTorch user's view): a continued fit's History, ``mode="auto"``
on keys of unknown direction, optimizer arguments in Keras' or torch's order, and layers
changed after build."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin


# -- finding 5: AdamW and RMSprop take only the arguments Keras orders alike by position --------
@pytest.mark.parametrize("call", [
    lambda: nonlin.AdamW(1e-3, 1e-4),          # Keras 3: (learning_rate, weight_decay, ...)
    lambda: nonlin.AdamW(1e-3, 0.9, 0.999),    # PyTorch's betas, then eps, weight_decay
    lambda: nonlin.RMSprop(1e-3, 0.9, 0.9),    # Keras 3: (learning_rate, rho, momentum, ...)
])
def test_a_positional_call_in_keras_or_torch_order_is_refused(call) -> None:
    with pytest.raises(TypeError, match="positional"):
        call()


def test_the_keyword_forms_and_the_positional_prefix_still_work() -> None:
    adamw = nonlin.AdamW(1e-3, beta_1=0.8, weight_decay=1e-4)
    assert (adamw.lr, adamw.beta_1, adamw.weight_decay) == (1e-3, 0.8, 1e-4)
    rms = nonlin.RMSprop(1e-2, 0.8, epsilon=1e-6)
    assert (rms.lr, rms.rho, rms.epsilon) == (1e-2, 0.8, 1e-6)
    for opt in (adamw, rms):
        again = type(opt).from_config(opt.get_config())
        assert again.get_config() == opt.get_config()
        assert nonlin.registry.optimizer(type(opt).__name__.lower(), **opt.get_config()
                                         ).get_config() == opt.get_config()


# -- finding 6: stop_training set in on_epoch_begin ends that epoch after its first batch ---------
@pytest.mark.parametrize("hook, epochs, steps", [
    ("on_train_begin", [0], 1),    # 4 batches an epoch: one step, then the flag is seen
    ("on_epoch_begin", [0, 1], 5),  # at epoch 1: epoch 0's 4 steps and epoch 1's first
    ("on_epoch_end", [0, 1], 8),    # at epoch 1: after that whole epoch
])
def test_stop_training_from_each_hook_ends_where_the_docs_say(hook, epochs, steps) -> None:
    from pathlib import Path

    def stop(self, *args):
        if hook == "on_train_begin" or args[0] == 1:
            self.model.stop_training = True

    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    model = nonlin.Sequential([nonlin.Dense(1)])
    history = model.fit(X, X @ [1.0, 2, 3], loss="mse", optimizer="sgd", epochs=5,
                        batch_size=16, verbose=0,
                        callbacks=[type("Stop", (nonlin.Callback,), {hook: stop})()])
    assert (history.epoch, model.optimizer.iterations) == (epochs, steps)
    guide = (Path(__file__).resolve().parents[1] / "docs" / "guide.md").read_text()
    for text in (" ".join(nonlin.callbacks.__doc__.split()), " ".join(guide.split())):
        assert "`on_epoch_begin` (or `on_train_begin`), after the first batch of" in (
            text.replace("``", "`"))


# -- finding 3: a fit continued with initial_epoch returns its own epochs, as Keras 3 -------------
def _regression(n: int = 40):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    return X, X @ [1.0, 2.0, 3.0]


def test_a_continued_fit_returns_a_history_of_its_own_epochs(tmp_path) -> None:
    X, y = _regression()
    model = nonlin.Sequential([nonlin.Dense(1)])
    first = model.fit(X, y, loss="mse", optimizer="sgd", epochs=2, verbose=0, seed=0,
                      validation_split=0.25)
    saver = nonlin.checkpoint.ModelCheckpoint(tmp_path / "ck{epoch}.safetensors")
    second = model.fit(X, y, epochs=4, initial_epoch=2, verbose=0, callbacks=[saver])
    assert second.epoch == [2, 3] and first.epoch == [0, 1]
    assert {k: len(v) for k, v in second.history.items()} == {"loss": 2, "lr": 2}
    assert second.params["epochs"] == 4 and second.model is model
    # the model's History goes on, holding every epoch, as the checkpoints record them
    assert model.history.epoch == [0, 1, 2, 3]
    assert model.history.history["loss"][2:] == second.history["loss"]
    assert nonlin.load_checkpoint(saver.saved[-1]).history.epoch == [0, 1, 2, 3]
    # resume_from: the resumed run returns the whole curve
    resumed = nonlin.Sequential([nonlin.Dense(1)])
    whole = resumed.fit(X, y, loss="mse", optimizer="sgd", epochs=5, verbose=0,
                        resume_from=saver.saved[0])
    assert whole is resumed.history and whole.epoch == [0, 1, 2, 3, 4]


# -- finding 4: mode="auto" refuses a key whose direction nothing tells (Keras 3) ----------------
def _scores(values):
    """A plain-function metric returning ``values`` one epoch after another (rising)."""
    values = iter(values)

    def f1(y_true, y_pred):
        return next(values, 0.99)
    return f1


def _classify(callback, metric, epochs: int = 6):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    history = model.fit(X, (X[:, 0] > 0).astype(int), loss="cross_entropy", optimizer="adam",
                        epochs=epochs, verbose=0, metrics=[metric], callbacks=[callback])
    return model, history


@pytest.mark.parametrize("make", [
    lambda: nonlin.EarlyStopping(monitor="f1", patience=1),
    lambda: nonlin.ReduceLROnPlateau(monitor="f1", patience=1),
    lambda: nonlin.checkpoint.ModelCheckpoint("ck.safetensors", save_best_only=True,
                                              monitor="f1"),
])
def test_auto_mode_refuses_a_score_of_unknown_direction_before_training(make, tmp_path,
                                                                        monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    callback = make()  # made before fit names its metrics: not refused yet
    owner = type(callback).__name__
    with pytest.raises(ValueError, match=rf"{owner} received monitor='f1' with mode='auto'.*"
                                         r"Pass mode='max' if higher is better, or mode='min'"):
        _classify(callback, _scores([0.5, 0.6, 0.7, 0.8, 0.9, 0.95]))
    assert callback.model is None  # refused before fit changed anything (or bound it)


def test_a_score_that_declares_its_direction_or_a_mode_given_trains_on() -> None:
    f1 = _scores([0.5, 0.6, 0.7, 0.8, 0.9, 0.95])
    f1.greater_is_better = True  # a plain function declares it as a Metric does
    stopper = nonlin.EarlyStopping(monitor="f1", patience=1)
    _, history = _classify(stopper, f1)
    assert len(history.epoch) == 6 and stopper.stopped_epoch == 0 and stopper.best == 0.95
    stopper = nonlin.EarlyStopping(monitor="f1", patience=1, mode="max")
    _, history = _classify(stopper, _scores([0.5, 0.6, 0.7, 0.8, 0.9, 0.95]))
    assert len(history.epoch) == 6 and stopper.best == 0.95
    f1 = _scores([0.5])
    f1.greater_is_better = "up"
    with pytest.raises(TypeError, match="greater_is_better True, False or None.*'up'"):
        _classify(nonlin.EarlyStopping(monitor="f1"), f1, epochs=1)
    # without save_best_only ModelCheckpoint never compares: nothing to refuse
    saver = nonlin.checkpoint.ModelCheckpoint("unused-{epoch}.safetensors", every=99,
                                              monitor="f1")
    _classify(saver, _scores([0.5]), epochs=1)


def test_losses_nonlin_metric_names_and_the_estimators_score_know_their_direction() -> None:
    from nonlin._monitor import _direction
    from nonlin.metrics import METRICS, get_metrics

    assert all(cls.greater_is_better is not None for cls in METRICS.values())
    down = ["loss", "val_loss", "val_reconstruction_loss", "mae", "val_mean_squared_error",
            "rmse", "val_mape", "MeanAbsolutePercentageError"]
    up = ["acc", "val_accuracy", "val_sparse_categorical_accuracy", "AUC", "val_auc",
          "precision", "val_recall", "r2", "r2_score", "top_k_accuracy", "val_score"]
    for keys, way in ((down, "min"), (up, "max")):
        for key in keys:
            assert _direction(key, "auto", []) == way, key
    named = get_metrics([nonlin.metrics.TopKAccuracy(2), nonlin.metrics.Precision(0.3)])
    for metric in named:  # names of their own ("top_2_accuracy"): the objects declare
        assert _direction("val_" + metric.name, "auto", named) == "max"
    for key in ("f1", "val_iou", "lr", "dice"):
        with pytest.raises(ValueError, match=f"monitor='{key}'"):
            _direction(key, "auto", [])


# -- finding 7: a layer appended after build: fit and evaluate say the layers changed ------------
def test_fit_after_a_layer_appended_since_build_says_to_build_again() -> None:
    X, y = _regression(16)
    model = nonlin.Sequential([nonlin.Dense(4)]).build(3, seed=0)
    model.layers.append(nonlin.Dense(1))  # Keras' model.add habit, through the list
    for call in (lambda: model.fit(X, y, loss="mse", optimizer="sgd", verbose=0),
                 lambda: model.evaluate(X, y, loss="mse")):
        with pytest.raises(RuntimeError, match=r"layers changed since it was built \(built "
                                               r"with 1 layer, it has 2 layers now\).*"
                                               r"model\.build\(3, seed\)"):
            call()
    model.build(3, seed=0)
    assert model.fit(X, y, loss="mse", optimizer="sgd", verbose=0).history["loss"]
    model.layers[0] = nonlin.Dense(4)  # built anew by hand: other weights than fit steps
    model.layers[0].build(3, model.rng)
    with pytest.raises(RuntimeError, match=r"layers\[0\] does not hold the weights built"):
        model.fit(X, y, verbose=0)


def test_a_weightless_layer_swapped_in_place_is_the_model_as_built() -> None:
    X, y = _regression(16)
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)]).build(3, seed=0)
    model.layers[1] = nonlin.ReLU()  # as the estimators follow a new activation
    history = model.fit(X, y, loss="mse", optimizer="sgd", verbose=0)
    assert np.isfinite(history.history["loss"]).all() and np.isfinite(model.evaluate(X, y)["loss"])
