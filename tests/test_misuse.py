"""Parts used by hand, out of order or with the wrong inputs (the README tour drives them so).

Each misuse raises a ``ValueError``, ``TypeError`` or ``RuntimeError`` that says what was
expected and what was received: never an ``AttributeError`` from a ``None``, a NumPy
broadcasting message, or a silently wrong result.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import (
    GELU,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    BatchNorm,
    Dense,
    Dropout,
    Identity,
    LayerNormalization,
    LeakyReLU,
    Normalization,
    ReLU,
    RMSprop,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from nonlin.activations import Exp
from nonlin.core import Param
from nonlin.losses import (
    BinaryCrossEntropy,
    CrossEntropy,
    Huber,
    MeanAbsoluteError,
    MeanSquaredError,
)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(5, 4))
LAYERS = {"Dense": lambda: Dense(3), "Dropout": lambda: Dropout(0.5), "BatchNorm": BatchNorm,
          "Sigmoid": Sigmoid, "Tanh": Tanh, "ReLU": ReLU, "LeakyReLU": LeakyReLU, "GELU": GELU,
          "Softmax": Softmax, "Exp": Exp, "SiLU": nonlin.SiLU, "ELU": nonlin.ELU,
          "SELU": nonlin.SELU, "Softplus": nonlin.Softplus,
          "LayerNormalization": LayerNormalization,
          "Normalization": lambda: Normalization(mean=0.5, variance=2.0),
          "Mish": nonlin.Mish, "ReLU6": nonlin.ReLU6, "HardSigmoid": nonlin.HardSigmoid,
          "HardSwish": nonlin.HardSwish, "Softsign": nonlin.Softsign, "PReLU": nonlin.PReLU,
          "AlphaDropout": lambda: nonlin.AlphaDropout(0.5),
          "GaussianDropout": lambda: nonlin.GaussianDropout(0.5),
          "GaussianNoise": lambda: nonlin.GaussianNoise(0.5)}
# identities at inference (they hand back what they get): their training forward draws
TRAINING_ONLY = ("Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise")
# forward (training, for those) needs build
WITH_BUILD = ("Dense", "BatchNorm", "LayerNormalization", "Normalization", "PReLU",
              *TRAINING_ONLY)
LOSSES = [MeanSquaredError(), MeanAbsoluteError(), Huber(), BinaryCrossEntropy(),
          CrossEntropy(from_logits=True), nonlin.Hinge(), nonlin.SquaredHinge(),
          nonlin.CategoricalHinge(), nonlin.BinaryFocalCrossentropy(),
          nonlin.MeanSquaredLogarithmicError(), nonlin.MeanAbsolutePercentageError(),
          nonlin.CosineSimilarity()]
STATEFUL = [lambda: SGD(0.1, momentum=0.9), Adam, AdamW, RMSprop, Adagrad, nonlin.Adadelta,
            nonlin.Lion, nonlin.Adamax, nonlin.Nadam]


def built(name: str, dtype: Any = np.float64) -> Any:
    """A layer built for 4 features in ``dtype``, as ``Sequential.build`` builds it."""
    layer = LAYERS[name]()
    layer.build(4, np.random.default_rng(0))
    for p in layer.parameters():
        p.cast(np.dtype(dtype))
    if hasattr(layer, "cast_state"):
        layer.cast_state(np.dtype(dtype))
    return layer


def shown(shape: tuple) -> str:
    """``shape`` as a message prints it, escaped for ``pytest.raises(match=...)``."""
    return re.escape(str(shape))


def width(name: str) -> int:
    return 3 if name == "Dense" else 4


def mlp(seed: int = 0, n_features: int = 3) -> Sequential:
    return Sequential([Dense(4), ReLU(), Dense(2)]).build(n_features, seed)


def trained_grads(model: Sequential) -> None:
    x = np.random.default_rng(2).normal(size=(5, model.n_features_in))
    model.forward(x, training=True)
    model.backward(np.ones((x.shape[0], 2)))


# -- layers: forward ----------------------------------------------------------------------
@pytest.mark.parametrize("name", WITH_BUILD)
def test_forward_before_build_says_build_first(name: str) -> None:
    for training in (False, True) if name not in TRAINING_ONLY else (True,):
        with pytest.raises(RuntimeError, match=f"This {name} layer is not built yet"):
            LAYERS[name]().forward(X, training=training)


@pytest.mark.parametrize("name", ["Dense", "BatchNorm", "LayerNormalization", "Normalization",
                                  "PReLU"])
@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("shape", [(5, 3), (4,), (2, 5, 4), ()])
def test_forward_names_the_shape_it_expected(name: str, training: bool, shape: tuple) -> None:
    with pytest.raises(ValueError, match=rf"Expected an input of shape \(n_samples, 4\) for "
                                         rf"{name}.*Received an array of shape {shown(shape)}"):
        built(name).forward(np.ones(shape), training=training)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("training", [False, True])
def test_forward_refuses_what_is_no_array_of_real_numbers(name: str, training: bool) -> None:
    layer = built(name)  # inference dropout hands back a batch of the model's dtype only
    with pytest.raises(TypeError, match=f"Expected a NumPy array for {name}.forward. "
                                        "Received: list"):
        layer.forward(X.tolist(), training=training)
    for dtype in (complex, object, str):
        with pytest.raises(TypeError, match=rf"{name}.forward.*Received dtype"):
            layer.forward(X.astype(dtype), training=training)


@pytest.mark.parametrize("training", [False, True])
def test_softmax_takes_rows_only(training: bool) -> None:
    for shape in [(4,), (2, 5, 4)]:
        with pytest.raises(ValueError, match=r"Expected a 2-D array \(n_samples, n_classes\) "
                                             rf"for Softmax.*Received an array of shape "
                                             rf"{shown(shape)}"):
            Softmax().forward(np.ones(shape), training=training)


@pytest.mark.parametrize("name", ["Dense", "BatchNorm", "LayerNormalization", "Normalization",
                                  "PReLU"])
@pytest.mark.parametrize("training", [False, True])
def test_a_batch_takes_the_dtype_of_the_layers_weights(name: str, training: bool) -> None:
    """As ``Dense`` always did, ``BatchNorm`` computes in its parameters' dtype."""
    for ours, theirs in [(np.float32, np.float64), (np.float64, np.float32)]:
        layer = built(name, ours)
        out = layer.forward(X.astype(theirs), training=training)
        assert out.dtype == ours
        np.testing.assert_array_equal(out, built(name, ours).forward(
            X.astype(theirs).astype(ours), training=training))


