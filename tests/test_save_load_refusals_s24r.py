"""``save`` wrote files that ``load`` refused: the loader's guard against a file that claims
more values than it holds (``nonlin._widths.check_widths``: a width above 65536 that no
weights back, fixed ``Normalization`` statistics of more features in all than the file's
values or 65536) refused a model that ``save`` took. ``save`` now refuses it, before
anything is written, counting every tensor of the file as loading does (the optimizer's
too). Also: ``build`` kept the config of a layer of one's own in its record
(``model._built_record``), which ``save`` never compares (it builds such a layer from its
config instead): a config holding a large value was held for the model's life."""

from __future__ import annotations

import gc
import io
import weakref
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin.core import Layer
from nonlin.preprocessing import Normalization


def _refused_unwritten(model: nonlin.Sequential, tmp_path: Any, match: str) -> None:
    path = tmp_path / "m.safetensors"
    with pytest.raises(ValueError, match=match):
        nonlin.save(model, path)
    assert not path.exists()
    with pytest.raises(ValueError, match=match):
        nonlin.save(model, io.BytesIO())


def test_a_width_no_weights_back_is_refused(tmp_path) -> None:
    model = nonlin.Sequential([Normalization(mean=0.0, variance=1.0), nonlin.Softmax()])
    model.build(70000, seed=0)
    _refused_unwritten(model, tmp_path, r"layers\[0\] cannot be saved: load would refuse its "
                                        r"file.* Received: width 70000 is not backed by weights")


def _two_fixed() -> list[Any]:
    return [Normalization(mean=0.0, variance=1.0), Normalization(mean=1.0, variance=2.0),
            nonlin.Dense(1)]


def test_fixed_statistics_of_more_features_than_the_file_holds_are_refused(tmp_path) -> None:
    model = nonlin.Sequential(_two_fixed()).build(40000, seed=0)
    _refused_unwritten(model, tmp_path, r"layers\[1\] cannot be saved: load would refuse.* "
                                        r"Received: the fixed statistics of 40000 features are "
                                        r"more than the file holds \(40001 values in all\)")


def test_every_tensor_of_the_file_counts_as_loading_counts_it(tmp_path) -> None:
    """80,000 fixed statistics: the model's 40,001 values do not back them, with Adam's two
    slots per weight (about 120,000 values in all) they do, and the file loads."""
    x = np.random.default_rng(0).normal(size=(4, 40000))
    model = nonlin.Sequential(_two_fixed())
    model.fit(x, x[:, :1], epochs=1, verbose=0, loss="mse", optimizer="adam", seed=0)
    nonlin.save(model, tmp_path / "m.safetensors")
    np.testing.assert_array_equal(nonlin.load(tmp_path / "m.safetensors").predict(x),
                                  model.predict(x))
    with pytest.raises(ValueError, match=r"the fixed statistics of 40000 features"):
        nonlin.save(model, tmp_path / "m.safetensors", include_optimizer=False)


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
