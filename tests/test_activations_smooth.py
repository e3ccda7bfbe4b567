"""SiLU (swish), ELU, SELU and Softplus: values and gradients against PyTorch and their
formulas in float64, the tails, registry names, model files and the command line.

(The shared harness in test_layers.py runs shape, dtype, gradcheck, configs and
extreme inputs over them too.)
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import ELU, SELU, Dense, Sequential, SiLU, Softplus, cli, registry
from nonlin.activations_smooth import SELU_ALPHA, SELU_SCALE

X = np.concatenate([np.linspace(-40.0, 40.0, 1_601), [0.0, -0.0, 1e-300, -1e-300]])[None, :]
G = np.random.default_rng(0).normal(size=X.shape)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


CASES = {  # layer, torch.nn.functional call, y(x), dy/dx (float64 formulas)
    "silu": (SiLU, lambda F, t: F.silu(t), lambda x: x * _sigmoid(x),
             lambda x: _sigmoid(x) * (1 + x * _sigmoid(-x))),
    "elu": (ELU, lambda F, t: F.elu(t), lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
            lambda x: np.where(x > 0, 1.0, np.exp(np.minimum(x, 0)))),
    "elu_0.3": (lambda: ELU(alpha=0.3), lambda F, t: F.elu(t, alpha=0.3),
                lambda x: np.where(x > 0, x, 0.3 * np.expm1(np.minimum(x, 0))),
                lambda x: np.where(x > 0, 1.0, 0.3 * np.exp(np.minimum(x, 0)))),
    "selu": (SELU, lambda F, t: F.selu(t),
             lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0))),
             lambda x: SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0)))),
    # PyTorch returns x past its threshold (20 by default); Keras and nonlin do not
    "softplus": (Softplus, lambda F, t: F.softplus(t, threshold=1e3), lambda x: np.logaddexp(0, x),
                 _sigmoid),
}


def forward_backward(layer: object, x: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, ...]:
    y = layer.forward(x, training=True).copy()  # type: ignore[attr-defined]
    return y, layer.backward(g).copy()  # type: ignore[attr-defined]


def _slope_scale(case: str, x: np.ndarray) -> np.ndarray:
    """The size of the slope's terms: SiLU's, sigmoid(x) + x sigmoid(x) sigmoid(-x),
    crosses 0 near x = -1.28, where only an absolute comparison means anything."""
    if case == "silu":
        return _sigmoid(x) * (1 + np.abs(x) * _sigmoid(-x))
    return np.abs(CASES[case][3](x))


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_and_gradients_match_torch(case: str) -> None:
    torch = pytest.importorskip("torch")
    make, call, _, _ = CASES[case]
    ours_y, ours_dx = forward_backward(make(), X, G)
    xt = torch.tensor(X, requires_grad=True)
    yt = call(torch.nn.functional, xt)
    yt.backward(torch.tensor(G))
    np.testing.assert_allclose(ours_y, yt.detach().numpy(), rtol=1e-15, atol=1e-300)
    scale = np.abs(G) * _slope_scale(case, X)
    if case == "silu":  # PyTorch's sigmoid(x) (1 + x (1 - sigmoid(x))) rounds 1 - sigmoid(x)
        scale += np.abs(G * X) * 0.25 * (X > 0)
    assert (np.abs(ours_dx - xt.grad.numpy()) <= 1e-15 * scale + 1e-300).all()


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_and_gradients_match_their_formulas(case: str) -> None:
    make, _, f, df = CASES[case]
    ours_y, ours_dx = forward_backward(make(), X, G)
    np.testing.assert_allclose(ours_y, f(X), rtol=2e-15, atol=1e-300)
    assert (np.abs(ours_dx - G * df(X)) <= 2e-15 * np.abs(G) * _slope_scale(case, X)).all()


def test_the_tails_keep_their_relative_accuracy() -> None:
    """Where 1 - sigmoid, y + alpha or log(1 + exp(x)) would have lost every digit."""
    x = np.array([[-700.0, -100.0, -40.0, 40.0]])
    e = np.exp(x)
    y, dx = forward_backward(SiLU(), x, np.ones_like(x))
    np.testing.assert_allclose(y[0, :3], (x * e / (1 + e))[0, :3], rtol=1e-15)
    np.testing.assert_allclose(dx[0, :3], (e / (1 + e) * (1 + x / (1 + e)))[0, :3], rtol=1e-14)
    y, dx = forward_backward(ELU(2.0), x, np.ones_like(x))
    np.testing.assert_allclose(dx[0, :3], 2.0 * e[0, :3], rtol=1e-15)  # not 0
    y, dx = forward_backward(Softplus(), x, np.ones_like(x))
    np.testing.assert_allclose(y, [[math.exp(-700), math.exp(-100), math.log1p(math.exp(-40)),
                                    40.0 + math.log1p(math.exp(-40))]], rtol=1e-15)
    np.testing.assert_allclose(dx[0, :3], (e / (1 + e))[0, :3], rtol=1e-15)


@pytest.mark.parametrize("make", [ELU, SELU], ids=["ELU", "SELU"])
@pytest.mark.parametrize("training", [False, True])
def test_elu_and_selu_keep_the_sign_of_zero(make, training: bool) -> None:
    """alpha expm1(-0.0) is -0.0 in PyTorch and Keras; it came out +0.0 here once."""
    layer = make()
    Sequential([layer]).build(4, seed=0)
    y = layer.forward(np.array([[-0.0, 0.0, -1.0, 2.0]]), training=training)
    np.testing.assert_array_equal(np.signbit(y), [[True, False, True, False]])


def test_selu_constants_are_the_standard_ones() -> None:
    assert SELU_ALPHA == 1.6732632423543772848170429916717
    assert SELU_SCALE == 1.0507009873554804934193349852946
    np.testing.assert_array_equal(SELU().forward(np.array([[1.0, 0.0]])), [[SELU_SCALE, 0.0]])
    assert SELU().forward(np.array([[-1e308]]))[0, 0] == -SELU_SCALE * SELU_ALPHA


@pytest.mark.parametrize("bad", [-1.0, math.inf, math.nan, "1", True, None])
def test_elu_alpha_is_validated(bad: object) -> None:
    with pytest.raises(ValueError, match=r"Expected a finite alpha >= 0. Received: alpha="):
        ELU(bad)  # type: ignore[arg-type]


def test_the_registry_knows_them_by_keras_and_torch_names() -> None:
    names = {"silu": SiLU, "swish": SiLU, "elu": ELU, "selu": SELU, "softplus": Softplus}
    for name, cls in names.items():
        assert type(registry.activation(name)) is cls and registry.LAYERS[cls.__name__] is cls
        assert cls.__name__ in nonlin.__all__ and getattr(nonlin, cls.__name__) is cls
    assert registry.activation("elu", alpha=0.5).alpha == 0.5


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_models_with_each_save_and_load(tmp_path: Path, dtype: type) -> None:
    layers = [Dense(5), SiLU(), Dense(5), ELU(0.5), Dense(5), SELU(), Dense(5), Softplus(),
              Dense(2)]
    model = Sequential(layers).build(3, seed=0, dtype=dtype)
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in layers]
    assert "elu (ELU)" in loaded.summary() and "softplus (Softplus)" in loaded.summary()
    assert repr(loaded.layers[3]) == "ELU(alpha=0.5)"
    X = np.random.default_rng(1).normal(size=(20, 3)).astype(dtype) * 4
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded.predict(X).dtype == dtype


def test_the_command_line_trains_with_them_and_info_shows_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(0)
    rows = ["a,b,y"] + [f"{a:.3f},{b:.3f},{int(a * b > 0)}" for a, b in rng.normal(size=(40, 2))]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    out = str(tmp_path / "m.safetensors")
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--epochs", "1",
                     "--hidden", "4", "--activation", "swish", "--quiet", "--out", out]) == 0
    assert cli.main(["info", out]) == 0
    assert "si_lu (SiLU)" in capsys.readouterr().out  # the summary's name (ClassName)
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    shown = capsys.readouterr().out
    assert all(name in shown for name in ("silu", "swish", "elu", "selu", "softplus"))
