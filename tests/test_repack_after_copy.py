"""An unpickled or copied model's parameters own their arrays (a pickle copies views one by
one); its next fit (or train_on_batch) packs them into one flat buffer again, so its optimizer
steps one array, as the original's does: the same bits, with clipnorm too (whose global norm
was summed per parameter, equal only to rounding)."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import nonlin
from nonlin.core import flat_parameter


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int) + (X[:, 2] > 1)


def _fitted(clipnorm):
    X, y = _data()
    layers = [nonlin.Dense(8, l2=1e-3), nonlin.BatchNorm(), nonlin.ReLU(), nonlin.Dense(3)]
    model = nonlin.Sequential(layers).build(4, seed=5)
    model.fit(X, y, loss=nonlin.CrossEntropy(from_logits=True),
              optimizer=nonlin.Adam(lr=1e-2, clipnorm=clipnorm), epochs=2, batch_size=16,
              seed=1, verbose=0)
    return model


COPIES = {"pickle": lambda m: pickle.loads(pickle.dumps(m)), "deepcopy": copy.deepcopy}


@pytest.mark.parametrize("how", sorted(COPIES))
@pytest.mark.parametrize("clipnorm", [None, 0.05])
def test_the_next_fit_packs_again_and_trains_the_same_bits(how, clipnorm) -> None:
    X, y = _data()
    model = _fitted(clipnorm)
    twin = COPIES[how](model)
    assert flat_parameter(twin.parameters()) is None  # own arrays, until the next fit
    for m in (model, twin):
        m.fit(X, y, epochs=2, batch_size=16, seed=2, verbose=0)
    flat = flat_parameter(twin.parameters())
    assert flat is not None and flat.value.size == sum(p.value.size for p in twin.parameters())
    for a, b in zip(model.get_weights(), twin.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()


def test_train_on_batch_packs_again_too() -> None:
    X, y = _data()
    model = _fitted(0.05)
    twin = pickle.loads(pickle.dumps(model))
    for m in (model, twin):
        m.train_on_batch(X[:16], y[:16])
    assert flat_parameter(twin.parameters()) is not None
    for a, b in zip(model.get_weights(), twin.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()


def test_a_frozen_layer_keeps_out_of_the_packed_set() -> None:
    X, y = _data()
    model = _fitted(None)
    model.layers[0].trainable = False
    model.compile(nonlin.SGD(lr=0.05, clipnorm=0.05), nonlin.CrossEntropy(from_logits=True))
    model.fit(X, y, epochs=1, batch_size=16, seed=2, verbose=0)
    twin = pickle.loads(pickle.dumps(model))
    for m in (model, twin):
        m.fit(X, y, epochs=1, batch_size=16, seed=3, verbose=0)
    assert flat_parameter(twin.parameters()) is not None
    assert len(twin.parameters()) == len(twin._params) - 2  # W and b of the frozen Dense
    for a, b in zip(model.get_weights(), twin.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
