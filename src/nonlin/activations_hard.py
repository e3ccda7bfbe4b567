"""Cheap activations without ``exp``, as Keras 3 and PyTorch have them: ``ReLU6``,
``HardSigmoid``, ``HardSwish`` (Keras' ``hard_silu``) and ``Softsign``, each with its
backward rule beneath it.

The piecewise-linear ones clip with one ``np.clip`` pass (a ufunc: no masked copy) and
give PyTorch's bits: ``relu6(x + 3) / 6`` divides by 6, as ``F.hardsigmoid`` does, rather
than multiplying by a rounded ``1 / 6``. Their slopes at the kinks are PyTorch's, the
one-sided values listed in each docstring (finite differences there are no derivatives:
the tests leave the kinks out). Inputs as large as +-1e308 give finite results with no
floating-point warning; float32 stays float32.
"""

from __future__ import annotations

import numpy as np

from ._layer_inputs import cached, layer_batch
from .activations import _out
from .core import Layer, const, layer_buffer


def _clip(x: np.ndarray, low: float, high: float, out: np.ndarray) -> np.ndarray:
    """``out = min(max(x, low), high)`` (NaN stays NaN; ``-0.0`` stays ``-0.0``)."""
    return np.clip(x, const(low, x.dtype), const(high, x.dtype), out=out)


class ReLU6(Layer):
    """``y = min(max(x, 0), 6)`` (Keras' ``relu6``, PyTorch's ``ReLU6``); backward
    ``g * [0 < y < 6]``: 0 at both kinks, as PyTorch's.

    Shapes: ``x``, ``y`` and ``g = dL/dy`` (n_samples, n_features).
    """

    _caches = ("_y", "_grad_in", "_upper")
    _y: np.ndarray  # the output, cached by a training forward

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        return _clip(x, 0.0, 6.0, _out(self, "_y", x, training))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        y, grad_out = cached(self, "_y", grad_out)  # the training forward's output
        inside = _out(self, "_grad_in", y, True)
        np.greater(y, const(0.0, y.dtype), out=inside)
        upper = layer_buffer(self, "_upper", y.shape, y.dtype)
        np.less(y, const(6.0, y.dtype), out=upper)
        np.multiply(inside, upper, out=inside)  # 1 where 0 < y < 6, else 0
        return np.multiply(grad_out, inside, out=inside)


class HardSigmoid(Layer):
    """``y = relu6(x + 3) / 6``: 0 for ``x <= -3``, 1 for ``x >= 3``, ``x / 6 + 1 / 2``
    between (Keras 3's ``hard_sigmoid`` and PyTorch's ``Hardsigmoid``, the same function;
    Keras 2's was ``0.2 x + 0.5`` clipped, another one).

    Backward: ``g / 6`` where ``-3 < x < 3``, else 0 (both kinks 0, as PyTorch's).
    PyTorch's float64 backward multiplies by ``1 / 6`` rounded to float32
    (``0.1666666716...``); nonlin's by ``1 / 6`` in the input's dtype.

    Shapes: ``x``, ``y`` and ``g = dL/dy`` (n_samples, n_features).
    """

    _inputs = ("_x",)  # nonlin._layer_caches
    _caches = ("_y", "_grad_in", "_upper")
    _x: np.ndarray  # the input, cached by a training forward

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        y = _out(self, "_y", x, training)
        if training:
            self._x = x
        return hard_sigmoid_into(x, y)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        x, grad_out = cached(self, "_x", grad_out)  # the training forward's input
        inside = _out(self, "_grad_in", x, True)
        _open_interval(x, -3.0, 3.0, inside, layer_buffer(self, "_upper", x.shape, x.dtype))
        np.multiply(inside, const(1.0 / 6.0, x.dtype), out=inside)
        return np.multiply(grad_out, inside, out=inside)


