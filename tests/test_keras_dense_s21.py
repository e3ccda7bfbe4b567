"""Keras 3's everyday layer code (s21): ``Dense(units, activation=..., use_bias=...,
kernel_initializer=..., kernel_regularizer=...)`` (keras/src/layers/core/dense.py),
``Activation("relu")`` and ``Input(shape=(n,))`` first in a ``Sequential`` list.

Before, each raised ``TypeError`` (``Dense() takes no activation= (a Keras keyword): add
the activation as a layer after it``) or ``AttributeError`` (``nonlin.Input``). A final
``Dense(k, activation="softmax")`` / ``"sigmoid"`` is trained, predicted and evaluated
bit for bit as ``[Dense(k), Softmax()]`` / ``[Dense(k), Sigmoid()]``.
"""

from __future__ import annotations

import copy
import json
import pickle
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import Dense, LeakyReLU, ReLU, Sequential, Sigmoid, Softmax, Tanh

RNG = np.random.default_rng(21)
X = RNG.normal(size=(40, 5))
LABELS = RNG.integers(0, 3, 40)
BINARY = (X[:, :1] + X[:, 1:2] > 0).astype(float)


def _pair(activation: str, k: int, dtype: Any, hidden: str = "relu") -> tuple[Any, Any]:
    """The Keras form and nonlin's two-layer form, built from one seed."""
    layer = {"relu": ReLU, "tanh": Tanh}[hidden]
    final = {"softmax": Softmax, "sigmoid": Sigmoid}[activation]
    keras = Sequential([Dense(8, activation=hidden), Dense(k, activation=activation)])
    ours = Sequential([Dense(8), layer(), Dense(k), final()])
    return keras.build(5, seed=3, dtype=dtype), ours.build(5, seed=3, dtype=dtype)


def _same_weights(a: Any, b: Any) -> bool:
    return all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights(),
                                                    strict=True))


# -- the fused output paths: bit for bit -------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("activation", "loss", "targets"), [
    ("softmax", "cross_entropy", "labels"), ("softmax", "cross_entropy", "onehot"),
    ("sigmoid", "binary_crossentropy", "binary"),
    ("softmax", "mse", "onehot"),  # not fused: the activation's own backward rule
])
def test_a_final_activated_dense_trains_as_the_two_layer_form(dtype, activation, loss,
                                                              targets) -> None:
    from nonlin.objective import fused_kind
    from nonlin.registry import loss as get_loss

    y = {"labels": LABELS, "onehot": np.eye(3)[LABELS], "binary": BINARY}[targets]
    k = 1 if targets == "binary" else 3
    keras, ours = _pair(activation, k, dtype, hidden="tanh" if k == 1 else "relu")
    assert fused_kind(keras, get_loss(loss)) == fused_kind(ours, get_loss(loss))
    runs = [model.fit(X, y, loss=loss, optimizer="adam", epochs=4, batch_size=16, seed=5,
                      verbose=0, metrics=["accuracy"], validation_split=0.25).history
            for model in (keras, ours)]
    assert runs[0] == runs[1]
    assert _same_weights(keras, ours)
    np.testing.assert_array_equal(keras.predict(X), ours.predict(X))
    np.testing.assert_array_equal(keras(X), ours(X))
    for batch_size in (None, 7):  # one pass, and streamed in chunks
        assert (keras.evaluate(X, y, loss=loss, metrics=["accuracy"], batch_size=batch_size)
                == ours.evaluate(X, y, loss=loss, metrics=["accuracy"], batch_size=batch_size))


def test_fused_kind_sees_the_dense_activation() -> None:
    from nonlin.objective import fused_kind

    model = Sequential([Dense(3, activation="softmax")]).build(2, seed=0)
    assert fused_kind(model, nonlin.CrossEntropy()) == ("softmax", True)
    model = Sequential([Dense(1, activation="sigmoid")]).build(2, seed=0)
    assert fused_kind(model, nonlin.BinaryCrossEntropy()) == ("sigmoid", True)
    model = Sequential([Dense(1, activation="relu")]).build(2, seed=0)
    assert fused_kind(model, nonlin.BinaryCrossEntropy()) == ("generic", False)


