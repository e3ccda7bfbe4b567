"""The by-hand protocol's dtypes, over every layer in the registry and every loss.

docs/design.md: a batch or a gradient of another real dtype (float32 for a float64 model,
ints, bools) is converted to the layer's dtype, as ``Dense`` always did; one that holds no
real numbers (complex, object, text) is refused with nonlin's "Expected ... Received"
message, never NumPy's ``UFuncTypeError``. Layers are enumerated from
``nonlin.registry.LAYERS``, so a new layer is covered without editing this file.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

from nonlin import Sequential
from nonlin.core import Layer
from nonlin.registry import LAYERS

FLOATS = (np.float32, np.float64)
# constructor arguments a layer cannot do without, by parameter name
REQUIRED = {"units": 3, "rate": 0.5, "stddev": 0.5}
SPECIAL = {"Normalization": {"mean": 0.5, "variance": 2.0}}  # else it must adapt first
CLASSES = sorted({cls.__name__: cls for cls in LAYERS.values()}.items())
NOT_REAL = (complex, object, str)
X = np.random.default_rng(0).normal(size=(5, 4)) * 2


def make(name: str, cls: type) -> Any:
    kwargs = dict(SPECIAL.get(name, {}))
    for param in inspect.signature(cls).parameters.values():
        if param.default is param.empty and param.kind is param.POSITIONAL_OR_KEYWORD:
            assert param.name in REQUIRED, f"add a value for {name}({param.name}=...) here"
            kwargs[param.name] = REQUIRED[param.name]
    return cls(**kwargs)


def built(name: str, cls: type, dtype: Any) -> Any:
    """The layer built by a model in ``dtype``, computing dL/dx as a hidden layer does."""
    layer = make(name, cls)
    Sequential([layer]).build(4, 0, dtype=dtype)
    layer.input_grad = True
    return layer


def others(dtype: Any) -> list[Any]:
    """The real dtypes a batch or gradient may come in besides the layer's."""
    return [next(f for f in FLOATS if f != dtype), np.int64, np.int32, bool]


def as_kind(a: np.ndarray, kind: Any) -> np.ndarray:
    if kind is bool:
        return a > 0
    if np.dtype(kind).kind == "i":
        return np.rint(a * 3).astype(kind)
    return a.astype(kind)


def is_nonlins(error: BaseException, where: str) -> bool:
    """An error of nonlin's (not NumPy's UFuncTypeError) naming where and what it got."""
    return (type(error) is TypeError and where in str(error) and "Expected" in str(error)
            and "Received" in str(error))


def backward_bits(layer: Any, grad_out: np.ndarray) -> list[bytes]:
    """The bytes of dL/dx and of each parameter's gradient, read before the layer's
    buffers are written again."""
    grad_in = layer.backward(grad_out)
    return [a.tobytes() for a in (grad_in, *(p.grad for p in layer.parameters()))]


@pytest.mark.parametrize(("name", "cls"), CLASSES, ids=[n for n, _ in CLASSES])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("training", [True, False])
def test_forward_converts_another_real_dtype_to_the_layers(name: str, cls: type, dtype: Any,
                                                           training: bool) -> None:
    for kind in others(dtype):
        x = as_kind(X, kind)
        out = built(name, cls, dtype).forward(x, training=training)
        assert out.dtype == dtype, (kind, out.dtype)  # each a layer of its own: no buffer shared
        expected = built(name, cls, dtype).forward(x.astype(dtype), training=training)
        assert out.tobytes() == expected.tobytes(), kind


@pytest.mark.parametrize(("name", "cls"), CLASSES, ids=[n for n, _ in CLASSES])
@pytest.mark.parametrize("training", [True, False])
def test_forward_refuses_what_holds_no_real_numbers(name: str, cls: type,
                                                    training: bool) -> None:
    for kind in NOT_REAL:
        with pytest.raises(TypeError) as caught:
            built(name, cls, np.float64).forward(X.astype(kind), training=training)
        assert is_nonlins(caught.value, f"{name}.forward"), caught.value


@pytest.mark.parametrize(("name", "cls"), CLASSES, ids=[n for n, _ in CLASSES])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("trainable", [True, False])
def test_backward_converts_another_real_dtype_to_the_layers(name: str, cls: type, dtype: Any,
                                                            trainable: bool) -> None:
    g = np.random.default_rng(1).normal(size=(5, 3 if name == "Dense" else 4))
    layer = built(name, cls, dtype)
    layer.trainable = trainable
    layer.forward(X.astype(dtype), training=True)
    expected = backward_bits(layer, as_kind(g, dtype))
    for kind in others(dtype):
        assert layer.backward(as_kind(g, kind)).dtype == dtype, kind
        got = backward_bits(layer, as_kind(g, kind))
        assert got == backward_bits(layer, as_kind(g, kind).astype(dtype)), kind
    assert backward_bits(layer, as_kind(g, dtype)) == expected