# -- layers: backward ---------------------------------------------------------------------
@pytest.mark.parametrize("name", LAYERS)
def test_backward_before_a_training_forward_says_so(name: str) -> None:
    g = np.ones((5, width(name)))
    with pytest.raises(RuntimeError, match=rf"{name}.backward needs a forward pass with "
                                           "training=True first"):
        built(name).backward(g)
    layer = built(name)
    layer.forward(X)  # inference caches nothing
    with pytest.raises(RuntimeError, match="training=True first"):
        layer.backward(g)


@pytest.mark.parametrize("name", LAYERS)
@pytest.mark.parametrize("shape", [(5, 1), (1, "k"), ("k",), (), (6, "k"), (5, 7)])
def test_backward_refuses_a_gradient_of_another_shape(name: str, shape: tuple) -> None:
    """NumPy would broadcast a (5, 1), (1, k), (k,) or scalar gradient without a word."""
    shape = tuple(width(name) if n == "k" else n for n in shape)
    layer = built(name)
    layer.forward(X, training=True)
    with pytest.raises(ValueError, match=rf"Expected grad_out.*of shape \(5, {width(name)}\).*"
                                         rf"Received shape {shown(shape)}"):
        layer.backward(np.ones(shape))


@pytest.mark.parametrize("name", LAYERS)
def test_backward_twice_gives_the_same_gradients_again(name: str) -> None:
    """Gradients are overwritten, not accumulated (PyTorch accumulates)."""
    layer = built(name)
    layer.forward(X, training=True)
    g = np.random.default_rng(1).normal(size=(5, width(name)))
    first = [np.copy(layer.backward(g))] + [p.grad.copy() for p in layer.parameters()]
    again = [layer.backward(g)] + [p.grad for p in layer.parameters()]
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_float64_gradient_reaches_float32_weights_in_their_dtype() -> None:
    layer = built("Dense", np.float32)
    layer.forward(X.astype(np.float32), training=True)
    g = np.random.default_rng(1).normal(size=(5, 3))
    grad_in, grad_w = layer.backward(g).copy(), layer.W.grad.copy()
    assert grad_in.dtype == grad_w.dtype == np.float32
    np.testing.assert_array_equal(grad_in, layer.backward(g.astype(np.float32)))
    np.testing.assert_array_equal(grad_w, layer.W.grad)