def test_train_on_batch_and_a_hidden_activation_match_the_two_layer_form() -> None:
    keras = Sequential([Dense(6, activation="gelu"), Dense(3, activation="softmax")])
    ours = Sequential([Dense(6), nonlin.GELU(), Dense(3), Softmax()])
    for model in (keras.build(5, seed=1), ours.build(5, seed=1)):
        model.compile("sgd", "cross_entropy")
    for _ in range(3):
        assert keras.train_on_batch(X, LABELS) == ours.train_on_batch(X, LABELS)
    assert _same_weights(keras, ours)


def test_the_output_warnings_are_those_of_the_two_layer_form() -> None:
    def said(model: Any, loss: Any, y: Any) -> list[str]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.fit(X, y, loss=loss, optimizer="sgd", epochs=1, seed=0, verbose=0)
        return [str(w.message) for w in caught if w.category is UserWarning]

    twice = said(Sequential([Dense(3, activation="softmax")]),
                 nonlin.CrossEntropy(from_logits=True), LABELS)
    assert len(twice) == 1 and "apply softmax twice" in twice[0]
    assert "Dense's activation=" in twice[0] and "Drop the Softmax activation" in twice[0]
    unbounded = said(Sequential([Dense(1, activation="relu")]), "binary_crossentropy", BINARY)
    assert len(unbounded) == 1 and "gives unbounded scores" in unbounded[0]
    one = said(Sequential([Dense(1, activation="softmax")]), "mse", BINARY)
    assert any("acts on a single column" in message for message in one)
    assert not said(Sequential([Dense(1, activation="sigmoid")]), "binary_crossentropy", BINARY)


# -- the layer itself ---------------------------------------------------------------------
def _activation_names() -> list[str]:
    from nonlin.registry import ACTIVATIONS

    return sorted(ACTIVATIONS)


@pytest.mark.parametrize("name", _activation_names())
def test_gradcheck_of_dense_with_each_activation(name: str) -> None:
    model = Sequential([Dense(4, activation=name), Dense(2, activation=name)]).build(3, seed=0)
    x = np.random.default_rng(1).normal(size=(7, 3))
    y = np.random.default_rng(2).random((7, 2))
    assert nonlin.gradcheck(model, nonlin.MeanSquaredError(), x, y) < 1e-6
    assert nonlin.gradcheck(model, nonlin.MeanSquaredError(), x, y, training=True) < 1e-6


def test_activation_forms_and_what_the_config_records() -> None:
    assert Dense(3).get_config() == {"units": 3, "bias": True, "init": "glorot_uniform"}
    for linear in (None, "linear", "identity", nonlin.Identity()):
        assert "activation" not in Dense(3, activation=linear).get_config()
        assert Dense(3, activation=linear).activation is None
    assert Dense(3, "relu").get_config()["activation"] == "relu"  # Keras' positional form
    assert Dense(3, activation="ReLU").get_config()["activation"] == "relu"
    assert Dense(3, activation=ReLU()).get_config()["activation"] == "relu"
    assert Dense(3, activation=nonlin.GELU()).get_config()["activation"] == "gelu"
    leaky = Dense(3, activation=LeakyReLU(alpha=0.2))
    assert leaky.get_config()["activation"] == {"class_name": "LeakyReLU",
                                                "config": {"alpha": 0.2}}
    shared = ReLU()
    a, b = Dense(2, activation=shared), Dense(2, activation=shared)
    assert a.activation is not shared and a.activation is not b.activation  # own buffers
    assert len(Sequential([Dense(4, activation="relu"), Dense(1)]).layers) == 2


