"""``save`` built a layer of one's own from its config as the model holds it, to check that
loading builds it; loading reads the config back from the file's JSON, where a tuple is a
list: a ``build`` doing ``(width,) + self.shape`` built at save and raised at load, and a
constructor refusing a list took the config at save and refused it at load. Both are
refused at save now, which builds such a layer from its config as the file holds it."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.core import Layer, Param


class Block(Layer):
    """``y = x @ W``, ``W`` of shape ``(width,) + shape``: its build adds tuples."""

    def __init__(self, shape: Any = (2,), *, strict: bool = False,
                 name: str | None = None) -> None:
        super().__init__(name=name)
        if strict and not isinstance(shape, tuple):
            raise ValueError(f"Expected a tuple shape. Received: shape={shape!r}")
        self.shape, self.strict = shape, strict

    def build(self, in_features: int, rng: Any) -> int:
        self.W = Param(rng.normal(size=(in_features,) + self.shape), "W")
        return int(self.shape[0])

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return x @ self.W.value

    def parameters(self) -> list[Any]:
        return [self.W]

    def get_config(self) -> dict[str, Any]:
        return {"shape": self.shape, "strict": self.strict, **super().get_config()}


class ListBlock(Block):
    """The same, taking the shape as a list too (``tuple(shape)``), as loading gives it."""

    def __init__(self, shape: Any = (2,), *, name: str | None = None) -> None:
        super().__init__(tuple(shape), name=name)

    def get_config(self) -> dict[str, Any]:
        return {"shape": self.shape, **Layer.get_config(self)}


@pytest.fixture(autouse=True)
def _registered(monkeypatch) -> None:
    monkeypatch.setitem(registry.LAYERS, "Block", Block)
    monkeypatch.setitem(registry.LAYERS, "ListBlock", ListBlock)


@pytest.mark.parametrize(("strict", "match"), [
    (False, r"Expected layers\[0\] \(Block\) to build from its config as loading builds it"
            r".*concatenate tuple"),
    (True, r"layers\[0\] cannot be saved: Expected a tuple shape. Received: shape=\[2\]"),
])
def test_a_config_that_loads_otherwise_from_json_is_refused(tmp_path, strict, match) -> None:
    model = nonlin.Sequential([Block((2,), strict=strict), nonlin.Dense(1)]).build(3, seed=0)
    with pytest.raises(ValueError, match=match):
        nonlin.save(model, tmp_path / "m.safetensors")
    assert not (tmp_path / "m.safetensors").exists()


def test_a_config_that_loads_from_json_saves_and_loads() -> None:
    model = nonlin.Sequential([ListBlock((2,)), nonlin.Dense(1)]).build(3, seed=0)
    x = np.ones((2, 3))
    again = nonlin.load(io.BytesIO(nonlin.io.to_bytes(model)))
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
