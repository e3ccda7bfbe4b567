"""``save``'s check that a layer's config rebuilds it (``_saveable._check_rebuilt``) refused
layers that load as they were saved: an argument its config holds but ``build`` resolved
(``units=None``, the input width) or ``__init__`` drew (``seed=None``), and a number the
config gives in another type than the one passed (``alpha=2`` back as ``2.0``, a NumPy
float as a float). Only an argument the config leaves out is compared, numbers by value."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.core import Layer, Param

X = np.random.default_rng(0).normal(size=(12, 3))


class Scale(Layer):
    """``y = x * s``; ``units=None`` takes the input width at build, the config keeps the
    argument as given (Keras' habit)."""

    def __init__(self, units: int | None = None, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.units, self._given = units, units

    def build(self, in_features: int, rng: Any) -> int:
        if self.units is None:
            self.units = in_features
        self.s = Param(rng.normal(size=self.units), name="s")
        return self.units

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        if training:
            self._x = x
        return x * self.s.value

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        self.s.grad[...] = (grad_out * self._x).sum(axis=0)
        return grad_out * self.s.value

    def parameters(self) -> list[Param]:
        return [self.s]

    def get_config(self) -> dict[str, Any]:
        return {"units": self._given, **super().get_config()}


class Slope(Layer):
    """``y = alpha x``; the config gives ``alpha`` as a float."""

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = alpha

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return x * self.alpha

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return grad_out * self.alpha

    def get_config(self) -> dict[str, Any]:
        return {"alpha": float(self.alpha)}


class Doubles(Slope):
    """A config without ``alpha``: it is compared with the default ``2.0``."""

    def __init__(self, alpha: float = 2.0) -> None:
        super().__init__(alpha)

    def get_config(self) -> dict[str, Any]:
        return {}


class Width(Scale):
    """``units`` a property that reads the built weights (raising before ``build``, on the
    layer the config rebuilds); the config leaves the default out."""

    def __init__(self, units: int = 3) -> None:
        super().__init__()
        self._units = units

    @property  # type: ignore[override]
    def units(self) -> int:
        if not hasattr(self, "s"):
            raise RuntimeError("Width is not built")
        return int(self.s.value.shape[0])

    @units.setter
    def units(self, value: int | None) -> None:
        pass

    def build(self, in_features: int, rng: Any) -> int:
        self.s = Param(rng.normal(size=self._units), name="s")
        return self._units

    def get_config(self) -> dict[str, Any]:
        return {}


@pytest.fixture(autouse=True)
def registered(monkeypatch):
    for cls in (Scale, Slope, Doubles, Width):
        monkeypatch.setitem(registry.LAYERS, cls.__name__, cls)


@pytest.mark.parametrize("layer", [Scale(), Slope(2), Slope(np.float64(0.25)), Doubles(2), Width()],
                         ids=["units=None resolved at build", "int alpha, float config",
                              "numpy alpha", "the default as an int, not in the config",
                              "a property that needs build"])
def test_a_layer_its_config_rebuilds_saves_and_loads(tmp_path, layer):
    model = nonlin.Sequential([nonlin.Dense(3), layer, nonlin.Dense(1)]).build(3, seed=0)
    nonlin.save(model, tmp_path / "m.safetensors")
    np.testing.assert_array_equal(nonlin.load(tmp_path / "m.safetensors").predict(X),
                                  model.predict(X))


def test_an_argument_left_out_of_the_config_is_still_refused(tmp_path):
    # guard (passes before too): Doubles(0.25) would load as Doubles(2.0)
    model = nonlin.Sequential([nonlin.Dense(3), Doubles(0.25), nonlin.Dense(1)]).build(3, seed=0)
    with pytest.raises(ValueError, match=r"rebuilds it with alpha=2\.0, not 0\.25"):
        nonlin.save(model, tmp_path / "m.safetensors")