@pytest.mark.parametrize(("activation", "error", "said"), [
    ("relux", ValueError, r"Unknown activation\. Expected None or one of: .*relu.*"
                          r"Received: activation='relux'"),
    (np.tanh, TypeError, r"Expected activation= a name .* Received: activation=<ufunc 'tanh'>"),
    (Dense(2), TypeError, r"Received: activation=Dense\(units=2"),
    (nonlin.PReLU(), TypeError, r"Received: activation=PReLU"),
    ({"class_name": "Dense", "config": {"units": 2}}, ValueError,
     r"Expected an activation of nonlin\.registry\.ACTIVATIONS .* Received: "
     r"activation=\{'class_name': 'Dense'"),
])
def test_other_activations_are_refused_naming_them(activation, error, said) -> None:
    with pytest.raises(error, match=said):
        Dense(3, activation=activation)


def test_keras_names_of_bias_init_and_l2() -> None:
    assert Dense(3, use_bias=False).get_config() == Dense(3, bias=False).get_config()
    assert (Dense(3, kernel_initializer="he_normal").get_config()
            == Dense(3, init="he_normal").get_config())
    assert Dense(3, kernel_regularizer="l2").l2 == 0.01  # Keras' default factor
    assert Dense(3, kernel_regularizer=nonlin.regularizers.L2(0.003)).l2 == 0.003
    assert Dense(3, kernel_regularizer=nonlin.regularizers.l2(1e-4)).l2 == 1e-4
    assert Dense(3, kernel_regularizer=None, use_bias=None).get_config() == Dense(3).get_config()
    for keras, ours in (("use_bias", "bias"), ("kernel_initializer", "init"),
                        ("kernel_regularizer", "l2")):
        given = {"use_bias": False, "bias": False, "kernel_initializer": "zeros", "init": "ones",
                 "kernel_regularizer": "l2", "l2": 0.1}
        with pytest.raises(TypeError, match=rf"Expected one of {keras}= \(Keras' name\) and "
                                            rf"{ours}= \(nonlin's\)\. Received both"):
            Dense(3, **{keras: given[keras], ours: given[ours]})
    for refused, name in (("l1", "L1"), ("l1_l2", "L1L2")):
        with pytest.raises(ValueError, match=rf"the {name} regularizer is not built in.*"
                                             rf"Received: kernel_regularizer='{refused}'"):
            Dense(3, kernel_regularizer=refused)
    with pytest.raises(AttributeError, match="L1 regularizer is not built in"):
        nonlin.regularizers.L1  # noqa: B018
    with pytest.raises(TypeError, match=r"Expected kernel_regularizer='l2'.*Received: "
                                        r"kernel_regularizer=0\.01"):
        Dense(3, kernel_regularizer=0.01)
    with pytest.raises(ValueError, match=r"Expected a finite l2 >= 0\. Received: l2=-1"):
        nonlin.regularizers.L2(-1)


def test_the_l2_object_is_the_penalty_of_l2() -> None:
    """Keras' L2: ``l2 * sum(W**2)`` (keras/src/regularizers/regularizers.py), nonlin's
    ``l2=``: the same training bits."""
    W = np.arange(6.0).reshape(2, 3)
    assert nonlin.regularizers.L2(0.5)(W) == 0.5 * float((W**2).sum())
    keras = Sequential([Dense(4, kernel_regularizer=nonlin.regularizers.L2(0.02)), Dense(1)])
    ours = Sequential([Dense(4, l2=0.02), Dense(1)])
    runs = [m.build(5, seed=0).fit(X, BINARY, loss="mse", optimizer="sgd", epochs=2, seed=0,
                                   verbose=0).history for m in (keras, ours)]
    assert runs[0] == runs[1] and _same_weights(keras, ours)


# -- configs and files ---------------------------------------------------------------------
def test_a_model_file_with_activations_loads_back(tmp_path: Path) -> None:
    model = Sequential([Dense(6, activation="relu"), Dense(4, activation=LeakyReLU(alpha=0.2)),
                        Dense(1, activation="sigmoid")]).build(5, seed=0)
    path = tmp_path / "m.safetensors"
    model.save(path)
    again = nonlin.load(path)
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    assert again.get_config() == model.get_config()
    assert Sequential.from_config(json.loads(json.dumps(model.get_config()))).get_config() \
        == model.get_config()
    for copied in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        np.testing.assert_array_equal(copied.predict(X), model.predict(X))


