"""Session 33: Keras 3's weight lists on every layer, as the model has them: ``weights``,
``trainable_weights``, ``non_trainable_weights``, their Keras 3 aliases ``variables``,
``trainable_variables``, ``non_trainable_variables`` (on the model too) and
``count_params()``. The lists hold the live arrays, as the model's do (not copies); a
frozen layer lists all its weights as non-trainable; before build the lists are ``[]`` and
``count_params`` raises ``ValueError`` naming the layer (Keras 3). The model's lists are its
layers' end to end. ``model.layers[i]`` and ``model[i]`` are typed ``Layer``, so ``mypy``
takes ``model.layers[0].set_weights(w)`` and ``model[0].weights``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import BatchNorm, Dense, LayerNormalization, Normalization, PReLU, ReLU, Sequential

LISTS = ("weights", "trainable_weights", "non_trainable_weights")
ALIASES = {"variables": "weights", "trainable_variables": "trainable_weights",
           "non_trainable_variables": "non_trainable_weights"}


def _same(a: list[np.ndarray], b: list[Any]) -> bool:
    """The same array objects, in the same order."""
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def _model() -> Sequential:
    model = Sequential([Normalization(), Dense(4), BatchNorm(), PReLU(),
                        LayerNormalization(center=False), ReLU(), Dense(1)])
    model.layers[0].adapt(np.arange(12.0).reshape(4, 3))
    model.build(3, seed=0)
    return model


def test_each_layer_lists_its_live_weights_trainable_then_not() -> None:
    model = _model()
    norm, dense, bn, prelu, ln, relu, top = model.layers
    assert _same(dense.weights, [dense.W.value, dense.b.value])
    assert _same(dense.trainable_weights, dense.weights) and dense.non_trainable_weights == []
    assert _same(bn.weights, [bn.gamma.value, bn.beta.value, bn.moving_mean,
                              bn.moving_variance])
    assert _same(bn.trainable_weights, [bn.gamma.value, bn.beta.value])
    assert _same(bn.non_trainable_weights, [bn.moving_mean, bn.moving_variance])
    assert _same(norm.non_trainable_weights, [norm.mean, norm.variance])
    assert norm.trainable_weights == [] and _same(norm.weights, [norm.mean, norm.variance])
    assert _same(prelu.trainable_weights, [prelu.alpha.value])
    assert _same(ln.weights, [ln.gamma.value]) and ln.non_trainable_weights == []
    assert relu.weights == relu.trainable_weights == relu.non_trainable_weights == []
    for layer in model.layers:  # the same values as get_weights' copies, in its order
        got = layer.get_weights()
        assert len(got) == len(layer.weights)
        assert all(np.array_equal(a, b) and a is not b
                   for a, b in zip(got, layer.weights, strict=True))
        for alias, name in ALIASES.items():
            assert _same(getattr(layer, alias), getattr(layer, name)), (layer, alias)
    assert [layer.count_params() for layer in model.layers] == [6, 16, 16, 4, 4, 0, 5]
    assert sum(layer.count_params() for layer in model.layers) == model.count_params()
    top.weights[0][...] = 0.0  # live: the layer and its model change
    assert not top.W.value.any() and not model.get_weights()[-2].any()


def test_the_models_lists_are_its_layers_end_to_end_and_have_keras_3_aliases() -> None:
    model = _model()
    model.layers[1].trainable = False
    for name in LISTS:
        joined = [w for layer in model.layers for w in getattr(layer, name)]
        assert _same(getattr(model, name), joined), name
    for alias, name in ALIASES.items():
        assert _same(getattr(model, alias), getattr(model, name)), alias
    assert _same(model.trainable_weights, [p.value for p in model.parameters()])
    unbuilt = Sequential([Dense(2)])
    assert unbuilt.variables == unbuilt.trainable_variables == []
    assert unbuilt.non_trainable_variables == []


def test_a_frozen_layer_lists_every_weight_as_non_trainable_and_fit_leaves_them() -> None:
    model = Sequential([Dense(3), BatchNorm(), Dense(1)])
    model.build(2, seed=1)
    bn = model.layers[1]
    bn.trainable = False
    assert bn.trainable_weights == [] and bn.trainable_variables == []
    assert _same(bn.non_trainable_weights, bn.weights) and len(bn.weights) == 4
    assert bn.count_params() == 12  # frozen or not, every weight counts (Keras)
    before = [w.copy() for w in bn.weights]
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 2)), rng.normal(size=(16, 1))
    model.fit(x, y, loss="mse", optimizer="sgd", epochs=2, verbose=0, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(before, bn.weights, strict=True))
    bn.trainable = True
    assert _same(bn.trainable_weights, [bn.gamma.value, bn.beta.value])
    model.fit(x, y, epochs=1, verbose=0)  # the trainable set changed: parameters repacked
    dense = model.layers[0]  # the same flags: fit updates the listed arrays in place
    listed = dense.trainable_weights
    start = [w.copy() for w in listed]
    model.fit(x, y, epochs=1, verbose=0)
    assert _same(dense.trainable_weights, listed)
    assert not np.array_equal(start[0], listed[0])


@pytest.mark.parametrize("layer", [Dense(2, name="head"), BatchNorm(name="head"),
                                   ReLU(name="head"), LayerNormalization(name="head"),
                                   PReLU(name="head"), Normalization(name="head")])
def test_before_build_the_lists_are_empty_and_count_params_names_the_layer(layer: Any) -> None:
    for name in (*LISTS, *ALIASES):
        assert getattr(layer, name) == [], name
    with pytest.raises(ValueError, match=r"count_params on layer 'head' .*isn't built"):
        layer.count_params()
    Sequential([layer]).build(3, seed=0)
    assert layer.count_params() == sum(w.size for w in layer.weights)


def test_a_protocol_layer_of_ones_own_is_listed_by_its_model() -> None:
    """A guard (it passes before the change too): a layer that only follows the protocol
    has no ``weights`` of its own; its model's lists take it through its ``parameters()``."""

    class Scale:
        def build(self, in_features: int, rng: Any) -> int:
            self.w = nonlin.Param(np.ones(in_features), "w")
            return in_features

        def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
            return x * self.w.value

        def backward(self, grad_out: np.ndarray) -> np.ndarray:
            return grad_out

        def parameters(self) -> list[nonlin.Param]:
            return [self.w]

        def get_config(self) -> dict[str, Any]:
            return {}

    scale = Scale()
    model = Sequential([Dense(2), scale])
    model.build(3, seed=0)
    assert _same(model.weights[2:], [scale.w.value]) and len(model.trainable_weights) == 3
    assert model.count_params() == 10


USER = '''\
import numpy as np

import nonlin

model = nonlin.Sequential([nonlin.Dense(2), nonlin.BatchNorm(), nonlin.ReLU()])
model.build(3, seed=0)
w = model.layers[0].get_weights()
model.layers[0].set_weights(w)
model[0].set_weights(w)
frozen: list[np.ndarray] = model.layers[1].non_trainable_weights
n: int = model.layers[1].count_params() + model[0].count_params()
for layer in model:
    live: list[np.ndarray] = layer.weights + layer.trainable_variables
model.layers[0].trainable = False
reveal_type(model.layers[0])
reveal_type(model.variables)
'''


def test_mypy_takes_the_layers_weights_through_model_layers(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    from test_typing_s31 import _mypy

    lines = _mypy(tmp_path, {"user.py": USER})
    assert [line for line in lines if ": error:" in line] == [], "\n".join(lines)
    revealed = [line.split('Revealed type is "')[1] for line in lines if "Revealed" in line]
    assert revealed[0] == 'nonlin.core.Layer"', revealed
    assert revealed[1].startswith("list[numpy.ndarray"), revealed
