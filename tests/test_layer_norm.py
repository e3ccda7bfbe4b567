"""LayerNormalization (alias LayerNorm): Keras 3's and PyTorch's layer norm over the features.

Values and gradients against the formula (float64, always run) and against
``torch.nn.functional.layer_norm`` and its autograd (``pytest.importorskip``);
finite differences in training mode; float32 kept; the first-layer and frozen
protocols; files, checkpoints, configs, weights and summaries; argument errors.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import nonlin
from nonlin import (
    Dense,
    LayerNorm,
    LayerNormalization,
    MeanSquaredError,
    ModelCheckpoint,
    ReLU,
    Sequential,
    Softmax,
    Tanh,
    gradcheck,
)
from nonlin._weights import layout
from nonlin.registry import LAYERS, layer_from_config

RNG = np.random.default_rng(0)
X = RNG.normal(size=(7, 5)) * 3 + 1
G = RNG.normal(size=(7, 5))
GAMMA, BETA = RNG.normal(size=5), RNG.normal(size=5)
AFFINE = [(True, True), (True, False), (False, True), (False, False)]


def layer_with(center=True, scale=True, epsilon=1e-5, dtype=np.float64):
    """A built LayerNormalization for 5 features with random gamma and beta."""
    model = Sequential([LayerNormalization(epsilon=epsilon, center=center, scale=scale)])
    layer = model.build(5, seed=0, dtype=dtype).layers[0]
    if scale:
        layer.gamma.value[...] = GAMMA
    if center:
        layer.beta.value[...] = BETA
    layer.input_grad = True  # as a lone layer it is the first one: ask for dL/dx here
    return layer


def formula(x, g, gamma, beta, eps):
    """Forward and backward written out with np.mean / np.var (the docstring's rule)."""
    mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    xhat = (x - mean) / np.sqrt(var + eps)
    h = g * gamma
    dx = (h - h.mean(axis=1, keepdims=True)
          - xhat * (h * xhat).mean(axis=1, keepdims=True)) / np.sqrt(var + eps)
    return gamma * xhat + beta, dx, (g * xhat).sum(axis=0), g.sum(axis=0)


@pytest.mark.parametrize("center, scale", AFFINE)
def test_values_and_gradients_match_the_formula(center, scale) -> None:
    layer = layer_with(center, scale)
    y = layer.forward(X, training=True).copy()
    dx = layer.backward(G)
    gamma, beta = (GAMMA if scale else 1.0), (BETA if center else 0.0)
    y_ref, dx_ref, dgamma, dbeta = formula(X, G, gamma, beta, 1e-5)
    np.testing.assert_allclose(y, y_ref, rtol=0, atol=1e-13)
    np.testing.assert_allclose(dx, dx_ref, rtol=0, atol=1e-13)
    grads = dict(zip(["gamma", "beta"], [dgamma, dbeta], strict=True))
    for p in layer.parameters():
        np.testing.assert_allclose(p.grad, grads[p.name], rtol=0, atol=1e-13)
    assert [p.name for p in layer.parameters()] == ["gamma"] * scale + ["beta"] * center
    np.testing.assert_array_equal(layer.forward(X), y)  # inference: the same bits


@pytest.mark.parametrize("center, scale", AFFINE)
def test_values_and_gradients_match_torch(center, scale) -> None:
    torch = pytest.importorskip("torch")
    layer = layer_with(center, scale, epsilon=1e-5)
    y = layer.forward(X, training=True).copy()
    dx = layer.backward(G)
    x = torch.tensor(X, requires_grad=True)
    gamma = torch.tensor(GAMMA, requires_grad=True) if scale else None
    beta = torch.tensor(BETA, requires_grad=True) if center else None
    out = torch.nn.functional.layer_norm(x, (5,), gamma, beta, eps=1e-5)
    out.backward(torch.tensor(G))
    assert np.abs(y - out.detach().numpy()).max() < 1e-12
    assert np.abs(dx - x.grad.numpy()).max() < 1e-12
    theirs = {"gamma": gamma, "beta": beta}
    for p in layer.parameters():
        assert np.abs(p.grad - theirs[p.name].grad.numpy()).max() < 1e-12


def test_torch_module_defaults_are_epsilon_1e5() -> None:
    torch = pytest.importorskip("torch")
    theirs = torch.nn.LayerNorm(5, dtype=torch.float64)  # eps=1e-5, gamma ones, beta zeros
    ours = Sequential([LayerNorm(epsilon=theirs.eps)]).build(5, seed=0)
    expected = theirs(torch.tensor(X)).detach().numpy()
    assert np.abs(ours.predict(X) - expected).max() < 1e-12


@pytest.mark.parametrize("center, scale", AFFINE)
@pytest.mark.parametrize("batch", [1, 6])
def test_gradients_match_finite_differences_in_training_mode(center, scale, batch) -> None:
    model = Sequential([Dense(4), LayerNormalization(center=center, scale=scale), Tanh(),
                        Dense(2)]).build(3, seed=0)
    layer = model.layers[1]
    for p in layer.parameters():
        p.value[...] = RNG.normal(size=4)
    x, y = RNG.normal(size=(batch, 3)), RNG.normal(size=(batch, 2))
    assert gradcheck(model, MeanSquaredError(), x, y, training=True) < 1e-7


def test_first_layer_skips_the_input_gradient_but_writes_its_parameters() -> None:
    model = Sequential([LayerNormalization(epsilon=1e-5), Dense(3)]).build(5, seed=0)
    model.layers[0].gamma.value[...], model.layers[0].beta.value[...] = GAMMA, BETA
    model.forward(X, training=True)
    g = RNG.normal(size=(7, 3))
    assert model.backward(g) is None
    dgamma, dbeta = [p.grad.copy() for p in model.layers[0].parameters()]
    dx = model.backward(g, input_grad=True)  # computed for this pass only
    _, dx_ref, dgamma_ref, dbeta_ref = formula(X, g @ model.layers[1].W.value.T, GAMMA, BETA,
                                               1e-5)
    np.testing.assert_allclose(dgamma, dgamma_ref, rtol=0, atol=1e-13)
    np.testing.assert_allclose(dbeta, dbeta_ref, rtol=0, atol=1e-13)
    np.testing.assert_allclose(dx, dx_ref, rtol=0, atol=1e-13)
    assert model.layers[0].input_grad is False


def test_float32_stays_float32_through_forward_backward_and_fit() -> None:
    layer = layer_with(dtype=np.float32)
    for training in (False, True):
        assert layer.forward(X, training=training).dtype == np.float32  # X float64: cast
    assert layer.backward(G.astype(np.float32)).dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in layer.parameters())
    held = {k: v.dtype for k, v in vars(layer).items() if isinstance(v, np.ndarray)}
    assert set(held.values()) == {np.dtype(np.float32)}, held
    y_ref, dx_ref, _, _ = formula(X.astype(np.float32).astype(float), G, GAMMA, BETA, 1e-5)
    np.testing.assert_allclose(layer.forward(X), y_ref, rtol=0, atol=1e-5)
    Xm, ym = nonlin.datasets.moons(64, seed=0)
    model = Sequential([Dense(8), LayerNormalization(), ReLU(), Dense(2), Softmax()])
    model.build(2, seed=0, dtype=np.float32)
    model.fit(Xm, ym, loss="cross_entropy", optimizer="adam", epochs=2, batch_size=16, seed=0,
              verbose=0)
    assert {w.dtype for w in model.get_weights()} == {np.dtype(np.float32)}
    assert model.predict(Xm).dtype == np.float32


