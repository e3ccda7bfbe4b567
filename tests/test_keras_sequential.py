"""Keras 3's ``Sequential`` methods: ``Sequential()`` with ``add`` / ``pop``, and
``train_on_batch``, ``test_on_batch``, ``predict_on_batch``."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin


def _layers() -> list:
    return [nonlin.Dense(5), nonlin.Tanh(), nonlin.Dense(2), nonlin.Softmax()]


# -- Sequential(), add, pop ---------------------------------------------------------------
def test_an_empty_model_then_add_is_the_model_built_from_the_list() -> None:
    stacked = nonlin.Sequential()
    for layer in _layers():
        assert stacked.add(layer) is None  # Keras' add returns None
    listed = nonlin.Sequential(_layers())
    assert nonlin.Sequential([]).layers == []
    assert stacked.get_config() == listed.get_config()
    stacked.build(3, seed=7)
    listed.build(3, seed=7)
    for a, b in zip(stacked.get_weights(), listed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_array_equal(stacked.predict(x), listed.predict(x))


def test_add_refuses_a_non_layer_a_class_and_a_layer_already_there() -> None:
    model = nonlin.Sequential([nonlin.Dense(2)])
    with pytest.raises(TypeError, match=r"Received: layer='relu'"):
        model.add("relu")
    with pytest.raises(TypeError, match=r"Received: layer=<class .*Dense'>; create one: Dense\(\)"):
        model.add(nonlin.Dense)
    with pytest.raises(ValueError, match=r"Received: layer=Dense\(units=2.*which is layers\[0\]"):
        model.add(model.layers[0])
    assert len(model.layers) == 1


def test_pop_returns_the_top_layer_and_an_empty_model_says_so() -> None:
    model = nonlin.Sequential(_layers())
    top = model.layers[-1]
    assert model.pop() is top and len(model.layers) == 3
    empty = nonlin.Sequential()
    with pytest.raises(IndexError, match=r"model\.layers=\[\]"):  # Keras 3: IndexError
        empty.pop()
    with pytest.raises(ValueError, match=r"model\.add\(layer\).*Received: layers=\[\]"):
        empty.build(3, seed=0)


def test_add_or_pop_on_a_built_model_asks_to_build_again() -> None:
    X = np.random.default_rng(1).normal(size=(8, 3))
    y = np.arange(8) % 2
    message = r"layers changed since it was built \(built with 4 layers, it has {} now\)"
    model = nonlin.Sequential(_layers()).build(3, seed=0)
    head = model.pop()
    for call in (lambda: model.predict(X), lambda: model(X),
                 lambda: model.fit(X, y, loss="cross_entropy", optimizer="sgd", verbose=0),
                 lambda: model.evaluate(X, y, loss="cross_entropy")):
        with pytest.raises(RuntimeError, match=message.format("3 layers")):
            call()
    model.add(nonlin.Dense(2))  # as many layers as built: the new one says it is not built
    with pytest.raises(RuntimeError, match=r"not built yet.*model\.build\(n_features, seed\)"):
        model.predict(X)
    model.pop()
    model.add(head)  # the layers as built again: runs as before
    assert model.predict(X).shape == (8, 2)
    model.add(nonlin.Dense(1))
    with pytest.raises(RuntimeError, match=message.format("5 layers")):
        model.predict(X)
    model.build(3, seed=0)
    assert model.predict(X).shape == (8, 1)


def test_a_popped_layer_may_be_built_by_another_model() -> None:
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Dense(2)]).build(3, seed=0)
    head = model.pop()
    other = nonlin.Sequential([head]).build(4, seed=1)  # no longer the first model's
    assert other.predict(np.ones((1, 4))).shape == (1, 2)
    kept = nonlin.Sequential([nonlin.Dense(4), nonlin.Dense(2)]).build(3, seed=0)
    with pytest.raises(ValueError, match="built by another model"):
        nonlin.Sequential([kept.layers[1]]).build(4, seed=1)  # not popped: still kept's
