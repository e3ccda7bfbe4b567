"""Keras' layer and model names: ``name=`` on every layer and on ``Sequential``, ``layer.name``
(given, else automatic by class and position within the model), ``model.get_layer``, names
in ``summary()``, and in files only when given (``nonlin._layer_names``)."""

from __future__ import annotations

import hashlib
import inspect
import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import Dense, Layer, ReLU, Sequential, registry
from nonlin.checkpoint import load_checkpoint, save_checkpoint
from nonlin.io import ModelFileError

_ARGS: dict[str, tuple[Any, ...]] = {
    "Dense": (3,), "Dropout": (0.1,), "AlphaDropout": (0.1,), "GaussianDropout": (0.1,),
    "GaussianNoise": (0.1,),
}
CLASSES = sorted({cls.__name__: cls for cls in registry.LAYERS.values()}.items())
EXPECTED = {  # Keras 3's to_snake_case of the class names
    "Dense": "dense", "Dropout": "dropout", "BatchNorm": "batch_norm", "ReLU": "re_lu",
    "LeakyReLU": "leaky_re_lu", "PReLU": "p_re_lu", "GELU": "gelu", "SiLU": "si_lu",
    "LayerNormalization": "layer_normalization", "ReLU6": "re_lu6", "HardSigmoid": "hard_sigmoid",
    "GaussianNoise": "gaussian_noise", "Normalization": "normalization", "Softmax": "softmax",
}


def make(class_name: str, cls: type, **kwargs: Any) -> Any:
    if class_name == "Normalization":  # statistics given: it runs and saves without adapt
        kwargs = {"mean": [0.0, 1.0, 2.0], "variance": [1.0, 2.0, 3.0], **kwargs}
    return cls(*_ARGS.get(class_name, ()), **kwargs)


@pytest.mark.parametrize(("class_name", "cls"), CLASSES, ids=[n for n, _ in CLASSES])
def test_every_registered_layer_takes_a_name_keyword(class_name: str, cls: type) -> None:
    parameter = inspect.signature(cls).parameters["name"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY and parameter.default is None
    layer = make(class_name, cls, name="mine")
    assert layer.name == "mine" and layer.get_config()["name"] == "mine"
    assert repr(layer).endswith("name='mine')")
    unnamed = make(class_name, cls)
    assert "name" not in unnamed.get_config() and "name=" not in repr(unnamed)
    assert unnamed.name == EXPECTED.get(class_name, unnamed.name)
    assert unnamed.name == nonlin._metric_names.snake_case(class_name)
    assert type(layer)(**layer.get_config()).name == "mine"  # get_config rebuilds it
    with pytest.raises(TypeError, match="Expected a str"):
        make(class_name, cls, name=3)
    with pytest.raises(ValueError, match="non-empty"):
        make(class_name, cls, name="")


def test_automatic_names_are_unique_within_a_model_by_position() -> None:
    layers = [make(n, c) for n, c in CLASSES] + [make(n, c) for n, c in CLASSES]
    names = [layer.name for layer in Sequential(layers).layers]
    half = len(CLASSES)
    assert names[half:] == [f"{name}_1" for name in names[:half]]
    assert len(set(names)) == len(names)
    model = Sequential([Dense(4), ReLU(), Dense(3, name="dense_1"), ReLU(), Dense(2)])
    assert [layer.name for layer in model.layers] == ["dense", "re_lu", "dense_1", "re_lu_1",
                                                      "dense_2"]  # a given name is skipped


def test_the_same_model_gets_the_same_names_every_time() -> None:
    """No global counter (Keras' second model would say dense_2): names depend on the model."""
    first = Sequential([Dense(4), ReLU(), Dense(1)])
    second = Sequential([Dense(4), ReLU(), Dense(1)])
    assert [x.name for x in first.layers] == [x.name for x in second.layers] == [
        "dense", "re_lu", "dense_1"]
    assert Dense(3).name == "dense"  # in no model: the class name


def test_a_model_pickled_before_names_existed_names_its_layers_when_unpickled() -> None:
    model = Sequential([Dense(2), ReLU(), Dense(1)]).build(3, seed=0)
    for layer in model.layers:  # what a layer pickled by older code holds: no name at all
        del layer.__dict__["_name"], layer.__dict__["_auto_name"]
    del model.__dict__["_name"]
    again = pickle.loads(pickle.dumps(model))
    assert [layer.name for layer in again.layers] == ["dense", "re_lu", "dense_1"]
    assert again.name == "sequential" and "name" not in again.get_config()
    named = pickle.loads(pickle.dumps(Sequential([Dense(2, name="h")], name="m")))
    assert (named.name, named.layers[0].name) == ("m", "h")


def test_two_layers_given_one_name_are_refused_naming_both_positions() -> None:
    message = r"unique layer names.*name='h' at layers\[0\] and layers\[2\]"
    with pytest.raises(ValueError, match=message):
        Sequential([Dense(4, name="h"), ReLU(), Dense(1, name="h")])
    model = Sequential([Dense(4, name="h"), ReLU()])
    with pytest.raises(ValueError, match=r"name='h' at layers\[0\] and layers\[2\]"):
        model.add(Dense(1, name="h"))
    assert len(model.layers) == 2  # refused: not added
    model.add(Dense(1, name="out"))
    model.layers[1].name = "out"  # renamed by hand: build refuses it
    with pytest.raises(ValueError, match=r"name='out' at layers\[1\] and layers\[2\]"):
        model.build(3, seed=0)


def test_get_layer_by_name_and_by_index_as_keras() -> None:
    model = Sequential([Dense(4, name="hidden"), ReLU(), Dense(1)])
    assert model.get_layer("hidden") is model.layers[0]
    assert model.get_layer("re_lu") is model.layers[1]
    assert model.get_layer(index=2) is model.get_layer(index=-1) is model.layers[2]
    assert model.get_layer(name="dense") is model.layers[2]
    with pytest.raises(ValueError, match="No such layer: 'output'.*hidden, re_lu, dense$"):
        model.get_layer("output")
    with pytest.raises(ValueError, match="exactly one of name and index"):
        model.get_layer()
    with pytest.raises(ValueError, match="exactly one of name and index"):
        model.get_layer("hidden", 0)
    with pytest.raises(ValueError, match=r"index in \[-3, 2\].*Received: index=3"):
        model.get_layer(index=3)
    for index in (True, 1.0, "0"):
        with pytest.raises(TypeError, match="Expected an integer index"):
            model.get_layer(index=index)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"No such layer: 1 \(a position is get_layer\(index=1"):
        model.get_layer(1)  # type: ignore[arg-type]  # Keras' first argument is the name
    with pytest.raises(ValueError, match="none: the model has no layers"):
        Sequential().get_layer("dense")


