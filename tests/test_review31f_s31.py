"""Review of s31-cold31 (a loaded model's generator made on first use, ``nonlin._deferred_rng``):
``NoiseLayer.rng`` read on the class is None again (it was the descriptor), and the class
hints keep ``NoiseLayer.rng`` (hidden under TYPE_CHECKING)."""

from __future__ import annotations

import typing

import pytest

import nonlin
from nonlin.noise import AlphaDropout, GaussianDropout, GaussianNoise, NoiseLayer


@pytest.mark.parametrize("cls", [NoiseLayer, GaussianNoise, GaussianDropout, AlphaDropout])
def test_noise_layer_class_rng_is_none(cls: type) -> None:
    assert cls.rng is None  # type: ignore[attr-defined]


@pytest.mark.parametrize("cls", [nonlin.Sequential, nonlin.Dropout])
def test_unbuilt_rng_is_none(cls: type) -> None:
    assert (cls([nonlin.Dense(1)]) if cls is nonlin.Sequential else cls(0.1)).rng is None
    vars(cls)["rng"]  # introspection (getattr over vars(cls)) reads something
    assert {name: getattr(cls, name) for name in vars(cls)}["rng"] is not None


def test_noise_layer_hints_keep_rng() -> None:
    hints = typing.get_type_hints(NoiseLayer)
    assert "rng" in hints
    assert type(None) in typing.get_args(hints["rng"])


def test_unbuilt_and_loaded_instances_unchanged(tmp_path: typing.Any) -> None:
    import numpy as np

    layer = GaussianNoise(0.1)
    assert layer.rng is None
    def layers() -> list[typing.Any]:
        return [nonlin.Dense(3), GaussianNoise(0.1), nonlin.Dense(1)]

    model = nonlin.Sequential(layers()).build(2, seed=4)
    path = str(tmp_path / "m.safetensors")
    nonlin.save(model, path)
    loaded = nonlin.load(path)
    built = nonlin.Sequential(layers()).build(2, seed=0)
    assert loaded.layers[1].rng is loaded.rng
    assert loaded.rng.bit_generator.state == built.rng.bit_generator.state
    assert isinstance(loaded.rng, np.random.Generator)
