"""A layer subclass with ``__slots__`` keeps its slots through pickle and copy
(``Layer.__getstate__``, ``nonlin._layer_caches``), as it did before the caches were named."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin.core import Layer


class Scale(Layer):
    """``y = factor * x``, its factor in a slot and its input a named cache in another."""

    __slots__ = ("factor", "_x")
    _inputs = ("_x",)

    def __init__(self, factor: float) -> None:
        self.factor = factor

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        if training:
            self._x = x
        return x * self.factor

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * self.factor


class TaggedDense(nonlin.Dense):
    __slots__ = ("tag",)


COPIES = {"pickle": lambda o: pickle.loads(pickle.dumps(o)), "deepcopy": copy.deepcopy,
          "copy": copy.copy, "protocol0": lambda o: pickle.loads(pickle.dumps(o, protocol=0))}


@pytest.mark.parametrize("how", sorted(COPIES))
def test_slots_survive_a_copy(how: str) -> None:
    scale = Scale(3.0)
    scale.forward(np.ones((2, 2)), training=True)
    twin: Any = COPIES[how](scale)
    assert twin.factor == 3.0 and twin._x is None  # the slot kept, the cache left out
    dense = TaggedDense(4, activation="relu")
    dense.tag = "t"
    assert COPIES[how](dense).tag == "t"


def test_a_model_with_a_slotted_layer_pickles_and_predicts_the_same() -> None:
    m = nonlin.Sequential([nonlin.Dense(4), Scale(2.0), nonlin.Dense(1)]).build(3, seed=0)
    X = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(m)).predict(X), m.predict(X))


def test_fit_releases_an_input_cached_in_a_slot() -> None:
    X = np.random.default_rng(0).normal(size=(8, 3))
    m = nonlin.Sequential([Scale(2.0), nonlin.Dense(1)]).build(3, seed=0)
    m.fit(X, X[:, :1], loss="mse", optimizer="sgd", epochs=1, batch_size=8, shuffle=False,
          verbose=0)
    assert m.layers[0]._x is None  # no reference to X kept
