"""The errors for parts driven by hand in the wrong order or with the wrong inputs.

Layers, losses and optimizers are meant to be used one call at a time, as the README's tour
does (``model.forward(X, training=True)``, ``layer.backward(g)``, ``optimizer.step(params)``).
A misuse there gets an error saying what was expected and what was received, never an
``AttributeError`` from a ``None`` or a NumPy broadcasting message, nor a silently wrong result.

The checks cost the training step nothing measurable: they run in an ``except`` around
the access that failed, where a buffer or a binding is made anew (a cold branch), or, where
NumPy would broadcast a wrong shape without a word, as one shape comparison (``cached``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from operator import is_ as is_same
from operator import is_not
from typing import Any

import numpy as np

from ._quoting import quoted
from .validation import is_real

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _name(obj: Any) -> str:
    return type(obj).__name__


@contextmanager
def allocating(layer: Any, shape: tuple[int, ...], names: str) -> Iterator[None]:
    """Around ``layer.build``'s float64 arrays of ``shape`` (``names``: what its sizes are):
    a shape beyond what NumPy can hold is a ValueError, and a MemoryError says the size,
    both naming the layer and the shape (not NumPy's "array is too big")."""
    size = math.prod(shape)
    if size * 8 > np.iinfo(np.intp).max:
        raise ValueError(f"Cannot build {_name(layer)}: expected sizes whose array NumPy can "
                         f"hold ({size} values is too many). Received: {names} = {shape}")
    try:
        yield
    except MemoryError:
        raise MemoryError(f"Cannot build {_name(layer)}: a {names} = {shape} float64 array "
                          f"needs {size * 8 / 2**30:.3g} GiB, more than is free") from None


def not_built(layer: Any) -> RuntimeError:
    return RuntimeError(
        f"This {_name(layer)} layer is not built yet; call its build(in_features, rng) first, "
        "or build the Sequential that holds it (model.build(n_features, seed) or fit)")


def no_forward(layer: Any) -> RuntimeError:
    return RuntimeError(
        f"{_name(layer)}.backward needs a forward pass with training=True first "
        "(it differentiates the batch that pass cached; an inference pass caches nothing)")


def input_error(layer: Any, x: Any, *, built: bool = True, width: int | None = None,
                floats: bool = False) -> Exception | None:
    """Why ``x`` does not fit ``layer.forward``, or None when nothing here explains it.

    ``built``: whether the layer is; ``width``: the number of features (columns)
    expected; ``floats``: float32 or float64 only (else any real dtype, then cast).
    """
    if not built:
        return not_built(layer)
    if not isinstance(x, np.ndarray) or (floats and x.dtype not in _FLOATS):
        return float_error(layer, x)
    if x.dtype.kind not in "fiub":
        return TypeError(f"Expected real numbers (a float, int or bool array) for "
                         f"{_name(layer)}.forward. Received dtype {x.dtype}")
    if width is not None and (x.ndim != 2 or x.shape[1] != width):
        return shape_error(layer, x, width)
    return None


def rows_error(layer: Any, x: np.ndarray) -> ValueError:
    return ValueError(f"Expected a 2-D array (n_samples, n_classes) for {_name(layer)} "
                      f"(it normalizes each row). Received an array of shape {x.shape}")


def float_error(layer: Any, x: Any) -> TypeError:
    """``x`` is no NumPy array, or (what an activation or dropout takes) no float32 or
    float64 one."""
    where = f"{_name(layer)}.forward"
    if not isinstance(x, np.ndarray):
        return TypeError(f"Expected a NumPy array for {where}. Received: {_name(x)}")
    return TypeError(f"Expected a float32 or float64 array for {where}. Received dtype {x.dtype}")


def shape_error(layer: Any, x: np.ndarray, width: int) -> ValueError:
    return ValueError(f"Expected an input of shape (n_samples, {width}) for {layer!r}. "
                      f"Received an array of shape {np.shape(x)}")


def layer_input(layer: Any, x: np.ndarray, dtype: np.dtype, width: int | None = None
                ) -> np.ndarray:
    """``x`` converted to the layer's ``dtype`` (as ``Dense`` always did: a float32
    batch for float64 weights, ints, bools), or the error ``input_error`` finds."""
    error = input_error(layer, x, width=width)
    if error is not None:
        raise error
    return x.astype(dtype)


def grad_error(layer: Any, expected: tuple[int, ...], grad_out: Any) -> Exception:
    where = f"{_name(layer)}.backward"
    if not isinstance(grad_out, np.ndarray):
        got = ("None (in a model: the backward of the layer above returned None; every layer's "
               "but the first one's must return dL/dx)") if grad_out is None else _name(grad_out)
        return TypeError(f"Expected grad_out, dL/dy, as a NumPy array of shape {expected} for "
                         f"{where}. Received: {got}")
    return ValueError(f"Expected grad_out, dL/dy, of shape {expected} (the output of the last "
                      f"training forward) for {where}. Received shape {grad_out.shape} (in a "
                      "model: what the backward of the layer above returned, its dL/dx, which "
                      "has the shape of that layer's input)")


def dense_grad(layer: Any, x: np.ndarray, grad_out: Any, error: Exception) -> np.ndarray:
    """``grad_out`` for ``Dense.backward`` after NumPy refused it: converted to the weights'
    dtype when only that was wrong (a float64 gradient for float32 weights, as ``forward``
    converts its input), else the error saying what was expected (a W.grad set to None or
    replaced: named). ``_grad_slots`` is imported here, on an error's path, not with nonlin."""
    from ._grad_slots import check_layer_grads
    check_layer_grads(layer)
    expected = (x.shape[0], layer.units)
    if getattr(grad_out, "shape", None) != expected:
        raise grad_error(layer, expected, grad_out) from None
    dtype = layer.W.value.dtype
    if grad_out.dtype == dtype:
        raise error
    from ._layer_inputs import layer_grad  # it imports this module

    return layer_grad(layer, grad_out, dtype)


def params_error(params: Any) -> TypeError | None:
    """Why ``params`` is no list of ``Param`` for ``Optimizer.step``, or None."""
    from .core import Param

    expected = "Expected a list of Param (model.parameters())"
    if not isinstance(params, list | tuple):
        hint = "; call model.parameters()" if hasattr(params, "parameters") else ""
        return TypeError(f"{expected}. Received: {_name(params)}{hint}")
    for i, p in enumerate(params):
        if not isinstance(p, Param):
            return TypeError(f"{expected}. Received params[{i}] of type {_name(p)}")
    return None


def check_same_params(model: Any, params: list[Any], epoch: int) -> None:
    """Refuse to train on when ``model.parameters()`` are no longer ``params``, those fit
    started with (a callback built the model again): the optimizer would step the old,
    detached ones while the History reported the epochs trained. A few identity tests."""
    now = model.parameters()
    if len(now) != len(params) or not all(map(is_same, now, params)):
        raise RuntimeError(
            f"The model's parameters changed during fit (at epoch {epoch}): a callback built "
            "the model again (model.build) or changed which weights train. fit steps the "
            "parameters it started with, so the new ones would not train: build the model "
            "before fit, or call fit again afterwards")


def check_binding(optimizer: Any, params: list[Any], shapes: list[tuple[int, ...]]) -> None:
    """Checks for ``Optimizer._ready`` when it binds a parameter list (a cold branch).

    Each gradient must have its value's shape (NumPy would broadcast a smaller one
    into the update) and the values must be floats. Slots (moment estimates) the
    optimizer holds belong to the parameters they were made for: another list
    (a second model, a rebuilt one) or state loaded for other shapes is refused,
    as Keras 3 refuses unknown variables, rather than shared or silently reset.
    """
    for i, p in enumerate(params):
        try:  # step counts it (nonlin._pass_weights): a Param-like object's too
            p._version += 0
        except AttributeError:
            p._version = 0
        if p.value.dtype.kind != "f" or getattr(p.grad, "shape", None) != p.value.shape:
            from ._param_names import binding_error  # as dense_grad: an error's path, where
            raise binding_error(params, i)  # the parameter is named by its layer
    slots = optimizer._param_slots
    if not any(slots.values()):
        return  # no state yet (or none loaded): any parameters may take it
    owners = optimizer.__dict__.get("_owners") or params
    names = ", ".join(slots)
    if len(owners) != len(params) or any(map(is_not, owners, params)):
        raise ValueError(
            f"Expected the parameters this {_name(optimizer)} holds state for ({len(owners)}; "
            f"slots {names}, made by its earlier steps). Received others ({len(params)}) "
            "(another model's, a rebuilt model's, this model's after a layer.trainable change "
            "or a model.pop/add), which would be stepped with state for other parameters. Use "
            "one optimizer per model and a new one after build, a trainable change or an edit "
            "of the layers (Keras 3 refuses so too), or move the state with state_dict")
    made = [a.shape for a in next(iter(slots.values()))]
    if made != shapes:
        raise ValueError(
            f"Expected optimizer state for parameters of shapes {shapes}. Received state "
            f"(slots {names}) for shapes {made}, from load_state_dict: another model's state?")


def _checked_iterations(state: Any) -> Any:
    """The step count of ``state`` as given; ``ValueError`` unless it is an integer >= 0
    in a dict, its ``lr`` a real number and its ``slots_since`` in ``[0, iterations]``."""
    if not isinstance(state, dict) or "iterations" not in state:
        raise ValueError("Expected a dict from Optimizer.state_dict() with an 'iterations' key. "
                         f"Received: state={quoted(state)}")
    iterations = state["iterations"]
    if not is_real(iterations) or not 0 <= iterations < float("inf") or iterations % 1:
        raise ValueError("Expected a non-negative integer. "
                         f"Received: iterations={quoted(iterations)}")
    if "lr" in state and not is_real(state["lr"]):
        raise ValueError(f"Expected a finite learning rate >= 0. Received: "
                         f"lr={quoted(state['lr'], 80)}")
    since = state.get("slots_since", 0)
    if not is_real(since) or since % 1 or not 0 <= since <= iterations:
        raise ValueError(f"Expected an integer in [0, iterations={iterations!r}]. "
                         f"Received: slots_since={quoted(since, 80)}")
    return iterations


def _slot_arrays(optimizer: Any, state: Any) -> dict[str, dict[int, np.ndarray]]:
    """The arrays (copies) of ``state``'s ``"<slot>.<index>"`` keys by slot and index, one
    entry per slot of ``optimizer``; ``ValueError`` for another key or non-real values."""
    names = optimizer._saved_slots()  # with use_ema, the moving average's too
    found: dict[str, dict[int, np.ndarray]] = {name: {} for name in names}
    for key, value in state.items():
        if key in ("iterations", "lr", "slots_since") or (
                isinstance(key, str) and key.startswith("lr.")):
            continue
        name, _, index = key.rpartition(".") if isinstance(key, str) else ("", "", "")
        if name not in found or not (index.isascii() and index.isdigit()):
            what = (f"slot {quoted(name)} (key {quoted(key)})" if name and name not in found
                    else f"{quoted(key)}")
            raise ValueError(
                f"Expected the state of {_name(optimizer)}: 'iterations', 'lr' and its slots "
                f"({', '.join(names) or 'none'}) as '<slot>.<index>'. Received {what}: "
                + ("the state of an optimizer with use_ema=True?" if name == "average"
                   else "another optimizer's state?"))
        try:
            array = np.array(value, copy=True)
        except (TypeError, ValueError):  # ragged nested lists, say
            array = np.array(None)
        if array.dtype.kind not in "fiu":
            raise ValueError(f"Expected real numbers in {key}. Received {quoted(value, 80)}")
        found[name][int(index)] = array
    return found


def state_slots(optimizer: Any, state: Any) -> tuple[int, dict[str, list[np.ndarray]]]:
    """The step count and the slot arrays (copies) of ``state``, the form
    ``optimizer.state_dict()`` returns, checked for ``load_state_dict``: keys
    ``"iterations"``, ``"lr"``, ``"lr.<name>"`` (a schedule's) and ``"<slot>.<index>"``
    for this optimizer's slots only (another optimizer's moments are refused, not
    dropped), indices from 0 without gaps, as many arrays per slot, real numbers."""
    iterations = _checked_iterations(state)
    found = _slot_arrays(optimizer, state)
    counts = {name: len(arrays) for name, arrays in found.items()}
    if len(set(counts.values())) > 1:
        raise ValueError(f"Expected as many arrays for each slot of {_name(optimizer)}. "
                         "Received " + ", ".join(f"{n}: {c}" for n, c in counts.items())
                         + (" (no average: the state of an optimizer with use_ema=False?)"
                            if counts.get("average") == 0 else ""))
    for name, arrays in found.items():
        if sorted(arrays) != list(range(len(arrays))):
            raise ValueError(
                f"Expected the arrays of slot {name!r} numbered from 0 ({name}.0, {name}.1, ...). "
                "Received " + ", ".join(f"{name}.{i}" for i in sorted(arrays)))
    return int(iterations), {name: [arrays[i] for i in range(len(arrays))]
                             for name, arrays in found.items()}


_KERAS_DENSE = {  # activation, use_bias, kernel_initializer, kernel_regularizer: taken
    "input_shape": "not needed: Sequential([Input(shape=(n,)), ...]), build(n_features) or "
                   "the first fit sets the input width",
    "input_dim": "not needed: Sequential([Input(shape=(n,)), ...]), build(n_features) or "
                 "the first fit sets the input width",
}


_KERAS_LEAKY_RELU = {  # Keras 3's (and PyTorch's) name for the slope
    "negative_slope": "nonlin's name is alpha=: LeakyReLU(alpha=0.1) for Keras' "
                      "LeakyReLU(negative_slope=0.1) (defaults differ: 0.01 here, 0.3 in Keras 3)",
}
_KERAS_KEYWORDS = {"Dense": _KERAS_DENSE, "LeakyReLU": _KERAS_LEAKY_RELU}


def keras_keywords(keywords: dict[str, Any], layer: str = "Dense") -> TypeError:
    """The error for Keras keywords given to ``layer`` (``"Dense"``, ``"LeakyReLU"``),
    saying what nonlin does instead."""
    name = next(iter(keywords))
    hint = _KERAS_KEYWORDS[layer].get(name)
    if hint is None:  # Python's words, with nonlin's way for Keras' other keywords
        from ._keras_keywords import unexpected_keyword

        return unexpected_keyword(layer, keywords)
    return TypeError(f"{layer}() takes no {name}= (a Keras keyword): {hint}")
