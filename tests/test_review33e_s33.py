"""Session 33 review of layerapi33 (Keras 3's weight lists on every layer, the model's
made from its layers'): a parameter that a frozen layer shares with a trainable one
(weight tying, which ``pack_parameters`` allows) is left out of ``parameters()``, so
``fit`` does not update it; the model's ``trainable_weights`` must leave it out too, and
``non_trainable_weights`` keep it (as before the merge, and as Keras 3, whose frozen
layer marks the shared variable itself non-trainable).

``model.layers`` typed ``list[Layer]`` refused, under mypy, what the guide lets a user
do with a layer of one's own (a ``LayerProtocol``): append, insert or put it in
``model.layers``, assign ``model.layers = [Dense(2), Own()]``, or pass ``model.layers``
where a ``list[LayerProtocol]`` is asked for. Reads stay typed ``Layer``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nonlin import Dense, ReLU, Sequential
from nonlin.core import Param


class Own:
    """A protocol layer with a weight matrix ``W`` of shape (in, 2)."""

    def __init__(self) -> None:
        self.W: Param | None = None

    def build(self, in_features: int, rng: np.random.Generator) -> int:
        self.W = Param(rng.standard_normal((in_features, 2)), "W")
        return 2

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        assert self.W is not None
        return x @ self.W.value

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        assert self.W is not None
        return grad_out @ self.W.value.T

    def parameters(self) -> list[Param]:
        return [] if self.W is None else [self.W]

    def get_config(self) -> dict[str, Any]:
        return {}


class Tied:
    """Uses ``Own``'s ``W`` transposed: the same ``Param`` in its ``parameters()``."""

    def __init__(self, other: Own) -> None:
        self.other = other

    def _w(self) -> Param:
        assert self.other.W is not None
        return self.other.W

    def build(self, in_features: int, rng: np.random.Generator) -> int:
        return int(self._w().value.shape[0])

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return x @ self._w().value.T

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out @ self._w().value

    def parameters(self) -> list[Param]:
        return [self._w()]

    def get_config(self) -> dict[str, Any]:
        return {}


def _tied() -> tuple[Sequential, Own]:
    own = Own()
    model = Sequential([own, ReLU(), Tied(own), Dense(1)]).build(3, seed=0)
    return model, own


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(x is y for x, y in zip(a, b, strict=True))


def test_a_weight_a_frozen_layer_shares_is_not_trainable() -> None:
    model, own = _tied()
    assert own.W is not None
    own.trainable = False  # type: ignore[attr-defined]  # a protocol layer's own flag
    assert all(p is not own.W for p in model.parameters())  # what fit updates
    assert _same(model.trainable_weights, [p.value for p in model.parameters()])
    assert all(w is not own.W.value for w in model.trainable_weights)
    assert _same(model.trainable_variables, model.trainable_weights)
    assert sum(w is own.W.value for w in model.non_trainable_weights) == 2  # as in weights
    assert _same(model.non_trainable_variables, model.non_trainable_weights)
    ids = {id(w) for w in model.trainable_weights}
    assert _same(model.non_trainable_weights, [w for w in model.weights if id(w) not in ids])


def test_tied_weights_unfrozen_and_plain_models_are_as_before() -> None:
    model, own = _tied()
    assert own.W is not None
    assert _same(model.trainable_weights, [p.value for p in model.parameters()])
    assert model.non_trainable_weights == []
    plain = Sequential([Dense(3), Dense(1)]).build(2, seed=0)
    plain.layers[0].trainable = False
    assert _same(plain.trainable_weights, [p.value for p in plain.parameters()])
    assert _same(plain.non_trainable_weights, plain.layers[0].weights)


USER = """\
from typing import Any

import numpy as np

from nonlin import Dense, Sequential
from nonlin.core import LayerProtocol, Param


class Own:
    def build(self, in_features: int,
              rng: np.random.Generator | np.random.RandomState) -> int:
        return in_features
    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return x
    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        return grad_out
    def parameters(self) -> list[Param]:
        return []
    def get_config(self) -> dict[str, Any]:
        return {}


def count(layers: list[LayerProtocol]) -> int:
    return len(layers)


model = Sequential([Dense(2), Own()])
model.layers.append(Own())
model.layers.insert(0, Own())
model.layers[1] = Own()
model.layers += [Own()]
model.layers = [Dense(2), Own()]
mine: list[LayerProtocol] = model.layers
n = count(model.layers)
first = model.layers[0]
if isinstance(first, Dense):
    units: int = first.units
model.layers[0].set_weights(model[0].get_weights())
reveal_type(model.layers[0])
reveal_type(model.layers[0:1])
for layer in reversed(model.layers):
    reveal_type(layer)
"""


def test_mypy_takes_protocol_layers_into_model_layers(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    from test_typing_s31 import _mypy

    lines = _mypy(tmp_path, {"user.py": USER})
    assert [line for line in lines if ": error:" in line] == [], "\n".join(lines)
    revealed = [line.split('Revealed type is "')[1] for line in lines if "Revealed" in line]
    assert revealed == ['nonlin.core.Layer"', 'list[nonlin.core.Layer]"',
                        'nonlin.core.Layer"'], revealed
