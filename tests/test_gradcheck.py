"""gradcheck compares one function in both passes (inference or training mode, the L2
penalty included), scores near-zero gradients with an absolute floor, still fails a
1%-wrong rule clearly, and leaves the model as it found it."""

from __future__ import annotations

import numpy as np
import pytest

from nonlin import (
    BatchNorm,
    CrossEntropy,
    Dense,
    Dropout,
    MeanSquaredError,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    gradcheck,
)

RNG = np.random.default_rng(0)
X, Y = RNG.normal(size=(7, 3)), RNG.normal(size=(7, 3))


def _bn(bias: bool = True) -> Sequential:
    return Sequential([Dense(4, bias=bias), BatchNorm(), Tanh(), Dense(3)]).build(3, seed=0)


def _moved_statistics(model: Sequential) -> Sequential:
    """Running statistics away from (0, 1), so inference differs from identity."""
    for layer in model.layers:
        if isinstance(layer, BatchNorm):
            layer.moving_mean[:] = RNG.normal(size=4)
            layer.moving_variance[:] = RNG.random(4) + 0.5
    return model


@pytest.mark.parametrize("training", [False, True])
def test_the_l2_penalty_is_part_of_the_checked_loss(training) -> None:
    model = Sequential([Dense(4, l2=0.1), Tanh(), Dense(3, l2=0.5)]).build(3, seed=0)
    assert gradcheck(model, MeanSquaredError(), X, Y, training=training) < 1e-7


@pytest.mark.parametrize(
    "layers",
    [
        [Dense(4), Dropout(0.5), Dense(3)],
        [Dense(4, bias=False), BatchNorm(), Dense(3)],
        [Dense(4), BatchNorm(), Dropout(0.3), Tanh(), Dense(3)],
    ],
    ids=["dropout", "batchnorm", "both"],
)
@pytest.mark.parametrize("training", [False, True])
def test_both_passes_compute_the_same_mode(layers, training) -> None:
    model = _moved_statistics(Sequential(layers).build(3, seed=0))
    assert gradcheck(model, MeanSquaredError(), X, Y, training=training) < 1e-7


def test_frozen_statistics_compute_the_inference_function() -> None:
    model = _moved_statistics(_bn())
    bn, before = model.layers[1], model.get_state()
    bn.freeze_statistics()
    np.testing.assert_allclose(model.forward(X, training=True), model.predict(X), rtol=1e-13)
    for key, value in model.get_state().items():
        np.testing.assert_array_equal(value, before[key])
    bn.freeze_statistics(False)
    model.forward(X, training=True)
    assert not np.array_equal(model.get_state()["1.moving_mean"], before["1.moving_mean"])


@pytest.mark.parametrize("training", [False, True])
def test_the_check_leaves_the_model_as_it_found_it(training) -> None:
    model = Sequential([Dense(4), BatchNorm(), Dropout(0.5), Dense(3)]).build(3, seed=0)
    model.forward(X, training=True)  # moves the running statistics, draws a mask
    weights, state, rng = model.get_weights(), model.get_state(), model.rng.bit_generator.state
    gradcheck(model, MeanSquaredError(), X, Y, training=training)
    for got, want in zip(model.get_weights(), weights, strict=True):
        np.testing.assert_array_equal(got, want)
    for key, value in model.get_state().items():
        np.testing.assert_array_equal(value, state[key])
    assert model.rng.bit_generator.state == rng
    assert model.layers[2].rate == 0.5 and not model.layers[2]._frozen
    assert not model.layers[1]._frozen
    first = model.forward(X, training=True).copy()  # masks are drawn again
    assert not np.array_equal(first, model.forward(X, training=True))


