"""AlphaDropout, GaussianDropout and GaussianNoise: their formulas on the model's draws
(the same seed, the same bits), PyTorch's AlphaDropout, identity at inference and in
``predict``'s fast path, gradients, gradient checks in both modes, files and checks.

(The shared harness in test_layers.py runs shape, dtype, gradcheck, configs over them too.)
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
    SELU,
    AlphaDropout,
    Dense,
    Dropout,
    GaussianDropout,
    GaussianNoise,
    MeanSquaredError,
    ReLU,
    Sequential,
    Tanh,
    gradcheck,
    registry,
)
from nonlin.activations_smooth import SELU_ALPHA, SELU_SCALE

NOISE = {"alpha_dropout": lambda: AlphaDropout(0.2),
         "gaussian_dropout": lambda: GaussianDropout(0.3),
         "gaussian_noise": lambda: GaussianNoise(0.5)}
SATURATION = -SELU_ALPHA * SELU_SCALE  # -1.7580993...


def alpha_constants(rate: float) -> tuple[float, float]:
    """Keras 3's a and b."""
    a = ((1 - rate) * (1 + rate * SATURATION**2)) ** -0.5
    return a, -a * SATURATION * rate


def built(layer: Any, dtype: Any = np.float64, seed: int = 0, width: int = 6) -> Any:
    Sequential([layer]).build(width, seed=seed, dtype=dtype)
    return layer


def quiet_forward(layer: Any, x: np.ndarray, training: bool = True) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return layer.forward(x, training=training).copy()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_alpha_dropout_is_its_formula_on_dropouts_mask(dtype: type) -> None:
    """A unit is kept where Dropout would keep it from the same generator state, and then
    takes a x + b; a dropped one takes a alpha' + b. Backward: g a mask."""
    x = np.random.default_rng(1).normal(size=(50, 40)).astype(dtype)
    layer, dropout = built(AlphaDropout(0.2), dtype, 5, 40), built(Dropout(0.2), dtype, 5, 40)
    y, kept = quiet_forward(layer, x), quiet_forward(dropout, np.ones_like(x)) != 0
    a, b = alpha_constants(0.2)
    ulp = float(np.finfo(dtype).eps)
    want = np.where(kept, a * x.astype(np.float64) + b, a * SATURATION + b)
    assert y.dtype == dtype and (np.abs(y - want) <= 2 * ulp * (np.abs(want) + b)).all()
    assert 0.75 < kept.mean() < 0.85
    g = np.random.default_rng(2).normal(size=x.shape).astype(dtype)
    np.testing.assert_array_equal(layer.backward(g), g * np.where(kept, dtype(a), dtype(0)))
    assert layer.forward(x) is x and layer.forward(x, training=False) is x


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_alpha_dropout_gives_torchs_values(dtype: type) -> None:
    """PyTorch draws its own mask; each output, its and nonlin's, is one of the two values
    of its formula, to the last bit: x A + B (kept) or B - C (dropped), with A = a,
    B = alpha a rate, C = alpha a in the batch's dtype (alpha = -alpha' = 1.7580993...)."""
    torch = pytest.importorskip("torch")
    rate = 0.3
    x = np.random.default_rng(1).normal(size=(200, 50)).astype(dtype)
    torch.manual_seed(0)
    theirs = torch.nn.functional.alpha_dropout(torch.tensor(x), rate, training=True).numpy()
    ours = quiet_forward(built(AlphaDropout(rate), dtype, width=50), x)
    a = 1 / math.sqrt((SATURATION * SATURATION * rate + 1) * (1 - rate))  # PyTorch's a
    c = dtype(-SATURATION * a)
    b = dtype(-SATURATION * a * rate)
    kept, dropped = x * dtype(a) + b, b - c
    for out in (ours, theirs):
        is_kept = out == kept
        assert out.dtype == dtype and np.all(is_kept | (out == dropped))
        assert abs(is_kept.mean() - (1 - rate)) < 0.02


