"""variance_scaling, truncated_normal, random_normal, ones, identity and orthogonal's gain:
Keras 3's formulas recomputed from the same generator, nonlin's named initializers as
special cases with the same bits, PyTorch's bounds, and their names in Dense configs."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

import nonlin
from nonlin import registry
from nonlin.initializers import (
    INITIALIZERS,
    glorot_normal,
    glorot_uniform,
    he_normal,
    he_uniform,
    identity,
    lecun_normal,
    lecun_uniform,
    ones,
    orthogonal,
    random_normal,
    truncated_normal,
    variance_scaling,
)
from nonlin.initializers_more import _truncated_normal

NEW = ("variance_scaling", "truncated_normal", "random_normal", "ones", "identity")
SHAPES = [(1, 1), (1, 7), (7, 1), (3, 5), (64, 10), (100, 100)]
RNGS = [np.random.default_rng, np.random.RandomState]


@pytest.mark.parametrize("make_rng", RNGS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("named, kwargs", [
    (glorot_uniform, dict(scale=1.0, mode="fan_avg", distribution="uniform")),
    (he_uniform, dict(scale=2.0, mode="fan_in", distribution="uniform")),
    (lecun_uniform, dict(scale=1.0, mode="fan_in", distribution="uniform")),
    (lecun_normal, dict()),
    (lecun_normal, dict(scale=1.0, mode="fan_in", distribution="truncated_normal")),
    (he_normal, dict(scale=2.0, mode="fan_in", distribution="untruncated_normal")),
    (glorot_normal, dict(scale=1.0, mode="fan_avg", distribution="untruncated_normal")),
])
def test_the_named_initializers_are_variance_scaling_bit_for_bit(named, kwargs, shape, make_rng):
    ours = variance_scaling(make_rng(7), *shape, **kwargs)
    np.testing.assert_array_equal(ours, named(make_rng(7), *shape))
    assert ours.shape == shape and ours.dtype == np.float64


def _keras_variance_scaling(rng, fan_in, fan_out, scale, mode, distribution):
    """Keras 3's VarianceScaling.__call__ written out, drawing as nonlin does."""
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode]
    scale /= max(1.0, n)
    if distribution == "truncated_normal":
        return math.sqrt(scale) / 0.87962566103423978 * _truncated_normal(rng, (fan_in, fan_out))
    if distribution == "untruncated_normal":
        return rng.normal(0.0, math.sqrt(scale), size=(fan_in, fan_out))
    limit = math.sqrt(3.0 * scale)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("scale", [0.1, 1 / 3, 2.0, 7.5])
def test_variance_scaling_is_keras_formula(scale, mode, distribution) -> None:
    for shape in SHAPES:
        ours = variance_scaling(np.random.default_rng(3), *shape, scale=scale, mode=mode,
                                distribution=distribution)
        theirs = _keras_variance_scaling(np.random.default_rng(3), *shape, scale, mode,
                                         distribution)
        np.testing.assert_allclose(ours, theirs, rtol=1e-15, atol=1e-15)  # 3 * scale / n: a bit


@pytest.mark.parametrize("distribution, check", [
    ("truncated_normal", lambda W, s: np.abs(W).max() <= 2 * s / 0.87962566103423978),
    ("untruncated_normal", lambda W, s: np.abs(W).max() > 4 * s),
    ("uniform", lambda W, s: np.abs(W).max() <= math.sqrt(3) * s),
])
def test_variance_scaling_draws_variance_scale_over_n(distribution, check) -> None:
    fan_in, fan_out, scale = 200, 5_000, 2.0  # a million draws; mode fan_out: n = 5,000
    W = variance_scaling(np.random.default_rng(0), fan_in, fan_out, scale=scale,
                         mode="fan_out", distribution=distribution)
    assert W.var() * fan_out / scale == pytest.approx(1.0, rel=0.01)  # se ~0.15%
    assert abs(W.mean()) < 5 * math.sqrt(scale / fan_out / W.size)
    assert check(W, math.sqrt(scale / fan_out))


def test_truncated_and_random_normal_are_keras_draws_with_keras_defaults() -> None:
    z = _truncated_normal(np.random.default_rng(4), (30, 40))
    np.testing.assert_array_equal(truncated_normal(np.random.default_rng(4), 30, 40), 0.05 * z)
    W = truncated_normal(np.random.default_rng(4), 30, 40, mean=1.5, stddev=0.2)
    np.testing.assert_array_equal(W, 1.5 + 0.2 * z)
    assert np.abs(W - 1.5).max() <= 0.4
    for make_rng in RNGS:
        np.testing.assert_array_equal(random_normal(make_rng(5), 30, 40, mean=-1.0, stddev=3.0),
                                      make_rng(5).normal(-1.0, 3.0, size=(30, 40)))
        np.testing.assert_array_equal(random_normal(make_rng(5), 3, 4),
                                      make_rng(5).normal(0.0, 0.05, size=(3, 4)))
    W = random_normal(np.random.default_rng(0), 1000, 1000, mean=2.0, stddev=0.5)
    assert W.mean() == pytest.approx(2.0, abs=5e-3) and W.std() == pytest.approx(0.5, rel=5e-3)


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (5, 2), (1, 1)])
def test_ones_and_identity_are_constant_and_draw_nothing(shape) -> None:
    rng = np.random.default_rng(0)
    before = rng.bit_generator.state
    np.testing.assert_array_equal(ones(rng, *shape), np.ones(shape))
    np.testing.assert_array_equal(identity(rng, *shape), np.eye(*shape))
    np.testing.assert_array_equal(identity(rng, *shape, gain=-2.5), -2.5 * np.eye(*shape))
    assert rng.bit_generator.state == before
    assert identity(rng, *shape).dtype == ones(rng, *shape).dtype == np.float64


