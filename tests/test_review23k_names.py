"""A layer of your own that names one cache as a str (``_inputs = "_x"``, or ``("_x")``
without its comma) names that cache, as ``__slots__ = "x"`` names one slot
(``nonlin._layer_caches``): its input is left out of pickles and released after fit."""

from __future__ import annotations

import pickle

import numpy as np

import nonlin
from nonlin.core import Layer


class Square(Layer):
    """y = x**2; backward g * 2x."""

    _inputs = ("_x")  # a str: one name  # noqa: UP034
    _caches = "_y"

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        y = x**2
        if training:
            self._x, self._y, self.x = x, y, "kept"
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * (2 * self._x)


def test_a_cache_named_by_a_str_is_left_out_and_released() -> None:
    X = np.random.default_rng(0).normal(size=(8, 3))
    layer = Square()
    layer.forward(X, training=True)
    twin = pickle.loads(pickle.dumps(layer))
    assert twin._x is None and twin._y is None and twin.x == "kept"
    m = nonlin.Sequential([Square(), nonlin.Dense(1)]).build(3, seed=0)
    m.fit(X, X[:, :1], loss="mse", optimizer="sgd", epochs=1, batch_size=8, shuffle=False,
          verbose=0)
    assert m.layers[0]._x is None and m.layers[0].x == "kept"
