"""Leftovers of the layer protocol's dtype work (session 16), each failing before its fix.

1. A layer put into a built model by ``add`` (after ``pop``, where the model stays as built
   and runs at once), or swapped in by an estimator following a changed ``activation``,
   computes in the model's dtype, as ``build`` would have made it.
2. ``Identity`` (and a dropout or noise layer of rate 0, which hand their input on too)
   check in ``backward`` what every other layer checks: a training forward first, then a
   gradient of that forward's output shape.
3. ``activations._out`` takes float32 or float64 on every path without checking it: a
   spy over hostile inputs proves it; ``Layer.cast_state`` refuses other dtypes.
4. ``CategoricalHinge`` refuses target rows not summing to 1 (fit and direct calls, one
   check); ``KLDivergence`` takes them in both, as Keras and PyTorch do (pinned here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import Dense, Identity, ReLU, Sequential

X = np.random.default_rng(0).normal(size=(5, 4))

# layers that need no build: ``add`` hands them the dtype of the model they join
NO_BUILD: dict[str, Callable[[], Any]] = {
    "Identity": Identity, "ReLU": ReLU, "Tanh": nonlin.Tanh, "Sigmoid": nonlin.Sigmoid,
    "Softmax": nonlin.Softmax, "GELU": nonlin.GELU, "ELU": nonlin.ELU,
    "HardSwish": nonlin.HardSwish}
# layers that hand their input on: Identity, and a dropout or noise layer of rate 0
PASSING: dict[str, Callable[[], Any]] = {
    "Identity": Identity, "Dropout": lambda: nonlin.Dropout(0.0),
    "AlphaDropout": lambda: nonlin.AlphaDropout(0.0),
    "GaussianDropout": lambda: nonlin.GaussianDropout(0.0),
    "GaussianNoise": lambda: nonlin.GaussianNoise(0.0)}


# -- 1. add on a built model ---------------------------------------------------------------
@pytest.mark.parametrize("name", NO_BUILD)
@pytest.mark.parametrize("first", [False, True])
def test_a_layer_added_to_a_built_float32_model_computes_in_float32(name: str,
                                                                     first: bool) -> None:
    """``pop`` then ``add`` of a layer without weights leaves the model as built, so the
    new layer runs at once: before, it had no dtype and kept a float64 batch's (as the
    top of a one-layer model, it made the float32 model's outputs float64)."""
    layers = [ReLU()] if first else [Dense(3), ReLU()]
    model = Sequential(layers).build(4, seed=0, dtype=np.float32)
    model.pop()
    layer = NO_BUILD[name]()
    model.add(layer)
    assert layer._dtype == np.float32
    width = model.n_outputs
    for training in (False, True):
        assert model.forward(X, training=training).dtype == np.float32
    assert model(X).dtype == model.predict(X).dtype == np.float32
    model.backward(np.ones((5, width)))  # a float64 gradient, converted: no error
    assert layer.backward(np.ones((5, width))).dtype == np.float32


def test_a_layer_added_to_an_unbuilt_model_gets_its_dtype_from_build() -> None:
    model = Sequential()
    model.add(Dense(3))
    layer = nonlin.Tanh()
    model.add(layer)
    assert layer._dtype is None  # no model dtype yet
    model.build(4, seed=0, dtype=np.float32)
    assert layer._dtype == np.float32 and model.forward(X).dtype == np.float32


@pytest.mark.parametrize("make", [nonlin.BatchNorm, nonlin.LayerNormalization, nonlin.PReLU])
def test_a_layer_that_needs_build_added_to_a_built_model_still_says_so(make: Any) -> None:
    """``add`` does not build (the model asks for ``build``, or the layer says it is not
    built): a layer whose own ``cast_state`` converts state gets its dtype from build."""
    model = Sequential([Dense(3), ReLU()]).build(4, seed=0, dtype=np.float32)
    model.pop()
    model.add(make())
    with pytest.raises(RuntimeError, match="not built yet|layers changed since"):
        model.predict(X)
    model.build(4, seed=0, dtype=np.float32)
    assert model.predict(X).dtype == np.float32


def test_add_of_a_layer_with_weights_still_asks_for_build() -> None:
    model = Sequential([Dense(3)]).build(4, seed=0, dtype=np.float32)
    model.add(Dense(2))
    with pytest.raises(RuntimeError, match="layers changed since it was built"):
        model.predict(X)



def test_an_estimators_swapped_activation_gets_the_networks_dtype() -> None:
    """``set_params(activation=...)`` after fitting swaps each hidden activation of the
    built network in place (``_sklearn_structure.follow_activation``): before, the new
    layer had no dtype, so a float32 network's Tanh kept whatever batch it was handed."""
    pytest.importorskip("sklearn")
    import warnings

    import nonlin.sklearn as nls

    y = np.arange(20) % 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # too few iterations to converge
        est = nls.MLPClassifier(hidden_layer_sizes=(8,), random_state=0, max_iter=2,
                                dtype="float32").fit(np.ones((20, 4)) * y[:, None], y)
    est.set_params(activation="tanh").predict(X)
    hidden = est.model_.layers[1]
    assert isinstance(hidden, nonlin.Tanh) and hidden._dtype == np.float32
    assert hidden.forward(X).dtype == np.float32

