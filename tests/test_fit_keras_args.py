"""Keras 3's ``validation_freq``, ``validation_batch_size``, ``steps_per_epoch``,
``validation_steps`` of ``fit`` and ``steps`` of ``evaluate`` and ``predict``
(``nonlin._fit_keras_args``)."""

import csv
import math
import warnings

import numpy as np
import pytest

import nonlin
from nonlin.callbacks import Callback, CSVLogger, EarlyStopping, ModelCheckpoint
from nonlin.lr_callbacks import ReduceLROnPlateau

RNG = np.random.default_rng(3)
X = RNG.normal(size=(80, 3))
Y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)


def _model():
    return nonlin.Sequential([nonlin.Dense(6), nonlin.Tanh(), nonlin.Dense(2), nonlin.Softmax()])


class _Keys(Callback):
    """Each epoch's logged keys, as the callbacks see them."""

    def __init__(self):
        self.keys = []

    def on_epoch_end(self, epoch, logs=None):
        self.keys.append(sorted(logs or {}))


def _fit(model=None, epochs=4, **kwargs):
    model = _model() if model is None else model
    kwargs.setdefault("seed", 5)
    kwargs.setdefault("validation_split", 0.25)
    history = model.fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=epochs,
                        batch_size=kwargs.pop("batch_size", 16), verbose=0,
                        metrics=["accuracy"], **kwargs)
    return model, history


def _same_weights(a, b):
    return all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights(), strict=True))


# -- validation_freq ---------------------------------------------------------------------
@pytest.mark.parametrize("freq, validated", [(2, [1, 3, 5]), (3, [2, 5])])
def test_validation_freq_validates_every_nth_epoch_counted_from_one(freq, validated):
    keys = _Keys()
    model, history = _fit(epochs=6, validation_freq=freq, callbacks=[keys])
    every, every_history = _fit(epochs=6)
    assert _same_weights(model, every)  # validation draws nothing: training is unchanged
    for epoch, logged in enumerate(keys.keys):
        assert ("val_loss" in logged) == (epoch in validated)
        assert ("val_accuracy" in logged) == (epoch in validated)
    for key in ("loss", "accuracy", "lr"):
        assert history.history[key] == every_history.history[key]
    for key in ("val_loss", "val_accuracy"):  # one value per epoch: NaN where none was taken
        got = np.array(history.history[key])
        assert np.isnan(np.delete(got, validated)).all()
        assert got[validated].tolist() == [every_history.history[key][e] for e in validated]


@pytest.mark.parametrize("value, error", [(0, ValueError), (-2, ValueError), (True, ValueError),
                                          (1.5, ValueError), ([1, 2], TypeError),
                                          ("2", ValueError)])
def test_validation_freq_takes_only_an_integer_of_at_least_one(value, error):
    model = _model()
    with pytest.raises(error, match=r"Expected validation_freq as an integer >= 1.*Received: "
                                    r"validation_freq="):
        _fit(model, validation_freq=value)
    assert not model.built  # refused before anything changed


def test_callbacks_on_an_epoch_without_validation_warn_and_skip_it_as_keras():
    stopper = EarlyStopping(monitor="val_loss", patience=10)
    plateau = ReduceLROnPlateau(monitor="val_loss", patience=1, factor=0.5, min_delta=10.0)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        model, history = _fit(epochs=6, validation_freq=2, callbacks=[stopper, plateau])
    texts = [str(w.message) for w in seen]
    assert sum(t.startswith("Early stopping conditioned on metric `val_loss` which is not "
                            "available") for t in texts) == 3
    assert sum("Learning rate reduction" in t for t in texts) == 3
    hints = [t for t in texts if "validates every 2 epochs (validation_freq=2)" in t]
    assert len(hints) == 2 and not any("has no validation data" in t for t in texts)
    val = history.history["val_loss"]
    assert stopper.best == min(val[1], val[3], val[5]) and stopper.wait <= 3
    # best at epoch 1; no improvement of 10 at epochs 3 and 5: halved twice, never at others
    assert model.optimizer.lr == pytest.approx(0.001 * 0.25)
    assert history.history["lr"][:4] == [0.001] * 4 and history.history["lr"][5] == 0.0005


