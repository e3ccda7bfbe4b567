"""A layer of one's own whose constructor takes an argument that its ``get_config`` does not
return (``Layer``'s records none) is refused by ``save`` and by ``ModelCheckpoint`` before the
first epoch, naming the argument: the file rebuilt it with the default (``Scaled()``, ``k=2``
where ``k=3`` was trained) and the loaded model predicted differently, without a word."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.core import Layer

X = np.random.default_rng(0).normal(size=(10, 3))
Y = X.sum(axis=1, keepdims=True)


class Scaled(Layer):
    """``y = k x``; no ``get_config`` of its own (the slip)."""

    def __init__(self, k: float = 2.0) -> None:
        super().__init__()
        self.k = k

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return x * self.k

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * self.k


class Configured(Scaled):
    def get_config(self) -> dict:
        return {"k": self.k, **super().get_config()}


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    monkeypatch.setitem(registry.LAYERS, "Scaled", Scaled)
    monkeypatch.setitem(registry.LAYERS, "Configured", Configured)


def test_save_names_the_argument_its_config_leaves_out(tmp_path):
    model = nonlin.Sequential([nonlin.Dense(2), Scaled(3.0), nonlin.Dense(1)]).build(3, seed=0)
    with pytest.raises(ValueError, match=r"layers\[1\] \(Scaled\) to come back from its "
                                         r"get_config\(\).*Received config \{\}, which rebuilds "
                                         r"it with k=2\.0, not 3\.0"):
        nonlin.save(model, tmp_path / "m.safetensors")


def test_model_checkpoint_refuses_it_before_the_first_epoch(tmp_path):
    model = nonlin.Sequential([nonlin.Dense(2), Scaled(3.0), nonlin.Dense(1)])
    with pytest.raises(ValueError, match="k=2.0, not 3.0"):
        model.fit(X, Y, loss="mse", optimizer="sgd", epochs=1, verbose=0, seed=0,
                  callbacks=[nonlin.ModelCheckpoint(str(tmp_path / "ck.safetensors"))])
    assert model.history is None or not model.history.epoch


def test_a_default_argument_or_a_config_that_returns_it_saves(tmp_path):
    # guard (passes before too): what the file rebuilds is the layer that was saved
    for layer in (Scaled(), Configured(3.0)):
        model = nonlin.Sequential([nonlin.Dense(2), layer, nonlin.Dense(1)]).build(3, seed=0)
        nonlin.save(model, tmp_path / "m.safetensors")
        np.testing.assert_array_equal(nonlin.load(tmp_path / "m.safetensors").predict(X),
                                      model.predict(X))