def test_the_model_name() -> None:
    assert Sequential().name == "sequential"
    model = Sequential([Dense(2, name="out")], name="mlp")
    assert model.name == "mlp" and repr(model).endswith("], name='mlp')")
    assert model.get_config()["name"] == "mlp" and "name" not in Sequential([Dense(2)]).get_config()
    again = Sequential.from_config(model.get_config())
    assert again.name == "mlp" and again.layers[0].name == "out"
    with pytest.raises(TypeError, match="Expected a str"):
        Sequential(name=1)  # type: ignore[arg-type]


def test_summary_shows_name_and_class_as_keras() -> None:
    model = Sequential([Dense(4, name="hidden"), ReLU(), Dense(1)]).build(3, seed=0)
    lines = model.summary().split("\n")
    assert lines[0] == 'Model: "sequential"'  # Keras 3's first line: the model's name
    assert lines[1].split() == ["Layer", "(type)", "Output", "Params"]
    assert [line.split()[:2] for line in lines[3:6]] == [
        ["hidden", "(Dense)"], ["re_lu", "(ReLU)"], ["dense", "(Dense)"]]
    assert lines[-3:] == ["Total params: 21", "Trainable params: 21", "Non-trainable params: 0"]


def test_names_go_through_a_file_and_a_checkpoint(tmp_path: Path) -> None:
    layers = [make(n, c, name=f"my_{n.lower()}") for n, c in CLASSES if n != "Softmax"]
    model = Sequential([*layers, Dense(2), nonlin.Softmax()], name="all")
    X = np.random.default_rng(0).normal(size=(32, 3))
    model.fit(X, (X[:, 0] > 0).astype(int), loss="cross_entropy", optimizer="adam", epochs=1,
              seed=0, verbose=0)
    names = [layer.name for layer in model.layers]
    loaded = nonlin.load(io.BytesIO(nonlin.io.to_bytes(model)))
    assert [layer.name for layer in loaded.layers] == names and loaded.name == "all"
    assert loaded.get_config() == model.get_config()
    save_checkpoint(model, tmp_path / "c.safetensors", epoch=1)
    saved = load_checkpoint(tmp_path / "c.safetensors").model
    assert [layer.name for layer in saved.layers] == names and saved.name == "all"


