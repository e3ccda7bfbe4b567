"""Hostile review of s21-kerasdense (review21e): ``layer.activation`` set after
construction, the config's activation entry, the summary of an unbuilt model with an
``Input``, hostile activation entries, and the model config of an ``Input``."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import Dense, LeakyReLU, Sequential, Softmax, Tanh

RNG = np.random.default_rng(2112)
X = RNG.normal(size=(12, 4))


@pytest.mark.parametrize(("given", "entry", "form"), [
    ("tanh", "tanh", Tanh), (Tanh(), "tanh", Tanh),
    (LeakyReLU(alpha=0.2), {"class_name": "LeakyReLU", "config": {"alpha": 0.2}}, LeakyReLU),
])
def test_an_activation_set_after_construction_is_checked_and_recorded(given, entry, form,
                                                                      tmp_path: Path) -> None:
    """``dense.activation = ...`` (Keras' attribute) is taken as the constructor takes it:
    the model runs it, and its config and file record it (before, a name crashed at build
    and an object was run but the config kept the old entry: the file loaded as another
    model)."""
    for start in (None, "relu"):
        layer = Dense(3, activation=start)
        layer.activation = given
        assert type(layer.activation) is form and layer.activation is not given  # a copy
        assert layer.get_config()["activation"] == entry
        model = Sequential([layer]).build(4, seed=0)
        two = Sequential([Dense(3), form(**({"alpha": 0.2} if form is LeakyReLU else {}))])
        np.testing.assert_array_equal(model.predict(X), two.build(4, seed=0).predict(X))
        model.save(tmp_path / "m.safetensors")
        np.testing.assert_array_equal(nonlin.load(tmp_path / "m.safetensors").predict(X),
                                      model.predict(X))


def test_an_activation_set_on_a_built_layer_computes_in_its_dtype() -> None:
    model = Sequential([Dense(3)]).build(4, seed=0, dtype=np.float32)
    model.layers[0].activation = "softmax"
    assert model.predict(X).dtype == np.float32
    two = Sequential([Dense(3), Softmax()]).build(4, seed=0, dtype=np.float32)
    np.testing.assert_array_equal(model.predict(X), two.predict(X))
    model.layers[0].activation = None
    assert "activation" not in model.layers[0].get_config()


@pytest.mark.parametrize("value", [5, "nope", nonlin.Dropout(0.5), nonlin.PReLU()])
def test_an_activation_set_after_construction_is_refused_as_the_constructor_refuses(
        value) -> None:
    layer = Dense(3, activation="relu")
    with pytest.raises((TypeError, ValueError), match=r"Received: activation="):
        layer.activation = value
    assert layer.get_config()["activation"] == "relu"


def test_a_pickled_dense_with_the_plain_activation_attribute_loads() -> None:
    """A ``Dense`` pickled while ``activation`` was a plain attribute (s21's first form)."""
    model = Sequential([Dense(3, activation="tanh")]).build(4, seed=0)
    state = dict(model.layers[0].__dict__)
    state["activation"] = state.pop("_activation")
    layer = Dense.__new__(Dense)
    layer.__setstate__(state)
    assert type(layer.activation) is Tanh
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict(X), model.predict(X))


def test_the_config_entry_of_an_activation_is_a_copy() -> None:
    layer = Dense(3, activation=LeakyReLU(alpha=0.2))
    layer.get_config()["activation"]["config"]["alpha"] = 9.0
    assert layer.get_config()["activation"] == {"class_name": "LeakyReLU",
                                                "config": {"alpha": 0.2}}


def test_the_summary_of_an_input_model_calls_no_initializer() -> None:
    """The summary before ``build`` counts from a copy: a user's initializer drawing from a
    generator of its own is not called (its stream is the one ``build`` then reads)."""
    calls: list[tuple[int, int]] = []

    def mine(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
        calls.append((fan_in, fan_out))
        return rng.normal(size=(fan_in, fan_out))

    model = Sequential([nonlin.Input(shape=(4,)), Dense(3, init=mine), Dense(2)])
    assert "Total params: 23" in str(model.summary())
    assert calls == []
    model.build(seed=0)
    assert calls == [(4, 3)]


@pytest.mark.parametrize("entry", [{"class_name": ["LeakyReLU"], "config": {}},
                                   {"class_name": {"a": 1}, "config": {}}])
def test_an_unhashable_activation_class_name_is_refused_naming_it(entry) -> None:
    config = {"layers": [{"class_name": "Dense", "config": {"units": 2, "activation": entry}}]}
    with pytest.raises(ValueError, match=r"Expected an activation of nonlin\.registry\."
                                         r"ACTIVATIONS .*Received: activation="):
        Sequential.from_config(config)


def test_the_config_of_an_unbuilt_input_model_keeps_its_width() -> None:
    """Keras 3's ``build_input_shape`` (``Sequential.get_config`` of a model with an
    ``Input``): before, ``from_config`` / ``model_from_json`` gave a model without its
    width (``input_shape``: ``AttributeError``; ``build(seed=0)``: ``TypeError``)."""
    model = Sequential([nonlin.Input(shape=(4,)), Dense(3, activation="relu"), Dense(1)])
    config = model.get_config()
    assert config["build_input_shape"] == [None, 4] and config["n_features_in"] is None
    for again in (Sequential.from_config(config), nonlin.model_from_json(model.to_json())):
        assert again.input_shape == (None, 4) and not again.built
        assert again.build(seed=0).get_config() == model.build(seed=0).get_config()
    assert "build_input_shape" not in model.get_config()  # built: n_features_in says it
    plain = Sequential([Dense(3)])
    assert "build_input_shape" not in plain.get_config()
    with pytest.raises(ValueError, match=r"Expected batch_shape=\(None, n_features\)"):
        Sequential.from_config({**config, "build_input_shape": [None, 4, 2]})


def test_an_input_added_after_layers_is_refused_as_an_input() -> None:
    """``add(Input(...))`` to a model with layers: refused as the constructor refuses an
    ``Input`` after a layer (before: "Expected layers with build/forward/...", as if it were
    no layer)."""
    model = Sequential([Dense(2)])
    with pytest.raises(ValueError, match=r"Expected an Input only first .*Received "
                                         r"InputLayer\(shape=\(3,\)\) at layers\[1\]"):
        model.add(nonlin.Input(shape=(3,)))
    assert len(model.layers) == 1


def test_a_keras_3_dense_config_with_quantization_config_none_is_read() -> None:
    """Keras 3's ``Dense.get_config`` (keras/src/layers/core/dense.py) writes
    ``"quantization_config": None`` beside the other defaults: the guide's "Dense.from_config
    reads a Keras 3 Dense config" held only for older Keras 3 configs."""
    keras = {"name": "dense", "trainable": True, "units": 4, "activation": "relu",
             "use_bias": True, "kernel_initializer": "glorot_uniform",
             "bias_initializer": "zeros", "kernel_regularizer": None, "bias_regularizer": None,
             "kernel_constraint": None, "bias_constraint": None, "quantization_config": None}
    assert Dense.from_config(keras).get_config() == {
        "units": 4, "bias": True, "init": "glorot_uniform", "activation": "relu",
        "name": "dense"}
    with pytest.raises(TypeError, match="'quantization_config'"):
        Dense(4, quantization_config={"mode": "int8"})


@pytest.mark.parametrize(("keyword", "said"), [("dtype", "dtype=np.float32"),
                                               ("batch_size", "fit"), ("sparse", ""),
                                               ("input_shape", "shape=(n_features,)"),
                                               ("batch_input_shape", "batch_shape=")])
def test_keras_input_keywords_say_nonlin_s_way(keyword, said) -> None:
    """Keras' ``Input(shape=(n,), dtype="float32")`` / ``batch_size=32``: Python's error
    with nonlin's way, as the layers' Keras keywords (before: Python's bare error)."""
    for make in (nonlin.Input, nonlin.InputLayer):
        with pytest.raises(TypeError, match=rf"got an unexpected keyword argument "
                                            rf"'{keyword}'.*{re.escape(said)}"):
            make(shape=(4,), **{keyword: 1})


def test_the_one_column_softmax_warning_names_the_dense_activation() -> None:
    """``Dense(1, activation="softmax")``: the warning says where the Softmax is, the
    Dense's activation, and Keras' way out (before: "Softmax() at layers[1]", a Dense)."""
    model = Sequential([Dense(3, activation="relu"), Dense(1, activation="softmax")])
    with pytest.warns(UserWarning, match=r"Softmax\(\) at layers\[1\] \(Dense's activation=\)"
                                         r" acts on a single column.*activation=.sigmoid."):
        model.fit(X, X[:, 0] > 0, loss="binary_crossentropy", optimizer="sgd", epochs=1,
                  seed=0, verbose=0)


@pytest.mark.parametrize("layer", [nonlin.PReLU(), nonlin.BatchNorm(), nonlin.Dropout(0.5),
                                   nonlin.GaussianNoise(0.1)])
def test_a_layer_of_another_kind_as_activation_says_where_it_goes(layer) -> None:
    """``Dense(8, activation=PReLU())`` (weights or state the Dense would not own): refused,
    saying to put it after the Dense (before: refused without the way)."""
    kind = type(layer).__name__
    with pytest.raises(TypeError, match=rf"Received: activation=.*; a {kind} is a layer of "
                                        rf"the model's list, after the Dense"):
        Dense(8, activation=layer)


@pytest.mark.parametrize("given", [nonlin.ReLU(), None, 3, np.tanh])
def test_activation_of_no_name_is_a_type_error_saying_where_a_layer_goes(given) -> None:
    """``Activation(ReLU())``: not an unknown *name* (``ValueError`` listing the names, as
    before), but no name at all: ``TypeError`` saying the layer goes in the list itself."""
    with pytest.raises(TypeError, match=r"Expected a registry name .*goes in the model's list "
                                        r"itself .*Received: activation="):
        nonlin.Activation(given)


def test_the_input_shape_error_names_input() -> None:
    """``model.input_shape`` before a width: the answer names ``Input`` too (before, only
    build and fit, as when nonlin had no Input)."""
    with pytest.raises(AttributeError, match=r"Input\(shape=\(n_features,\)\) first in its "
                                             r"list"):
        Sequential([Dense(2)]).input_shape  # noqa: B018


def _distinct_activations() -> list[str]:
    from nonlin.registry import ACTIVATIONS

    first: dict[type, str] = {}
    for name, cls in ACTIVATIONS.items():
        first.setdefault(cls, name)
    return sorted(first.values())


@pytest.mark.parametrize("name", _distinct_activations())
def test_every_registry_activation_trains_as_its_two_layer_form(name: str) -> None:
    """Held on main (a guard, not a fault): each registry activation inside a ``Dense``, with
    dropout, a frozen ``BatchNorm``, l2 and clipnorm in float32, fits, predicts and
    evaluates bit for bit as ``[Dense, A()]``."""
    from nonlin.registry import ACTIVATIONS

    y = np.arange(len(X)) % 3
    cls = ACTIVATIONS[name]
    keras = Sequential([Dense(6, activation=name, l2=1e-3), nonlin.Dropout(0.25),
                        nonlin.BatchNorm(), Dense(3, activation="softmax")])
    ours = Sequential([Dense(6, l2=1e-3), cls(), nonlin.Dropout(0.25), nonlin.BatchNorm(),
                       Dense(3), Softmax()])
    runs = []
    for model in (keras, ours):
        model.build(4, seed=1, dtype=np.float32)
        model.layers[-2 if model is keras else -3].trainable = False
        model.compile(optimizer=nonlin.optimizers.Adam(learning_rate=0.01, clipnorm=1.0),
                      loss="cross_entropy")
        history = model.fit(X, y, epochs=2, batch_size=5, seed=2, verbose=0).history
        runs.append((history, model.evaluate(X, y, verbose=0), model.train_on_batch(X, y)))
    assert runs[0] == runs[1]
    np.testing.assert_array_equal(keras.predict(X), ours.predict(X))
    for a, b in zip(keras.get_weights(), ours.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
