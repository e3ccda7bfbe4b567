"""What Keras users pass and expect: verbose in evaluate/predict, batch_size=None, epochs=0,
logs added by callbacks, a scheduled learning rate under ReduceLROnPlateau, from_logits warnings,
model.save."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

import nonlin
from nonlin import Dense, Sequential, Softmax, Tanh


def blobs(n: int = 60, k: int = 3, d: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(k, d))
    y = rng.integers(0, k, size=n)
    return centers[y] + rng.normal(size=(n, d)), y


def mlp() -> Sequential:
    return Sequential([Dense(8), Tanh(), Dense(3), Softmax()])


# -- 1. verbose in evaluate and predict ------------------------------------------------
def test_evaluate_and_predict_take_keras_verbose(capsys) -> None:
    X, y = blobs()
    model = mlp().build(4, seed=0)
    quiet = model.evaluate(X, y, loss="cross_entropy", metrics=["accuracy"], verbose=0)
    np.testing.assert_array_equal(model.predict(X, verbose=0), model.predict(X))
    assert capsys.readouterr() == ("", "")
    loud = model.evaluate(X, y, loss="cross_entropy", metrics=["accuracy"], verbose=2)
    assert loud == quiet
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "loss: " in err and "accuracy: " in err
    model.predict(X, batch_size=16, verbose=2)
    assert capsys.readouterr().err.startswith("4/4 - ")
    for verbose in (1, "auto"):
        model.evaluate(X, y, loss="cross_entropy", batch_size=16, verbose=verbose)
        assert "4/4" in capsys.readouterr().err
        model.predict(X, batch_size=16, verbose=verbose)
        assert "4/4" in capsys.readouterr().err
    assert capsys.readouterr().out == ""  # never print


def test_the_plain_text_bar_of_an_inference_pass(monkeypatch) -> None:
    import io
    import sys

    from nonlin.progress import PassProgress

    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # as without tqdm
    out = io.StringIO()
    with PassProgress(1, 3, file=out) as progress:
        progress.update(3)
        progress.finish({"loss": 0.5})
    assert out.getvalue().endswith("3/3 - 0.0s - loss: 0.5000\n")


@pytest.mark.parametrize("verbose", [3, -1, "loud", None, 1.0])
def test_a_bad_verbose_is_refused_everywhere(verbose) -> None:
    X, y = blobs()
    model = mlp().build(4, seed=0)
    for call in (lambda: model.predict(X, verbose=verbose),
                 lambda: model.evaluate(X, y, loss="cross_entropy", verbose=verbose),
                 lambda: model.fit(X, y, loss="cross_entropy", optimizer="adam",
                                   verbose=verbose)):
        with pytest.raises(ValueError, match=r"Expected verbose 0, 1, 2 or 'auto'\. "
                                             rf"Received: verbose={verbose!r}"):
            call()


# -- 2. batch_size=None ----------------------------------------------------------------
def test_fit_takes_batch_size_none_as_keras_32() -> None:
    X, y = blobs(n=70)
    runs = []
    for batch_size in (None, 32):
        model = mlp()
        history = model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, seed=0,
                            batch_size=batch_size, verbose=0)
        runs.append((history.history["loss"], model.get_weights()))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1], strict=True):
        np.testing.assert_array_equal(a, b)


# -- 3. epochs=0 -----------------------------------------------------------------------
def test_fit_with_zero_epochs_trains_nothing_and_returns_an_empty_history(tmp_path,
                                                                          capsys) -> None:
    from nonlin.checkpoint import ModelCheckpoint

    X, y = blobs()
    model = mlp().build(4, seed=0)
    before = model.get_weights()
    callbacks = [nonlin.EarlyStopping(monitor="loss", restore_best_weights=True),
                 nonlin.ReduceLROnPlateau(monitor="loss"),
                 nonlin.CSVLogger(str(tmp_path / "log.csv")),
                 ModelCheckpoint(tmp_path / "ck.safetensors")]
    history = model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=0,
                        callbacks=callbacks, verbose=1)
    assert history is model.history
    assert history.epoch == [] and history.history == {}
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer.iterations == 0
    assert not (tmp_path / "ck.safetensors").exists() and callbacks[3].saved == []
    assert "Epoch" not in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"Expected an integer >= 0\. Received: epochs=-1"):
        model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=-1, verbose=0)


# -- 4. keys added to the logs by a callback reach History --------------------------------
class _AddF1(nonlin.Callback):
    def on_epoch_end(self, epoch, logs=None):
        logs["val_f1"] = 0.5 + epoch / 10


def test_history_records_the_keys_a_callback_adds_and_checkpoints_keep_them(tmp_path) -> None:
    from nonlin.checkpoint import ModelCheckpoint, load_checkpoint

    X, y = blobs()
    fit = dict(loss="cross_entropy", optimizer="adam", seed=0, verbose=0, batch_size=16)
    straight = mlp().fit(X, y, epochs=4, callbacks=[_AddF1()], **fit)
    assert straight.history["val_f1"] == [0.5, 0.6, 0.7, 0.8]
    saver = ModelCheckpoint(tmp_path / "ck-{epoch}.safetensors")
    mlp().fit(X, y, epochs=2, callbacks=[_AddF1(), saver], **fit)
    checkpoint = load_checkpoint(tmp_path / "ck-2.safetensors")
    assert checkpoint.epoch == 2 and checkpoint.history.epoch == [0, 1]
    assert checkpoint.history.history["val_f1"] == [0.5, 0.6]
    model = mlp()
    resumed = model.fit(X, y, epochs=4, callbacks=[_AddF1()],
                        resume_from=tmp_path / "ck-2.safetensors", **fit)
    assert resumed.epoch == [0, 1, 2, 3] and resumed.history == straight.history


# -- 5. ReduceLROnPlateau and a scheduled learning rate ---------------------------------
def test_reduce_lr_on_plateau_refuses_a_schedule_before_training() -> None:
    from nonlin.schedules import CosineDecay

    X, y = blobs()
    model = mlp()
    optimizer = nonlin.Adam(CosineDecay(1e-2, 100))
    with pytest.raises(TypeError, match=r"which ReduceLROnPlateau sets between epochs: it "
                                        r"cannot change a scheduled one.*Received: "
                                        r"optimizer\.lr=CosineDecay\("):
        model.fit(X, y, loss="cross_entropy", optimizer=optimizer, epochs=5, verbose=0,
                  callbacks=[nonlin.ReduceLROnPlateau(monitor="loss", patience=0)])
    # refused before fit changed anything: no step, and no History of a fit that never ran
    assert optimizer.iterations == 0 and model.history is None and model.optimizer is None


def test_learning_rate_scheduler_refuses_a_schedule_before_training_too() -> None:
    from nonlin.schedules import CosineDecay

    X, y = blobs()
    model = mlp()
    optimizer = nonlin.Adam(CosineDecay(1e-2, 100))
    scheduler = nonlin.LearningRateScheduler(lambda epoch: 1e-3)
    with pytest.raises(TypeError, match=r"which LearningRateScheduler sets between epochs: "
                                        r"it cannot change a scheduled one"):
        model.fit(X, y, loss="cross_entropy", optimizer=optimizer, epochs=0, verbose=0,
                  callbacks=[scheduler])
    assert optimizer.iterations == 0


# -- 6. saving a Dense with the user's own initializer -----------------------------------
def _small_normal(rng, fan_in, fan_out):
    return rng.normal(0.0, 0.01, (fan_in, fan_out))


def test_a_model_with_a_custom_initializer_saves_and_loads_without_running_it(tmp_path) -> None:
    from nonlin.initializers import glorot_uniform

    model = Sequential([Dense(4, init=_small_normal), Dense(1, init=glorot_uniform)])
    model.build(3, seed=0)
    path = tmp_path / "x.safetensors"
    nonlin.save(model, path)
    loaded = nonlin.load(path)
    X = np.random.default_rng(1).normal(size=(6, 3))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    inits = [item["config"]["init"] for item in loaded.get_config()["layers"]]
    assert inits == ["custom:_small_normal", "glorot_uniform"]
    assert loaded.get_config() == model.get_config()
    assert loaded.layers[0].init is glorot_uniform  # the function is not in the file
    rebuilt = Sequential.from_config(loaded.get_config(), seed=0)  # drawn anew: the default
    expected = Sequential([Dense(4), Dense(1)]).build(3, seed=0)
    for a, b in zip(rebuilt.get_weights(), expected.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    nonlin.save(loaded, path)  # and saves again
    np.testing.assert_array_equal(nonlin.load(path).predict(X), model.predict(X))


# -- 9. from_logits=True after a Softmax / Sigmoid ----------------------------------------
@pytest.mark.parametrize("layers, loss, layer", [
    ([Dense(3), Softmax()], nonlin.CrossEntropy(from_logits=True), "Softmax"),
    ([Dense(1), nonlin.Sigmoid()], nonlin.BinaryCrossEntropy(from_logits=True), "Sigmoid"),
])
def test_from_logits_after_the_activation_warns_once_at_fit(layers, loss, layer) -> None:
    import warnings

    X, y = blobs()
    y = y if layer == "Softmax" else (y > 0).astype(float)
    with pytest.warns(UserWarning) as caught:
        Sequential(layers).fit(X, y, loss=loss, optimizer="adam", epochs=2, verbose=0)
    ours = [w for w in caught if "from_logits" in str(w.message)]
    assert len(ours) == 1 and ours[0].filename == __file__  # pointing at the fit call
    messages = [str(w.message) for w in ours]
    name = type(loss).__name__
    assert messages[0].startswith(f"{name}(from_logits=True) is given the outputs of the "
                                  f"model's last layer, {layer} (layers[1])")
    assert f"Drop the {layer} layer, or use from_logits=False" in messages[0]
    with warnings.catch_warnings():  # the right pairings stay quiet
        warnings.simplefilter("error")
        Sequential([Dense(3)]).fit(X, blobs()[1], loss=nonlin.CrossEntropy(from_logits=True),
                                   optimizer="adam", verbose=0)
        Sequential([Dense(3), Softmax()]).fit(X, blobs()[1], loss="cross_entropy",
                                              optimizer="adam", verbose=0)


class _FromEpoch(nonlin.Callback):
    """Adds ``late`` from epoch 1 on and removes ``loss`` at epoch 2."""

    def on_epoch_end(self, epoch, logs=None):
        if epoch >= 1:
            logs["late"] = float(epoch)
        if epoch == 2:
            del logs["loss"]


def test_history_lists_line_up_with_the_epochs_and_checkpoints_load(tmp_path) -> None:
    from nonlin.checkpoint import ModelCheckpoint, load_checkpoint

    X, y = blobs()
    saver = ModelCheckpoint(tmp_path / "ck.safetensors")
    history = mlp().fit(X, y, loss="cross_entropy", optimizer="adam", epochs=4, seed=0,
                        verbose=0, callbacks=[_FromEpoch(), saver])
    assert all(len(values) == 4 for values in history.history.values())
    np.testing.assert_array_equal(history.history["late"], [np.nan, 1.0, 2.0, 3.0])
    assert np.isnan(history.history["loss"][2]) and not np.isnan(history.history["loss"][3])
    saved = load_checkpoint(tmp_path / "ck.safetensors").history
    np.testing.assert_array_equal(saved.history["late"], history.history["late"])


# -- model.save, as Keras' and the estimators' -------------------------------------------
def test_model_save_writes_what_nonlin_save_writes(tmp_path) -> None:
    X, y = blobs()
    model = mlp()
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, seed=0, verbose=0)
    model.save(tmp_path / "method.safetensors", metadata={"classes": ["a", "b", "c"]})
    nonlin.save(model, tmp_path / "function.safetensors", metadata={"classes": ["a", "b", "c"]})
    assert ((tmp_path / "method.safetensors").read_bytes()
            == (tmp_path / "function.safetensors").read_bytes())
    loaded = nonlin.load(tmp_path / "method.safetensors")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.metadata["classes"] == ["a", "b", "c"]


def test_model_save_of_an_unbuilt_model_fails_as_nonlin_save_does(tmp_path) -> None:
    with pytest.raises(Exception) as by_function:
        nonlin.save(mlp(), tmp_path / "a.safetensors")
    with pytest.raises(type(by_function.value), match=re.escape(str(by_function.value))):
        mlp().save(tmp_path / "a.safetensors")
    assert not (tmp_path / "a.safetensors").exists()


# -- compile, as in Keras ------------------------------------------------------------------
def test_compile_then_fit_trains_as_fit_given_the_same_arguments() -> None:
    X, y = blobs()
    given, compiled = mlp(), mlp()
    h1 = given.fit(X, y, loss="cross_entropy", optimizer=nonlin.Adam(0.01), metrics=["acc"],
                   epochs=3, seed=0, verbose=0)
    compiled.compile(optimizer=nonlin.Adam(0.01), loss="cross_entropy", metrics=["acc"])
    h2 = compiled.fit(X, y, epochs=3, seed=0, verbose=0)
    assert h2.history == h1.history and "acc" in h2.history
    for a, b in zip(given.get_weights(), compiled.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert compiled.evaluate(X, y) == given.evaluate(X, y, metrics=["acc"])


def test_a_second_fit_goes_on_with_the_models_optimizer_and_its_state() -> None:
    """Two fits of one epoch are one fit of two: the optimizer (Adam's moments, its step
    count) and the model's generator carry on, as in Keras."""
    X, y = blobs()
    once, twice = mlp(), mlp()
    once.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, seed=0, verbose=0)
    twice.compile("adam", "cross_entropy")
    twice.fit(X, y, seed=0, verbose=0)
    twice.fit(X, y, verbose=0)
    assert twice.optimizer.iterations == once.optimizer.iterations == 2 * 2  # 60 rows, 32 a step
    for a, b in zip(once.get_weights(), twice.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_fit_given_a_loss_uses_it_and_keeps_it() -> None:
    X, y = blobs()
    model = mlp()
    model.compile(nonlin.SGD(0.1), "mse")
    model.fit(X, y, loss="cross_entropy", verbose=0)
    assert isinstance(model.loss, nonlin.CrossEntropy)
    assert isinstance(model.optimizer, nonlin.SGD)


def test_fit_with_no_loss_or_optimizer_anywhere_says_what_is_missing() -> None:
    X, y = blobs()
    model = mlp()
    with pytest.raises(TypeError, match=r"Expected a loss and an optimizer for fit: .*"
                                        r"model.compile\(optimizer, loss\) first"):
        model.fit(X, y, verbose=0)
    assert not model.built  # refused before anything ran
    with pytest.raises(TypeError, match=r"Expected an optimizer for fit"):
        model.fit(X, y, loss="cross_entropy", verbose=0)
    with pytest.raises(ValueError, match="Expected a loss: pass loss=..., or compile or fit"):
        mlp().build(4, seed=0).evaluate(X, y)


def test_compile_resolves_names_at_once() -> None:
    with pytest.raises(ValueError, match="Unknown optimizer 'adamm'"):
        mlp().compile("adamm", "cross_entropy")
    with pytest.raises(ValueError, match="Unknown loss 'crossentropy'"):
        mlp().compile("adam", "crossentropy")
    model = mlp()
    model.compile("adam", "cross_entropy", metrics="accuracy")  # one name, as in fit
    X, y = blobs()
    assert set(model.fit(X, y, verbose=0).history) == {"loss", "accuracy", "lr"}


# -- learning_rate, Keras' name for lr ---------------------------------------------------
OPTIMIZER_CLASSES = [nonlin.SGD, nonlin.Adam, nonlin.AdamW, nonlin.RMSprop, nonlin.Adagrad,
                     nonlin.Adadelta, nonlin.Lion, nonlin.Adamax, nonlin.Nadam]


@pytest.mark.parametrize("cls", OPTIMIZER_CLASSES)
def test_optimizers_take_keras_learning_rate(cls: type) -> None:
    opt = cls(learning_rate=0.05)
    assert opt.lr == opt.learning_rate == 0.05 and opt.get_config()["lr"] == 0.05
    opt.learning_rate = 0.2
    assert opt.lr == 0.2
    with pytest.raises(ValueError, match=r"Expected a finite learning rate >= 0. Received: "
                                         r"lr=-1"):
        opt.learning_rate = -1


def test_a_callback_setting_optimizer_learning_rate_changes_the_rate() -> None:
    """It used to set a new attribute that nothing read: the rate stayed as it was."""

    class Halve(nonlin.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.model.optimizer.learning_rate = 0.5**epoch

    X, y = blobs()
    history = mlp().fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=3, seed=0,
                        callbacks=[Halve()], verbose=0)
    assert history.history["lr"] == [1.0, 0.5, 0.25]


def test_pytorch_habit_of_parameters_first_says_where_they_go() -> None:
    model = mlp().build(4, seed=0)
    with pytest.raises(TypeError, match=r"not the parameters: a nonlin optimizer takes them at "
                                        r"each step, opt.step\(model.parameters\(\)\)"):
        nonlin.SGD(model.parameters())


def test_evaluate_takes_keras_return_dict() -> None:
    """Keras' evaluate returns [loss, *metrics] unless return_dict=True; nonlin's default
    is the dict, and return_dict= (either value) was a TypeError."""
    X, y = blobs()
    model = mlp()
    model.compile("adam", "cross_entropy", metrics=["acc"])
    model.fit(X, y, seed=0, verbose=0)
    scores = model.evaluate(X, y)
    assert model.evaluate(X, y, return_dict=True) == scores
    loss, acc = model.evaluate(X, y, return_dict=False)
    assert [loss, acc] == [scores["loss"], scores["acc"]]
    assert model.evaluate(X, y, metrics=[], return_dict=False) == scores["loss"]
    with pytest.raises(TypeError, match="return_dict"):
        model.evaluate(X, y, return_dict="no")


@pytest.mark.parametrize(("keyword", "hint"), [  # activation, use_bias, ...: taken (s21)
    ("input_shape", r"not needed: Sequential\(\[Input"), ("input_dim", "not needed"),
])
def test_dense_refuses_keras_keywords_saying_what_nonlin_does(keyword: str, hint: str) -> None:
    with pytest.raises(TypeError, match=rf"Dense\(\) takes no {keyword}= \(a Keras keyword\): "
                                        rf"{hint}"):
        Dense(64, **{keyword: "relu"})
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'units_out'"):
        Dense(64, units_out=3)


def test_calling_the_model_is_forward_in_inference_unless_training() -> None:
    X, y = blobs()
    model = Sequential([Dense(8), Tanh(), nonlin.Dropout(0.5), Dense(3), Softmax()]).build(4, 0)
    np.testing.assert_array_equal(model(X), model.predict(X))  # Keras: inference by default
    out = model(X, training=True)  # dropout active, cached for backward (PyTorch's train mode)
    assert not np.allclose(out, model.predict(X))
    assert model.backward(np.ones_like(out)) is None
    assert all(np.any(p.grad != 0) for p in model.parameters())
    np.testing.assert_array_equal(model([list(row) for row in X[:2]]), model.predict(X[:2]))
    with pytest.raises(TypeError, match="Expected a bool. Received: training='False'"):
        model(X, training="False")


def test_each_training_call_gives_a_new_array_as_keras_and_torch() -> None:
    # Monte Carlo dropout: several training passes, their spread
    model = Sequential([Dense(16), Tanh(), nonlin.Dropout(0.5), Dense(1)]).build(3, 0)
    x = np.ones((4, 3))
    runs = [model(x, training=True) for _ in range(5)]
    assert all(a is not b for a, b in itertools.pairwise(runs))
    assert np.stack(runs).std(axis=0).max() > 0.01
    last = model.layers[-1]._y  # backward differentiates the last pass: its buffer
    np.testing.assert_array_equal(runs[-1], last)


def test_summary_prints_through_print_fn_line_by_line_as_tf_keras() -> None:
    model = mlp().build(4, 0)
    lines: list[str] = []
    assert model.summary(print_fn=lines.append) is None  # as Keras: a session shows it once
    assert lines == model.summary().split("\n")
    assert lines[-3:] == ["Total params: 67", "Trainable params: 67", "Non-trainable params: 0"]
    with pytest.raises(TypeError, match=r"callable print_fn .* Received: print_fn='print'"):
        model.summary(print_fn="print")
