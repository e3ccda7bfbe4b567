"""A layer of one's own whose parameters share a name (``Param(value)`` twice: ``""``) is
refused when saving, naming the layer: the file held one tensor ``"1."`` and the loaded
model put the last parameter's values into both, predicting differently, silently."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.core import Layer, Param


class Scale(Layer):
    """``y = x * a + c`` per feature; ``names`` gives the two ``Param`` names."""

    def __init__(self, names: list[str] | None = None) -> None:
        super().__init__()
        self.names = names

    def build(self, in_features: int, rng: object) -> int:
        a, c = self.names or ("", "")
        self.a = Param(np.full(in_features, 0.5), a)
        self.c = Param(np.zeros(in_features), c)
        return in_features

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        if training:
            self._x = x
        return x * self.a.value + self.c.value

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        self.a.grad[...] = (grad_out * self._x).sum(axis=0)
        self.c.grad[...] = grad_out.sum(axis=0)
        return grad_out * self.a.value

    def parameters(self) -> list[Param]:
        return [self.a, self.c]

    def get_config(self) -> dict:
        return {"names": self.names, **super().get_config()}


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setitem(registry.LAYERS, "Scale", Scale)


def _model(names: list[str] | None) -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), Scale(names), nonlin.Dense(1)]).build(3, seed=0)


def test_two_parameters_of_one_name_are_refused_by_save(registered, tmp_path):
    model = _model(None)
    with pytest.raises(ValueError, match=r"layers\[1\] \(Scale\) to have a name of its own.*"
                                         r"Received two named ''"):
        nonlin.save(model, tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


def test_model_checkpoint_refuses_them_before_the_first_epoch(registered, tmp_path):
    model, X = _model(None), np.random.default_rng(0).normal(size=(8, 3))
    weights = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match="a name of its own"):
        model.fit(X, X[:, :1], loss="mse", optimizer="sgd", epochs=1, verbose=0, seed=0,
                  callbacks=[nonlin.ModelCheckpoint(str(tmp_path / "ck.safetensors"))])
    for before, after in zip(weights, model.get_weights(), strict=True):
        np.testing.assert_array_equal(before, after)  # refused before any step


def test_named_parameters_round_trip_bit_identically(registered, tmp_path):
    # guard (passes before too): the protocol as documented saves and loads
    model, X = _model(["a", "c"]), np.random.default_rng(0).normal(size=(8, 3))
    model.fit(X, X[:, :1], loss="mse", optimizer="adam", epochs=3, verbose=0, seed=0)
    nonlin.save(model, tmp_path / "m.safetensors")
    np.testing.assert_array_equal(nonlin.load(tmp_path / "m.safetensors").predict(X),
                                  model.predict(X))