def test_model_checkpoint_best_only_warns_and_saves_an_epoch_without_validation(tmp_path):
    saver = ModelCheckpoint(tmp_path / "ck-{epoch}.safetensors", save_best_only=True)
    with pytest.warns(UserWarning, match="Can save best model only with metric `val_loss`"):
        _fit(epochs=4, validation_freq=2, callbacks=[saver])
    names = [p.rsplit("/", 1)[1] for p in saver.saved]
    # Keras 3: a missing monitor saves (epochs 1 and 3, counted from 1); epoch 2 set the best
    assert names[:3] == ["ck-1.safetensors", "ck-2.safetensors", "ck-3.safetensors"]
    assert saver.best is not None
    best = ModelCheckpoint(tmp_path / "best.safetensors", save_best_only=True, every=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the validated epochs alone: nothing missing
        _, history = _fit(epochs=4, validation_freq=2, callbacks=[best])
    assert best.best == min(history.history["val_loss"][1::2])


def test_the_model_checkpoint_hint_names_every(tmp_path):
    saver = ModelCheckpoint(tmp_path / "ck.safetensors", save_best_only=True)
    with pytest.warns(UserWarning, match=r"validation_freq=2.*written anyway.*"
                                         r"ModelCheckpoint\(every=2\)"):
        _fit(epochs=1, validation_freq=2, callbacks=[saver])


def test_csv_logger_has_the_val_columns_with_na_on_epochs_without_validation(tmp_path):
    path = tmp_path / "log.csv"
    _fit(epochs=4, validation_freq=2, callbacks=[CSVLogger(path)])
    with open(path, newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["epoch", "accuracy", "loss", "lr", "val_accuracy", "val_loss"]
    assert [row[4:] for row in rows[1::2]] == [["NA", "NA"], ["NA", "NA"]]
    assert all(row[4] != "NA" and row[5] != "NA" for row in rows[2::2])
    path2 = tmp_path / "every.csv"
    _fit(epochs=1, callbacks=[CSVLogger(path2)])
    with open(path2, newline="") as file:
        assert next(csv.reader(file)) == rows[0]  # the header of validation_freq=1
    path3 = tmp_path / "none.csv"
    _fit(epochs=1, validation_split=0.0, validation_freq=2, callbacks=[CSVLogger(path3)])
    with open(path3, newline="") as file:  # no validation data: no val_ columns
        assert next(csv.reader(file)) == ["epoch", "accuracy", "loss", "lr"]


@pytest.mark.parametrize("name, save", [("ck-3.safetensors", "epoch"),
                                        ("ck-3-2.safetensors", 5)])
def test_a_resumed_run_keeps_the_validation_epochs(tmp_path, name, save):
    straight_model, straight = _fit(epochs=6, validation_freq=3)
    pattern = "ck-{epoch}.safetensors" if save == "epoch" else "ck-{epoch}-{batch}.safetensors"
    saver = ModelCheckpoint(tmp_path / pattern, save_freq=save)
    _fit(epochs=6, validation_freq=3, callbacks=[saver])
    keys, again = _Keys(), ModelCheckpoint(tmp_path / "b" / pattern, save_freq=save)
    resumed_model, resumed = _fit(epochs=6, validation_freq=3, seed=None,
                                  resume_from=tmp_path / name, callbacks=[again, keys])
    assert _same_weights(resumed_model, straight_model)
    assert resumed.epoch == straight.epoch
    for key, values in straight.history.items():
        np.testing.assert_array_equal(resumed.history[key], values)  # NaN where NaN
    first = len(straight.epoch) - len(keys.keys)
    assert [("val_loss" in k) for k in keys.keys] == [e in (2, 5) for e in range(first, 6)]


# -- validation_batch_size ---------------------------------------------------------------
def test_validation_batch_size_only_chunks_the_validation_pass():
    model, history = _fit(epochs=3, validation_batch_size=7)
    default_model, default = _fit(epochs=3)
    assert _same_weights(model, default_model)
    assert history.history["val_accuracy"] == default.history["val_accuracy"]
    np.testing.assert_allclose(history.history["val_loss"], default.history["val_loss"],
                               rtol=1e-13)  # another order of the chunks' sums
    X_val, y_val = X[60:], Y[60:]
    assert model.evaluate(X_val, y_val, batch_size=7)["loss"] == history.history["val_loss"][-1]
    with pytest.raises(ValueError, match="validation_batch_size=0"):
        _fit(validation_batch_size=0)


# -- steps_per_epoch, validation_steps ---------------------------------------------------
def test_steps_per_epoch_without_batch_size_cuts_the_rows_into_that_many_batches():
    model, history = _fit(steps_per_epoch=4, batch_size=None)  # 60 rows: batches of 15
    same_model, same = _fit(batch_size=15)
    assert _same_weights(model, same_model) and history.history == same.history


def test_steps_per_epoch_covering_the_rows_is_one_pass_and_fewer_are_refused():
    model, history = _fit(steps_per_epoch=4)  # 60 rows in batches of 16: 4 batches
    plain_model, plain = _fit()
    assert _same_weights(model, plain_model) and history.history == plain.history
    with pytest.warns(UserWarning, match="steps_per_epoch=9 asks for more batches.*make 4"):
        model, _ = _fit(steps_per_epoch=9)
    assert _same_weights(model, plain_model)
    refused = _model()
    with pytest.raises(ValueError, match=r"Expected steps_per_epoch >= 4.*Received: "
                                         r"steps_per_epoch=3.*x\[:48\]"):
        _fit(refused, steps_per_epoch=3)
    assert not refused.built
    with pytest.raises(ValueError, match="steps_per_epoch=0"):
        _fit(steps_per_epoch=0)


def test_validation_steps_must_cover_the_validation_rows():
    model, history = _fit(validation_steps=2)  # 20 rows in batches of 16
    plain_model, plain = _fit()
    assert history.history == plain.history
    _fit(validation_steps=1, batch_size=None)  # one batch of 20 rows, as Keras cuts it
    with pytest.raises(ValueError, match=r"Expected validation_steps >= 3.*batch size of 7"):
        _fit(validation_steps=2, validation_batch_size=7)
    with pytest.raises(ValueError, match="Expected validation_steps >= 2"):
        _fit(validation_steps=1)


# -- evaluate(steps=), predict(steps=) ---------------------------------------------------
def test_evaluate_and_predict_steps_take_the_first_batches():
    model, _ = _fit(epochs=1)
    assert model.evaluate(X, Y, steps=3, batch_size=10) == model.evaluate(X[:30], Y[:30],
                                                                          batch_size=10)
    assert model.evaluate(X, Y, steps=3) == model.evaluate(X, Y)  # Keras: ceil(80 / 3) a batch
    np.testing.assert_array_equal(model.predict(X, steps=2, batch_size=25),
                                  model.predict(X[:50], batch_size=25))
    np.testing.assert_array_equal(model.predict(X, steps=2), model.predict(X))
    with pytest.warns(UserWarning, match="steps=5 asks for more batches than x holds.*make 4"):
        assert model.predict(X, steps=5, batch_size=20).shape == (80, 2)
    with pytest.raises(ValueError, match="steps=0"):
        model.evaluate(X, Y, steps=0)
    with pytest.raises(ValueError, match="steps=True"):
        model.predict(X, steps=True)
    assert math.isfinite(model.evaluate(X, Y, steps=1, batch_size=1)["loss"])


def test_plot_history_joins_the_validated_epochs(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    from nonlin import plots

    figures = []
    original = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, p: figures.append(fig) or original(fig, p))
    history = {"loss": [0.9, 0.8, 0.7, 0.6], "val_loss": [math.nan, 0.85, math.nan, 0.65]}
    plots.plot_history(history, tmp_path / "h.png")  # a fit(validation_freq=2)'s History
    val_line = figures[0].axes[0].lines[1]  # a line through epochs 2 and 4, no NaN gaps
    assert val_line.get_xdata().tolist() == [2, 4]
    assert val_line.get_ydata().tolist() == [0.85, 0.65]
