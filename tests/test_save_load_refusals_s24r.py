"""``build`` kept the config of a layer of one's own in its record (``model._built_record``),
which ``save`` never compares (it builds such a layer from its config instead): a config
holding a large value (a table, as a list) was held for the model's life."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np

import nonlin
from nonlin.core import Layer


class Table(Layer):
    """A layer of one's own whose config holds a large value (a copy each time)."""

    def __init__(self, table: Any = None, *, name: str | None = None) -> None:
        super().__init__(name=name)
        self.table = np.zeros(1000) if table is None else np.asarray(table)
        self.given: list[Any] = []

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return x

    def get_config(self) -> dict[str, Any]:
        table = self.table.copy()
        self.given.append(weakref.ref(table))
        return {"table": table, **super().get_config()}


def test_build_keeps_no_config_of_a_layer_of_ones_own() -> None:
    table = Table()
    model = nonlin.Sequential([nonlin.Dense(3), table]).build(2, seed=0)
    gc.collect()
    assert all(ref() is None for ref in table.given)  # the record holds none of them
    assert model.predict(np.ones((1, 2))).shape == (1, 3)
