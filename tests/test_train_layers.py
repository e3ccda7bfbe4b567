"""Dropout, BatchNorm and the L2 penalty of Dense."""

from __future__ import annotations

import numpy as np
import pytest

from nonlin import (
    SGD,
    BatchNorm,
    CrossEntropy,
    Dense,
    Dropout,
    MeanSquaredError,
    Sequential,
    Tanh,
    gradcheck,
)
from nonlin.registry import layer_from_config


def test_dropout_keep_rate_and_scaling() -> None:
    layer = Dropout(0.3)
    layer.build(1000, np.random.default_rng(0))
    x = np.ones((200, 1000), dtype=np.float32)
    y = layer.forward(x, training=True)
    assert y.dtype == np.float32
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.005  # 200k Bernoulli draws: sd ~0.001
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.01  # inverted dropout keeps the expectation
    g = layer.backward(np.full_like(x, 2.0))
    np.testing.assert_array_equal(g, 2.0 * y)
    assert layer.forward(x) is x  # identity at inference


def test_dropout_masks_come_from_the_model_generator() -> None:
    X = np.ones((4, 6))
    a = Sequential([Dropout(0.5)]).build(6, seed=3)
    b = Sequential([Dropout(0.5)]).build(6, seed=3)
    np.testing.assert_array_equal(a.forward(X, training=True), b.forward(X, training=True))
    first = a.forward(X, training=True).copy()
    assert not np.array_equal(first, a.forward(X, training=True))


def test_dropout_gradcheck_in_training_mode_with_a_frozen_mask() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, 8)
    model = Sequential([Dense(6), Tanh(), Dropout(0.5), Dense(2)]).build(3, seed=0)
    model.forward(X, training=True)
    model.layers[2].freeze_mask()
    assert gradcheck(model, CrossEntropy(from_logits=True), X, y, training=True) < 1e-7


def _bn_model(rng: np.random.Generator) -> Sequential:
    model = Sequential([Dense(5, bias=False), BatchNorm(), Tanh(), Dense(2)]).build(3, seed=0)
    bn = model.layers[1]
    bn.gamma.value[:] = rng.normal(size=5)
    bn.beta.value[:] = rng.normal(size=5)
    return model


def test_batchnorm_gradcheck_in_training_mode() -> None:
    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(8, 3)), rng.integers(0, 2, 8)
    model = _bn_model(rng)
    assert gradcheck(model, CrossEntropy(from_logits=True), X, y, training=True) < 1e-7
    assert gradcheck(model, MeanSquaredError(), X, rng.normal(size=(8, 2)), training=True) < 1e-7


def test_batchnorm_training_and_inference() -> None:
    rng = np.random.default_rng(2)
    bn = BatchNorm(momentum=0.9, epsilon=1e-3)
    bn.build(4, rng)
    x = rng.normal(loc=3.0, scale=2.0, size=(64, 4))
    y = bn.forward(x, training=True)
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-3))
    np.testing.assert_allclose(bn.moving_mean, 0.1 * x.mean(axis=0))
    np.testing.assert_allclose(bn.moving_variance, 0.9 + 0.1 * x.var(axis=0))
    expected = (x - bn.moving_mean) / np.sqrt(bn.moving_variance + 1e-3)
    np.testing.assert_allclose(bn.forward(x), expected)


def test_batchnorm_state_dtype_and_round_trip() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(50, 3)).astype(np.float32)
    model = Sequential([Dense(4), BatchNorm(), Tanh(), Dense(1)])
    model.fit(X, X[:, :1], loss="mse", optimizer="adam", epochs=2, verbose=0)
    state = model.get_state()
    assert set(state) == {"1.moving_mean", "1.moving_variance"}
    assert all(v.dtype == np.float32 for v in state.values())
    clone = Sequential.from_config(model.get_config(), seed=0)
    clone.set_state(state)  # the statistics alone
    assert not np.allclose(clone.predict(X), model.predict(X))
    clone.set_weights(model.get_weights())  # Keras' list: the statistics too
    np.testing.assert_array_equal(clone.predict(X), model.predict(X))
    with pytest.raises(ValueError, match="moving_variance"):
        clone.set_state({"1.moving_mean": np.zeros(4)})


def test_new_layers_round_trip_through_the_registry() -> None:
    for layer in (Dropout(0.25), BatchNorm(momentum=0.9, epsilon=1e-5), Dense(3, l2=0.01)):
        item = {"class_name": type(layer).__name__, "config": layer.get_config()}
        assert layer_from_config(item).get_config() == layer.get_config()


@pytest.mark.parametrize("bad", [dict(rate=1.5), dict(rate=-0.1), dict(rate="0.5")])
def test_dropout_bad_rate(bad) -> None:
    with pytest.raises(ValueError, match="rate"):
        Dropout(**bad)


def test_dense_l2_is_added_to_loss_and_gradient() -> None:
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 1))
    model = Sequential([Dense(1, l2=0.5)]).build(3, seed=0)
    ref = Sequential([Dense(1)]).build(3, seed=0)
    W, b = (w.copy() for w in model.get_weights())
    base = MeanSquaredError()(y, ref.predict(X))
    h = model.fit(X, y, loss="mse", optimizer=SGD(0.1), batch_size=16, verbose=0)
    assert h.history["loss"][0] == pytest.approx(base + 0.5 * np.sum(W**2), rel=1e-12)
    out = ref.forward(X, training=True)
    ref.backward(MeanSquaredError().grad(y, out))
    dW = ref.layers[0].W.grad + 2 * 0.5 * W
    np.testing.assert_allclose(model.get_weights()[0], W - 0.1 * dW, rtol=1e-12)
    np.testing.assert_allclose(model.get_weights()[1], b - 0.1 * ref.layers[0].b.grad, rtol=1e-12)
    with pytest.raises(ValueError, match="l2"):
        Dense(2, l2=-1.0)