# -- 2. backward of the layers that hand their input on -----------------------------------
def built(name: str, dtype: Any = np.float64) -> Any:
    layer = PASSING[name]()
    layer.build(4, np.random.default_rng(0))
    layer.cast_state(np.dtype(dtype))
    return layer


@pytest.mark.parametrize("name", PASSING)
def test_passing_backward_needs_a_training_forward_first(name: str) -> None:
    layer = built(name)
    with pytest.raises(RuntimeError, match=r"needs a forward pass with training=True"):
        layer.backward(np.ones((5, 4)))
    layer.forward(X)  # inference caches nothing
    with pytest.raises(RuntimeError, match=r"needs a forward pass with training=True"):
        layer.backward(np.ones((5, 4)))


@pytest.mark.parametrize("name", PASSING)
@pytest.mark.parametrize("shape", [(5, 1), (1, 4), (4,), (), (6, 4), (5, 7)])
def test_passing_backward_refuses_a_gradient_of_another_shape(name: str,
                                                              shape: tuple[int, ...]) -> None:
    """Before, any array came back as it was: a (5, 1) gradient reached the layer below,
    whose own check then named the wrong layer, or NumPy broadcast it silently."""
    layer = built(name)
    layer.forward(X, training=True)
    with pytest.raises(ValueError, match=r"Expected grad_out.*of shape \(5, 4\).*Received "
                                         r"shape"):
        layer.backward(np.ones(shape))


@pytest.mark.parametrize("name", PASSING)
def test_passing_backward_hands_on_the_gradient_in_the_forward_dtype(name: str) -> None:
    layer = built(name, np.float32)
    layer.forward(X, training=True)
    g = np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32)
    assert layer.backward(g) is g  # the hot path: the gradient itself
    assert layer.backward(g.astype(np.float64)).dtype == np.float32
    with pytest.raises(TypeError, match="Expected grad_out, dL/dy, of real numbers"):
        layer.backward(g.astype(complex))
    with pytest.raises(TypeError, match="Expected grad_out, dL/dy, as a NumPy array"):
        layer.backward(g.tolist())


def test_identity_in_a_model_driven_by_hand_refuses_a_gradient_of_another_shape() -> None:
    """The error names Identity, the layer the gradient reached first."""
    model = Sequential([Dense(2), Identity()]).build(4, seed=0)
    model.forward(X, training=True)
    with pytest.raises(ValueError, match=r"Identity.backward"):
        model.backward(np.ones((5, 1)))


# -- 3. the activations' buffers take float32 or float64 on every path -----------------------
def _out_users() -> dict[str, type]:
    """The registered layers whose forward and backward make their arrays with
    ``activations._out``, which no longer checks the dtype it is handed."""
    from nonlin.registry import LAYERS

    homes = {"nonlin.activations", "nonlin.activations_hard", "nonlin.activations_smooth"}
    return {name: cls for name, cls in LAYERS.items()
            if cls.__module__ in homes and cls is not Identity}


OUT_USERS = _out_users()
FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
BATCHES: list[Any] = [X, X.astype(np.float32), X.astype(np.float16), X.astype(">f8"),
                      X.astype(">f4"), X > 0, (10 * X).astype(np.int64),
                      (10 * X).astype(np.int8), np.abs(10 * X).astype(np.uint8),
                      X.astype(complex), X.astype(object), X.astype(str), X.tolist(), None,
                      np.float64(1.0), np.zeros((0, 4)), X[0], X[None]]
GRADS: list[Any] = [X, X.astype(np.float32), X.astype(np.float16), X.astype(">f8"), X > 0,
                    (10 * X).astype(np.int64), X.astype(complex), X.astype(object),
                    X.astype(str), X.tolist(), None]


@pytest.fixture
def out_dtypes(monkeypatch: pytest.MonkeyPatch) -> list[np.dtype]:
    """Every dtype ``_out`` is handed during the test (its three homes' references)."""
    from nonlin import activations, activations_hard, activations_smooth

    seen: list[np.dtype] = []
    real = activations._out

    def spy(layer: Any, name: str, x: np.ndarray, training: bool) -> np.ndarray:
        seen.append(x.dtype)
        return real(layer, name, x, training)

    for module in (activations, activations_hard, activations_smooth):
        monkeypatch.setattr(module, "_out", spy)
    return seen


def _run(call: Callable[[], Any]) -> None:
    """``call()`` gives a float32 or float64 array, or one of nonlin's errors."""
    try:
        result = call()
    except (TypeError, ValueError) as error:
        assert str(error).startswith("Expected"), error
        return
    assert result.dtype in FLOATS


