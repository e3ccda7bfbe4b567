"""Mish, ReLU6, HardSigmoid, HardSwish (hard_silu) and Softsign: values and gradients
against PyTorch in float64 and float32 and against their formulas (torch-free twins), the
slopes at the kinks, the tails, registry names, model files and the command line.

(The shared harness in test_layers.py runs shape, dtype, gradcheck, configs and extreme
inputs over them too.)
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import (
    Dense,
    HardSigmoid,
    HardSwish,
    MeanSquaredError,
    Mish,
    ReLU6,
    Sequential,
    Softsign,
    cli,
    gradcheck,
    registry,
)

KINKS = [-3.0, 0.0, 3.0, 6.0, -0.0]
X = np.concatenate([np.linspace(-40.0, 40.0, 1_601), KINKS, [1e-300, -1e-300, -700.0, -745.0,
                                                             700.0]])[None, :]
G = np.random.default_rng(0).normal(size=X.shape)


def _mish_parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """tanh(softplus(x)) and 1 - tanh(softplus(x))^2 = 1 / cosh(softplus(x))^2 (no
    cancellation near t = 1), in float64."""
    softplus = np.logaddexp(0.0, x)
    e = np.exp(-softplus)  # sech(s) = 2 e^-s / (1 + e^-2s): nothing overflows
    return np.tanh(softplus), (2 * e / (1 + e * e)) ** 2


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _hard_sigmoid(x: np.ndarray) -> np.ndarray:
    return np.clip(x + 3.0, 0.0, 6.0) / 6.0


CASES: dict[str, tuple[Any, ...]] = {  # layer, torch.nn.functional name, y(x), dy/dx (float64)
    "mish": (Mish, "mish", lambda x: x * _mish_parts(x)[0],
             lambda x: _mish_parts(x)[0] + x * _sigmoid(x) * _mish_parts(x)[1]),
    "relu6": (ReLU6, "relu6", lambda x: np.clip(x, 0.0, 6.0), lambda x: 1.0 * ((x > 0) & (x < 6))),
    "hard_sigmoid": (HardSigmoid, "hardsigmoid", _hard_sigmoid,
                     lambda x: ((x > -3) & (x < 3)) / 6.0),
    "hard_swish": (HardSwish, "hardswish", lambda x: x * _hard_sigmoid(x),
                   lambda x: np.where(x <= -3, 0.0, np.where(x < 3, x / 3 + 0.5, 1.0))),
    "softsign": (Softsign, "softsign", lambda x: x / (1 + np.abs(x)),
                 lambda x: 1 / (1 + np.abs(x)) ** 2),
}


def forward_backward(layer: Any, x: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, ...]:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no floating-point warning
        y = layer.forward(x, training=True).copy()
        return y, layer.backward(g).copy(), layer.forward(x)


def _slope_scale(case: str, x: np.ndarray, torch: bool = False) -> np.ndarray:
    """The size of the slope's terms: Mish's t + x sigmoid(x) (1 - t^2) crosses 0 near
    x = -1.19, where only an absolute comparison means anything. PyTorch's slopes lose
    digits that nonlin's keep (the formula test holds these to a few ulps): its Mish
    rounds 1 - t^2 as t -> 1 (an error of eps |x|), its Softsign slope, 1 / (1 + |x|) -
    |x| / (1 + |x|)^2 by autograd, cancels (nonlin's: 1 / (1 + |x|)^2)."""
    if case == "mish":
        t, sech2 = _mish_parts(x)
        return np.abs(t) + np.abs(x) * _sigmoid(x) * sech2 + np.abs(x) * torch
    if case == "softsign" and torch:
        return 2 / (1 + np.abs(x))
    return np.abs(CASES[case][3](x)) + 1.0 * (case == "hard_swish")


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", sorted(CASES))
def test_values_and_gradients_match_torch(case: str, dtype: type) -> None:
    torch = pytest.importorskip("torch")
    make, name, _, _ = CASES[case]
    x, g = X.astype(dtype), G.astype(dtype)
    ours_y, ours_dx, inference = forward_backward(make(), x, g)
    xt = torch.tensor(x, requires_grad=True)
    yt = getattr(torch.nn.functional, name)(xt)
    yt.backward(torch.tensor(g))
    theirs_y, theirs_dx = yt.detach().numpy(), xt.grad.numpy()
    assert ours_y.dtype == ours_dx.dtype == inference.dtype == dtype
    np.testing.assert_array_equal(inference, ours_y)
    ulp = float(np.finfo(dtype).eps)
    # HardSwish rounds x hard_sigmoid(x) (Keras' order), PyTorch (x relu6(x + 3)) / 6
    tiny = float(np.finfo(dtype).tiny)  # below it, subnormals: absolute
    assert (np.abs(ours_y - theirs_y) <= 4 * ulp * np.abs(theirs_y) + tiny).all()
    # PyTorch's float64 HardSigmoid slope is 1 / 6 rounded to float32
    tol = 1e-7 if (case, dtype) == ("hard_sigmoid", np.float64) else 8 * ulp
    scale = np.abs(g) * _slope_scale(case, x.astype(np.float64), torch=True)
    assert (np.abs(ours_dx - theirs_dx) <= tol * scale + tiny).all()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("case", sorted(CASES))
def test_values_and_gradients_match_their_formulas(case: str, dtype: type) -> None:
    make, _, f, df = CASES[case]
    x, g = X.astype(dtype), G.astype(dtype)
    ours_y, ours_dx, _ = forward_backward(make(), x, g)
    x64, g64 = x.astype(np.float64), g.astype(np.float64)
    ulp = float(np.finfo(dtype).eps)
    tiny = float(np.finfo(dtype).tiny)  # below it, subnormals: absolute
    assert (np.abs(ours_y - f(x64)) <= 4 * ulp * np.abs(f(x64)) + tiny).all()
    assert (np.abs(ours_dx - g64 * df(x64)) <= 8 * ulp * np.abs(g64) * _slope_scale(case, x64)
            + tiny).all()


def test_the_slopes_at_the_kinks_are_pytorchs() -> None:
    x = np.array([[-3.0, 0.0, 3.0, 6.0]])
    g = np.ones_like(x)
    np.testing.assert_array_equal(forward_backward(ReLU6(), x, g)[1], [[0.0, 0.0, 1.0, 0.0]])
    np.testing.assert_array_equal(forward_backward(HardSigmoid(), x, g)[1],
                                  [[0.0, 1 / 6, 0.0, 0.0]])
    np.testing.assert_array_equal(forward_backward(HardSwish(), x, g)[1], [[0.0, 0.5, 1.0, 1.0]])


def test_the_tails_keep_their_relative_accuracy() -> None:
    """Where x tanh(log1p(exp(x))) - or 1 - t^2 - would have lost every digit."""
    x = np.array([[-700.0, -100.0, -40.0, 18.75, 40.0]])
    y, dx, _ = forward_backward(Mish(), x, np.ones_like(x))
    e = np.exp(x[0, :3])  # t = e (e + 2) / (e (e + 2) + 2) for x < 0
    t = e * (e + 2) / (e * (e + 2) + 2)
    np.testing.assert_allclose(y[0, :3], x[0, :3] * t, rtol=1e-15)
    w = math.exp(-18.75)  # mish'(x) = 1 + (4 x - 2) w^2 + O(w^3) for large x
    assert dx[0, 3] == pytest.approx(1 + (4 * 18.75 - 2) * w * w, rel=1e-16) and dx[0, 3] > 1
    y, dx, _ = forward_backward(Softsign(), np.array([[1e8, -1e300]]), np.ones((1, 2)))
    np.testing.assert_allclose(dx, [[1 / (1 + 1e8) ** 2, 0.0]], rtol=1e-15)


def test_extremes_are_finite_and_exact() -> None:
    x = np.array([[1e308, -1e308, -0.0, 0.0]])
    for make, expected in [(Mish, [1e308, -0.0, -0.0, 0.0]), (ReLU6, [6.0, 0.0, -0.0, 0.0]),
                           (HardSigmoid, [1.0, 0.0, 0.5, 0.5]),
                           (HardSwish, [1e308, -0.0, -0.0, 0.0]),
                           (Softsign, [1.0, -1.0, -0.0, 0.0])]:
        y, dx, _ = forward_backward(make(), x, np.ones_like(x))
        np.testing.assert_array_equal(y, [expected])
        np.testing.assert_array_equal(np.signbit(y), np.signbit([expected]))
        assert np.isfinite(dx).all()


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradcheck_away_from_the_kinks(case: str) -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(-8.0, 8.0, size=(6, 5))
    for kink in (-3.0, 0.0, 3.0, 6.0):
        near = np.abs(x - kink) < 0.05
        x[near] += 0.1
    model = Sequential([Dense(5), CASES[case][0](), Dense(2)]).build(5, seed=0)
    model.layers[0].W.value[...] = np.eye(5) * 1.0  # the activation sees x itself
    target = rng.normal(size=(6, 2))
    assert gradcheck(model, MeanSquaredError(), x, target) < 1e-7


def test_the_registry_knows_them_by_keras_names() -> None:
    names = {"mish": Mish, "relu6": ReLU6, "hard_sigmoid": HardSigmoid, "hard_silu": HardSwish,
             "hard_swish": HardSwish, "softsign": Softsign}
    for name, cls in names.items():
        assert type(registry.activation(name)) is cls and registry.LAYERS[cls.__name__] is cls
        assert cls.__name__ in nonlin.__all__ and getattr(nonlin, cls.__name__) is cls


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_models_with_each_save_and_load(tmp_path: Path, dtype: type) -> None:
    layers = [Dense(5), Mish(), Dense(5), ReLU6(), Dense(5), HardSigmoid(), Dense(5),
              HardSwish(), Dense(5), Softsign(), Dense(2)]
    model = Sequential(layers).build(3, seed=0, dtype=dtype)
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in layers]
    X = np.random.default_rng(1).normal(size=(20, 3)).astype(dtype) * 4
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.predict(X).dtype == dtype
    h = X.astype(dtype)  # predict's fast path gives each layer's own inference bits
    for layer in model.layers:
        h = layer.forward(h)
    np.testing.assert_array_equal(model.predict(X), h)


