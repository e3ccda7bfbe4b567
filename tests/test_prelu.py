"""PReLU: values and gradients (input and slopes) against PyTorch in float64 and float32
and against the formula, gradient checks, the optimizer stepping the slopes, freezing,
model files, configs and the keywords of Keras and PyTorch.

(The shared harness in test_layers.py runs shape, dtype, gradcheck, configs and extreme
inputs over it too.)
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import SGD, Dense, MeanSquaredError, PReLU, Sequential, gradcheck, registry

RNG = np.random.default_rng(0)
X = RNG.normal(size=(9, 5)) * 3
X[0, :4] = [0.0, -0.0, 1e-300, -1e-300]
X[1, :2] = [1e308, -1e308]
G = RNG.normal(size=X.shape)
ALPHA = np.array([0.25, -0.5, 0.0, 1.5, 0.1])


def prelu(dtype: Any = np.float64, shared: bool = False, alpha: Any = ALPHA) -> PReLU:
    """A PReLU built for 5 features in ``dtype`` with the slopes ``alpha``."""
    layer = PReLU(shared=shared)
    Sequential([layer]).build(5, seed=0, dtype=dtype)
    layer.alpha.value[...] = alpha[:1] if shared else alpha
    return layer


def forward_backward(layer: PReLU, x: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, ...]:
    layer.input_grad = True
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # alpha <= 1 here: x = -1e308 overflows nothing
        y = layer.forward(x, training=True).copy()
        return y, layer.backward(g).copy(), layer.alpha.grad.copy(), layer.forward(x)


def formula(x: np.ndarray, g: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, ...]:
    """y, dL/dx and dL/dalpha (per feature, or summed for a (1,) alpha), in float64."""
    x, g = x.astype(np.float64), g.astype(np.float64)
    y = np.where(x > 0, x, 0.0) + alpha * np.minimum(x, 0.0)
    grad_alpha = (g * np.minimum(x, 0.0)).sum(axis=0)
    return y, g * np.where(x > 0, 1.0, alpha), grad_alpha.sum(keepdims=True) if alpha.size == 1 \
        else grad_alpha


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_and_gradients_match_torch(dtype: type, shared: bool) -> None:
    torch = pytest.importorskip("torch")
    x, g = np.clip(X, -1e30, 1e30).astype(dtype), G.astype(dtype)
    layer = prelu(dtype, shared)
    y, dx, dalpha, inference = forward_backward(layer, x, g)
    weight = torch.tensor(layer.alpha.value.copy(), requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.prelu(xt, weight)
    yt.backward(torch.tensor(g))
    assert y.dtype == dx.dtype == dalpha.dtype == inference.dtype == dtype
    np.testing.assert_array_equal(y, yt.detach().numpy())
    np.testing.assert_array_equal(inference, y)
    np.testing.assert_array_equal(dx, xt.grad.numpy())  # alpha at x = 0, as PyTorch's
    scale = np.abs(g * np.minimum(x, 0)).sum(axis=None if shared else 0)  # the terms summed
    assert (np.abs(dalpha - weight.grad.numpy()) <= 8 * np.finfo(dtype).eps * scale).all()


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_values_and_gradients_match_the_formula(dtype: type, shared: bool) -> None:
    x, g = np.clip(X, -1e30, 1e30).astype(dtype), G.astype(dtype)
    layer = prelu(dtype, shared)
    y, dx, dalpha, _ = forward_backward(layer, x, g)
    want_y, want_dx, want_dalpha = formula(x, g, layer.alpha.value.astype(np.float64))
    np.testing.assert_array_equal(y, want_y.astype(dtype))  # one rounding: alpha * x
    np.testing.assert_array_equal(dx, want_dx.astype(dtype))
    scale = np.abs(g * np.minimum(x, 0)).sum(axis=None if shared else 0)
    assert (np.abs(dalpha - want_dalpha) <= 8 * np.finfo(dtype).eps * scale).all()


def test_zeros_keep_their_sign_and_extremes_stay_finite() -> None:
    layer = prelu(alpha=np.full(5, 0.25))
    y, dx, _, _ = forward_backward(layer, X[:2], np.ones((2, 5)))
    np.testing.assert_array_equal(y[0, :4], [0.0, -0.0, 1e-300, -2.5e-301])
    np.testing.assert_array_equal(np.signbit(y[0, :4]), [False, True, False, True])
    np.testing.assert_array_equal(y[1, :2], [1e308, -2.5e307])
    np.testing.assert_array_equal(dx[0, :2], [0.25, 0.25])  # the slope at 0 is alpha


@pytest.mark.parametrize("shared", [False, True])
@pytest.mark.parametrize("training", [False, True])
def test_gradcheck_in_a_model(shared: bool, training: bool) -> None:
    rng = np.random.default_rng(1)
    model = Sequential([Dense(5), PReLU(shared=shared), Dense(2)]).build(3, seed=0)
    model.layers[1].alpha.value[...] = rng.normal(size=1 if shared else 5)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    assert gradcheck(model, MeanSquaredError(), x, y, training=training) < 1e-7


def test_the_optimizer_steps_the_slopes_and_a_frozen_layer_keeps_them() -> None:
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(32, 3)), rng.normal(size=(32, 2))
    model = Sequential([Dense(5), PReLU(), Dense(2)]).build(3, seed=0)
    layer = model.layers[1]
    assert model.parameters()[2] is layer.alpha and model.count_params() == 20 + 5 + 12
    model.forward(X, training=True)
    model.backward(MeanSquaredError().grad(y, model.forward(X, training=True)))
    before, grad = layer.alpha.value.copy(), layer.alpha.grad.copy()
    assert np.abs(grad).min() > 0
    SGD(0.1).step(model.parameters())
    np.testing.assert_array_equal(layer.alpha.value, before - 0.1 * grad)
    model.fit(X, y, loss="mse", optimizer="adam", epochs=3, verbose=0)
    assert not np.array_equal(layer.alpha.value, before - 0.1 * grad)
    layer.trainable = False
    kept = layer.alpha.value.copy()
    model.fit(X, y, loss="mse", optimizer="adam", epochs=2, verbose=0)
    np.testing.assert_array_equal(layer.alpha.value, kept)
    np.testing.assert_array_equal(layer.alpha.grad, 0.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_model_file_keeps_the_slopes(tmp_path: Path, dtype: type) -> None:
    model = Sequential([Dense(4), PReLU(0.1), Dense(4), PReLU(init=0.0, shared=True),
                        Dense(2)]).build(3, seed=0, dtype=dtype)
    model.layers[1].alpha.value[...] = [0.5, -0.25, 2.0, 0.0]
    model.layers[3].alpha.value[...] = 0.75
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert repr(loaded.layers[3]) == "PReLU(init=0.0, shared=True)"
    assert [w.shape for w in loaded.get_weights()][1:3] == [(4,), (4,)]
    for a, b in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == dtype
    x = np.random.default_rng(3).normal(size=(6, 3)).astype(dtype)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


def test_a_batch_takes_the_layers_dtype() -> None:
    layer = prelu(np.float32)
    y = layer.forward(X[2:])  # float64 in: converted, as Dense converts it
    assert y.dtype == np.float32
    np.testing.assert_array_equal(y, layer.forward(X[2:].astype(np.float32)))


def test_config_registry_and_keywords_of_keras_and_torch() -> None:
    assert PReLU().get_config() == {"init": 0.25, "shared": False}
    assert registry.LAYERS["PReLU"] is PReLU and "PReLU" in nonlin.__all__
    for keyword, hint in [("alpha_initializer", "PReLU\\(init=0.0\\)"),
                          ("num_parameters", "shared=True"), ("shared_axes", "shared=True")]:
        with pytest.raises(TypeError, match=f"{keyword}.*{hint}"):
            PReLU(**{keyword: 1})
    for bad in (math.nan, math.inf, "0.1", None):
        with pytest.raises(ValueError, match="Expected a finite init. Received: init="):
            PReLU(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="shared"):
        PReLU(shared=1)  # type: ignore[arg-type]
