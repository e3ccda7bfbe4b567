"""``save`` builds each layer of one's own from its config to check it as loading builds it,
but passed the next such layer the width the last ``build`` returned as it came (a NumPy
integer), where ``Sequential.build``, and so loading, passes an int: a ``build`` taking ints
only refused, and a model that saved and loaded before was refused."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.core import Layer, Param


class NumpyWidth(Layer):
    """``y = x * s``; its build returns the width as a NumPy integer."""

    def build(self, in_features: int, rng: Any) -> Any:
        self.s = Param(np.ones(in_features), "s")
        return np.int64(in_features)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return x * self.s.value

    def parameters(self) -> list[Any]:
        return [self.s]


class IntsOnly(NumpyWidth):
    """The same, its build taking an int width only."""

    def build(self, in_features: int, rng: Any) -> Any:
        if type(in_features) is not int:
            raise TypeError(f"Expected an int width. Received {in_features!r}")
        return int(super().build(in_features, rng))


def test_the_width_after_a_layer_of_ones_own_is_an_int_as_build_gives(monkeypatch) -> None:
    monkeypatch.setitem(registry.LAYERS, "NumpyWidth", NumpyWidth)
    monkeypatch.setitem(registry.LAYERS, "IntsOnly", IntsOnly)
    model = nonlin.Sequential([NumpyWidth(), IntsOnly(), nonlin.Dense(2)]).build(3, seed=0)
    x = np.ones((2, 3))
    again = nonlin.load(io.BytesIO(nonlin.io.to_bytes(model)))
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


def test_a_width_build_would_refuse_is_refused_as_loading_refuses_it(monkeypatch) -> None:
    """A config that builds with another width than built (here: a width of 0)."""
    monkeypatch.setitem(registry.LAYERS, "NumpyWidth", NumpyWidth)
    model = nonlin.Sequential([NumpyWidth(), nonlin.Dense(2)]).build(3, seed=0)
    monkeypatch.setattr(NumpyWidth, "build", lambda self, n, rng: 0)
    with pytest.raises(ValueError, match=r"layers\[0\] \(NumpyWidth\) to build from its config"
                                         r".*Expected layers\[0\]\.build to return its output "
                                         r"width, a positive int\. Received 0"):
        nonlin.io.to_bytes(model)