def test_identity_hands_back_what_it_gets() -> None:
    """After a training forward (which backward checks for, as every layer's does)."""
    layer, g = Identity(), np.ones((5, 4))
    assert layer.forward(X) is X and layer.forward(X, training=True) is X
    assert layer.backward(g) is g


# -- Sequential ---------------------------------------------------------------------------
@pytest.mark.parametrize("input_grad", [False, True])
def test_backward_of_an_unbuilt_model_says_build_first(input_grad: bool) -> None:
    with pytest.raises(RuntimeError, match="not built yet"):
        Sequential([Dense(2)]).backward(np.ones((5, 2)), input_grad=input_grad)


def test_count_params_of_an_unbuilt_model_says_build_first() -> None:
    # Keras 3's ValueError since session 34 (NotBuiltError, still a RuntimeError too)
    with pytest.raises(ValueError, match="not built yet"):
        Sequential([Dense(2)]).count_params()
    assert "Not built" in Sequential([Dense(2)]).summary()


@pytest.mark.parametrize("weights", [3, None, "W", {0: 1}, (w for w in [1])])
def test_set_weights_wants_a_list(weights: Any) -> None:
    with pytest.raises(TypeError, match=r"Expected a list of arrays \(get_weights\(\) order\)"):
        mlp().set_weights(weights)