def test_without_parameters_it_computes_in_the_models_dtype() -> None:
    model = Sequential([LayerNormalization(center=False, scale=False)])
    model.build(5, seed=0, dtype=np.float32)
    for training in (False, True):
        assert model.forward(X, training=training).dtype == np.float32
    assert model.backward(G.astype(np.float32), input_grad=True).dtype == np.float32
    y_ref, dx_ref, _, _ = formula(X.astype(np.float32).astype(float), G, 1.0, 0.0, 1e-3)
    np.testing.assert_allclose(model.predict(X), y_ref, rtol=0, atol=1e-5)


def test_a_model_with_layer_norm_learns_the_moons() -> None:
    X_train, y_train = nonlin.datasets.moons(400, noise=0.15, seed=0)
    X_test, y_test = nonlin.datasets.moons(200, noise=0.15, seed=1)
    model = Sequential([Dense(16), LayerNormalization(), ReLU(), Dense(16),
                        LayerNormalization(), ReLU(), Dense(2), Softmax()])
    model.fit(X_train, y_train, loss="cross_entropy", optimizer=nonlin.Adam(0.01), epochs=40,
              batch_size=32, seed=0, verbose=0)
    accuracy = float(np.mean(model.predict(X_test).argmax(axis=1) == y_test))
    assert accuracy > 0.95, accuracy