@pytest.mark.parametrize(("name", "cls"), CLASSES, ids=[n for n, _ in CLASSES])
@pytest.mark.parametrize("trainable", [True, False])
def test_backward_refuses_what_holds_no_real_numbers(name: str, cls: type,
                                                     trainable: bool) -> None:
    g = np.ones((5, 3 if name == "Dense" else 4))
    layer = built(name, cls, np.float64)
    layer.trainable = trainable
    layer.forward(X, training=True)
    for kind in NOT_REAL:
        with pytest.raises(TypeError) as caught:
            layer.backward(g.astype(kind))
        assert is_nonlins(caught.value, f"{name}.backward"), caught.value


@pytest.mark.parametrize(("name", "cls"), CLASSES, ids=[n for n, _ in CLASSES])
def test_a_layer_no_model_built_keeps_a_float_dtype_and_computes_ints_in_float64(
        name: str, cls: type) -> None:
    """Built by hand (``layer.build``), a layer without weights or state has no model's
    dtype; the others are float64 until a model casts them."""
    layer = make(name, cls)
    layer.build(4, np.random.default_rng(0))
    own = layer.parameters() or type(layer).cast_state is not Layer.cast_state
    for kind in FLOATS:
        assert layer.forward(X.astype(kind)).dtype == (np.float64 if own else kind)
    assert layer.forward(as_kind(X, np.int64)).dtype == np.float64


# -- losses called directly -----------------------------------------------------------------
def _losses() -> list[Any]:
    from nonlin.registry import LOSSES

    found = []
    for cls in {cls.__name__: cls for cls in LOSSES.values()}.values():
        found.append(cls())
        if "from_logits" in inspect.signature(cls).parameters:
            found.append(cls(from_logits=True))
    return found


LOSSES = _losses()
T = np.eye(3)[[0, 1, 2, 0]]
P = np.array([[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.5, 0.25, 0.25]])
BAD_TARGETS = {"negative entries": np.where(T == 1, 2.0, -0.5), "rows summing to 2": 2 * T,
               "rows summing to 0.5": T / 2, "zeros": 0 * T, "values above 1": 3 * T,
               "-1 and 0": T - np.eye(3)[[1, 2, 0, 1]] * (T == 0), "labels out of range":
               np.array([0, 1, 3, 0]), "negative labels": np.array([0, -1, 2, 0])}


def targets_for(loss: Any) -> np.ndarray:
    return 2 * T - 1 if type(loss).__name__ in ("Hinge", "SquaredHinge") else T


def verdict(call: Any) -> str:
    try:
        call()
    except (TypeError, ValueError) as error:
        return f"refused ({type(error).__name__})"
    return "taken"


@pytest.mark.parametrize("loss", LOSSES, ids=repr)
def test_direct_calls_refuse_the_targets_fit_refuses(loss: Any) -> None:
    from nonlin.data import prepare_targets

    for what, y in BAD_TARGETS.items():
        fit = verdict(lambda y=y: prepare_targets(loss, y, 3, np.dtype(np.float64)))
        assert verdict(lambda y=y: loss(y, P)) == fit, what
        assert verdict(lambda y=y: loss.grad(y, P)) == fit, what


@pytest.mark.parametrize("loss", LOSSES, ids=repr)
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_direct_calls_compute_in_y_preds_dtype(loss: Any, reduction: str) -> None:
    """``y_true`` (and ``sample_weight``) of another dtype are converted to ``y_pred``'s."""
    loss = type(loss)(**{**loss.get_config(), "reduction": reduction})
    y = targets_for(loss)
    w = np.array([1.0, 3.0, 2.0, 1.0])  # whole numbers: as ints too
    for pred in FLOATS:
        p = P.astype(pred)
        for kind in (*FLOATS, np.int64):
            value = loss(y.astype(kind), p, w.astype(kind))
            same = loss(y.astype(pred), p, w.astype(pred))
            if reduction == "mean":
                assert type(value) is float and value == same, kind
            else:
                assert value.dtype == pred and value.tobytes() == same.tobytes(), kind
            grad = loss.grad(y.astype(kind), p, w.astype(kind))
            assert grad.dtype == pred, kind
            assert grad.tobytes() == loss.grad(y.astype(pred), p, w.astype(pred)).tobytes()
