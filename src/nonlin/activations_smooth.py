"""Smooth activations as Keras 3 and PyTorch have them: ``SiLU`` (swish), ``ELU``,
``SELU`` and ``Softplus``, each with its backward rule beneath it.

Each is computed without overflow or cancellation: inputs as large as +-1e308 give
finite results with no floating-point warning, and the tails keep their relative
accuracy (``sigmoid(x)`` for a negative ``x`` is ``exp(x) / (1 + exp(x))``, never
``1 - something``). float32 stays float32.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._misuse import cached
from .activations import _out
from .core import Layer, const, layer_buffer
from .validation import is_real


def _positive(layer: Layer, x: np.ndarray, training: bool, strict: bool) -> np.ndarray:
    """Where ``x > 0`` (``x >= 0`` unless ``strict``): the layer's buffer when training."""
    out = layer_buffer(layer, "_positive", x.shape, bool) if training else None
    compare = np.greater if strict else np.greater_equal
    return compare(x, const(0.0, x.dtype), out=out)


class SiLU(Layer):
    """Sigmoid-weighted linear unit, Keras' ``silu`` / ``swish``: ``y = x sigmoid(x)``.

    ``sigmoid(x)`` is ``p`` for ``x >= 0``, else ``e p``, with ``e = exp(-|x|)`` and
    ``p = 1 / (1 + e)``; then ``sigmoid(x) sigmoid(-x) = e p^2``. Backward:
    ``g * (sigmoid(x) + x sigmoid(x) sigmoid(-x)) = g * (sigmoid(x) + x e p^2)``.
    """

    _x: np.ndarray  # the input, cached by a training forward, with e, p and sigmoid(x)
    _e: np.ndarray
    _p: np.ndarray
    _sigmoid: np.ndarray

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        e, p, sigmoid = (_out(self, name, x, training) for name in ("_e", "_p", "_sigmoid"))
        positive = _positive(self, x, training, strict=False)
        np.abs(x, out=e)
        np.negative(e, out=e)
        np.exp(e, out=e)  # exp(-|x|): at most 1, never overflows
        np.add(e, const(1.0, x.dtype), out=p)
        np.reciprocal(p, out=p)  # sigmoid(|x|)
        np.multiply(e, p, out=sigmoid)  # sigmoid(-|x|)
        np.copyto(sigmoid, p, where=positive)
        if training:
            self._x = x
        return np.multiply(x, sigmoid, out=_out(self, "_y", x, training) if training else e)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        x = cached(self, "_x", grad_out)  # the training forward's input
        grad_in = _out(self, "_grad_in", x, True)
        np.multiply(self._e, self._p, out=grad_in)
        np.multiply(grad_in, self._p, out=grad_in)  # sigmoid(x) sigmoid(-x)
        np.multiply(grad_in, x, out=grad_in)
        np.add(grad_in, self._sigmoid, out=grad_in)
        return np.multiply(grad_out, grad_in, out=grad_in)


def _check_alpha(alpha: Any) -> float:
    if not is_real(alpha) or not math.isfinite(alpha) or alpha < 0:
        raise ValueError(f"Expected a finite alpha >= 0. Received: alpha={alpha!r:.100}")
    return float(alpha)


def _elu_forward(layer: Layer, x: np.ndarray, training: bool, alpha: float,
                 scale: float) -> np.ndarray:
    """``y = scale x`` where ``x > 0``, else ``scale alpha expm1(x)``; a training forward
    also caches the slope, ``scale`` or ``scale alpha exp(x)``."""
    y = _out(layer, "_y", x, training)  # also checks the dtype
    zero, dtype = const(0.0, x.dtype), x.dtype
    positive = _positive(layer, x, training, strict=True)
    np.minimum(x, zero, out=y)  # no expm1 of a large positive x: it would overflow
    if training:
        slope = layer_buffer(layer, "_slope", x.shape, dtype)
        np.exp(y, out=slope)  # exp(x), not y / alpha + 1, which cancels for x << 0
        np.multiply(slope, const(scale * alpha, dtype), out=slope)
        np.copyto(slope, const(scale, dtype), where=positive)
    np.expm1(y, out=y)
    np.multiply(y, const(scale * alpha, dtype), out=y)
    if scale == 1.0:
        np.copyto(y, x, where=positive)
    else:
        np.multiply(x, const(scale, dtype), out=y, where=positive)
    return y


class ELU(Layer):
    """Exponential linear unit: ``y = x`` where ``x > 0``, else ``alpha (exp(x) - 1)``.

    Backward: ``g`` where ``x > 0``, else ``g * alpha exp(x)`` (that is ``g * (y +
    alpha)``, but from ``exp(x)``, cached by the training forward: ``y + alpha`` loses
    its digits for ``x << 0``). ``exp(x) - 1`` is ``expm1(x)``, exact near 0.

    Parameters
    ----------
    alpha : float, default 1.0
        Scale of the negative part, finite and ``>= 0`` (Keras' and PyTorch's ``alpha``).
    """

    _slope: np.ndarray  # dy/dx, cached by a training forward

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = _check_alpha(alpha)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return _elu_forward(self, x, training, self.alpha, 1.0)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        slope = cached(self, "_slope", grad_out)  # the training forward's dy/dx
        return np.multiply(grad_out, slope, out=_out(self, "_grad_in", slope, True))

    def get_config(self) -> dict[str, Any]:
        return {"alpha": self.alpha}


# Klambauer et al. (2017), to the digits PyTorch and Keras 3 give them
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class SELU(Layer):
    """Scaled exponential linear unit: ``y = scale x`` where ``x > 0``, else
    ``scale alpha (exp(x) - 1)``, ``alpha = 1.67326324235437728``,
    ``scale = 1.05070098735548049`` (``SELU_ALPHA``, ``SELU_SCALE``).

    Backward: ``g * scale`` where ``x > 0``, else ``g * scale alpha exp(x)`` (cached by
    the training forward, as ``ELU``'s).
    """

    _slope: np.ndarray  # dy/dx, cached by a training forward

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return _elu_forward(self, x, training, SELU_ALPHA, SELU_SCALE)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        slope = cached(self, "_slope", grad_out)  # the training forward's dy/dx
        return np.multiply(grad_out, slope, out=_out(self, "_grad_in", slope, True))


class Softplus(Layer):
    """``y = log(1 + exp(x))``, computed as ``logaddexp(0, x)`` (Keras' ``softplus``;
    PyTorch's ``Softplus()`` less its ``threshold``, past which it returns ``x``).

    Backward: ``g * sigmoid(x)``, from the cached output: ``sigmoid(x) = 1 - exp(-y)
    = -expm1(-y)``, accurate in both tails.
    """

    _y: np.ndarray  # the output, cached by a training forward

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        y = _out(self, "_y", x, training)
        return np.logaddexp(const(0.0, x.dtype), x, out=y)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        y = cached(self, "_y", grad_out)  # the training forward's output
        grad_in = _out(self, "_grad_in", y, True)
        np.negative(y, out=grad_in)
        np.expm1(grad_in, out=grad_in)
        np.negative(grad_in, out=grad_in)  # sigmoid(x)
        return np.multiply(grad_out, grad_in, out=grad_in)