@pytest.mark.parametrize("entry", [
    "os.system", "__import__", {"class_name": "__import__", "config": {}},
    {"class_name": "Dense", "config": {"units": 2}}, {"class_name": "ReLU"}, 3, ["relu"],
])
def test_hostile_activation_entries_in_a_config_are_refused_naming_them(entry) -> None:
    config = Sequential([Dense(2, activation="relu")]).build(3, seed=0).get_config()
    config["layers"][0]["config"]["activation"] = entry
    with pytest.raises(ValueError, match=r"Received: activation=") as raised:
        Sequential.from_config(config)
    assert repr(entry)[:20] in str(raised.value)


def test_layer_from_config_with_keras_dense_config() -> None:
    """A Keras 3 Dense config (``get_config()``), its initializer as a string."""
    keras = {"name": "hidden", "trainable": True, "units": 8, "activation": "relu",
             "use_bias": False, "kernel_initializer": "he_uniform", "bias_initializer": "zeros",
             "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
             "kernel_constraint": None, "bias_constraint": None}
    layer = Dense.from_config(keras)
    assert layer.get_config() == {"units": 8, "bias": False, "init": "he_uniform",
                                  "activation": "relu", "name": "hidden"}
    with pytest.raises(TypeError, match="'bias_constraint'"):
        Dense.from_config({**keras, "bias_constraint": "non_neg"})


def test_an_old_pickled_dense_without_the_attribute_still_runs() -> None:
    model = Sequential([Dense(3), Dense(1)]).build(5, seed=0)
    expected = model.predict(X)
    for layer in model.layers:
        del layer.__dict__["_activation"]  # as pickled before s21
        layer.__dict__.pop("_activation_config")
    np.testing.assert_array_equal(model.predict(X), expected)
    model.fit(X, BINARY, loss="mse", optimizer="sgd", epochs=1, seed=0, verbose=0)
    assert model.get_config()["layers"][0]["config"] == {"units": 3, "bias": True,
                                                         "init": "glorot_uniform"}


# -- Activation and Input -----------------------------------------------------------------
def test_activation_is_the_registry_layer() -> None:
    layer = nonlin.Activation("relu", name="act")
    assert type(layer) is ReLU and layer.name == "act"
    assert type(nonlin.Activation("linear")) is nonlin.Identity
    model = Sequential([Dense(3), nonlin.Activation("softmax")]).build(2, seed=0)
    assert model.get_config()["layers"][1] == {"class_name": "Softmax", "config": {}}
    with pytest.raises(ValueError, match=r"Unknown activation\. .* Received: activation='x'"):
        nonlin.Activation("x")


def test_input_first_in_the_list_records_the_width() -> None:
    model = Sequential([nonlin.Input(shape=(5,)), Dense(8, activation="relu"), Dense(1)])
    assert len(model.layers) == 2 and model.input_shape == (None, 5)
    assert not model.built and model.parameters() == []  # no draw before build / fit
    text = str(model.summary())
    assert "Total params: 57" in text and "Not built: build(seed=0)" in text
    assert not model.built
    model.build(seed=4)
    same = Sequential([Dense(8, activation="relu"), Dense(1)]).build(5, seed=4)
    assert _same_weights(model, same)
    assert model.input_shape == (None, 5)
    other = Sequential([nonlin.InputLayer(shape=(5,)), Dense(1)])
    other.fit(X, BINARY, loss="mse", optimizer="sgd", epochs=1, seed=0, verbose=0)  # builds
    added = Sequential()
    added.add(nonlin.Input(batch_shape=(None, 5)))
    added.add(Dense(1))
    assert added.input_shape == (None, 5) and len(added.layers) == 1


