"""``save`` wrote files that ``load`` refused: the loader's guard against a file that claims
more values than it holds (``nonlin._widths.check_widths``: a width above 65536 that no
weights back, fixed ``Normalization`` statistics of more features in all than the file's
values or 65536, since session 25 2**23) refused a model that ``save`` took. ``save`` now
refuses it, before anything is written, counting every tensor of the file as loading does
(the optimizer's too). Also: ``build`` kept the config of a layer of one's own in its record
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


def _fixed(n: int) -> list[Any]:
    return [*(Normalization(mean=float(i), variance=1.0) for i in range(n)), nonlin.Dense(1)]


def test_fixed_statistics_of_more_features_than_the_file_holds_are_refused(tmp_path) -> None:
    # session 25: all together at most max(the file's values, 2**23), where two on 40,000
    # features (more than 65536 in all) were refused; 129 on 65536 still are
    model = nonlin.Sequential(_fixed(129)).build(65536, seed=0)
    _refused_unwritten(model, tmp_path, r"layers\[128\] cannot be saved: load would refuse.* "
                                        r"Received: the fixed statistics of 65536 features are "
                                        r"more than the file holds \(8,454,144 features")


def test_every_tensor_of_the_file_counts_as_loading_counts_it() -> None:
    """129 x 65536 fixed statistics: 65,537 values of weights do not back them beyond 2**23,
    with Adam's two slots per weight (and any tensor of the file) they do. Counted from the
    header's shapes, as save and load count them (the check allocates nothing)."""
    from nonlin._header import Header, TensorInfo
    from nonlin._widths import check_widths

    def header(names: list[str]) -> Header:
        shapes = {"129.W": (65536, 1), "129.b": (1,)}
        return Header({f"{prefix}{name}": TensorInfo(f"{prefix}{name}", np.dtype(np.float64),
                                                     shape, 0, 0)
                       for prefix in names for name, shape in shapes.items()}, {}, 0)

    layers = _fixed(129)
    with pytest.raises(ValueError, match=r"fixed statistics of 65536 features"):
        check_widths(layers, 65536, header([""]), "f")
    slots = [""] + [f"optimizer.{slot}{k}." for slot in "mv" for k in range(64)]  # 129 x 65,537
    assert check_widths(layers, 65536, header(slots), "f") == 1


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
