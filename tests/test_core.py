"""Sequential: building, determinism, weights in Keras order, errors that say what they received."""

import math

import numpy as np
import pytest

from nonlin import (
    SGD,
    Dense,
    MeanSquaredError,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from nonlin.core import Param, as_rng


def mlp():
    return Sequential([Dense(5), Tanh(), Dense(3, bias=False), ReLU(), Dense(2), Softmax()])


def test_hand_worked_one_sample_example():
    # z = 1*0.5 + 2*(-0.25) + 0.1 = 0.1;  p = sigmoid(0.1);  L = (p - 1)^2 / 2
    model = Sequential([Dense(1), Sigmoid()]).build(2, 0)
    model.set_weights([np.array([[0.5], [-0.25]]), np.array([0.1])])
    x, y = np.array([[1.0, 2.0]]), np.array([[1.0]])
    p = 1 / (1 + math.exp(-0.1))
    assert p == pytest.approx(0.52497918747894, abs=1e-14)
    out = model.forward(x, training=True)
    assert out[0, 0] == pytest.approx(p, rel=1e-15)
    loss = MeanSquaredError()
    assert loss(y, out) == pytest.approx(0.5 * (p - 1) ** 2, rel=1e-15)
    model.backward(loss.grad(y, out))
    delta = (p - 1) * p * (1 - p)  # dL/dz = -0.47502... * 0.24937... = -0.11845...
    assert delta == pytest.approx(-0.1184588, abs=1e-7)
    W, b = model.parameters()
    np.testing.assert_allclose(W.grad, [[1.0 * delta], [2.0 * delta]], rtol=1e-15)
    np.testing.assert_allclose(b.grad, [delta], rtol=1e-15)
    SGD(lr=0.5).step(model.parameters())
    np.testing.assert_allclose(W.value, [[0.5 - 0.5 * delta], [-0.25 - 1.0 * delta]], rtol=1e-15)
    np.testing.assert_allclose(b.value, [0.1 - 0.5 * delta], rtol=1e-15)


def test_same_seed_same_bits_whatever_the_global_state():
    np.random.seed(123)
    first = mlp().build(4, 7).get_weights()
    np.random.seed(999)
    np.random.random(10)
    second = mlp().build(4, 7).get_weights()
    third = mlp().build(4, np.random.default_rng(7)).get_weights()
    for a, b, c in zip(first, second, third, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    other = mlp().build(4, 8).get_weights()
    assert not np.array_equal(first[0], other[0])


def test_build_does_not_touch_the_global_random_state():
    np.random.seed(5)
    before = np.random.get_state()[1].copy()
    mlp().build(4, None)
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_weights_in_keras_order_and_round_trip():
    model = mlp().build(4, 0)
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(4, 5), (5,), (5, 3), (3, 2), (2,)]
    changed = [w + 1.0 for w in weights]
    model.set_weights(changed)
    for got, want in zip(model.get_weights(), changed, strict=True):
        np.testing.assert_array_equal(got, want)
    model.get_weights()[0][0, 0] = 1e9  # copies: the model is not affected
    assert model.get_weights()[0][0, 0] != 1e9


def test_set_weights_rejects_wrong_count_shape_and_values():
    model = mlp().build(4, 0)
    weights = model.get_weights()
    with pytest.raises(ValueError, match="Expected 5 arrays. Received 4"):
        model.set_weights(weights[:-1])
    bad = list(weights)
    bad[2] = np.zeros((3, 5))
    with pytest.raises(ValueError, match=r"weights\[2\].*\(5, 3\). Received shape \(3, 5\)"):
        model.set_weights(bad)
    bad[2] = np.full((5, 3), np.nan)
    with pytest.raises(ValueError, match="finite"):
        model.set_weights(bad)


def test_float32_model_keeps_float32():
    model = mlp().build(4, 0, dtype=np.float32)
    assert all(p.value.dtype == np.float32 for p in model.parameters())
    x = np.ones((3, 4), dtype=np.float32)
    assert model.predict(x).dtype == np.float32
    assert model.forward(x, training=True).dtype == np.float32
    assert model.predict(np.ones((3, 4))).dtype == np.float32


def test_predict_in_batches_equals_one_pass():
    model = mlp().build(4, 0)
    x = np.random.default_rng(0).normal(size=(23, 4))
    np.testing.assert_array_equal(model.predict(x, batch_size=5), model.predict(x))
    np.testing.assert_allclose(model.predict(x).sum(axis=1), 1.0)


def test_wrong_input_width_names_expected_and_received():
    model = mlp().build(4, 0)
    with pytest.raises(ValueError, match=r"Expected input with 4 features. Received .*\(2, 3\)"):
        model.predict(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"2-D.*Received an array of shape \(4,\)"):
        model.predict(np.zeros(4))
    with pytest.raises(ValueError, match="Expected input with 4 features"):
        model.forward(np.zeros((2, 5)))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: mlp().build(0), "n_features=0"),
        (lambda: mlp().build(4, -1), "seed=-1"),
        (lambda: mlp().build(4, "x"), "seed='x'"),
        (lambda: mlp().build(4, dtype=np.int32), "dtype=int32"),
        (lambda: Sequential([]).build(4), "layers=[]"),
        (lambda: Sequential([Dense(2), "relu"]), "layers[1]='relu'"),
        (lambda: SGD(lr=float("nan")), "lr=nan"),
        (lambda: SGD(lr=-0.1), "lr=-0.1"),
        (lambda: SGD(lr=0.1, momentum=1.5), "momentum=1.5"),
        (lambda: mlp().predict(np.zeros((1, 4))), "not built"),
    ],
)
def test_bad_arguments_say_what_they_received(call, message):
    with pytest.raises((ValueError, TypeError, RuntimeError)) as info:
        call()
    assert message in str(info.value)