def test_alpha_dropout_keeps_selus_mean_and_variance() -> None:
    """Self-normalization: N(0, 1) in, about mean 0 and variance 1 out (Klambauer et al.)."""
    x = np.random.default_rng(3).normal(size=(400, 500))
    for rate in (0.05, 0.2, 0.5):
        y = quiet_forward(built(AlphaDropout(rate), width=500), x)
        assert abs(y.mean()) < 0.01 and abs(y.var() - 1.0) < 0.02


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gaussian_layers_are_their_formulas_on_the_models_draws(dtype: type) -> None:
    """The same seed, the same bits: the draws are the model generator's standard normals
    in the batch's dtype."""
    x = np.random.default_rng(1).normal(size=(30, 6)).astype(dtype)
    g = np.random.default_rng(2).normal(size=x.shape).astype(dtype)
    z = np.random.default_rng(7).standard_normal(x.shape, dtype=dtype)
    noise = built(GaussianNoise(0.5), dtype, seed=7)
    y = quiet_forward(noise, x)
    np.testing.assert_array_equal(y, x + z * dtype(0.5))
    assert noise.backward(g) is g
    s = math.sqrt(0.3 / 0.7)
    dropout = built(GaussianDropout(0.3), dtype, seed=7)
    y = quiet_forward(dropout, x)
    factor = z * dtype(s) + dtype(1.0)
    np.testing.assert_array_equal(y, x * factor)
    np.testing.assert_array_equal(dropout.backward(g), g * factor)
    assert y.dtype == dropout.backward(g).dtype == dtype
    big = quiet_forward(built(GaussianDropout(0.3), seed=8, width=500),
                        np.ones((400, 500)))  # Keras': mean 1, standard deviation s
    assert abs(big.mean() - 1) < 0.01 and abs(big.std() - s) < 0.01


@pytest.mark.parametrize("name", NOISE)
def test_the_same_seed_gives_the_same_noise_and_each_step_draws_anew(name: str) -> None:
    X = np.ones((4, 6))
    a = Sequential([NOISE[name]()]).build(6, seed=3)
    b = Sequential([NOISE[name]()]).build(6, seed=3)
    first = a.forward(X, training=True).copy()
    np.testing.assert_array_equal(first, b.forward(X, training=True))
    assert not np.array_equal(first, a.forward(X, training=True))
    layer = a.layers[0]
    layer.freeze_mask()
    frozen = a.forward(X, training=True).copy()
    np.testing.assert_array_equal(frozen, a.forward(X, training=True))
    layer.freeze_mask(False)
    assert not np.array_equal(frozen, a.forward(X, training=True))
    legacy = Sequential([NOISE[name]()]).build(6, seed=np.random.RandomState(0))
    assert legacy.forward(X, training=True).dtype == np.float64


@pytest.mark.parametrize("name", NOISE)
def test_inference_is_the_identity_in_predict_too(name: str) -> None:
    rng = np.random.default_rng(4)
    X = rng.normal(size=(7, 3))
    model = Sequential([Dense(5), NOISE[name](), ReLU(), Dense(2), NOISE[name]()]).build(3, 0)
    plain = Sequential([Dense(5), ReLU(), Dense(2)]).build(3, 0)
    plain.set_weights(model.get_weights())
    np.testing.assert_array_equal(model.predict(X), plain.predict(X))
    np.testing.assert_array_equal(model(X), plain(X))
    alone = Sequential([NOISE[name]()]).build(3, 0)
    out = alone.predict(X)
    np.testing.assert_array_equal(out, X)
    assert not np.shares_memory(out, X)  # predict's result is always a new array


@pytest.mark.parametrize("name", NOISE)
@pytest.mark.parametrize("training", [False, True])
def test_gradcheck_switches_them_off_or_freezes_them(name: str, training: bool) -> None:
    """Without the check's handling, each difference drew new noise (training=True), or
    the analytic pass had noise the inference function has not (training=False)."""
    rng = np.random.default_rng(5)
    X, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    model = Sequential([Dense(6), NOISE[name](), Tanh(), Dense(2)]).build(3, seed=0)
    model.forward(X, training=True)
    state, layer = model.rng.bit_generator.state, model.layers[1]
    knob = getattr(layer, layer.knob)
    assert gradcheck(model, MeanSquaredError(), X, y, training=training) < 1e-7
    assert getattr(layer, layer.knob) == knob and not layer._frozen
    assert model.rng.bit_generator.state == state


