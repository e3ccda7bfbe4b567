"""One harness over every layer: shape, dtype kept, gradient check, config round trip, extremes."""

import math
import warnings

import numpy as np
import pytest

from nonlin import (
    ELU,
    GELU,
    SELU,
    AlphaDropout,
    Dense,
    Exp,
    GaussianDropout,
    GaussianNoise,
    HardSigmoid,
    HardSwish,
    Identity,
    LayerNormalization,
    LeakyReLU,
    MeanSquaredError,
    Mish,
    Normalization,
    PReLU,
    ReLU,
    ReLU6,
    Sequential,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Softsign,
    Tanh,
    gradcheck,
)
from nonlin.registry import LAYERS, layer_from_config

LAYER_FACTORIES = {
    "dense": lambda: Dense(5),
    "dense_no_bias": lambda: Dense(3, bias=False, init="he_normal"),
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": lambda: LeakyReLU(0.2),
    "gelu": GELU,
    "gelu_tanh": lambda: GELU(approximate=True),
    "softmax": Softmax,
    "identity": Identity,
    "exp": Exp,
    "layer_norm": LayerNormalization,
    "layer_norm_plain": lambda: LayerNormalization(epsilon=1e-5, center=False, scale=False),
    "normalization": lambda: Normalization(mean=[0.5, -1.0, 2.0, 0.0],
                                           variance=[2.0, 0.5, 1.0, 4.0]),
    "normalization_invert": lambda: Normalization(mean=0.5, variance=2.0, invert=True),
    "silu": SiLU,
    "elu": lambda: ELU(0.7),
    "selu": SELU,
    "softplus": Softplus,
    "mish": Mish,
    "relu6": ReLU6,
    "hard_sigmoid": HardSigmoid,
    "hard_swish": HardSwish,
    "softsign": Softsign,
    "prelu": lambda: PReLU(0.3),
    "prelu_shared": lambda: PReLU(-0.2, shared=True),
    "alpha_dropout": lambda: AlphaDropout(0.2),
    "gaussian_dropout": lambda: GaussianDropout(0.2),
    "gaussian_noise": lambda: GaussianNoise(0.3),
}
N_IN = 4


def built(factory, dtype=np.float64, seed=0):
    return Sequential([factory()]).build(N_IN, seed, dtype=dtype)


def inputs(n, dtype=np.float64, seed=1):
    # Keep ReLU-family inputs away from the kink at 0, where differences are not derivatives.
    x = np.random.default_rng(seed).normal(size=(n, N_IN))
    x += np.where(x >= 0, 0.1, -0.1)
    return x.astype(dtype)


@pytest.mark.parametrize("name", LAYER_FACTORIES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shape_and_dtype_kept(name, dtype):
    model = built(LAYER_FACTORIES[name], dtype)
    for training in (False, True):
        y = model.forward(inputs(7, dtype), training=training)
        assert y.dtype == dtype
        assert y.shape == (7, model.n_outputs)
    grad_in = model.backward(np.ones_like(y), input_grad=True)
    assert grad_in.dtype == dtype and grad_in.shape == (7, N_IN)
    assert all(p.grad.dtype == dtype for p in model.parameters())


@pytest.mark.parametrize("name", LAYER_FACTORIES)
@pytest.mark.parametrize("batch", [1, 7])
def test_gradients_match_finite_differences(name, batch):
    model = built(LAYER_FACTORIES[name])
    x = inputs(batch)
    target = np.random.default_rng(2).normal(size=(batch, model.n_outputs))
    assert gradcheck(model, MeanSquaredError(), x, target) < 1e-6


@pytest.mark.parametrize("name", LAYER_FACTORIES)
def test_config_round_trip(name):
    layer = LAYER_FACTORIES[name]()
    item = {"class_name": type(layer).__name__, "config": layer.get_config()}
    rebuilt = layer_from_config(item)
    assert type(rebuilt) is type(layer)
    assert rebuilt.get_config() == layer.get_config()
    assert repr(rebuilt) == repr(layer)
    assert LAYERS[type(layer).__name__] is type(layer)


def test_first_layer_skips_input_gradient():
    model = built(LAYER_FACTORIES["dense"])
    model.forward(inputs(3), training=True)
    assert model.backward(np.ones((3, 5))) is None
    assert model.layers[0].input_grad is False
    assert model.backward(np.ones((3, 5)), input_grad=True).shape == (3, N_IN)
    assert model.layers[0].input_grad is False


def test_inference_outputs_are_fresh_arrays():
    model = built(LAYER_FACTORIES["sigmoid"])
    first = model.predict(inputs(3))
    kept = first.copy()
    model.predict(inputs(3, seed=5))
    np.testing.assert_array_equal(first, kept)


EXTREMES = {
    "large": np.array([[1e3, -1e3, 0.0, 5.0]]),
    "huge": np.array([[1e308, -1e308, 1e308, -1e308]]),
    "mixed": np.array([[1e308, -1e3, 0.0, -1e308]]),
    "equal_rows": np.full((3, N_IN), 7.0),
}


@pytest.mark.parametrize("case", EXTREMES)  # (not GaussianDropout: x (1 + s z) may pass 1.8e308)
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "gelu", "gelu_tanh",
                                  "softmax", "silu", "elu", "selu", "softplus", "mish", "relu6",
                                  "hard_sigmoid", "hard_swish", "softsign", "prelu",
                                  "alpha_dropout", "gaussian_noise"])
