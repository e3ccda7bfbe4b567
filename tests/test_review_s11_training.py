"""Review s11 (training): single-class and soft targets, atomic set_state, ModelCheckpoint
paths, a Softmax on one column, a non-finite loss before any update, and the guide's
batch_size wording."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
from nonlin import Dense, ReLU, Sequential, Sigmoid, Softmax

FIT = dict(optimizer="adam", epochs=1, batch_size=8, verbose=0, seed=0)


def _X(n: int = 20, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, 3))


def _no_warning(fit) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit()


# -- 1. single-class and soft targets -----------------------------------------------------------
@pytest.mark.parametrize("loss, width, y", [
    ("cross_entropy", 2, np.c_[np.full(20, 0.6), np.full(20, 0.4)]),  # distillation
    ("bce", 1, np.full(20, 0.7)),  # label smoothing
    ("bce", 1, np.full((20, 1), 0.7)),
])
def test_soft_targets_of_one_kind_train_without_a_warning(loss, width, y) -> None:
    head = Softmax() if width == 2 else Sigmoid()
    model = Sequential([Dense(4), ReLU(), Dense(width), head])
    _no_warning(lambda: model.fit(_X(), y, loss=loss, **FIT))
    assert model.optimizer.iterations > 0


@pytest.mark.parametrize("loss, width, y", [
    ("cross_entropy", 3, np.zeros(20, dtype=int)),
    ("cross_entropy", 2, np.c_[np.zeros(20), np.ones(20)]),  # one-hot rows, all class 1
    ("bce", 1, np.ones(20)),
])
def test_hard_labels_of_one_class_warn_and_train(loss, width, y) -> None:
    head = Softmax() if width > 1 else Sigmoid()
    model = Sequential([Dense(4), ReLU(), Dense(width), head])
    with pytest.warns(UserWarning, match=r"only class .* learns to predict class") as record:
        model.fit(_X(), y, loss=loss, **FIT)
    assert record[0].filename == __file__  # points at the caller of fit
    assert model.optimizer.iterations > 0


def test_an_online_update_of_a_trained_model_on_one_class_does_not_warn() -> None:
    X = _X(30)
    model = Sequential([Dense(4), ReLU(), Dense(3), Softmax()])
    model.fit(X, np.arange(30) % 3, loss="cross_entropy", **FIT)
    before = model.get_weights()
    _no_warning(lambda: model.fit(X[:1], [2], verbose=0))
    assert not np.array_equal(model.get_weights()[0], before[0])


def test_a_trained_model_compiled_again_for_fine_tuning_does_not_warn() -> None:
    X = _X(30)
    model = Sequential([Dense(4), ReLU(), Dense(3), Softmax()])
    model.fit(X, np.arange(30) % 3, loss="cross_entropy", **FIT)
    model.compile(nonlin.Adam(1e-5), "cross_entropy")  # Keras' fine-tuning: a new optimizer
    _no_warning(lambda: model.fit(X[:5], np.zeros(5, dtype=int), verbose=0))


def test_overflowing_targets_are_named_with_the_inputs() -> None:
    model = Sequential([Dense(4), ReLU(), Dense(1)])
    with pytest.raises(nonlin.DivergenceError, match=r"the data \(x or y\)"):
        model.fit(_X(), _X()[:, :1] * 1e300, loss="mse", **FIT)


def test_a_loaded_model_updated_on_one_class_does_not_warn(tmp_path) -> None:
    model = Sequential([Dense(4), ReLU(), Dense(1), Sigmoid()])
    model.fit(_X(), np.arange(20) % 2, loss="bce", **FIT)
    model.save(tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    _no_warning(lambda: loaded.fit(_X(4), np.ones(4), loss="bce", **FIT))


def test_a_built_but_untrained_model_still_warns() -> None:
    model = Sequential([Dense(4), ReLU(), Dense(2), Softmax()]).build(3, seed=0)
    model.compile("sgd", "cross_entropy")
    with pytest.warns(UserWarning, match="only class 1"):
        model.fit(_X(), np.ones(20, dtype=int), verbose=0)


# -- 2. Sequential.set_state: all or nothing, strict keys, messages that name them ---------------
def _two_norms() -> Sequential:
    return Sequential([Dense(4), nonlin.BatchNorm(), Dense(4), nonlin.BatchNorm()]).build(3, seed=0)


def _full(value: float = 7.0) -> dict[str, np.ndarray]:
    return {f"{i}.{name}": np.full(4, value) for i in (1, 3)
            for name in ("moving_mean", "moving_variance")}


def _unchanged(model: Sequential, before: dict[str, np.ndarray]) -> None:
    after = model.get_state()
    assert after.keys() == before.keys()
    for key, value in before.items():
        np.testing.assert_array_equal(after[key], value)


def test_a_refused_state_changes_no_layer_and_names_the_key_and_value() -> None:
    model = _two_norms()
    before = model.get_state()
    state = {**_full(), "3.moving_variance": np.array([1.0, -1.0, 1.0, 1.0])}
    with pytest.raises(ValueError, match=r">= 0\. Received state\['3\.moving_variance'\]\[1\]"
                                         r"=-1\.0 \(layers\[3\], BatchNorm\); set_state changed"):
        model.set_state(state)
    _unchanged(model, before)
    model.set_state(_full())  # a good state goes in whole
    assert all((v == 7.0).all() for v in model.get_state().values())


@pytest.mark.parametrize("key", ["9.moving_mean", "1.moving_varaince", "0.moving_mean", 1])
def test_unknown_keys_are_refused_naming_them_and_the_valid_ones(key) -> None:
    model = _two_norms()
    before = model.get_state()
    with pytest.raises(ValueError, match=rf"Expected the keys of get_state\(\): \['1\.moving_mean"
                                         rf".*\]\. Received unknown key {key!r}"):
        model.set_state({**_full(), key: np.ones(4)})
    _unchanged(model, before)


def test_missing_keys_are_refused_naming_them() -> None:
    model = _two_norms()
    before = model.get_state()
    state = _full()
    del state["3.moving_mean"]
    with pytest.raises(ValueError, match=r"every key of get_state\(\).*Missing '3\.moving_mean'$"):
        model.set_state(state)
    _unchanged(model, before)
    Sequential([Dense(2)]).build(3, seed=0).set_state({})  # no state: nothing is missing


@pytest.mark.parametrize("value, match", [
    (np.array([0.0, np.nan, 0.0, 0.0]), r"finite values in state\['1\.moving_mean'\]\. "
                                        r"Received state\['1\.moving_mean'\]\[1\]=nan"),
    (np.ones(3), r"state\['1\.moving_mean'\] of shape \(4,\)\. Received shape \(3,\)"),
    ("abcd", r"state\['1\.moving_mean'\] of shape \(4,\)\. Received shape \(\)"),
    (np.ones(4, dtype=bool), r"real numbers in state\['1\.moving_mean'\]\. Received dtype bool"),
    ([[1.0], [1.0, 2.0]], r"array of shape \(4,\) for state\['1\.moving_mean'\]"),
])
def test_a_bad_value_is_named_by_its_key_and_first_bad_entry(value, match) -> None:
    model = _two_norms()
    before = model.get_state()
    with pytest.raises(ValueError, match=match):
        model.set_state({**_full(), "1.moving_mean": value})
    _unchanged(model, before)


def test_a_value_beyond_float32_is_refused_not_made_infinite() -> None:
    model = Sequential([Dense(4), nonlin.BatchNorm()]).build(3, seed=0, dtype=np.float32)
    match = r"float32's range.*state\['1\.moving_mean'\]\[0\]=1e\+300"
    with pytest.raises(ValueError, match=match):
        model.set_state({"1.moving_mean": np.full(4, 1e300), "1.moving_variance": np.ones(4)})
    np.testing.assert_array_equal(model.get_state()["1.moving_mean"], np.zeros(4))


def test_a_layer_of_ones_own_that_refuses_puts_the_earlier_layers_back() -> None:
    class Running(nonlin.core.Layer):
        def build(self, in_features, rng):
            self.mean = np.zeros(in_features)
            return in_features

        def get_state(self):
            return {"running_mean": self.mean}

        def set_state(self, state):
            np.copyto(self.mean, state["running_mean"])  # copies, then checks
            if np.any(np.abs(self.mean) > 1e6):
                raise ValueError("running_mean out of range")

        def forward(self, x, *, training=False):
            return x - self.mean

    model = Sequential([Dense(4), nonlin.BatchNorm(), Running()]).build(3, seed=0)
    before = model.get_state()
    state = {**{k: v for k, v in _full().items() if k.startswith("1.")},
             "2.running_mean": np.full(4, 1e7)}
    with pytest.raises(ValueError, match=r"out of range \(layers\[2\], Running\); set_state"):
        model.set_state(state)
    _unchanged(model, before)


def test_batchnorm_set_state_is_atomic_and_strict_on_its_own() -> None:
    norm = _two_norms().layers[1]
    with pytest.raises(ValueError, match=r"moving_variance >= 0\. Received "
                                         r"state\['moving_variance'\]\[0\]=-2\.0"):
        norm.set_state({"moving_mean": np.full(4, 5.0), "moving_variance": np.full(4, -2.0)})
    np.testing.assert_array_equal(norm.moving_mean, np.zeros(4))
    with pytest.raises(ValueError, match="unknown key 'moving_std'"):
        norm.set_state({"moving_mean": np.zeros(4), "moving_variance": np.ones(4),
                        "moving_std": np.ones(4)})


# -- 3. ModelCheckpoint: its folder is made, its template checked before training ---------------
def _fit_with(callback, epochs: int = 2) -> Sequential:
    X = _X()
    model = Sequential([Dense(4), ReLU(), Dense(2), Softmax()])
    model.fit(X, np.arange(20) % 2, loss="cross_entropy", callbacks=[callback],
              **{**FIT, "epochs": epochs})
    return model


def test_modelcheckpoint_creates_a_missing_folder_as_keras_does(tmp_path) -> None:
    path = tmp_path / "runs" / "a" / "ck.safetensors"
    checkpoint = nonlin.ModelCheckpoint(path)
    _fit_with(checkpoint)
    assert checkpoint.saved == [str(path)] * 2 and path.is_file()
    templated = nonlin.ModelCheckpoint(str(tmp_path / "e{epoch}" / "ck.safetensors"))
    _fit_with(templated)
    assert (tmp_path / "e1" / "ck.safetensors").is_file()
    assert (tmp_path / "e2" / "ck.safetensors").is_file()


def test_a_folder_that_cannot_be_made_stops_fit_before_the_first_epoch(tmp_path) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    checkpoint = nonlin.ModelCheckpoint(tmp_path / "taken" / "ck.safetensors")
    model = Sequential([Dense(4), ReLU(), Dense(2), Softmax()])
    with pytest.raises(OSError, match=r"ModelCheckpoint cannot create the folder '.*taken'"):
        model.fit(_X(), np.arange(20) % 2, loss="cross_entropy", callbacks=[checkpoint], **FIT)
    # refused before fit changed anything: the model is not even built
    assert model.optimizer is None and not model.built and not checkpoint.saved


@pytest.mark.parametrize("template, why", [
    ("c-{epoch[0]}.safetensors", r"\{epoch\[0\]\} indexes a value"),
    ("c-{epoch.__class__}.safetensors", r"\{epoch\.__class__\} reads an attribute"),
    ("c-{}.safetensors", r"\{\} is positional"),
    ("c-{0:02d}.safetensors", r"\{0:02d\} is positional"),
    ("c-{epoch!x}.safetensors", r"\{epoch!x\} has an unknown conversion !x"),
    ("c-{epoch:.2q}.safetensors", r"\{epoch:\.2q\}: Unknown format code 'q'.*epoch is an int"),
    ("c-{epoch:{loss.real}}.safetensors", r"\{loss\.real\} reads an attribute"),
    ("c-{.safetensors", "expected '}' before end of string"),
    ("c-}.safetensors", "Single '}'"),
])
def test_a_template_with_a_field_it_cannot_fill_is_refused_when_made(template, why) -> None:
    with pytest.raises(ValueError, match=r"Expected a ModelCheckpoint path whose fields are "
                                         r"\{epoch\} or a key of the epoch's logs.*Received: "
                                         rf"path='c-.*': {why}"):
        nonlin.ModelCheckpoint(template)


def test_the_template_fields_keras_documents_keep_working(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    checkpoint = nonlin.ModelCheckpoint("{{w}}-{epoch:02d}-{loss:.2f}-{epoch!r}.safetensors")
    _fit_with(checkpoint, epochs=1)
    assert len(checkpoint.saved) == 1
    name = checkpoint.saved[0]
    assert name.startswith("{w}-01-") and name.endswith("-1.safetensors"), name
    with pytest.raises(ValueError, match=r"must only name \{epoch\} or the logs' keys \(loss, lr\)"
                                         r"\. Received: KeyError\('val_loss'\)"):
        _fit_with(nonlin.ModelCheckpoint("c-{val_loss:.2f}.safetensors"), epochs=1)


# -- 4. a Softmax on one column ----------------------------------------------------------------
@pytest.mark.parametrize("layers, where", [
    ([Dense(4), ReLU(), Dense(1), Softmax()], 3),
    ([Dense(1), Softmax(), Dense(1), Sigmoid()], 1),  # anywhere: all after it is constant
])
def test_a_softmax_on_a_single_column_warns_at_fit(layers, where) -> None:
    model = Sequential(layers)
    with pytest.warns(UserWarning, match=rf"Softmax\(\) at layers\[{where}\] acts on a single "
                                         r"column: its output is always 1\.0.*Sigmoid\(\)") as rec:
        model.fit(_X(), np.arange(20) % 2, loss="bce", **FIT)
    assert len([w for w in rec if "Softmax()" in str(w.message)]) == 1
    assert rec[0].filename == __file__


def test_a_softmax_on_several_columns_does_not_warn() -> None:
    model = Sequential([Dense(4), ReLU(), Dense(2), Softmax()])
    _no_warning(lambda: model.fit(_X(), np.arange(20) % 2, loss="cross_entropy", **FIT))


# -- 5. a non-finite loss before any update blames the data, not the learning rate --------------
@pytest.mark.parametrize("dtype, big", [(np.float32, 3e38), (np.float64, 1.7e308)])
def test_a_loss_that_overflows_before_any_step_names_the_inputs(dtype, big) -> None:
    rng = np.random.default_rng(0)
    X = (np.sign(rng.normal(size=(20, 3))) * big).astype(dtype)
    model = Sequential([Dense(4), ReLU(), Dense(2), Softmax()])
    with pytest.raises(nonlin.DivergenceError, match=r"The loss became nan at epoch 0, batch 0, "
                                                     r"before any update of this fit: the data "
                                                     r"\(x or y\).*Scale the features and "
                                                     r"targets") as info:
        model.fit(X, np.arange(20) % 2, loss="cross_entropy", **FIT)
    assert (info.value.epoch, info.value.batch) == (0, 0)
    assert "learning rate is not the cause" in str(info.value)
    assert "Lower the learning rate" not in str(info.value)
    assert model.optimizer.iterations == 0


def test_a_trained_model_given_overflowing_inputs_is_told_so_too() -> None:
    model = Sequential([Dense(4), ReLU(), Dense(1)])
    model.fit(_X(), _X()[:, :1], loss="mse", **FIT)
    steps = model.optimizer.iterations
    with pytest.raises(nonlin.DivergenceError, match="before any update of this fit"):
        model.fit(_X() * 1e300, _X()[:, :1], verbose=0)
    assert model.optimizer.iterations == steps


def test_a_divergence_after_a_step_still_points_at_the_learning_rate() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    model = Sequential([Dense(16), ReLU(), Dense(1)])
    with pytest.raises(nonlin.DivergenceError, match="Lower the learning rate") as info:
        model.fit(X, X @ np.array([[1.0], [2.0], [3.0]]), loss="mse",
                  optimizer=nonlin.SGD(lr=1e6), epochs=50, batch_size=8, verbose=0)
    assert "before any update" not in str(info.value)
    assert model.optimizer.iterations > 0


# -- 6. the guide on predict's and evaluate's batch_size -----------------------------------------
def test_the_guide_says_batch_size_changes_results_only_by_rounding() -> None:
    from pathlib import Path

    guide = (Path(__file__).parents[1] / "docs" / "guide.md").read_text(encoding="utf-8")
    assert "the results do not depend on it" not in guide
    assert "up to floating-point rounding, not bit for bit" in guide
    X = np.random.default_rng(0).normal(size=(300, 3))
    model = Sequential([Dense(32), ReLU(), Dense(32), ReLU(), Dense(2), Softmax()]).build(3, seed=0)
    whole = model.predict(X)
    for batch_size in (1, 7, 64):  # what the guide promises: equal up to rounding
        np.testing.assert_allclose(model.predict(X, batch_size=batch_size), whole,
                                   rtol=1e-14, atol=1e-15)
    y = np.arange(300) % 2
    losses = [model.evaluate(X, y, loss="cross_entropy", batch_size=b)["loss"] for b in (7, 300)]
    assert losses[0] == pytest.approx(losses[1], rel=1e-14)