def test_rates_of_zero_are_the_identity_in_training() -> None:
    x, g = np.ones((3, 6)), np.full((3, 6), 2.0)
    for layer in (AlphaDropout(0.0), GaussianDropout(0.0), GaussianNoise(0.0)):
        built(layer)
        assert layer.forward(x, training=True) is x and layer.backward(g) is g


def test_they_are_checked_saved_and_registered(tmp_path: Path) -> None:
    for bad in (-0.1, 1.0, math.nan, "0.5", True):
        for cls in (AlphaDropout, GaussianDropout):
            with pytest.raises(ValueError, match=r"Expected a rate in \[0, 1\). Received: rate="):
                cls(bad)
    for bad in (-1.0, math.inf, math.nan, None):
        with pytest.raises(ValueError, match="Expected a finite stddev >= 0. Received: stddev="):
            GaussianNoise(bad)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="This GaussianNoise layer is not built yet"):
        GaussianNoise(0.1).forward(np.ones((2, 2)), training=True)
    with pytest.raises(TypeError, match=r"Expected real numbers \(a float, int or bool array\) "
                                        r"for AlphaDropout.forward. Received dtype complex128"):
        built(AlphaDropout(0.1)).forward(np.ones((2, 6), dtype=complex), training=True)
    ints = built(AlphaDropout(0.1)).forward(np.ones((2, 6), dtype=np.int64), training=True)
    assert ints.dtype == np.float64  # converted, as Dense converts (docs/design.md)
    layers = [Dense(6), SELU(), AlphaDropout(0.1), Dense(6), GaussianDropout(0.2),
              GaussianNoise(1.5), Dense(2)]
    model = Sequential(layers).build(3, seed=0)
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert [repr(layer) for layer in loaded.layers] == [repr(layer) for layer in layers]
    assert repr(loaded.layers[5]) == "GaussianNoise(stddev=1.5)"
    for cls in (AlphaDropout, GaussianDropout, GaussianNoise):
        assert registry.LAYERS[cls.__name__] is cls and cls.__name__ in nonlin.__all__


def test_fit_with_them_is_deterministic() -> None:
    rng = np.random.default_rng(6)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=(40, 1))

    def run() -> list[np.ndarray]:
        model = Sequential([Dense(8, init="lecun_normal"), SELU(), AlphaDropout(0.1),
                            Dense(8), GaussianNoise(0.1), Tanh(), GaussianDropout(0.1),
                            Dense(1)])
        model.fit(X, y, loss="mse", optimizer="sgd", epochs=2, batch_size=8, seed=1, verbose=0)
        return model.get_weights()

    for a, b in zip(run(), run(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", NOISE)
def test_a_refused_step_puts_their_generator_back(name: str) -> None:
    """The step snapshot keeps model.rng when a layer draws from it: a diverged fit
    leaves the generator as after the last finite step (a retried fit draws the refused
    step's noise again), as it does for Dropout."""
    from nonlin import SGD, Callback, DivergenceError

    class StopAfter(Callback):
        def on_batch_end(self, batch: int, logs: Any = None) -> None:
            if batch == stop:
                raise KeyboardInterrupt

    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(64, 3)), rng.integers(0, 3, 64)
    fit = {"loss": "cross_entropy", "optimizer": SGD(1e100), "batch_size": 8, "seed": 0,
           "epochs": 2, "verbose": 0}
    diverged = Sequential([Dense(8), NOISE[name](), Dense(3), nonlin.Softmax()])
    with pytest.raises(DivergenceError) as info:
        diverged.fit(X, y, **fit)
    assert (info.value.epoch, info.value.batch) == (0, 2)
    stop = info.value.batch - 1
    reference = Sequential([Dense(8), NOISE[name](), Dense(3), nonlin.Softmax()])
    with pytest.raises(KeyboardInterrupt):
        reference.fit(X, y, callbacks=[StopAfter()], **{**fit, "optimizer": SGD(1e100)})
    assert diverged.rng.bit_generator.state == reference.rng.bit_generator.state
