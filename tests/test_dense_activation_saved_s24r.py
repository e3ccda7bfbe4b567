"""A ``Dense``'s activation layer (``dense.activation``, Keras' ``layer.activation``) changed
in place since it was set (``dense.activation.alpha = 0.9``) computed with the new setting,
but the config, and so the file, recorded the one given: the loaded model predicted
otherwise. The config now records the activation's settings as they are."""

from __future__ import annotations

import io

import numpy as np
import pytest

import nonlin
from nonlin import registry

X = np.random.default_rng(0).normal(size=(8, 3))


@pytest.mark.parametrize("given", ["leaky_relu", registry.LAYERS["LeakyReLU"](alpha=0.2)])
def test_an_activation_changed_in_place_loads_as_it_predicts(given) -> None:
    model = nonlin.Sequential([nonlin.Dense(4, activation=given), nonlin.Dense(2)])
    model.build(3, seed=0)
    model.layers[0].activation.alpha = 0.9
    again = nonlin.load(io.BytesIO(nonlin.io.to_bytes(model)))
    assert again.layers[0].activation.alpha == 0.9
    np.testing.assert_array_equal(again.predict(X), model.predict(X))
    assert again.get_config() == model.get_config()


@pytest.mark.parametrize(("given", "entry"), [
    ("swish", "swish"), ("leaky_relu", "leaky_relu"),
    (registry.LAYERS["LeakyReLU"](alpha=0.2),
     {"class_name": "LeakyReLU", "config": {"alpha": 0.2}}),
])
def test_an_activation_as_given_keeps_its_entry(given, entry) -> None:
    """Unchanged, or set back, the entry is the one given: files stay byte for byte."""
    dense = nonlin.Dense(4, activation=given)
    assert dense.get_config()["activation"] == entry
    if hasattr(dense.activation, "alpha"):
        alpha = dense.activation.alpha
        dense.activation.alpha = 0.5
        assert dense.get_config()["activation"] == {"class_name": "LeakyReLU",
                                                    "config": {"alpha": 0.5}}
        dense.activation.alpha = alpha
    assert dense.get_config()["activation"] == entry
