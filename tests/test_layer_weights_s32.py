"""Keras' ``layer.get_weights()`` and ``layer.set_weights(weights)`` on nonlin's layers
(session 32): a layer's part of its model's ``get_weights()``, copies, checked as
``Sequential.set_weights`` checks them, the errors naming the layer and the shapes."""

from __future__ import annotations

import re

import numpy as np
import pytest

import nonlin

X = np.random.default_rng(0).normal(size=(64, 4))
Y = (X[:, 0] + X[:, 1] > 0).astype(int)


def _adapted() -> nonlin.Normalization:
    norm = nonlin.Normalization()
    norm.adapt(X * 3.0 + 1.0)
    return norm


LAYERS = {  # the built-in layers with weights, and what each lists (Keras 3's order)
    "dense": (lambda: nonlin.Dense(3), ["W", "b"]),
    "dense_no_bias": (lambda: nonlin.Dense(3, bias=False), ["W"]),
    "batch_norm": (nonlin.BatchNorm, ["gamma", "beta", "moving_mean", "moving_variance"]),
    "layer_norm": (nonlin.LayerNormalization, ["gamma", "beta"]),
    "prelu": (nonlin.PReLU, ["alpha"]),
    "normalization": (_adapted, ["mean", "variance"]),  # Keras': adapt_mean, adapt_variance
}