def _model(center=True, scale=True):
    model = Sequential([Dense(5), LayerNormalization(center=center, scale=scale), Tanh(),
                        Dense(2)]).build(3, seed=0)
    model.fit(RNG.normal(size=(32, 3)), RNG.normal(size=(32, 2)), loss="mse", optimizer="adam",
              epochs=2, batch_size=8, seed=0, verbose=0)
    return model


@pytest.mark.parametrize("center, scale", AFFINE)
def test_save_and_load_predict_identically(tmp_path, center, scale) -> None:
    model = _model(center, scale)
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    x = RNG.normal(size=(9, 3))
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert loaded.get_config() == model.get_config()
    names = [name for name, _, _ in layout(loaded) if name.startswith("1.")]
    assert names == ["1.gamma"] * scale + ["1.beta"] * center


def test_a_checkpoint_resumes_bit_identically(tmp_path) -> None:
    Xc, yc = nonlin.datasets.moons(60, seed=2)

    def run(epochs, **kwargs):
        model = Sequential([Dense(6), LayerNormalization(), ReLU(), Dense(2), Softmax()])
        model.fit(Xc, yc, loss="cross_entropy", optimizer="adam", epochs=epochs, batch_size=16,
                  seed=3, verbose=0, **kwargs)
        return model

    straight = run(4)
    run(2, callbacks=[ModelCheckpoint(tmp_path / "ck.safetensors")])
    resumed = run(4, resume_from=tmp_path / "ck.safetensors")
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()


def test_config_weights_and_summary() -> None:
    layer = LayerNormalization(1, 1e-5, center=False)
    config = layer.get_config()
    assert config == {"axis": 1, "epsilon": 1e-5, "center": False, "scale": True}
    for name in ("LayerNormalization", "LayerNorm"):
        rebuilt = layer_from_config({"class_name": name, "config": config})
        assert type(rebuilt) is LayerNormalization and rebuilt.get_config() == config
    assert LayerNorm is LayerNormalization is LAYERS["LayerNormalization"] is LAYERS["LayerNorm"]
    model = _model()
    again = Sequential.from_config(model.get_config())
    again.set_weights(model.get_weights())
    x = RNG.normal(size=(4, 3))
    np.testing.assert_array_equal(again.predict(x), model.predict(x))
    assert [w.shape for w in model.get_weights()] == [(3, 5), (5,), (5,), (5,), (5, 2), (2,)]
    assert model.count_params() == 20 + 10 + 12
    assert "layer_normalization (LayerNormalization)" in str(model.summary())
    assert repr(model.layers[1]) == ("LayerNormalization(axis=-1, epsilon=0.001, center=True, "
                                     "scale=True)")