def test_the_check_leaves_the_gradients_of_a_step_in_progress() -> None:
    """backward, gradcheck, then the optimizer's step: the step used to take the
    check's gradients (of its own X and y), not the ones of the user's batch."""
    from nonlin import SGD

    model, twin = (Sequential([Dense(4), Tanh(), Dense(3)]).build(3, seed=0) for _ in range(2))
    for m in (model, twin):
        m.backward(MeanSquaredError().grad(Y[:4], m.forward(X[:4], training=True)))
    grads = [p.grad.copy() for p in model.parameters()]
    gradcheck(model, MeanSquaredError(), X[4:], Y[4:] * 2)
    for p, want in zip(model.parameters(), grads, strict=True):
        np.testing.assert_array_equal(p.grad, want)
    SGD(0.1).step(model.parameters())
    SGD(0.1).step(twin.parameters())
    for a, b in zip(model.get_weights(), twin.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_an_exactly_zero_gradient_scores_near_zero() -> None:
    # the bias before BatchNorm cannot change the loss in training mode: dL/db = 0
    model = _bn(bias=True)
    model.backward(MeanSquaredError().grad(Y, model.forward(X, training=True)))
    assert np.abs(model.layers[0].b.grad).max() < 1e-15
    assert gradcheck(model, MeanSquaredError(), X, Y, training=True) < 1e-7


class _OffByOnePercent(Sigmoid):
    def backward(self, grad_out):
        return super().backward(grad_out) * 1.01


@pytest.mark.parametrize("scale", [1.0, 0.01])
@pytest.mark.parametrize("batch", [1, 7])
def test_a_rule_off_by_one_percent_still_fails_clearly(scale, batch) -> None:
    for out, loss, y in [
        ([], MeanSquaredError(), Y[:batch, :2]),
        ([Softmax()], CrossEntropy(), np.arange(batch) % 2),
    ]:
        model = Sequential([Dense(4), _OffByOnePercent(), Dense(2), *out]).build(3, seed=0)
        model.set_weights([w * scale for w in model.get_weights()])
        assert gradcheck(model, loss, X[:batch], y) > 1e-4


@pytest.mark.parametrize("layout", ["fortran", "strided"])
def test_weights_that_are_not_c_contiguous_are_checked_too(layout) -> None:
    # PyTorch's nn.Linear.weight is W.T: `layer.W.value = weight.T` gives a Fortran-order
    # W. Each perturbation must reach the weight itself, not a flattened copy of it.
    model = Sequential([Dense(4), Tanh(), Dense(3)]).build(3, seed=0)
    dense = model.layers[0]
    W = dense.W.value.copy()
    dense.W.value = np.asfortranarray(W) if layout == "fortran" else np.repeat(W, 2, axis=0)[::2]
    dense.W.grad = np.zeros_like(W)
    assert not dense.W.value.flags.c_contiguous
    assert gradcheck(model, MeanSquaredError(), X, Y) < 1e-7
    np.testing.assert_array_equal(dense.W.value, W)


@pytest.mark.parametrize("eps", [0.0, -1e-6, float("nan"), float("inf"), "1e-6", True])
def test_a_bad_step_is_refused(eps) -> None:
    model = Sequential([Dense(2)]).build(3, seed=0)
    with pytest.raises(ValueError, match="eps"):
        gradcheck(model, MeanSquaredError(), X, Y[:, :2], eps=eps)


def test_a_float32_model_is_refused_naming_its_dtype() -> None:
    model = Sequential([Dense(2)]).build(3, seed=0, dtype=np.float32)
    with pytest.raises(ValueError, match="Received parameters of dtype float32"):
        gradcheck(model, MeanSquaredError(), X, Y[:, :2])


class _FirstOnly:
    """A protocol layer (no ``Layer`` base) that, as the protocol allows a first layer,
    returns None from ``backward``: it cannot be told that ``dL/dx`` is wanted."""

    def build(self, in_features: int, rng: object) -> int:
        return in_features

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return 2.0 * x

    def backward(self, grad_out: np.ndarray) -> None:
        return None

    def parameters(self) -> list:
        return []

    def get_config(self) -> dict:
        return {}


def test_an_input_gradient_a_first_layer_does_not_give_is_a_clear_error() -> None:
    """The input check needs ``dL/dx``: a first layer returning None is named, with the way
    out, instead of a TypeError from deep in the comparison (or ``None`` from backward)."""
    model = Sequential([_FirstOnly(), Dense(3)]).build(3, seed=0)
    with pytest.raises(TypeError, match=r"layers\[0\].*None.*check_input=False"):
        gradcheck(model, MeanSquaredError(), X, Y)
    model.forward(X, training=True)
    with pytest.raises(TypeError, match=r"layers\[0\].*None"):
        model.backward(np.ones((7, 3)), input_grad=True)
    assert gradcheck(model, MeanSquaredError(), X, Y, check_input=False) < 1e-6