def _trained(make, seed: int = 0) -> nonlin.Sequential:
    """A model with the layer first, fitted so that every weight (the statistics too)
    moved from its initial value."""
    model = nonlin.Sequential([make(), nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(2),
                               nonlin.Softmax()])
    model.fit(X, Y, loss="cross_entropy", optimizer="adam", epochs=2, batch_size=16, seed=seed,
              verbose=0)
    return model


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_each_layer_round_trips_its_weights_into_another(kind: str) -> None:
    make, names = LAYERS[kind]
    old = _trained(make)
    weights = old.layers[0].get_weights()
    assert len(weights) == len(names)
    fresh = nonlin.Normalization() if kind == "normalization" else make()  # not adapted
    new = nonlin.Sequential([fresh, nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(2),
                             nonlin.Softmax()]).build(4, seed=7)
    assert not all(np.array_equal(a, b)
                   for a, b in zip(weights, new.layers[0].get_weights(), strict=True))
    new.layers[0].set_weights(weights)
    for a, b in zip(weights, new.layers[0].get_weights(), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    new.set_weights(new.get_weights()[:len(names)] + old.get_weights()[len(names):])
    assert np.array_equal(new.predict(X), old.predict(X))  # every weight came across


@pytest.mark.parametrize("kind", sorted(LAYERS))
def test_the_layers_lists_end_to_end_are_the_models_get_weights(kind: str) -> None:
    model = _trained(LAYERS[kind][0])
    model.layers[0].trainable = False  # frozen: listed all the same, in the same place
    joined = [w for layer in model.layers for w in layer.get_weights()]
    whole = model.get_weights()
    assert len(joined) == len(whole)
    for a, b in zip(joined, whole, strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert model.layers[2].get_weights() == []  # Tanh: no weights


def test_batchnorm_lists_and_sets_its_moving_statistics() -> None:
    model = _trained(nonlin.BatchNorm)
    bn = model.layers[0]
    gamma, beta, mean, variance = bn.get_weights()
    assert np.array_equal(mean, bn.moving_mean) and np.array_equal(variance, bn.moving_variance)
    assert not np.array_equal(mean, np.zeros(4))
    bn.set_weights([gamma, beta, mean + 1.0, variance * 2.0])
    assert np.array_equal(bn.moving_mean, mean + 1.0)
    assert np.array_equal(bn.get_state()["moving_variance"], variance * 2.0)


def test_get_weights_gives_copies_and_set_weights_keeps_nothing_given() -> None:
    model = _trained(nonlin.BatchNorm)
    bn = model.layers[0]
    weights = bn.get_weights()
    before = [w.copy() for w in weights]
    for w in weights:
        w += 5.0  # the caller's copies: the layer keeps its values
    for w, kept in zip(bn.get_weights(), before, strict=True):
        assert np.array_equal(w, kept)
    given = [w.astype(np.float32) for w in before]  # converted on the way in
    bn.set_weights(given)
    for w in given:
        w[...] = 9.0  # the layer holds no view of what it was given
    for w, kept in zip(bn.get_weights(), before, strict=True):
        assert w.dtype == np.float64 and np.array_equal(w, kept.astype(np.float32))
    assert bn.gamma.value is not given[0]
    shared = [np.shares_memory(w, p.value) for w in bn.get_weights() for p in bn.parameters()]
    assert not any(shared)


def test_set_weights_keeps_the_layers_own_arrays_in_place() -> None:
    dense = nonlin.Sequential([nonlin.Dense(3)]).build(4, seed=0).layers[0]
    W, b = dense.W.value, dense.b.value
    dense.set_weights([np.ones((4, 3)), np.arange(3)])  # ints: converted, as the model's
    assert dense.W.value is W and dense.b.value is b  # the optimizer's references hold
    assert np.array_equal(W, np.ones((4, 3))) and np.array_equal(b, [0.0, 1.0, 2.0])


def test_a_wrong_count_names_the_layer_and_what_it_expects() -> None:
    bn = _trained(nonlin.BatchNorm).layers[0]
    with pytest.raises(ValueError, match=re.escape(
            "Expected 4 arrays of BatchNorm 'batch_norm'. Received 2 arrays (2 is the number "
            "of parameters alone: the list lacks its state")) as info:
        bn.set_weights(bn.get_weights()[:2])
    assert "moving_mean (4,), moving_variance (4,)" in str(info.value)
    dense = _trained(lambda: nonlin.Dense(3, name="hidden")).layers[0]
    with pytest.raises(ValueError, match="Expected 2 arrays of Dense 'hidden'. Received 1 "):
        dense.set_weights([dense.W.value])
    with pytest.raises(TypeError, match="Expected a list of arrays .*Dense 'hidden'. "
                                        "Received: ndarray"):
        dense.set_weights(dense.W.value)


def test_a_wrong_shape_names_the_layer_the_weight_and_both_shapes() -> None:
    dense = _trained(lambda: nonlin.Dense(3)).layers[0]
    W, b = dense.get_weights()
    with pytest.raises(ValueError, match=re.escape(
            "Expected weights[0] (W of Dense 'dense') of shape (4, 3). Received shape (3, 4)")):
        dense.set_weights([W.T, b])
    assert np.array_equal(dense.W.value, W)


def test_a_refused_list_changes_nothing() -> None:
    bn = _trained(nonlin.BatchNorm).layers[0]
    before = bn.get_weights()
    bad_variance = [w + 1.0 for w in before[:3]] + [-before[3]]
    with pytest.raises(ValueError, match=r"moving_variance >= 0.*\(BatchNorm 'batch_norm'\); "
                                         "set_weights changed nothing"):
        bn.set_weights(bad_variance)
    nan = [w + 1.0 for w in before]
    nan[3][1] = np.nan
    with pytest.raises(ValueError, match=re.escape(
            "finite real numbers in weights[3] (moving_variance of BatchNorm 'batch_norm')")):
        bn.set_weights(nan)
    for w, kept in zip(bn.get_weights(), before, strict=True):
        assert np.array_equal(w, kept)


def test_an_unbuilt_layer_has_no_weights_and_refuses_to_take_some() -> None:
    for make, _ in LAYERS.values():
        layer = make()
        if isinstance(layer, nonlin.Normalization):  # adapt built it, as Keras' does
            assert len(layer.get_weights()) == 2
            continue
        assert layer.get_weights() == []
        with pytest.raises(RuntimeError, match="layer is not built yet"):
            layer.set_weights([np.zeros((4, 3)), np.zeros(3)])
    assert nonlin.Normalization().get_weights() == []
    with pytest.raises(RuntimeError, match="This ReLU layer is not built yet"):
        nonlin.ReLU().set_weights([])
    relu = nonlin.Sequential([nonlin.ReLU()]).build(3, seed=0).layers[0]
    relu.set_weights([])  # built, without weights: nothing to set, as Keras'
    with pytest.raises(ValueError, match="Expected 0 arrays of ReLU 're_lu'. Received 1"):
        relu.set_weights([np.zeros(3)])


def test_a_normalization_given_its_statistics_has_no_weights_as_in_keras() -> None:
    norm = nonlin.Sequential([nonlin.Normalization(mean=1.0, variance=4.0)]).build(
        3, seed=0).layers[0]
    assert norm.get_weights() == []  # the config holds them (Keras makes no variable)
    fresh = nonlin.Sequential([nonlin.Normalization()]).build(4, seed=0).layers[0]
    assert not fresh.is_adapted
    fresh.set_weights(_adapted().get_weights())  # Keras: set_weights instead of adapt
    assert fresh.is_adapted
    assert np.array_equal(fresh(X), _adapted()(X))


def test_float32_layers_give_and_take_float32() -> None:
    old = nonlin.Sequential([nonlin.Dense(3), nonlin.BatchNorm()]).build(4, seed=0)
    new = nonlin.Sequential([nonlin.Dense(3), nonlin.BatchNorm()]).build(
        4, seed=1, dtype=np.float32)
    for a, b in zip(new.layers, old.layers, strict=True):
        a.set_weights(b.get_weights())  # float64 in, cast as model.set_weights casts
        assert all(w.dtype == np.float32 for w in a.get_weights())
    for a, b in zip(new.get_weights(), old.get_weights(), strict=True):
        assert np.array_equal(a, b.astype(np.float32))
    with pytest.raises(ValueError, match=r"within float32's range.*weights\[0\]\[0, 0\]=1e\+300"):
        new.layers[0].set_weights([np.full((4, 3), 1e300), np.zeros(3)])


def test_transfer_learning_layer_by_layer_reaches_the_model_recipes_bits() -> None:
    tuned = _trained(nonlin.BatchNorm)

    def head(copy) -> nonlin.Sequential:
        new = nonlin.Sequential([nonlin.BatchNorm(), nonlin.Dense(4), nonlin.Tanh(),
                                 nonlin.Dense(3), nonlin.Softmax()]).build(4, seed=1)
        copy(new)
        new.layers[0].trainable = new.layers[1].trainable = False
        new.fit(X, Y + (X[:, 2] > 1), loss="cross_entropy", optimizer="adam", epochs=2,
                batch_size=16, seed=1, verbose=0)
        return new

    def per_layer(new: nonlin.Sequential) -> None:
        for layer, old in zip(new.layers[:2], tuned.layers[:2], strict=True):
            layer.set_weights(old.get_weights())

    def whole(new: nonlin.Sequential) -> None:
        new.set_weights(tuned.get_weights()[:6] + new.get_weights()[6:])

    a, b = head(per_layer), head(whole)
    for wa, wb in zip(a.get_weights(), b.get_weights(), strict=True):
        assert wa.tobytes() == wb.tobytes()
    assert np.array_equal(a.layers[1].W.value, tuned.layers[1].W.value)  # frozen, kept


def test_a_training_pass_of_the_former_weights_takes_no_backward() -> None:
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.Tanh(), nonlin.Dense(1)]).build(4, seed=0)
    out = model(X[:8], training=True)
    layer = model.layers[0]
    layer.set_weights([w + 0.5 for w in layer.get_weights()])
    with pytest.raises(RuntimeError, match="backward"):
        model.backward(out - 1.0)