@pytest.mark.parametrize("name", OUT_USERS)
@pytest.mark.parametrize("dtype", [None, np.float32, np.float64])
def test_out_is_handed_float32_or_float64_only(name: str, dtype: Any,
                                               out_dtypes: list[np.dtype]) -> None:
    """The proof that ``_out``'s dtype check was redundant: hostile batches and gradients,
    through a layer no model built and through float32 and float64 ones, reach ``_out``
    as float32 or float64 only, or are refused before it with nonlin's message."""
    layer = OUT_USERS[name]()
    layer.build(4, np.random.default_rng(0))
    if dtype is not None:
        layer.cast_state(np.dtype(dtype))
    for batch in BATCHES:
        _run(lambda batch=batch: layer.forward(batch))
        _run(lambda batch=batch: layer.forward(batch, training=True))
    for batch in (X, X.astype(np.float32), (10 * X).astype(np.int64)):
        layer.forward(batch, training=True)
        for grad in GRADS:
            _run(lambda grad=grad: layer.backward(grad))
    assert out_dtypes and set(out_dtypes) <= set(FLOATS)


@pytest.mark.parametrize("make", [*OUT_USERS.values(), Identity, lambda: nonlin.Dropout(0.5),
                                  nonlin.LayerNormalization])
@pytest.mark.parametrize("dtype", [np.int64, np.float16, np.complex128, ">f8", object])
def test_cast_state_refuses_a_dtype_other_than_float32_or_float64(make: Any,
                                                                  dtype: Any) -> None:
    """Before, a layer took any dtype there and converted its batches to it: an int64
    activation then failed in ``_out`` saying the (float) batch given was no float."""
    layer = make()
    with pytest.raises(ValueError, match=r"Expected dtype float32 or float64 for \w+\. "
                                         r"Received: dtype="):
        layer.cast_state(np.dtype(dtype))


# -- 4. target rows of the categorical hinge and the KL divergence ---------------------------
ROWS = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])
SCORES = np.random.default_rng(2).normal(size=(4, 3))
PROBS = np.exp(SCORES) / np.exp(SCORES).sum(axis=1, keepdims=True)


def _model() -> Sequential:
    return Sequential([Dense(3), nonlin.Softmax()]).build(2, seed=0)


def _fit(loss: Any, y: np.ndarray) -> None:
    _model().fit(np.ones((4, 2)), y, loss=loss, optimizer="sgd", epochs=1, verbose=0)


@pytest.mark.parametrize("row", [[1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [0.5, 0.2, 0.2]])
@pytest.mark.parametrize("way", ["fit", "call", "grad"])
def test_categorical_hinge_refuses_rows_not_summing_to_1(row: list[float], way: str) -> None:
    """Before, a row of several classes, of none, or soft but not summing to 1 was taken
    by every call: no class to hold a margin for, and a silent multi-label misuse."""
    y = ROWS.copy()
    y[1] = row
    loss = nonlin.CategoricalHinge()
    call = {"fit": lambda: _fit(loss, y), "call": lambda: loss(y, SCORES),
            "grad": lambda: loss.grad(y, SCORES)}[way]
    with pytest.raises(ValueError, match=r"Expected one-hot or probability rows summing to 1 "
                                         r"for the categorical hinge in y.*loss='hinge'.*"
                                         r"Received a row summing to"):
        call()


def test_categorical_hinge_still_takes_one_hot_and_soft_rows() -> None:
    loss, soft = nonlin.CategoricalHinge(), np.full((4, 3), 1 / 3)
    for y in (ROWS, soft, ROWS.astype(np.float32), 0.9 * ROWS + 0.1 / 3):
        assert np.isfinite(loss(y, SCORES)) and loss.grad(y, SCORES).shape == (4, 3)
        _fit(loss, y)
    with pytest.raises(ValueError, match=r"values in \[0, 1\]"):
        loss(2 * ROWS - 1, SCORES)  # Keras' {-1, 1} one-hot: refused as before


@pytest.mark.parametrize("scale", [0.25, 0.5, 1.0])
def test_kl_divergence_takes_rows_not_summing_to_1_in_fit_and_calls(scale: float) -> None:
    """Unchanged on purpose (Keras' kl_divergence and PyTorch's KLDivLoss take any
    target): fit and the direct calls agree, and refuse values outside [0, 1] alike."""
    loss, y = nonlin.KLDivergence(), ROWS * scale
    assert np.isfinite(loss(y, PROBS)) and loss.grad(y, PROBS).shape == (4, 3)
    _fit(loss, y)
    bad = ROWS.copy()
    bad[0, 0] = 1.5
    for call in (lambda: loss(bad, PROBS), lambda: loss.grad(bad, PROBS),
                 lambda: _fit(loss, bad)):
        with pytest.raises(ValueError, match=r"target probabilities in \[0, 1\]"):
            call()