def test_building_again_draws_the_weights_again_and_forgets_its_optimizer() -> None:
    model = mlp()
    first = model.get_weights()
    optimizer = Adam()
    trained_grads(model)
    optimizer.step(model.parameters())
    model.build(3, 0)  # same seed: the same weights, in new parameters
    for a, b in zip(first, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    trained_grads(model)
    with pytest.raises(ValueError, match="state for other parameters"):
        optimizer.step(model.parameters())
    Adam().step(model.parameters())


# -- losses -------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", LOSSES, ids=repr)
def test_losses_refuse_predictions_that_are_not_real_numbers(loss: Any) -> None:
    y = np.zeros((4, 3))
    for dtype in (complex, object, str):
        for call in (loss, loss.grad):
            with pytest.raises(TypeError, match="Expected numeric y_pred. Received dtype"):
                call(y, np.full((4, 3), 0.5).astype(dtype))


@pytest.mark.parametrize("loss", LOSSES, ids=repr)
def test_grad_checks_its_out_array(loss: Any) -> None:
    y, p = np.eye(3)[[0, 1, 2, 0]], np.full((4, 3), 0.5)  # targets every loss takes
    for out in [np.empty((4, 2)), np.empty((4, 3), np.float32), np.empty((4, 3), int),
                [0.0] * 3]:
        with pytest.raises((TypeError, ValueError),
                           match=r"Expected out, an array of shape \(4, 3\) and dtype float64"):
            loss.grad(y, p, out=out)
    out = np.empty((4, 3))
    assert loss.grad(y, p, out=out) is out


def test_losses_name_sample_weights_that_are_no_numbers() -> None:
    with pytest.raises(ValueError, match="Expected real numbers in sample_weight. Received 'a'"):
        MeanSquaredError()(np.zeros((4, 3)), np.zeros((4, 3)), sample_weight="a")


# -- optimizers ---------------------------------------------------------------------------
OPTIMIZERS = [lambda: SGD(1.0), lambda: SGD(0.1), *STATEFUL]


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_step_wants_a_list_of_params(make: Any) -> None:
    model = mlp()
    for params, received in [(None, "NoneType"), (model, "Sequential; call model.parameters()"),
                             (model.parameters()[0], "Param"),
                             ([p.value for p in model.parameters()], "params[0] of type ndarray")]:
        with pytest.raises(TypeError, match=rf"Expected a list of Param \(model.parameters\(\)\)"
                                            rf". Received.*{re.escape(received)}"):
            make().step(params)


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: SGD(1.0), *STATEFUL])
def test_a_gradient_assigned_by_hand_is_the_one_stepped(make: Any) -> None:
    """A custom layer's ``W.grad = ...`` (a new array) after the first step: the packed
    flat buffers used to be stepped instead, with the old gradient."""
    model, twin = mlp(), mlp()
    optimizer, other = make(), make()
    for m, opt in [(model, optimizer), (twin, other)]:
        trained_grads(m)
        opt.step(m.parameters())
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        p.grad = np.full_like(p.value, 0.5)  # rebinds: the flat buffer no longer holds it
        q.grad[...] = 0.5  # in place
    optimizer.step(model.parameters())
    other.step(twin.parameters())
    for a, b in zip(model.get_weights(), twin.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("make", [lambda: SGD(0.1), lambda: SGD(1.0), *STATEFUL])
def test_step_refuses_a_gradient_of_another_shape_or_integer_weights(make: Any) -> None:
    """SGD(1.0) takes the tutorial's fast path ``w -= g``, which checked nothing."""
    p = Param(np.ones((3, 2)), "W")
    for shape in [(3, 1), (2,), (), (3, 3)]:
        p.grad = np.ones(shape)
        with pytest.raises(ValueError, match=r"Expected params\[0\].grad \(W\) of shape \(3, 2\), "
                                             rf"like its value. Received shape {shown(shape)}"):
            make().step([p])
    with pytest.raises(TypeError, match=r"Expected floating-point parameters. Received "
                                        r"params\[0\] \(W\) of dtype int64"):
        make().step([Param(np.ones((3, 2), dtype=np.int64), "W")])


@pytest.mark.parametrize("make", STATEFUL)
def test_one_optimizer_refuses_a_second_models_parameters(make: Any) -> None:
    """Its moments belong to the first model's parameters (Keras 3 refuses too)."""
    for other in (mlp(1), mlp(1, n_features=5)):  # same shapes, other shapes
        model, optimizer = mlp(0), make()
        trained_grads(model)
        optimizer.step(model.parameters())
        trained_grads(other)
        with pytest.raises(ValueError, match="state for other parameters"):
            optimizer.step(other.parameters())
    shared = SGD(0.1)  # no state: any parameters
    for m in (mlp(0), mlp(1, n_features=5)):
        shared.step(m.parameters())


@pytest.mark.parametrize("make", STATEFUL)
def test_loaded_state_must_fit_the_parameters_stepped(make: Any) -> None:
    model, optimizer = mlp(0, n_features=5), make()
    trained_grads(model)
    optimizer.step(model.parameters())
    fresh = make()
    fresh.load_state_dict(optimizer.state_dict())
    small = mlp(0)
    with pytest.raises(ValueError, match=r"Expected optimizer state for parameters of shapes "
                                         r"\[\(3, 4\), \(4,\), \(4, 2\), \(2,\)\]"):
        fresh.step(small.parameters())


@pytest.mark.parametrize("source, target", [
    (Adam, RMSprop), (Adam, lambda: SGD(0.1, momentum=0.9)), (RMSprop, Adagrad),
    (lambda: SGD(0.1, momentum=0.9), lambda: SGD(0.1)),
])
def test_load_state_dict_refuses_another_optimizers_state(source: Any, target: Any) -> None:
    model, optimizer = mlp(), source()
    trained_grads(model)
    optimizer.step(model.parameters())
    with pytest.raises(ValueError, match=r"Expected the state of .*Received slot"):
        target().load_state_dict(optimizer.state_dict())


@pytest.mark.parametrize("state, message", [
    ({"iterations": float("nan")}, "iterations=nan"),
    ({"iterations": float("inf")}, "iterations=inf"),
    ({"iterations": 1, "lr": "x"}, "lr='x'"),
    ({"iterations": 1, "m.x": np.ones(2), "v.x": np.ones(2)}, "m.x"),
    ({"iterations": 1, "m.0": "a", "v.0": "b"}, "Expected real numbers in m.0"),
    ({"iterations": 1, "m.0": np.ones(2), "m.2": np.ones(2), "v.0": np.ones(2),
      "v.2": np.ones(2)}, r"m.0, m.1"),
    ({"iterations": 1, "v.0": np.ones(2)}, r"m: 0, v: 1"),
])
def test_load_state_dict_names_what_is_wrong(state: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Adam().load_state_dict(state)


def test_the_readme_tour_still_runs_by_hand() -> None:
    model = Sequential([Dense(4), Sigmoid(), Dense(1), Sigmoid()]).build(3, 0)
    loss, optimizer = nonlin.MeanSquaredError(reduction="sum"), SGD(lr=1.0)
    x = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    for _ in range(3):
        out = model.forward(x, training=True)
        model.backward(loss.grad(y, out))
        optimizer.step(model.parameters())
    assert model.predict(x).shape == (4, 1)