@pytest.mark.parametrize("shape", [(7, 3), (3, 7), (5, 5)])
def test_orthogonal_gain_scales_and_leaves_gain_one_unchanged(shape) -> None:
    fan_in, fan_out = shape
    A = np.random.default_rng(2).standard_normal((max(shape), min(shape)))
    q, r = np.linalg.qr(A)
    q *= np.where(np.diagonal(r) < 0, -1.0, 1.0)
    before = q if fan_in >= fan_out else q.T  # the code before the gain
    np.testing.assert_array_equal(orthogonal(np.random.default_rng(2), *shape), before)
    np.testing.assert_array_equal(orthogonal(np.random.default_rng(2), *shape, gain=1.0), before)
    W = orthogonal(np.random.default_rng(2), *shape, gain=3.0)
    np.testing.assert_array_equal(W, 3.0 * before)
    gram = W.T @ W if fan_in >= fan_out else W @ W.T
    np.testing.assert_allclose(gram, 9.0 * np.eye(min(shape)), atol=1e-12)


@pytest.mark.parametrize("call, match", [
    (lambda: variance_scaling(np.random.default_rng(0), 2, 2, scale=0), r"Received: scale=0"),
    (lambda: variance_scaling(np.random.default_rng(0), 2, 2, scale=math.inf),
     r"Received: scale=inf"),
    (lambda: variance_scaling(np.random.default_rng(0), 2, 2, mode="fan"), r"Received: mode='fan'"),
    (lambda: variance_scaling(np.random.default_rng(0), 2, 2, distribution="normal"),
     r"Received: distribution='normal' \(Keras 3 reads it as 'truncated_normal'\)"),
    (lambda: variance_scaling(np.random.default_rng(0), 2, 2, distribution="Uniform"),
     r"Received: distribution='Uniform'"),
    (lambda: truncated_normal(np.random.default_rng(0), 2, 2, stddev=-1),
     r"Expected a finite number >= 0\. Received: stddev=-1"),
    (lambda: truncated_normal(np.random.default_rng(0), 2, 2, mean=-math.inf),
     r"Received: mean=-inf"),
    (lambda: random_normal(np.random.default_rng(0), 2, 2, mean=math.nan), r"Received: mean=nan"),
    (lambda: identity(np.random.default_rng(0), 2, 2, gain=math.inf), r"Received: gain=inf"),
    (lambda: orthogonal(np.random.default_rng(0), 2, 2, gain="2"), r"Received: gain='2'"),
])
def test_bad_parameters_are_refused_naming_the_value(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("name", NEW)
def test_the_new_names_are_known_to_dense_the_registry_and_model_files(name, tmp_path) -> None:
    assert registry.lookup("initializer", name) is INITIALIZERS[name]
    model = nonlin.Sequential([nonlin.Dense(5, init=name), nonlin.Tanh(),
                               nonlin.Dense(2, init=name)]).build(3, seed=0)
    assert model.layers[0].init is INITIALIZERS[name]
    assert model.get_config()["layers"][0]["config"]["init"] == name
    again = nonlin.Sequential.from_config(model.get_config()).build(3, seed=0)
    for a, b in zip(again.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # the name rebuilds the same draw
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert loaded.layers[2].init is INITIALIZERS[name]
    X = np.random.default_rng(0).normal(size=(4, 3))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_parameters_other_than_the_defaults_go_through_python_not_configs(tmp_path) -> None:
    """No config field carries an initializer's parameters: a partial is the user's own."""
    init = functools.partial(variance_scaling, scale=2.0, mode="fan_out", distribution="uniform")
    model = nonlin.Sequential([nonlin.Dense(4, init=init)]).build(3, seed=0)
    np.testing.assert_array_equal(model.layers[0].W.value,
                                  init(np.random.default_rng(0), 3, 4))
    assert model.get_config()["layers"][0]["config"]["init"] == "custom:partial"
    nonlin.save(model, tmp_path / "m.safetensors")
    np.testing.assert_array_equal(nonlin.load(tmp_path / "m.safetensors").get_weights()[0],
                                  model.get_weights()[0])


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("fill, kwargs", [
    ("xavier_uniform_", dict(scale=1.0, mode="fan_avg")),
    ("kaiming_uniform_", dict(scale=2.0, mode="fan_in")),  # a=0, nonlinearity leaky_relu
    ("linear_default", dict(scale=1 / 3, mode="fan_in")),
])
def test_torch_uniform_fills_share_their_bounds(torch, fill, kwargs) -> None:
    """PyTorch stores (fan_out, fan_in); its bound and nonlin's limit agree."""
    fan_in, fan_out = 300, 2000
    weight = torch.empty(fan_out, fan_in, dtype=torch.float64)
    torch.manual_seed(0)
    if fill == "linear_default":  # nn.Linear.reset_parameters
        torch.nn.init.kaiming_uniform_(weight, a=math.sqrt(5))
    else:
        getattr(torch.nn.init, fill)(weight)
    ours = variance_scaling(np.random.default_rng(0), fan_in, fan_out, distribution="uniform",
                            **kwargs)
    theirs = weight.numpy().T
    assert np.abs(theirs).max() <= np.abs(ours).max() * (1 + 1e-4)
    assert np.abs(ours).max() <= np.abs(theirs).max() * (1 + 1e-4)  # both reach the bound
    assert ours.var() == pytest.approx(theirs.var(), rel=0.01)