def test_a_frozen_layer_keeps_its_weights_and_skips_their_gradients() -> None:
    model = Sequential([Dense(5), LayerNormalization(), Tanh(), Dense(2)]).build(3, seed=0)
    norm = model.layers[1]
    norm.gamma.value[...], norm.beta.value[...] = GAMMA, BETA
    norm.trainable = False
    before = [p.value.copy() for p in norm.parameters()]
    dense_before = model.layers[0].W.value.copy()
    model.fit(RNG.normal(size=(32, 3)), RNG.normal(size=(32, 2)), loss="mse", optimizer="adam",
              epochs=2, batch_size=8, seed=0, verbose=0)
    for p, value in zip(norm.parameters(), before, strict=True):
        assert p.value.tobytes() == value.tobytes()
        assert not p.grad.any()  # never written
    assert not np.array_equal(model.layers[0].W.value, dense_before)  # the others trained
    assert model.count_params() - sum(p.value.size for p in model.parameters()) == 10


def test_constant_rows_give_finite_outputs_and_gradients() -> None:
    for dtype in (np.float64, np.float32):
        layer = layer_with(dtype=dtype)
        x = np.vstack([np.full(5, 7.0), np.zeros(5), np.full(5, -1e5), X[0]]).astype(dtype)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = layer.forward(x, training=True).copy()
            dx = layer.backward(np.ones((4, 5), dtype))
        assert np.all(np.isfinite(y)) and np.all(np.isfinite(dx))
        np.testing.assert_allclose(y[:3], np.broadcast_to(BETA, (3, 5)), atol=1e-6)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"epsilon": 0}, ValueError, r"positive, finite epsilon. Received: epsilon=0"),
    ({"epsilon": -1e-3}, ValueError, r"Received: epsilon=-0.001"),
    ({"epsilon": float("inf")}, ValueError, r"Received: epsilon=inf"),
    ({"epsilon": float("nan")}, ValueError, r"Received: epsilon=nan"),
    ({"epsilon": "1e-3"}, ValueError, r"Received: epsilon='1e-3'"),
    ({"center": "yes"}, TypeError, r"Expected a bool. Received: center='yes'"),
    ({"scale": None}, TypeError, r"Expected a bool. Received: scale=None"),
    ({"axis": 0}, ValueError, r"Expected axis=-1 \(or 1\).*Received: axis=0"),
    ({"axis": 4}, ValueError, r"normalized_shape is not needed.*Received: axis=4"),
    ({"axis": True}, ValueError, r"Received: axis=True"),
    ({"eps": 1e-5}, TypeError, r"'eps': .*epsilon=1e-5"),
    ({"elementwise_affine": False}, TypeError, r"scale=False, center=False"),
    ({"momentum": 0.9}, TypeError, r"unexpected keyword argument 'momentum'$"),
])
def test_arguments_are_checked(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        LayerNormalization(**kwargs)


@pytest.mark.parametrize("dtype, value", [(np.float64, 1e155), (np.float64, 1e300),
                                          (np.float32, 2e19)])
def test_rows_whose_squares_overflow_are_still_normalized(dtype, value) -> None:
    """[v, -v, 0] standardizes to [sqrt(3/2), -sqrt(3/2), 0] whatever v; the squares of
    huge v overflowed (a RuntimeWarning, then zeros; PyTorch returns zeros too)."""
    layer = LayerNormalization(epsilon=1e-5)
    Sequential([layer]).build(3, seed=0, dtype=dtype)
    x = np.array([[value, -value, 0.0], [1.0, 2.0, 3.0]], dtype)
    expected = np.array([[math.sqrt(1.5), -math.sqrt(1.5), 0.0]])
    for training in (False, True):
        y = layer.forward(x, training=training)
        assert y.dtype == dtype
        np.testing.assert_allclose(y[:1], expected, rtol=1e-6)


def test_rows_whose_sum_of_squares_overflows_are_normalized_without_a_warning() -> None:
    """Each square of 1.2e154 is finite; their sum is not (the reduce warned)."""
    layer = LayerNormalization(epsilon=1e-5)
    Sequential([layer]).build(4, seed=0)
    x = np.array([[1.2e154, -1.2e154, 1.2e154, -1.2e154]])
    np.testing.assert_allclose(layer.forward(x), [[1.0, -1.0, 1.0, -1.0]], rtol=1e-12)