def hard_sigmoid_into(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = relu6(x + 3) / 6``, ``HardSigmoid``'s bits; ``out`` may be ``x``."""
    np.add(x, const(3.0, x.dtype), out=out)
    _clip(out, 0.0, 6.0, out)
    return np.divide(out, const(6.0, x.dtype), out=out)


def _open_interval(x: np.ndarray, low: float, high: float, out: np.ndarray,
                   upper: np.ndarray) -> np.ndarray:
    """``out = [low < x < high]`` as 0.0 and 1.0 (``upper`` a buffer shaped like ``x``)."""
    np.greater(x, const(low, x.dtype), out=out)
    np.less(x, const(high, x.dtype), out=upper)
    return np.multiply(out, upper, out=out)


class HardSwish(Layer):
    """``y = x relu6(x + 3) / 6``: 0 for ``x <= -3``, ``x`` for ``x >= 3``, ``x (x + 3) / 6``
    between (Keras 3's ``hard_silu`` / ``hard_swish``, PyTorch's ``Hardswish``; Howard et
    al., 2019, MobileNetV3), computed as ``x hard_sigmoid(x)``, Keras' order: PyTorch's
    ``(x relu6(x + 3)) / 6`` overflows past ``x ~ 3e307`` (``y = x`` there) and may differ
    in the last bit between -3 and 3.

    Backward: ``g * (x / 3 + 1 / 2)`` where ``-3 < x < 3``, ``g`` where ``x >= 3``, else 0
    (PyTorch's rule, kinks included; Keras differentiates its formula, which gives the
    same away from the kinks). ``x / 3 + 1 / 2`` is evaluated on ``x`` clipped to
    [-3, 3], so that an infinite ``x`` (whose slope is 0 or 1) makes no NaN.

    Shapes: ``x``, ``y`` and ``g = dL/dy`` (n_samples, n_features).
    """

    _inputs = ("_x",)  # nonlin._layer_caches
    _caches = ("_y", "_grad_in", "_in", "_above")
    _x: np.ndarray  # the input, cached by a training forward

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        y = _out(self, "_y", x, training)
        if training:
            self._x = x
        return np.multiply(x, hard_sigmoid_into(x, y), out=y)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        x, grad_out = cached(self, "_x", grad_out)  # the training forward's input
        dtype = x.dtype
        slope = _out(self, "_grad_in", x, True)
        inside, above = (layer_buffer(self, name, x.shape, dtype) for name in ("_in", "_above"))
        _clip(x, -3.0, 3.0, slope)
        np.divide(slope, const(3.0, dtype), out=slope)
        np.add(slope, const(0.5, dtype), out=slope)  # x / 3 + 1 / 2, finite
        np.greater(x, const(-3.0, dtype), out=inside)
        np.greater_equal(x, const(3.0, dtype), out=above)
        np.subtract(inside, above, out=inside)  # 1 where -3 < x < 3, else 0
        np.multiply(slope, inside, out=slope)
        np.add(slope, above, out=slope)  # each sum adds an exact 0
        return np.multiply(grad_out, slope, out=slope)


class Softsign(Layer):
    """``y = x / (1 + |x|)`` (Keras' and PyTorch's ``softsign``): in (-1, 1), with tails
    that approach +-1 as ``1 / |x|`` rather than sigmoid's ``exp(-|x|)``.

    Backward: ``g / (1 + |x|)^2``, as ``g / d / d`` from ``d = 1 + |x|``, cached by the
    training forward (``(1 - |y|)^2`` from the output would lose every digit as
    ``|y| -> 1``; ``d^2`` would overflow past ``|x| ~ 1e154``).

    Shapes: ``x``, ``y`` and ``g = dL/dy`` (n_samples, n_features).
    """

    _caches = ("_y", "_grad_in", "_d")
    _d: np.ndarray  # 1 + |x|, cached by a training forward

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        y = _out(self, "_y", x, training)
        d = layer_buffer(self, "_d", x.shape, x.dtype) if training else y
        np.abs(x, out=d)
        np.add(d, const(1.0, x.dtype), out=d)
        return np.divide(x, d, out=y)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        d, grad_out = cached(self, "_d", grad_out)  # the training forward's 1 + |x|
        grad_in = _out(self, "_grad_in", d, True)
        np.divide(grad_out, d, out=grad_in)
        return np.divide(grad_in, d, out=grad_in)