def test_extreme_inputs_are_finite_and_quiet(name, case):
    x = EXTREMES[case]
    layer = LAYER_FACTORIES[name]()
    layer.build(N_IN, np.random.default_rng(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = layer.forward(x, training=True)
        grad_in = layer.backward(np.ones_like(y))
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(grad_in))
    if name in ("sigmoid", "softmax"):
        assert np.all((y >= 0) & (y <= 1))
    if name == "softmax":
        np.testing.assert_allclose(y.sum(axis=1), 1.0)


def test_extreme_values_are_correct():
    x = np.array([[1e308, -1e308, 0.0, 1e3]])
    np.testing.assert_array_equal(Sigmoid().forward(x)[0, [0, 2, 3]], [1.0, 0.5, 1.0])
    assert 0.0 <= Sigmoid().forward(x)[0, 1] < 1e-300
    np.testing.assert_array_equal(GELU().forward(x), [[1e308, -0.0, 0.0, 1e3]])
    np.testing.assert_array_equal(GELU(approximate=True).forward(x), [[1e308, -0.0, 0.0, 1e3]])
    np.testing.assert_array_equal(Softmax().forward(x), [[1.0, 0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(Softmax().forward(np.full((2, 4), 3.0)), np.full((2, 4), 0.25))
    np.testing.assert_array_equal(LeakyReLU(0.5).forward(x), [[1e308, -5e307, 0.0, 1e3]])


@pytest.mark.parametrize("alpha", [0.0, 0.01, 0.3, 1.0, 2.5])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_leaky_relu_is_its_formula_forward_and_backward(alpha, dtype):
    """x or alpha x, and g or alpha g, entry by entry (alpha above 1 takes the other
    branch of the forward and backward), with zeros, infinities and NaN among the x."""
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((16, 24)) * 3).astype(dtype)
    x[0, :6] = [0.0, -0.0, np.inf, np.nan, 1e-30, -1e-30]
    if alpha:
        x[0, 6] = -np.inf  # 0 * -inf is NaN: left out for alpha = 0
    g = rng.standard_normal(x.shape).astype(dtype)
    layer = LeakyReLU(alpha)
    positive = x > 0
    with np.errstate(invalid="ignore"):  # 0 * inf
        y = layer.forward(x, training=True).copy()
        grad = layer.backward(g)
        expected = np.where(positive, x, x * dtype(alpha))
        inference = layer.forward(x)
    np.testing.assert_array_equal(y, expected)
    assert y.dtype == grad.dtype == dtype
    np.testing.assert_array_equal(grad, np.where(positive, g, g * dtype(alpha)))
    np.testing.assert_array_equal(inference, expected)


def test_leaky_relu_backward_follows_an_alpha_set_after_a_first_step():
    """The slope floor is kept between steps; a new alpha (set by hand, say) must reach
    the backward as it reaches the forward (it kept the old floor once)."""
    layer = LeakyReLU(0.1)
    x, g = np.array([[-2.0, 3.0]]), np.ones((1, 2))
    layer.forward(x, training=True)
    layer.backward(g)
    for alpha in (0.3, 2.0):
        layer.alpha = alpha
        layer.forward(x, training=True)
        np.testing.assert_array_equal(layer.backward(g), [[alpha, 1.0]])


def test_leaky_relus_of_many_widths_keep_their_slope_blocks_from_step_to_step():
    """Each layer keeps its own block: a cache shared by all (8 entries) made one anew in
    every backward once more than 8 shapes were in use."""
    layers = [LeakyReLU(0.1) for _ in range(10)]
    for i, layer in enumerate(layers):
        x = np.linspace(-1.0, 1.0, 4 * (i + 3)).reshape(4, i + 3)
        layer.forward(x, training=True)
        layer.backward(np.ones_like(x))
    kept = [layer._floor[0] for layer in layers]
    for i, layer in enumerate(layers):
        x = np.linspace(-1.0, 1.0, 4 * (i + 3)).reshape(4, i + 3)
        layer.forward(x, training=True)
        layer.backward(np.ones_like(x))
    assert all(layer._floor[0] is block for layer, block in zip(layers, kept, strict=True))


def test_activation_values_match_formulas():
    x = np.linspace(-4, 4, 9)[None, :]
    np.testing.assert_allclose(Sigmoid().forward(x), 1 / (1 + np.exp(-x)), rtol=1e-15)
    np.testing.assert_allclose(Tanh().forward(x), np.tanh(x), rtol=1e-15)
    np.testing.assert_array_equal(ReLU().forward(x), np.maximum(x, 0))
    # the tanh form as x * sigmoid(2 s): 0.5 * (1 + tanh(s)) cancels (3e-12 off at x = -4)
    tanh_gelu = x / (1 + np.exp(-2 * np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    np.testing.assert_allclose(GELU(approximate=True).forward(x), tanh_gelu, rtol=1e-14)
    exact_gelu = x * np.array([[math.erfc(-v / math.sqrt(2)) / 2 for v in x[0]]])
    np.testing.assert_allclose(GELU().forward(x), exact_gelu, rtol=1e-14)
    np.testing.assert_array_equal(Exp().forward(x), np.exp(x))


def test_exp_stays_finite_past_the_largest_exponent():
    x = np.array([[1e308, 709.0, -1e308]])
    np.testing.assert_array_equal(Exp().forward(x), [[np.exp(709.0), np.exp(709.0), 0.0]])
    x32 = np.array([[3e38, 88.0, -3e38]], dtype=np.float32)
    assert np.isfinite(Exp().forward(x32)).all() and Exp().forward(x32).dtype == np.float32


def test_sigmoid_backward_is_the_tutorials_expression():
    layer = Sigmoid()
    y = layer.forward(np.array([[0.3, -1.2]]), training=True).copy()
    g = np.array([[0.7, -2.0]])
    np.testing.assert_array_equal(layer.backward(g), g * (y * (1 - y)))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Dense(0), "units=0"),
        (lambda: Dense(-3), "units=-3"),
        (lambda: Dense(2.5), "units=2.5"),
        (lambda: Dense(4, init="nope"), "init='nope'"),
        (lambda: LeakyReLU(-1.0), "alpha=-1.0"),
        (lambda: ELU(-1.0), "alpha=-1.0"),
    ],
)
def test_bad_constructor_arguments(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        make()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "gelu", "gelu_tanh",
                                  "softmax", "silu", "elu", "selu", "softplus", "mish", "relu6",
                                  "hard_sigmoid", "hard_swish", "softsign", "prelu"])
def test_training_forward_equals_inference_as_batch_sizes_change(name, dtype):
    """Training forwards reuse buffers (ReLU also a zeros buffer): a new batch size
    or dtype must not leak an old buffer into the result."""
    layer = LAYER_FACTORIES[name]()
    layer.build(N_IN, np.random.default_rng(0))
    for param in layer.parameters():  # PReLU's slopes: in the batch's dtype, as build casts
        param.cast(np.dtype(dtype))
    rng = np.random.default_rng(1)
    for rows in (5, 3, 5, 8):
        x = (rng.normal(size=(rows, N_IN)) * 3).astype(dtype)
        expected = layer.forward(x)
        got = layer.forward(x, training=True)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got, expected)


def test_a_callable_init_without_a_name_is_described(tmp_path):
    # functools.partial and callable objects have no __name__: repr(model), get_config
    # and save raised a raw AttributeError.
    import functools

    from nonlin import save
    from nonlin.initializers import INITIALIZERS

    init = functools.partial(INITIALIZERS["glorot_uniform"])
    model = Sequential([Dense(2, init=init)]).build(3, seed=0)
    assert model.get_config()["layers"][0]["config"]["init"] == "custom:partial"
    assert "Dense" in repr(model)
    save(model, tmp_path / "m.safetensors")  # the weights are in the file: it loads as saved
