"""A layer of one's own whose ``forward`` returns another shape than its ``build`` said, as a
model's last layer: ``fit`` raised NumPy's broadcasting error (``non-broadcastable output
operand``, ``operands could not be broadcast``) or ``AttributeError: 'list' object has no
attribute 'shape'``; it now raises what ``predict`` raises, naming the shape expected. And
``predict``'s message said "Received shape (30, 1)" for a list of the right shape."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin.core import Layer

X = np.random.default_rng(0).normal(size=(30, 3))
Y = X.sum(axis=1, keepdims=True)


class Doubled(Layer):
    """Says its width is its input's (``Layer.build``), returns twice as many columns, one
    row less, a 1-D array or a list, by ``mode``."""

    def __init__(self, mode: str = "wide") -> None:
        super().__init__()
        self.mode = mode

    def forward(self, x: np.ndarray, *, training: bool = False):
        return {"wide": np.hstack([x, x]), "rows": x[:-1], "flat": x[:, 0],
                "list": x.tolist()}[self.mode]

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out

    def get_config(self) -> dict:
        return {"mode": self.mode}


@pytest.mark.parametrize(("mode", "shown"), [("wide", r"\(30, 2\)"), ("rows", r"\(29, 1\)"),
                                             ("flat", r"\(30,\)"),
                                             ("list", r"\(30, 1\), a list, not a NumPy array")])
@pytest.mark.parametrize("loss", ["mse", "mae", "binary_crossentropy"])  # fused and generic
def test_fit_names_the_output_shape_expected(mode, shown, loss):
    model = nonlin.Sequential([nonlin.Dense(1), Doubled(mode)])
    y = Y if loss != "binary_crossentropy" else (Y > 0).astype(float)
    with pytest.raises(ValueError, match=r"Expected the model's outputs of shape \(30, 1\) "
                                         rf"\(n_outputs=1, .*Received shape {shown}"):
        model.fit(X, y, loss=loss, optimizer="sgd", epochs=1, batch_size=30, verbose=0, seed=0)


def test_predict_says_a_list_is_no_array():
    model = nonlin.Sequential([nonlin.Dense(1), Doubled("list")]).build(3, seed=0)
    with pytest.raises(ValueError, match=r"Received shape \(30, 1\), a list, not a NumPy array"):
        model.predict(X)