def test_a_file_without_names_is_byte_for_byte_what_it_was() -> None:
    """The hash of the file main's code wrote for this model before names existed."""
    model = Sequential([Dense(4), ReLU(), nonlin.BatchNorm(), Dense(2), nonlin.Softmax()])
    model.build(3, seed=0)
    data = nonlin.io.to_bytes(model)
    assert b'"name"' not in data
    assert hashlib.sha256(data).hexdigest() == _UNNAMED_SHA256


_UNNAMED_SHA256 = "73298ea15d84322f2dd5b3fd9fe54f3c7a1bb057959d8bc2343629b54fa78da6"


def test_a_file_with_a_name_given_twice_or_of_no_str_is_refused() -> None:
    data = nonlin.io.to_bytes(Sequential([Dense(2, name="a"), Dense(1, name="b")]).build(3, 0))
    twice = data.replace(b'name\\":\\"b\\"', b'name\\":\\"a\\"')
    with pytest.raises(ModelFileError, match="unique layer names"):
        nonlin.load(io.BytesIO(twice))
    model = Sequential([Dense(1)], name="m").build(2, 0)
    number = nonlin.io.to_bytes(model).replace(b'name\\":\\"m\\"', b'name\\":7    ')
    with pytest.raises(ModelFileError, match="Expected a str"):
        nonlin.load(io.BytesIO(number))


def test_names_change_no_number_and_resume_ignores_them(tmp_path: Path) -> None:
    X = np.random.default_rng(1).normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5])

    def trained(names: bool) -> Sequential:
        kw = (lambda n: {"name": n}) if names else (lambda n: {})
        model = Sequential([Dense(5, **kw("a")), nonlin.Tanh(**kw("b")), nonlin.Dropout(
            0.2, **kw("c")), Dense(1, **kw("d"))], **kw("m"))
        model.fit(X, y, loss="mse", optimizer="adam", epochs=2, batch_size=8, seed=3, verbose=0)
        return model

    named, plain = trained(True), trained(False)
    for a, b in zip(named.get_weights(), plain.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    save_checkpoint(named, tmp_path / "c.safetensors", epoch=2)
    resumed = Sequential([Dense(5), nonlin.Tanh(), nonlin.Dropout(0.2), Dense(1)])
    resumed.fit(X, y, loss="mse", optimizer="adam", epochs=3, batch_size=8, verbose=0,
                resume_from=tmp_path / "c.safetensors")
    assert [layer.name for layer in resumed.layers] == ["dense", "tanh", "dropout", "dense_1"]


class Scale(Layer):
    """A user's layer written before names: its ``__init__`` takes no ``name``, nor calls
    ``Layer.__init__``."""

    def __init__(self, factor: float) -> None:
        self.factor = factor

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return x * self.factor

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * self.factor

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor}


class Bare:
    """A protocol layer, no ``Layer`` base."""

    def build(self, in_features: int, rng: Any) -> int:
        return in_features

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return x + 0.0

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out

    def parameters(self) -> list[Any]:
        return []

    def get_config(self) -> dict[str, Any]:
        return {}


def test_a_layer_of_ones_own_without_name_support_gets_the_automatic_name() -> None:
    model = Sequential([Dense(2), Scale(2.0), Scale(3.0), Bare()]).build(3, seed=0)
    assert [layer.name for layer in model.layers[:3]] == ["dense", "scale", "scale_1"]
    assert model.get_layer("scale_1").factor == 3.0 and model.get_layer("bare") is model[3]
    assert "scale_1 (Scale)" in model.summary() and "bare (Bare)" in model.summary()
    assert repr(model.layers[1]) == "Scale(factor=2.0)"
    assert model.predict(np.ones((1, 3))).shape == (1, 2)
    with pytest.raises(TypeError, match="unexpected keyword argument 'name'"):
        Scale(1.0, name="s")  # type: ignore[call-arg]  # its own signature, unchanged


def test_keras_keywords_still_refused_and_name_no_longer() -> None:
    assert Dense(2, name="d").name == "d"
    assert nonlin.LeakyReLU(name="l").name == "l"
    with pytest.raises(TypeError, match="input width"):
        Dense(2, input_dim=3)  # use_bias=False is taken since s21 (Keras' name of bias)
    with pytest.raises(TypeError, match="unexpected keyword argument 'trainable'"):
        Dense(2, trainable=False)
