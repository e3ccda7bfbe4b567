"""Files that loaded before the loader's per-layer bounds load still: the widths through a
layer of one's own are what its build gives (a width-changing one), and statistics given
as arrays in a ``Normalization``'s config are backed by the header that holds them; a
hostile header is refused all the same."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest

import nonlin
from io_helpers import edit_meta
from nonlin import ModelFileError, registry
from nonlin.core import Layer, Param


class _Project(Layer):
    """A linear map to ``out`` features: a width-changing layer of one's own."""

    def __init__(self, out: int = 3) -> None:
        self.out = out

    def build(self, in_features: int, rng: Any) -> int:
        self.in_features = in_features
        self.W = Param(rng.normal(size=(in_features, self.out)), name="W")
        return self.out

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return x @ self.W.value

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def parameters(self) -> list[Param]:
        return [self.W]

    def get_config(self) -> dict[str, Any]:
        return {"out": self.out}


def _round_trip(model: nonlin.Sequential, x: np.ndarray) -> None:
    buffer = io.BytesIO()
    nonlin.save(model, buffer)
    buffer.seek(0)
    assert np.array_equal(nonlin.load(buffer).predict(x), model.predict(x))


@pytest.mark.parametrize("after", [[nonlin.Dense(2)], [nonlin.PReLU(), nonlin.BatchNorm(),
                                                       nonlin.LayerNormalization()]])
def test_the_width_after_a_layer_of_ones_own_is_the_one_its_build_gives(monkeypatch, after):
    monkeypatch.setitem(registry.LAYERS, "_Project", _Project)
    model = nonlin.Sequential([nonlin.Dense(20), _Project(3), *after]).build(5, seed=0)
    _round_trip(model, np.arange(10.0).reshape(2, 5))


def test_a_layer_of_ones_own_does_not_hide_a_width_the_file_lacks(tmp_path, monkeypatch):
    # a widening layer of one's own, then a Dense whose (3000, 2000) weights the file does
    # not hold (its 3,001 values under '1.*' back a (1, 2000) one): refused before build
    monkeypatch.setitem(registry.LAYERS, "_Project", _Project)
    model = nonlin.Sequential([_Project(3000), nonlin.Dense(1)]).build(1, seed=0)
    buffer = io.BytesIO()
    nonlin.save(model, buffer)

    def wider(arch: dict[str, Any]) -> dict[str, Any]:
        arch["layers"][1]["config"]["units"] = 2000
        return arch

    data = edit_meta(buffer.getvalue(), "architecture", wider)
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises(ModelFileError, match=r"layers\[1\].*\(3000, 2000\) weight matrix is "
                                             "not in the file"):
        nonlin.load(path)


def test_statistics_given_as_lists_are_backed_by_the_config_that_holds_them():
    # two Normalization layers given one mean and variance per feature, 33,000 features:
    # 66,000 features of statistics beyond the 33,001 values of the tensors and 65,536
    rng = np.random.default_rng(0)
    mean, variance = rng.normal(size=(2, 33_000)).tolist(), rng.uniform(1, 2, (2, 33_000))
    model = nonlin.Sequential([
        nonlin.Normalization(mean=mean[0], variance=variance[0].tolist()),
        nonlin.Normalization(mean=mean[1], variance=variance[1].tolist(), invert=True),
        nonlin.Dense(1)]).build(33_000, seed=0)
    _round_trip(model, rng.normal(size=(2, 33_000)))
