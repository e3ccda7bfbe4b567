"""GELU: the exact form (Keras 3's and PyTorch's default), the tanh form without its
cancellation, and model files from before the exact form, which meant the tanh one."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import nonlin
from io_helpers import edit_meta
from nonlin import GELU, Dense, MeanSquaredError, Sequential, gradcheck, registry
from nonlin.io import to_bytes

C, A = math.sqrt(2 / math.pi), 0.044715


@pytest.fixture(scope="module")
def torch_f64() -> object:
    """PyTorch (not a dev dependency: skipped without it); float64 tensors from float64 arrays."""
    return pytest.importorskip("torch")


def forward_backward(layer: GELU, x: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = layer.forward(x, training=True).copy()
    return y, layer.backward(g).copy()


def phi_terms(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Phi(x) and x phi(x) in float64 from math.erfc (good near 0, where the tests use it)."""
    cdf = np.array([math.erfc(-v / math.sqrt(2)) / 2 for v in x.ravel()]).reshape(x.shape)
    return cdf, x * np.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def test_exact_is_the_default_and_the_config_says_which() -> None:
    assert GELU().approximate is False and registry.activation("gelu").approximate is False
    assert GELU().get_config() == {"approximate": False}
    assert GELU(approximate=True).get_config() == {"approximate": True}
    assert repr(GELU(approximate=True)) == "GELU(approximate=True)"
    with pytest.raises(TypeError, match="Expected a bool. Received: approximate='tanh'"):
        GELU(approximate="tanh")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        GELU(True)  # type: ignore[misc]  # keyword only


def test_exact_gelu_and_its_gradient_match_torch(torch_f64: object) -> None:
    torch = torch_f64
    x = np.concatenate([np.linspace(-1.0, 8.0, 901), [0.0, -0.75, 1e-8]])[None, :]
    g = np.random.default_rng(0).normal(size=x.shape)
    ours_y, ours_dx = forward_backward(GELU(), x, g)
    xt = torch.tensor(x, requires_grad=True)
    yt = torch.nn.functional.gelu(xt, approximate="none")
    yt.backward(torch.tensor(g))
    np.testing.assert_allclose(ours_y, yt.detach().numpy(), rtol=1e-15, atol=1e-300)
    # dy/dx = Phi + x phi crosses 0 near x = -0.75: relative to the terms' size there
    cdf, x_pdf = phi_terms(x)
    scale = np.abs(g) * (cdf + np.abs(x_pdf))
    assert (np.abs(ours_dx - xt.grad.numpy()) <= 1e-15 * scale).all()


def test_exact_gelu_and_its_gradient_match_math_erfc() -> None:
    """The torch-free twin of the test above (CI has no torch)."""
    x = np.concatenate([np.linspace(-1.0, 8.0, 901), [0.0, -0.75, 1e-8]])[None, :]
    g = np.random.default_rng(0).normal(size=x.shape)
    ours_y, ours_dx = forward_backward(GELU(), x, g)
    cdf, x_pdf = phi_terms(x)
    np.testing.assert_allclose(ours_y, x * cdf, rtol=1e-15, atol=1e-300)
    assert (np.abs(ours_dx - g * (cdf + x_pdf)) <= 1e-15 * np.abs(g) * (cdf + np.abs(x_pdf))).all()