def test_input_widths_and_places_are_checked() -> None:
    model = Sequential([nonlin.Input(shape=(4,)), Dense(1)])
    with pytest.raises(ValueError, match=r"Expected inputs of 4 features, the model's "
                                         r"Input\(shape=\(4,\)\)\. Received: n_features=5"):
        model.fit(X, BINARY, loss="mse", optimizer="sgd", epochs=1, seed=0, verbose=0)
    for shape in ((28, 28), (0,), 4, (None,), (True,)):
        with pytest.raises(ValueError, match=r"Expected shape=\(n_features,\), one positive "
                                             r"int.*Received: shape=" + re.escape(repr(shape))):
            nonlin.Input(shape=shape)
    with pytest.raises(ValueError, match=r"Expected an Input only first .* at layers\[1\]"):
        Sequential([Dense(2), nonlin.Input(shape=(3,))])
    with pytest.raises(TypeError, match=r"Expected an int n_features .* Received: n_features="
                                        r"None"):
        Sequential([Dense(2)]).build(seed=0)


def test_the_command_line_reads_an_activated_output_as_the_two_layer_form() -> None:
    """``nonlin predict`` / ``evaluate`` on a saved Keras-style model: the outputs of a final
    ``Dense(k, activation="softmax")`` / ``"sigmoid"`` are probabilities already (before,
    a sigmoid or softmax would have been applied to them a second time)."""
    from nonlin.cli_model import model_outputs
    from nonlin.cli_multilabel_model import probabilities

    for activation, k, classes in (("softmax", 3, ["a", "b", "c"]), ("sigmoid", 1, ["n", "y"])):
        keras, ours = _pair(activation, k, np.float64)
        meta = {"task": "classification", "classes": classes}
        np.testing.assert_array_equal(model_outputs(keras, meta, X), model_outputs(ours, meta, X))
    keras, ours = _pair("sigmoid", 2, np.float64)
    np.testing.assert_array_equal(probabilities(keras, keras.predict(X)),
                                  probabilities(ours, ours.predict(X)))


@pytest.mark.parametrize("loss", [lambda: nonlin.CrossEntropy(label_smoothing=0.1),
                                  lambda: nonlin.BinaryCrossEntropy(pos_weight=2.0)])
def test_a_cross_entropy_with_options_trains_as_the_two_layer_form(loss) -> None:
    """The losses' kind ``"logits"`` (label smoothing, pos_weight) leaves the activation out
    of an activated final Dense as it leaves a final Softmax / Sigmoid out."""
    binary = isinstance(loss(), nonlin.BinaryCrossEntropy)
    y = BINARY if binary else LABELS
    keras, ours = _pair("sigmoid" if binary else "softmax", 1 if binary else 3, np.float32)
    runs = [m.fit(X, y, loss=loss(), optimizer="adam", epochs=3, batch_size=16, seed=5,
                  verbose=0).history for m in (keras, ours)]
    assert runs[0] == runs[1] and _same_weights(keras, ours)
    assert keras.evaluate(X, y, loss=loss()) == ours.evaluate(X, y, loss=loss())


@pytest.mark.parametrize("entry", ["os.system", {"class_name": "Dense", "config": {"units": 2}},
                                   {"class_name": "eval", "config": {"source": "1"}}])
def test_a_model_file_with_a_hostile_activation_is_refused_naming_it(entry,
                                                                     tmp_path: Path) -> None:
    from io_helpers import edit_meta, model_bytes

    model = Sequential([Dense(4, activation="relu"), Dense(1)]).build(3, seed=0)

    def swap(architecture: dict[str, Any]) -> dict[str, Any]:
        architecture["layers"][0]["config"]["activation"] = entry
        return architecture

    path = tmp_path / "hostile.safetensors"
    path.write_bytes(edit_meta(model_bytes(model), "architecture", swap))
    with pytest.raises(ValueError, match="activation") as raised:
        nonlin.load(path)
    assert repr(entry)[:12] in str(raised.value)


def test_a_frozen_activated_dense_trains_as_the_frozen_two_layer_form() -> None:
    keras, ours = _pair("softmax", 3, np.float64)
    keras.layers[0].trainable = ours.layers[0].trainable = False
    runs = [m.fit(X, LABELS, loss="cross_entropy", optimizer="sgd", epochs=2, seed=1,
                  verbose=0).history for m in (keras, ours)]
    assert runs[0] == runs[1] and _same_weights(keras, ours)
