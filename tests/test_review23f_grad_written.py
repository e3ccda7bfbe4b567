"""A layer of one's own whose ``backward`` forgets to write a ``Param.grad`` (or adds to it,
PyTorch's ``+=``) is named on ``fit``'s first step: ``fit`` trained that parameter on the
zeros ``Param`` starts with (never moving it) or on every step's sum, without a word."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin.core import Layer, Param

X = np.random.default_rng(0).normal(size=(16, 3))
Y = X @ np.array([[1.0], [2.0], [-1.0]])


class Affine(Layer):
    """``y = x * a + c`` per feature; ``slip`` picks the mistake its backward makes."""

    def __init__(self, slip: str = "none") -> None:
        super().__init__()
        self.slip = slip

    def build(self, in_features: int, rng: object) -> int:
        self.a = Param(np.full(in_features, 0.5), "a")
        self.c = Param(np.zeros(in_features), "c")
        return in_features

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        if training:
            self._x = x
        return x * self.a.value + self.c.value

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self.slip == "accumulates":
            self.a.grad += (grad_out * self._x).sum(axis=0)
        elif self.slip != "forgets a":
            self.a.grad[...] = (grad_out * self._x).sum(axis=0)
        self.c.grad[...] = grad_out.sum(axis=0)
        return grad_out * self.a.value

    def parameters(self) -> list[Param]:
        return [self.a, self.c]

    def get_config(self) -> dict:
        return {"slip": self.slip}


@pytest.mark.parametrize("slip", ["forgets a", "accumulates"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("loss", ["mse", "mae"])  # a fused and a generic loss
def test_fit_names_the_parameter_left_unwritten(slip, dtype, loss):
    model = nonlin.Sequential([nonlin.Dense(3), Affine(slip), nonlin.Dense(1)])
    model.build(3, seed=0, dtype=dtype)
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(RuntimeError, match=r"layers\[1\] \(Affine\)\.backward to write the "
                                           r"gradient .* Received Param 'a' of Affine left "
                                           r"unwritten \(or added to, \+=\)"):
        model.fit(X, Y, loss=loss, optimizer="sgd", epochs=1, batch_size=8, verbose=0, seed=0)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # refused before any update
    assert all(np.isfinite(p.grad).all() for p in model.parameters())  # no mark left behind


def test_a_layer_that_writes_its_gradients_trains_as_before():
    # guard (passes before too): a frozen layer is not checked, the others train
    model = nonlin.Sequential([nonlin.Dense(3), Affine(), nonlin.Dense(1)]).build(3, seed=0)
    model.layers[0].trainable = False
    history = model.fit(X, Y, loss="mse", optimizer="sgd", epochs=3, verbose=0, seed=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
