"""A layer of one's own written as docs/design.md shows (its ``Param``s made in ``build``,
``parameters()`` returning them) could not be frozen before ``build``, and once frozen and
trained a model holding it could not be saved nor checkpointed: ``trainable = False`` zeroes
the parameters' gradients through ``parameters()``, which raised ``AttributeError`` on the
unbuilt layer, and ``save`` (like ``load``) rebuilds each layer from its config, frozen, to
check it. An unbuilt layer has no gradient to zero."""

from __future__ import annotations

from typing import Any

import numpy as np

import nonlin
from nonlin import registry
from nonlin.core import Layer, Param

X = np.random.default_rng(0).normal(size=(12, 3))
Y = X.sum(axis=1, keepdims=True)


class Mix(Layer):
    """``y = x @ W``, ``W`` made in ``build``."""

    def build(self, in_features: int, rng: Any) -> int:
        self.W = Param(rng.normal(size=(in_features, in_features)), "W")
        return in_features

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        if training:
            self._x = x
        return x @ self.W.value

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        np.matmul(self._x.T, grad_out, out=self.W.grad)
        return grad_out @ self.W.value.T

    def parameters(self) -> list[Param]:
        return [self.W]


def test_a_frozen_layer_of_ones_own_trains_saves_and_loads(tmp_path, monkeypatch):
    monkeypatch.setitem(registry.LAYERS, "Mix", Mix)
    mix = Mix()
    mix.trainable = False  # before build
    model = nonlin.Sequential([nonlin.Dense(3), mix, nonlin.Dense(1)])
    model.fit(X, Y, loss="mse", optimizer="sgd", epochs=2, verbose=0, seed=0,
              callbacks=[nonlin.ModelCheckpoint(str(tmp_path / "ck.safetensors"))])
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert loaded.layers[1].trainable is False
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
