"""A layer of one's own whose ``backward`` writes only part of a gradient (a lower-triangular
weight writing its triangle, the rest left at the zeros ``Param`` starts with) is refused on
``fit``'s first step: from one step, entries never written cannot be told from entries a
later step leaves stale (an embedding writing the rows of its batch). The message said only
"in part or in whole" and that fit "would train it on a stale gradient", which a layer whose
rest is constant zero does not see in its code; it now counts the entries left and says to
write zeros where the gradient is zero, and a layer that does so trains."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin.core import Layer, Param

X = np.random.default_rng(0).normal(size=(16, 3))
Y = X @ np.array([[1.0], [2.0], [-1.0]])


class Triangle(Layer):
    """``y = x @ W`` with ``W`` lower-triangular; ``zeros`` picks whether ``backward`` writes
    the zeros above the diagonal."""

    def __init__(self, zeros: bool = False) -> None:
        super().__init__()
        self.zeros = zeros

    def build(self, in_features: int, rng: Any) -> int:
        self.mask = np.tril(np.ones((in_features, in_features), dtype=bool))
        self.W = Param(np.where(self.mask, rng.normal(size=self.mask.shape), 0.0), "W")
        return in_features

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        if training:
            self._x = x
        return x @ self.W.value

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        if self.zeros:
            np.multiply(self._x.T @ grad_out, self.mask, out=self.W.grad)
        else:
            self.W.grad[self.mask] = (self._x.T @ grad_out)[self.mask]
        return grad_out @ self.W.value.T

    def parameters(self) -> list[Param]:
        return [self.W]

    def get_config(self) -> dict[str, Any]:
        return {"zeros": self.zeros}


def test_the_message_counts_the_entries_left_and_says_to_write_zeros():
    model = nonlin.Sequential([nonlin.Dense(3), Triangle(), nonlin.Dense(1)])
    with pytest.raises(RuntimeError, match=r"Received Param 'W' of Triangle left unwritten "
                                           r"\(or added to, \+=\) in 3 of 9 entries: .* zeros "
                                           r"where the gradient is zero"):
        model.fit(X, Y, loss="mse", optimizer="sgd", epochs=1, verbose=0, seed=0)


def test_a_masked_weight_that_writes_its_zeros_trains():
    # guard (passes before too): the way the message gives
    layer = Triangle(zeros=True)
    model = nonlin.Sequential([nonlin.Dense(3), layer, nonlin.Dense(1)])
    history = model.fit(X, Y, loss="mse", optimizer="sgd", epochs=3, verbose=0, seed=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert not np.triu(layer.W.value, 1).any()


def test_a_refused_first_step_leaves_the_running_statistics_and_generator():
    # fit refused the step after its forward had moved BatchNorm's running statistics and
    # drawn Dropout's mask from the model's generator: the model was not as before the fit
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.BatchNorm(), Triangle(), nonlin.Dropout(0.5),
                               nonlin.Dense(1)]).build(3, seed=0)
    before = [w.copy() for w in model.get_weights()]
    draw = np.random.default_rng(0)
    draw.bit_generator.state = model.rng.bit_generator.state
    with pytest.raises(RuntimeError, match="Received Param 'W' of Triangle"):
        model.fit(X, Y, loss="mse", optimizer="sgd", epochs=1, batch_size=8, verbose=0,
                  shuffle=False)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert model.rng.random() == draw.random()
