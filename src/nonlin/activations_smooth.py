"""Smooth activations as Keras 3 and PyTorch have them: ``SiLU`` (swish), ``ELU``,
``SELU``, ``Softplus`` and ``Mish``, each with its backward rule beneath it.

Each is computed without overflow or cancellation: inputs as large as +-1e308 give
finite results with no floating-point warning, and the tails keep their relative
accuracy (``sigmoid(x)`` for a negative ``x`` is ``exp(x) / (1 + exp(x))``, never
``1 - something``). float32 stays float32.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._branchless import pick, signed_sigmoid
from ._layer_inputs import cached, layer_batch
from ._layer_names import name_config, set_name
from ._quoting import quoted
from .activations import _out
from .core import Layer, const, layer_buffer
from .validation import is_real


def _sigmoid_parts(x: np.ndarray, e: np.ndarray, p: np.ndarray,
                   sigmoid: np.ndarray) -> np.ndarray:
    """``e = exp(-|x|)``, ``p = sigmoid(|x|) = 1 / (1 + e)`` and ``sigmoid(x)``: ``p`` for
    ``x >= 0``, else ``e p`` (each in the buffer of its name; ``sigmoid`` is returned)."""
    np.greater_equal(x, const(0.0, x.dtype), out=sigmoid)  # 1.0 where x >= 0, else 0.0
    np.abs(x, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)  # exp(-|x|): at most 1, never overflows
    np.add(e, const(1.0, x.dtype), out=p)
    np.reciprocal(p, out=p)
    return signed_sigmoid(sigmoid, e, p, sigmoid)


class SiLU(Layer):
    """Sigmoid-weighted linear unit, Keras' ``silu`` / ``swish``: ``y = x sigmoid(x)``.

    ``sigmoid(x)`` is ``p`` for ``x >= 0``, else ``e p``, with ``e = exp(-|x|)`` and
    ``p = 1 / (1 + e)``; then ``sigmoid(x) sigmoid(-x) = e p^2``. Backward:
    ``g * (sigmoid(x) + x sigmoid(x) sigmoid(-x)) = g * (sigmoid(x) + x e p^2)``.
    """

    _inputs = ("_x",)  # nonlin._layer_caches
    _caches = ("_y", "_grad_in", "_e", "_p", "_sigmoid")
    _x: np.ndarray  # the input, cached by a training forward, with e, p and sigmoid(x)
    _e: np.ndarray
    _p: np.ndarray
    _sigmoid: np.ndarray

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        e, p, sigmoid = (_out(self, name, x, training) for name in ("_e", "_p", "_sigmoid"))
        _sigmoid_parts(x, e, p, sigmoid)
        if training:
            self._x = x
        return np.multiply(x, sigmoid, out=_out(self, "_y", x, training) if training else e)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        x, grad_out = cached(self, "_x", grad_out)  # the training forward's input
        grad_in = _out(self, "_grad_in", x, True)
        np.multiply(self._e, self._p, out=grad_in)
        np.multiply(grad_in, self._p, out=grad_in)  # sigmoid(x) sigmoid(-x)
        np.multiply(grad_in, x, out=grad_in)
        np.add(grad_in, self._sigmoid, out=grad_in)
        return np.multiply(grad_out, grad_in, out=grad_in)


def _check_alpha(alpha: Any) -> float:
    if not is_real(alpha) or not math.isfinite(alpha) or alpha < 0:
        raise ValueError(f"Expected a finite alpha >= 0. Received: alpha={quoted(alpha)}")
    return float(alpha)


def _elu_forward(layer: Layer, x: np.ndarray, training: bool, alpha: float,
                 scale: float) -> np.ndarray:
    """``y = scale x`` where ``x > 0``, else ``scale alpha expm1(x)``; a training forward
    also caches the slope, ``scale`` or ``scale alpha exp(x)``."""
    y = _out(layer, "_y", x, training)
    zero, dtype = const(0.0, x.dtype), x.dtype
    negative = _out(layer, "_negative", x, training)
    # no expm1 of a large positive x (it would overflow); NumPy's min and max return their
    # second argument between equals: x, so that -0.0 stays -0.0, as in PyTorch and Keras
    np.minimum(zero, x, out=negative)
    if training:  # scale or scale alpha exp(x), picked by [x > 0] (nonlin._branchless)
        slope, flag = (layer_buffer(layer, name, x.shape, dtype) for name in ("_slope", "_flag"))
        np.exp(negative, out=slope)  # exp(x), not y / alpha + 1, which cancels for x << 0
        np.multiply(slope, const(scale * alpha, dtype), out=slope)
        pick(np.greater(x, zero, out=flag), const(scale, dtype), slope, slope, y)
    np.expm1(negative, out=negative)
    np.multiply(negative, const(scale * alpha, dtype), out=negative)  # 0 where x > 0
    np.maximum(zero, x, out=y)  # 0 where x <= 0: y is one branch plus an exact 0
    if scale != 1.0:
        np.multiply(y, const(scale, dtype), out=y)
    return np.add(y, negative, out=y)


class ELU(Layer):
    """Exponential linear unit: ``y = x`` where ``x > 0``, else ``alpha (exp(x) - 1)``.

    Backward: ``g`` where ``x > 0``, else ``g * alpha exp(x)`` (that is ``g * (y +
    alpha)``, but from ``exp(x)``, cached by the training forward: ``y + alpha`` loses
    its digits for ``x << 0``). ``exp(x) - 1`` is ``expm1(x)``, exact near 0.

    Parameters
    ----------
    alpha : float, default 1.0
        Scale of the negative part, finite and ``>= 0`` (Keras' and PyTorch's ``alpha``).
    name : str, optional
        The layer's name, as ``Dense``'s (Keras' ``name=``).
    """

    _caches = ("_y", "_grad_in", "_negative", "_slope", "_flag")
    _slope: np.ndarray  # dy/dx, cached by a training forward

    def __init__(self, alpha: float = 1.0, *, name: str | None = None) -> None:
        self.alpha = _check_alpha(alpha)
        set_name(self, name)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        return _elu_forward(self, x, training, self.alpha, 1.0)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        slope, grad_out = cached(self, "_slope", grad_out)  # the training forward's dy/dx
        return np.multiply(grad_out, slope, out=_out(self, "_grad_in", slope, True))

    def get_config(self) -> dict[str, Any]:
        return {"alpha": self.alpha, **name_config(self)}


# Klambauer et al. (2017), to the digits PyTorch and Keras 3 give them
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


class SELU(Layer):
    """Scaled exponential linear unit: ``y = scale x`` where ``x > 0``, else
    ``scale alpha (exp(x) - 1)``, ``alpha = 1.67326324235437728``,
    ``scale = 1.05070098735548049`` (``SELU_ALPHA``, ``SELU_SCALE``).

    Backward: ``g * scale`` where ``x > 0``, else ``g * scale alpha exp(x)`` (cached by
    the training forward, as ``ELU``'s).

    Its self-normalising property (activations kept near mean 0, variance 1) assumes
    weights of variance ``1 / fan_in``: build the ``Dense`` layers before it with
    ``init="lecun_normal"``, the initializer Keras recommends for SELU (PyTorch's docs
    say ``kaiming_normal_(nonlinearity="linear")``, the same variance untruncated).
    """

    _caches = ("_y", "_grad_in", "_negative", "_slope", "_flag")
    _slope: np.ndarray  # dy/dx, cached by a training forward

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        return _elu_forward(self, x, training, SELU_ALPHA, SELU_SCALE)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        slope, grad_out = cached(self, "_slope", grad_out)  # the training forward's dy/dx
        return np.multiply(grad_out, slope, out=_out(self, "_grad_in", slope, True))


class Softplus(Layer):
    """``y = log(1 + exp(x))`` as ``max(x, 0) + log1p(exp(-|x|))``, the formula of NumPy's
    ``logaddexp(0, x)`` (the same bits in float64; in float32 within 2.4 ulps, NumPy's
    within 1.4) (Keras' ``softplus``; PyTorch's ``Softplus()`` less its ``threshold``,
    past which it returns ``x``).

    Backward: ``g * sigmoid(x)``, ``sigmoid(x)`` cached by the training forward from its
    ``exp(-|x|)`` (``p`` or ``e p``, as ``SiLU``'s): accurate in both tails.
    """

    _caches = ("_y", "_grad_in", "_e", "_p", "_sigmoid")
    _sigmoid: np.ndarray  # sigmoid(x), cached by a training forward

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        y, e = _out(self, "_y", x, training), _out(self, "_e", x, training)
        if training:  # sigmoid(x) from exp(-|x|), for backward
            _sigmoid_parts(x, e, _out(self, "_p", x, True), _out(self, "_sigmoid", x, True))
        else:
            np.exp(np.negative(np.abs(x, out=e), out=e), out=e)
        np.log1p(e, out=e)  # log(1 + exp(-|x|)), NumPy's logaddexp(0, x) with max(x, 0):
        return np.add(np.maximum(x, const(0.0, x.dtype), out=y), e, out=y)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        sigmoid, grad_out = cached(self, "_sigmoid", grad_out)  # the training forward's sigmoid(x)
        return np.multiply(grad_out, sigmoid, out=_out(self, "_grad_in", sigmoid, True))


class Mish(Layer):
    """``y = x tanh(softplus(x))`` (Misra, 2019; Keras' ``mish``, PyTorch's ``Mish``).

    With ``w = exp(-|x|)`` (at most 1: nothing overflows), ``tanh(log(1 + e^x))`` is
    ``t = n / (n + 2 B)``, ``n = 2 w + A``, where ``(A, B) = (1, w^2)`` for ``x >= 0`` and
    ``(w^2, 1)`` below: no cancellation in either tail. Backward: ``g * (t + x sigmoid(x)
    (1 - t^2))``, where ``sigmoid(x) (1 - t^2) = 4 w (1 + w) C / d^2``, ``d = n + 2 B``,
    ``C = w`` for ``x >= 0``, else 1; the training forward caches this slope.

    Shapes: ``x``, ``y`` and ``g = dL/dy`` (n_samples, n_features).
    """

    _caches = ("_y", "_grad_in", "_w", "_below", "_n", "_d", "_t", "_slope")
    _slope: np.ndarray  # dy/dx, cached by a training forward

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        w, below, n, d, t = (_out(self, name, x, training)
                             for name in ("_w", "_below", "_n", "_d", "_t"))
        _mish_gate(x, w, below, n, d, t)
        if not training:
            return np.multiply(x, t, out=n)
        slope = self._slope = n  # n's buffer is free again: dy/dx, kept for backward
        np.maximum(below, w, out=below)  # C: 1 where x < 0, else w
        np.add(w, const(1.0, x.dtype), out=slope)
        np.multiply(slope, w, out=slope)
        np.multiply(slope, below, out=slope)
        np.multiply(slope, const(4.0, x.dtype), out=slope)
        np.divide(slope, d, out=slope)
        np.divide(slope, d, out=slope)  # sigmoid(x) (1 - t^2)
        np.multiply(slope, x, out=slope)
        np.add(slope, t, out=slope)
        return np.multiply(x, t, out=_out(self, "_y", x, True))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        slope, grad_out = cached(self, "_slope", grad_out)  # the training forward's dy/dx
        return np.multiply(grad_out, slope, out=_out(self, "_grad_in", slope, True))


def _mish_gate(x: np.ndarray, w: np.ndarray, below: np.ndarray, n: np.ndarray,
               d: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``t = tanh(softplus(x))`` into ``t``, leaving ``w = exp(-|x|)``, ``below = [x < 0]``
    and ``d = n + 2 B`` (``Mish``'s names) in their buffers, all shaped like ``x``."""
    one = const(1.0, x.dtype)
    np.greater_equal(x, const(0.0, x.dtype), out=below)  # [x >= 0] for now
    np.abs(x, out=w)
    np.negative(w, out=w)
    np.exp(w, out=w)
    np.add(w, w, out=n)
    np.multiply(w, w, out=d)  # w^2
    np.maximum(below, d, out=t)  # A: 1 where x >= 0 (w^2 <= 1), else w^2
    np.add(n, t, out=n)
    np.subtract(one, below, out=below)  # [x < 0] from here on
    np.maximum(below, d, out=d)  # B: 1 where x < 0, else w^2
    np.add(d, d, out=d)
    np.add(d, n, out=d)
    return np.divide(n, d, out=t)
