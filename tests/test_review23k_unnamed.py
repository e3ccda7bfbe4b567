"""Every attribute a training step adds to a layer is a cache its class names
(``nonlin._layer_caches``), whatever the inputs' range: GELU's erfc buffers of large inputs
(``_erfc_ratio``, ``_erfc_big_den``) went into pickles with rows of a training batch."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

import nonlin
from cache23_helpers import LAYER_TYPES
from nonlin._layer_caches import cache_names
from nonlin.registry import ACTIVATIONS

_NOISE = ("Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise")
SCALES = (0.01, 1.0, 30.0, 1e5)  # each branch of the activations (GELU's erfc: |x| >= 4)


def _layer(name: str, cls: Any) -> Any:
    if cls is nonlin.Dense:
        return cls(4)
    if cls is nonlin.Normalization:
        return cls(mean=np.zeros(4), variance=np.ones(4))
    return cls(0.3) if name in _NOISE else cls()


def _unnamed(layer: Any, dtype: Any) -> set[str]:
    """The attributes a training forward and backward over inputs of each scale add to
    ``layer`` (and to the activation it holds), less the caches its class names."""
    m = nonlin.Sequential([layer, nonlin.Dense(2)]).build(4, seed=0, dtype=dtype)
    parts = [part for part in (layer, layer.__dict__.get("_activation")) if part is not None]
    before = [set(part.__dict__) for part in parts]
    for scale in SCALES:
        X = (np.random.default_rng(0).normal(size=(13, 4)) * scale).astype(dtype)
        with np.errstate(all="ignore"):
            m.backward(np.ones_like(m.forward(X, training=True)))
    return {key for part, old in zip(parts, before, strict=True)
            for key in set(part.__dict__) - old - cache_names(type(part))}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_layer_names_what_training_adds(dtype: Any) -> None:
    layers = [_layer(name, cls) for name, cls in LAYER_TYPES]
    layers += [nonlin.GELU(approximate=True), nonlin.PReLU(shared=True),
               nonlin.LayerNormalization(center=False, scale=False)]
    layers += [nonlin.Dense(4, activation=name) for name in sorted(ACTIVATIONS)]
    found = [(repr(layer), _unnamed(layer, dtype)) for layer in layers]
    assert [(name, keys) for name, keys in found if keys] == []


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_gelu_trained_on_large_inputs_pickles_no_batch(dtype: Any) -> None:
    X = (np.random.default_rng(1).normal(size=(32, 4)) * 30).astype(dtype)
    m = nonlin.Sequential([nonlin.Dense(4),
                           nonlin.GELU(), nonlin.Dense(1)]).build(4, seed=0, dtype=dtype)
    m.fit(X, X[:, :1], loss="mse", optimizer="sgd", epochs=1, batch_size=16, verbose=0)
    gelu = pickle.loads(pickle.dumps(m)).layers[1]
    kept = {k: v.shape for k, v in gelu.__dict__.items() if isinstance(v, np.ndarray)}
    assert kept == {}
