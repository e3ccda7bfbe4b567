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


class Recorder:
    """A layer of the protocol alone whose ``_inputs`` is its own (its last training input)."""

    _inputs = None

    def build(self, in_features: int, rng: object) -> int:
        return in_features

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        if training:
            self._inputs = x
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out

    def parameters(self) -> list:
        return []

    def get_config(self) -> dict:
        return {}


class Memo(Layer):
    """A ``Layer`` of one's own whose ``_caches`` (a class default None) is its own."""

    _caches = None

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        if training:
            self._caches = {"rows": len(x)}
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out


def test_a_layer_using_the_names_otherwise_fits_and_pickles_as_before() -> None:
    X = np.random.default_rng(0).normal(size=(8, 3))
    for layer in (Recorder(), Memo()):
        m = nonlin.Sequential([layer, nonlin.Dense(1)]).build(3, seed=0)
        m.fit(X, X[:, :1], loss="mse", optimizer="sgd", epochs=1, batch_size=8, verbose=0)
        twin = pickle.loads(pickle.dumps(m)).layers[0]  # its attribute kept, as before
        if isinstance(layer, Recorder):
            assert twin._inputs.shape == (8, 3)
        else:
            assert twin._caches == {"rows": 8}