def test_summary_and_repr():
    model = mlp().build(4, 0)
    text = model.summary()
    assert "dense (Dense)      (None, 5)" in text and "Total params: 48" in text
    assert model.count_params() == 4 * 5 + 5 + 5 * 3 + 3 * 2 + 2
    assert repr(model).startswith("Sequential([Dense(units=5")
    assert "shape=(4, 5)" in repr(model.parameters()[0])


def test_summary_shows_as_a_table_in_an_interactive_session():
    """An interpreter echoes ``repr``: a plain str showed the table as one line of \\n."""
    text = mlp().build(4, 0).summary()
    assert isinstance(text, str) and text.count("\n") == 6 + len(mlp().layers)
    assert repr(text) == str(text) and type(str(text)) is str


def test_config_round_trip_rebuilds_the_architecture():
    model = mlp().build(4, 0, dtype=np.float32)
    clone = Sequential.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    clone.set_weights(model.get_weights())
    x = np.random.default_rng(1).normal(size=(3, 4)).astype(np.float32)
    np.testing.assert_array_equal(clone.predict(x), model.predict(x))


def test_as_rng_accepts_generators_and_rejects_others():
    g = np.random.default_rng(0)
    assert as_rng(g) is g
    with pytest.raises(TypeError, match="seed=1.5"):
        as_rng(1.5)
    with pytest.raises(TypeError):
        as_rng(True)


def test_param_cast():
    p = Param(np.ones((2, 2)), "W")
    p.cast(np.float32)
    assert p.value.dtype == np.float32 and p.grad.dtype == np.float32


@pytest.mark.parametrize("input_grad", [False, True])
def test_backward_runs_a_layer_replaced_by_hand(input_grad):
    """``model.layers[i] = ...`` after build: backward runs the layers forward ran."""
    rng = np.random.default_rng(0)
    x, g = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    edited = Sequential([Dense(5), Tanh(), Dense(2)]).build(3, seed=0)
    edited.layers[1] = ReLU()
    edited.layers[1].build(5, edited.rng)
    plain = Sequential([Dense(5), ReLU(), Dense(2)]).build(3, seed=0)
    results = []
    for model in (edited, plain):
        model.forward(x, training=True)
        dx = model.backward(g, input_grad=input_grad)
        results.append([p.grad.copy() for p in model.parameters()] + [dx])
    for mine, theirs in zip(*results, strict=True):
        np.testing.assert_array_equal(mine, theirs)
