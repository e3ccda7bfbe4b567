"""Batches and gradients of another dtype handed to a layer driven by hand.

docs/design.md's promise: a batch or a gradient of another real dtype (float32 for a
float64 model, ints, bools) is converted to the layer's dtype, as ``Dense`` always did,
and anything else (complex, object, text) is refused saying what was expected. A layer's
dtype is its weights', or, for a layer without any (an activation, dropout), the model's
(``Layer.cast_state``, called by ``Sequential.build``); a layer no model has built keeps
a float32 or float64 input's dtype and computes ints in float64.

The cost on the hot path (``fit`` hands every layer arrays of its dtype) is one dtype
identity test per call; the conversions and errors run only when it fails.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._misuse import dense_grad, grad_error, input_error, no_forward

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def layer_batch(layer: Any, x: Any) -> np.ndarray:
    """``x`` (n_samples, n_features) in ``layer._dtype``: converted from another real
    dtype, refused (``TypeError``) when it is no array of real numbers."""
    try:
        if x.dtype is layer._dtype:
            return x
    except AttributeError:  # no array: input_error says so
        pass
    error = input_error(layer, x)
    if error is not None:
        raise error
    dtype = layer._dtype
    if dtype is None:  # no model built it: a float dtype is kept, ints computed in float64
        return x if x.dtype in _FLOATS else x.astype(np.float64)
    return x.astype(dtype, copy=False)


def layer_grad(layer: Any, grad_out: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``grad_out`` converted to ``dtype`` (the training forward's), or a ``TypeError``
    when it holds no real numbers (a cold branch: its dtype differs)."""
    if grad_out.dtype == dtype:
        return grad_out
    if grad_out.dtype.kind not in "fiub":
        raise TypeError(f"Expected grad_out, dL/dy, of real numbers (a float, int or bool "
                        f"array) for {type(layer).__name__}.backward. Received dtype "
                        f"{grad_out.dtype}")
    return grad_out.astype(dtype)


def passed(layer: Any, x: np.ndarray, training: bool) -> np.ndarray:
    """``x`` itself, the output of a layer that hands its input on (``Identity``, a dropout
    of rate 0); a training forward records it (no copy) for ``passed_grad``'s checks."""
    if training:
        layer._x = x
    return x


def passed_grad(layer: Any, grad_out: Any) -> np.ndarray:
    """``grad_out`` handed on by such a layer's ``backward``, checked as every layer checks
    it (``cached``): a training forward first, its output's shape, its dtype (converted)."""
    return cached(layer, "_x", grad_out)[1]


def cached(layer: Any, name: str, grad_out: Any) -> tuple[np.ndarray, np.ndarray]:
    """What ``layer``'s last training forward cached under ``name`` (an array shaped like
    its output) and ``grad_out`` in that array's dtype, once ``grad_out`` is known to have
    its shape too: NumPy would broadcast a (n, 1), (k,) or scalar gradient into it
    silently, and compute a float64 or int gradient in another dtype than the layer's."""
    try:
        value = layer.__dict__[name]
        if grad_out.shape == value.shape:
            if grad_out.dtype is value.dtype:
                return value, grad_out
            return value, layer_grad(layer, grad_out, value.dtype)
    except (KeyError, AttributeError):  # no training forward yet (or a None); no array
        pass
    value = layer.__dict__.get(name)
    if value is None:
        raise no_forward(layer)
    raise grad_error(layer, value.shape, grad_out)


def scratch(buf: np.ndarray | None, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Return ``buf`` when it already has ``shape`` and ``dtype``, else a new empty array."""
    if buf is None or buf.shape != shape or buf.dtype != dtype:
        return np.empty(shape, dtype=dtype)
    return buf


def frozen_grad(layer: Any, x: np.ndarray, grad_out: Any) -> np.ndarray:
    """``grad_out`` for a frozen ``Dense``'s ``backward`` when it is no array of ``x``'s dtype
    and the layer's output shape (n_samples, units): converted to that dtype, or refused
    (``_misuse.dense_grad``), so that the backward rule itself reads as the math."""
    error = TypeError(f"Expected real numbers in grad_out for {layer!r}. Received "
                      f"dtype {getattr(grad_out, 'dtype', None)}")
    return dense_grad(layer, x, grad_out, error)
