"""Review of the build warning for redrawn weights (session 32, review32g): no warning for
a model's own layers after a build that failed part way; a warning for a subclass of ``Dense``
of one's own, and for weights a build that failed part way drew anew."""

from __future__ import annotations

import copy
import io
import warnings

import numpy as np
import pytest

import nonlin

REDRAWN = "Building this model draws new weights"


def _quiet_build(model: nonlin.Sequential, n: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.build(n, seed=0)


def test_a_build_that_failed_part_way_then_succeeds_does_not_warn() -> None:
    model = nonlin.Sequential([nonlin.Dense(8), nonlin.Normalization(mean=[0.0] * 3,
                                                                      variance=[1.0] * 3)])
    with pytest.raises(ValueError, match=r"shape \(in_features,\) = \(8,\)"):
        model.build(5, seed=0)  # Dense built, then the Normalization refused width 8
    model.layers[1] = nonlin.ReLU()
    _quiet_build(model, 5)  # the Dense's weights were this model's: nothing is lost


def test_a_rebuild_that_failed_part_way_then_succeeds_does_not_warn() -> None:
    model = nonlin.Sequential([nonlin.Dense(8), nonlin.Dense(3)]).build(5, seed=0)
    model.add(nonlin.Normalization(mean=[0.0] * 2, variance=[1.0] * 2))
    with pytest.raises(ValueError, match=r"shape \(in_features,\) = \(3,\)"):
        model.build(5, seed=0)
    model.pop()
    _quiet_build(model, 5)


class _MyDense(nonlin.Dense):
    """A subclass of one's own, defined outside nonlin: Dense's build draws its weights."""


class _Drawn(nonlin.core.Layer):
    """A layer of one's own that draws its weight in ``build`` (Keras' habit), registered."""

    def build(self, in_features, rng) -> int:
        self.s = nonlin.core.Param(rng.normal(size=in_features), "s")
        return in_features

    def forward(self, x, *, training=False):
        return x * self.s.value

    def parameters(self):
        return [self.s]


def test_copied_layers_of_a_dense_subclass_of_ones_own_warn() -> None:
    old = nonlin.Sequential([_MyDense(4), nonlin.Dense(2)]).build(4, seed=0)
    kept = old.get_weights()[0].copy()
    new = nonlin.Sequential(copy.deepcopy(old.layers))
    with pytest.warns(UserWarning, match=REDRAWN) as record:
        new.build(4, seed=1)
    text = str(record[0].message)
    assert "layers[0] (_MyDense '__my_dense'), layers[1] (Dense 'dense" in text
    assert record[0].filename == __file__
    assert not np.array_equal(new.get_weights()[0], kept)  # what it warned of


def test_a_loaded_model_with_a_layer_of_ones_own_does_not_warn(monkeypatch) -> None:
    """Guard (passes before the change too): load's width check builds a layer of one's own
    before the model's build, which must not read as weights made elsewhere."""
    monkeypatch.setitem(nonlin.registry.LAYERS, "_Drawn", _Drawn)
    model = nonlin.Sequential([_Drawn(), nonlin.Dense(2)]).build(3, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        again = nonlin.load(io.BytesIO(nonlin.io.to_bytes(model)))
    np.testing.assert_array_equal(again.get_weights()[0], model.get_weights()[0])


def test_copied_layers_redrawn_by_a_build_that_failed_part_way_warn_then_only() -> None:
    old = nonlin.Sequential([nonlin.Dense(8), nonlin.Dense(3)]).build(5, seed=0)
    new = nonlin.Sequential([*copy.deepcopy(old.layers),
                             nonlin.Normalization(mean=[0.0] * 2, variance=[1.0] * 2)])
    with pytest.warns(UserWarning, match=REDRAWN) as record, pytest.raises(ValueError):
        new.build(5, seed=1)  # both Dense drawn anew, then the Normalization refused width 3
    assert "layers[0] (Dense 'dense'), layers[1] (Dense 'dense_1')" in str(record[0].message)
    assert record[0].filename == __file__
    new.pop()
    _quiet_build(new, 5)  # the weights lost were named once; these are this model's