def test_exact_gelu_keeps_its_digits_in_the_lower_tail() -> None:
    """Where torch's 1 + erf(x / sqrt(2)) has cancelled (x < -1), against mpmath."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    x = np.linspace(-37.0, -1.0, 361)[None, :]
    ours_y, ours_dx = forward_backward(GELU(), x, np.ones_like(x))
    ref_y = np.array([[float(v * mpmath.ncdf(v)) for v in x[0]]])
    ref_dx = np.array([[float(mpmath.ncdf(v) + v * mpmath.npdf(v)) for v in x[0]]])
    np.testing.assert_allclose(ours_y, ref_y, rtol=2e-15)
    np.testing.assert_allclose(ours_dx, ref_dx, rtol=2e-15)


@pytest.mark.parametrize("approximate", [False, True])
def test_gradients_match_finite_differences_across_the_range(approximate: bool) -> None:
    model = Sequential([GELU(approximate=approximate)]).build(9, seed=0)
    x = np.linspace(-9.0, 9.0, 27).reshape(3, 9) + 0.01
    target = np.random.default_rng(1).normal(size=(3, 9))
    assert gradcheck(model, MeanSquaredError(), x, target) < 1e-8


@pytest.mark.parametrize("approximate", [False, True])
def test_float32_stays_float32_and_close_to_float64(approximate: bool) -> None:
    x = np.linspace(-10.0, 10.0, 2_001)[None, :] + 1e-3  # tanh form: 0 in float32 by -11
    g = np.ones_like(x)
    y64, dx64 = forward_backward(GELU(approximate=approximate), x, g)
    x32 = x.astype(np.float32)
    y32, dx32 = forward_backward(GELU(approximate=approximate), x32, g.astype(np.float32))
    assert y32.dtype == dx32.dtype == np.float32
    y_ref, dx_ref = forward_backward(GELU(approximate=approximate), x32.astype(np.float64), g)
    tail = x32 < -4  # the tanh form's error grows with 2|s| there: see the next test
    rel = np.abs(y32 - y_ref) / np.abs(y_ref)
    assert rel[~tail].max() < 2e-6 and rel[tail].max() < (3e-5 if approximate else 2e-6)
    # the slope crosses 0 near x = -0.75: measured against the size of its terms
    assert (np.abs(dx32 - dx_ref) <= 2e-6 * (1 + np.abs(x32) * np.abs(dx_ref) + 1e-3)).all()
    assert np.isfinite(y64).all() and np.isfinite(dx64).all()


def test_tanh_gelu_does_not_cancel_in_float32_for_negative_inputs() -> None:
    """x / 2 * (1 + tanh(s)) lost every float32 digit on [-10, -4] (13x off at -10);
    x * sigmoid(2 s) keeps what float32's rounding of s allows: 2|s| ulps of s, 87 at
    x = -10, 11 at x = -4."""
    x32 = np.linspace(-10.0, -4.0, 601, dtype=np.float32)[None, :]
    y, dx = forward_backward(GELU(approximate=True), x32, np.ones_like(x32))
    x = x32.astype(np.float64)
    s = C * (x + A * x**3)
    sig = 1 / (1 + np.exp(-2 * s))  # sigmoid(2 s), no cancellation for s < 0
    ref_y = x * sig
    ref_dx = sig + x * sig * (1 - sig) * 2 * C * (1 + 3 * A * x**2)
    bound = 1e-6 + 2.5e-7 * np.abs(2 * s)  # ~1e-6 at x = -4, 2e-5 at x = -10
    assert (np.abs(y - ref_y) <= bound * np.abs(ref_y)).all()
    assert (np.abs(dx - ref_dx) <= bound * np.abs(ref_dx)).all()


def test_tanh_gelu_matches_the_tanh_formula_in_float64() -> None:
    x = np.linspace(-30.0, 30.0, 601)[None, :]
    g = np.random.default_rng(2).normal(size=x.shape)
    y, dx = forward_backward(GELU(approximate=True), x, g)
    t = np.tanh(C * (x + A * x**3))
    np.testing.assert_allclose(y, 0.5 * x * (1 + t), rtol=0, atol=1e-14)
    slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * C * (1 + 3 * A * x**2)
    np.testing.assert_allclose(dx, g * slope, rtol=0, atol=1e-13)


# -- model files and configs from before the exact form ---------------------------------------
def _model(approximate: bool) -> Sequential:
    return Sequential([Dense(6), GELU(approximate=approximate), Dense(2)]).build(3, seed=0)


def _old_style(config: dict) -> dict:
    """``config`` without the GELU's ``approximate`` key, as it was written before."""
    for item in config["layers"]:
        if item["class_name"] == "GELU":
            del item["config"]["approximate"]
    return config


def test_a_config_without_approximate_rebuilds_the_tanh_form() -> None:
    assert registry.layer_from_config({"class_name": "GELU", "config": {}}).approximate is True
    config = _model(approximate=True).get_config()
    assert config["layers"][1]["config"] == {"approximate": True}  # always written now
    rebuilt = Sequential.from_config(_old_style(config), seed=0)
    assert rebuilt.layers[1].approximate is True
    exact = registry.layer_from_config({"class_name": "GELU", "config": {"approximate": False}})
    assert exact.approximate is False


def test_an_old_model_file_loads_as_tanh_and_predicts_as_before(tmp_path: Path) -> None:
    model = _model(approximate=True)
    old = edit_meta(to_bytes(model), "architecture", _old_style)
    assert b"approximate" not in old
    path = tmp_path / "old.safetensors"
    path.write_bytes(old)
    loaded = nonlin.load(path)
    assert loaded.layers[1].approximate is True
    X = np.random.default_rng(3).normal(size=(50, 3)) * 3
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    # the tanh formula as the file's writer computed it (0.5 x (1 + tanh s)), to rounding
    h = X @ model.layers[0].W.value + model.layers[0].b.value
    before = 0.5 * h * (1 + np.tanh(C * (h + A * h**3)))
    expected = before @ model.layers[2].W.value + model.layers[2].b.value
    np.testing.assert_allclose(loaded.predict(X), expected, rtol=1e-13, atol=1e-15)
    assert not np.allclose(_model(approximate=False).predict(X), expected, rtol=1e-5)
    nonlin.save(loaded, path)  # saved again: the key is written, the form kept
    assert nonlin.load(path).layers[1].get_config() == {"approximate": True}


def test_an_old_checkpoint_resumes_only_into_the_tanh_form(tmp_path: Path) -> None:
    """GELU() is exact now: resuming a checkpoint of a tanh GELU into it is refused,
    naming the difference; GELU(approximate=True) resumes it."""
    from nonlin.checkpoint import checkpoint_bytes

    X = np.random.default_rng(4).normal(size=(32, 3))
    y = X @ np.ones((3, 2))
    model = _model(approximate=True)
    model.fit(X, y, loss="mse", optimizer="sgd", epochs=1, batch_size=8, verbose=0, seed=0)
    path = tmp_path / "old.ckpt.safetensors"
    old = edit_meta(checkpoint_bytes(model, epoch=1), "architecture", _old_style)
    assert b"approximate" not in old
    path.write_bytes(old)
    fresh = Sequential([Dense(6), GELU(), Dense(2)])
    with pytest.raises(ValueError, match=r"different model \(layers\[1\].*'approximate': True"):
        fresh.fit(X, y, loss="mse", optimizer="sgd", epochs=2, batch_size=8, verbose=0,
                  resume_from=path)
    tanh = Sequential([Dense(6), GELU(approximate=True), Dense(2)])
    tanh.fit(X, y, loss="mse", optimizer="sgd", epochs=2, batch_size=8, verbose=0,
             resume_from=path)
    assert len(tanh.history.history["loss"]) == 2