def test_the_command_line_trains_with_them(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(0)
    rows = ["a,b,y"] + [f"{a:.3f},{b:.3f},{int(a * b > 0)}" for a, b in rng.normal(size=(40, 2))]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    out = str(tmp_path / "m.safetensors")
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--epochs", "1",
                     "--hidden", "4", "--activation", "hard_silu", "--quiet", "--out", out]) == 0
    assert cli.main(["info", out]) == 0
    assert "hard_swish (HardSwish)" in capsys.readouterr().out  # the summary's name (Class)
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    shown = capsys.readouterr().out
    assert all(name in shown for name in ("mish", "relu6", "hard_sigmoid", "softsign"))


@pytest.mark.parametrize("loss, layers", [
    ("binary_crossentropy", [Dense(1), HardSigmoid()]),
    ("kld", [Dense(1), HardSigmoid()]),
    ("poisson", [Dense(1), HardSigmoid()]),
    ("poisson", [Dense(1), ReLU6()])])
def test_fit_takes_their_bounded_outputs_for_what_the_loss_needs(loss: str, layers: list) -> None:
    """HardSigmoid gives probabilities in [0, 1], ReLU6 rates >= 0: fit warned that they
    were unbounded scores, as it warns for a Dense or Tanh output."""
    X, y = np.array([[0.1], [0.2]]), np.array([[1.0], [0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Sequential(layers).fit(X, y, loss=loss, optimizer=nonlin.SGD(1e-3), seed=0, verbose=0)
