"""Elementwise and row-wise activations, each with its backward rule beneath it.

Backward rules use the cached output ``y`` where the math allows, as the
tutorial does: ``sigmoid'(x) = y * (1 - y)``. Inputs as large as +-1e308 give
finite results with no floating-point warning.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _gelu
from ._branchless import zeros_for as _zeros
from ._erfc import BUFFER_NAMES, Buffers, fresh
from ._layer_inputs import cached, layer_batch, passed, passed_grad
from ._layer_names import name_config, set_name
from ._misuse import keras_keywords, rows_error
from ._quoting import quoted
from ._softmax import softmax_into
from .core import Layer, const, layer_buffer
from .validation import check_bool, is_real


def _out(layer: Layer, name: str, x: np.ndarray, training: bool) -> np.ndarray:
    """A buffer shaped like ``x``: reused across training steps, fresh otherwise.

    ``x`` is float32 or float64 on every path, unchecked here: a forward's batch comes
    from ``layer_batch`` (the layer's dtype, which ``Layer.cast_state`` keeps to those
    two, or a float32 or float64 batch kept, anything else converted or refused), a
    backward's array from the training forward that ``cached`` checked it against
    (``tests/test_protocol_followups_s16.py`` runs every path with hostile inputs)."""
    return layer_buffer(layer, name, x.shape, x.dtype) if training else np.empty_like(x)


_FLOATS: tuple[np.dtype, ...] = (np.dtype(np.float32), np.dtype(np.float64))
_NO_FLOOR: Any = (None, None)  # LeakyReLU's, before a backward (or unpickled)
_ONE = {dt: const(1.0, dt) for dt in _FLOATS}
_ZERO = {dt: const(0.0, dt) for dt in _FLOATS}
# exp(-x) stays finite when -x is clipped here (float32 overflows past ~88.7).
_EXP_MAX = {dt: const(limit, dt) for dt, limit in zip(_FLOATS, (88.0, 709.0), strict=True)}


def sigmoid_into(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = 1 / (1 + exp(-x))`` (``-x`` clipped so that ``exp`` stays finite); ``out``
    may be ``x`` itself (inference overwrites an array it owns), shapes (n, k)."""
    np.negative(x, out)  # out = -x
    np.minimum(out, _EXP_MAX[out.dtype], out=out)  # out = min(-x, 709; 88 in float32)
    np.exp(out, out)  # out = exp(-x)
    np.add(out, _ONE[out.dtype], out)  # out = 1 + exp(-x)
    return np.reciprocal(out, out)  # out = 1 / (1 + exp(-x))


def relu_in_place(x: np.ndarray) -> np.ndarray:
    """``x = max(x, 0)`` over ``x`` itself, the bits of ``ReLU.forward``, shape (n, k)."""
    return np.maximum(x, _zeros(x.shape, x.dtype), out=x)


class Sigmoid(Layer):
    """Logistic function ``y = 1 / (1 + exp(-x))``; backward ``g * (y * (1 - y))``."""

    _caches = ("_y", "_grad_in")
    _y: np.ndarray  # the output, cached by a training forward

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        """``y = 1 / (1 + exp(-x))``, shape (n_samples, k) as ``x``; training caches ``y``."""
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        return sigmoid_into(x, _out(self, "_y", x, training))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """``dL/dx = g * y * (1 - y)``, ``g = grad_out`` (n, k): the tutorial's ``-l2_delta``
        (its ``l2_error = y - l2`` is ``-g``; the signs differ, the numbers do not)."""
        y, grad_out = cached(self, "_y", grad_out)  # the training forward's output
        grad_in = _out(self, "_grad_in", y, True)  # one buffer, reused every step:
        np.subtract(_ONE[y.dtype], y, grad_in)  # grad_in = 1 - y
        np.multiply(y, grad_in, grad_in)  # grad_in = y * (1 - y), sigmoid'(x)
        return np.multiply(grad_out, grad_in, grad_in)  # grad_in = g * y * (1 - y)


class Tanh(Layer):
    """Hyperbolic tangent ``y = tanh(x)``; backward ``g * (1 - y**2)``."""

    _caches = ("_y", "_grad_in")
    _y: np.ndarray  # the output, cached by a training forward

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        return np.tanh(x, _out(self, "_y", x, training))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        y, grad_out = cached(self, "_y", grad_out)  # the training forward's output
        grad_in = _out(self, "_grad_in", y, True)
        np.multiply(y, y, grad_in)
        np.subtract(_ONE[y.dtype], grad_in, grad_in)
        return np.multiply(grad_out, grad_in, grad_in)


class ReLU(Layer):
    """Rectifier ``y = max(x, 0)``; backward ``g * [y > 0]``."""

    _caches = ("_y", "_grad_in", "_zeros")
    _y: np.ndarray  # the output, cached by a training forward

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        y = _out(self, "_y", x, training)
        zeros = self.__dict__.get("_zeros")
        if zeros is None or zeros.shape != x.shape or zeros.dtype != x.dtype:
            zeros = _zeros(x.shape, x.dtype)
            if training:  # kept for the next step; inference writes nothing to the layer
                self._zeros = zeros
        return np.maximum(x, zeros, out=y)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        y, grad_out = cached(self, "_y", grad_out)  # the training forward's output
        grad_in = _out(self, "_grad_in", y, True)
        np.greater(y, _ZERO[y.dtype], out=grad_in)
        return np.multiply(grad_out, grad_in, grad_in)


class LeakyReLU(Layer):
    """``y = x`` where ``x > 0``, else ``alpha * x``; backward ``g`` or ``alpha * g``.

    Parameters
    ----------
    alpha : float, default 0.01
        Slope for negative inputs, ``alpha >= 0``.
    name : str, optional
        The layer's name, as ``Dense``'s (Keras' ``name=``).
    **keras
        Keras 3's ``negative_slope`` is refused naming ``alpha`` (default 0.3 there).
    """

    _caches = ("_y", "_grad_in", "_floor")
    _y: np.ndarray  # the output, cached by a training forward: y > 0 exactly where x > 0

    def __init__(self, alpha: float = 0.01, *, name: str | None = None, **keras: Any) -> None:
        if keras:
            raise keras_keywords(keras, "LeakyReLU")
        set_name(self, name)
        if not is_real(alpha) or not math.isfinite(alpha) or alpha < 0:
            raise ValueError(f"Expected a finite alpha >= 0. Received: alpha={quoted(alpha)}")
        self.alpha = float(alpha)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        # y = max(x, alpha x) for alpha <= 1, min(x, alpha x) above: two SIMD passes (a
        # masked copy takes 35x longer). fmax/fmin keep x = inf where alpha x is 0 * inf.
        y = _out(self, "_y", x, training)
        np.multiply(x, const(self.alpha, y.dtype), out=y)
        return (np.fmax if self.alpha <= 1 else np.fmin)(x, y, out=y)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        y, grad_out = cached(self, "_y", grad_out)  # the training forward's output
        slope = _out(self, "_grad_in", y, True)
        np.greater(y, _ZERO[y.dtype], out=slope)  # 1 where x > 0, else 0
        floor, key = self.__dict__.get("_floor") or _NO_FLOOR  # a block beats a scalar
        if key != (slope.shape, slope.dtype, self.alpha):  # alpha may be set after build
            floor = np.full(slope.shape, min(self.alpha, 1.0), slope.dtype)
            self._floor = (floor, (slope.shape, slope.dtype, self.alpha))
        if self.alpha > 1:  # (1 - [x > 0]) alpha is 0 or alpha; at least 1: 1 or alpha
            np.subtract(_ONE[y.dtype], slope, out=slope)
            np.multiply(slope, const(self.alpha, y.dtype), out=slope)
        np.maximum(slope, floor, out=slope)  # alpha <= 1: max(1, alpha) = 1, max(0, alpha) = alpha
        return np.multiply(grad_out, slope, out=slope)

    def get_config(self) -> dict[str, Any]:
        return {"alpha": self.alpha, **name_config(self)}


class GELU(Layer):
    """Gaussian error linear unit (Hendrycks & Gimpel, 2016), exact by default.

    ``y = x Phi(x)``, ``Phi(x) = erfc(-x / sqrt(2)) / 2`` the normal CDF (Keras 3's and
    PyTorch's default); backward ``g * (Phi(x) + x phi(x))``, ``phi(x) = exp(-x^2 / 2) /
    sqrt(2 pi)``. ``approximate=True``: ``y = x / 2 * (1 + tanh(s)) = x sigmoid(2 s)``,
    ``s = c (u + a u^3)``, ``u = x`` clipped to [-22, 22], ``c = sqrt(2 / pi)``,
    ``a = 0.044715``; backward ``g * (sigmoid(2 s) + x / 2 * (1 - tanh(s)^2) * c (1 + 3 a
    u^2))``. Both are computed without cancellation for negative ``x`` (``nonlin._gelu``).

    Parameters
    ----------
    approximate : bool, default False
        The tanh approximation (``approximate='tanh'`` in PyTorch). A config without
        this key, from a model saved before the exact form existed, rebuilds this form.
    name : str, optional
        The layer's name, as ``Dense``'s (Keras' ``name=``).
    """

    _inputs = ("_x",)  # nonlin._layer_caches
    _caches = ("_y", "_grad_in", "_gate", "_gauss", "_e", "_p", "_u", *BUFFER_NAMES)
    _x: np.ndarray  # the input, cached by a training forward (with the gate's buffers)

    def __init__(self, *, approximate: bool = False, name: str | None = None) -> None:
        self.approximate = check_bool("approximate", approximate)
        set_name(self, name)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        y = _out(self, "_y", x, training)
        buf = _buffers(self, x, training)
        gate = _gelu.tanh_gate(x, buf) if self.approximate else _gelu.exact_gate(x, buf)
        if training:
            self._x = x
        return np.multiply(x, gate, out=y)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        x, grad_out = cached(self, "_x", grad_out)  # the training forward's input
        buf, slope = _buffers(self, x, True), _out(self, "_grad_in", x, True)
        (_gelu.tanh_slope if self.approximate else _gelu.exact_slope)(x, buf, slope)
        return np.multiply(grad_out, slope, out=slope)

    def get_config(self) -> dict[str, Any]:
        return {"approximate": self.approximate, **name_config(self)}


def _buffers(layer: Layer, x: np.ndarray, training: bool) -> Buffers:
    """Named buffers shaped like ``x``: the layer's, reused across training steps, or new."""
    if not training:
        return fresh(x.shape)
    return lambda name, dtype: layer_buffer(layer, name, x.shape, dtype)


class Softmax(Layer):
    """Row-wise ``y_ij = exp(x_ij - m_i) / sum_k exp(x_ik - m_i)``, ``m_i = max_k x_ik``.

    Backward: ``dL/dx = y * (g - sum_k g_k y_k)`` per row. For training with
    cross-entropy prefer ``CrossEntropy(from_logits=True)`` on the raw scores:
    it fuses both steps into ``softmax(x) - y_true``.

    ``axis`` (Keras 3's, default -1): -1 or 1, a batch's one axis of features (so not
    recorded in the config); ``name`` as ``Dense``'s.
    """

    _caches = ("_y", "_grad_in", "_m", "_s")
    _y: np.ndarray  # the output, cached by a training forward
    _s: np.ndarray  # the row sums, a buffer of a training forward

    def __init__(self, axis: int = -1, *, name: str | None = None, **keras: Any) -> None:
        if isinstance(axis, bool) or not isinstance(axis, int | np.integer) or axis not in (-1, 1):
            raise ValueError("Expected axis=-1 (or 1), the features of a (n_samples, n_features) "
                             f"batch. Received: axis={quoted(axis)}")
        super().__init__(name=name, **keras)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        y = _out(self, "_y", x, training)
        if y.ndim != 2:  # rows: a 1-D x has none, a 3-D x would be normalized along axis 1
            raise rows_error(self, x)
        if training:  # reused buffers for the row maxima and sums
            softmax_into(x, y, layer_buffer(self, "_m", x.shape[:1], x.dtype),
                         layer_buffer(self, "_s", x.shape[:1], x.dtype))
        else:
            softmax_into(x, y)
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        y, grad_out = cached(self, "_y", grad_out)  # the training forward's output
        grad_in = _out(self, "_grad_in", y, True)
        np.multiply(grad_out, y, out=grad_in)
        dot = np.add.reduce(grad_in, 1, out=self._s)  # sum_k g_k y_k, by rows
        np.subtract(grad_out, dot[:, None], out=grad_in)
        return np.multiply(grad_in, y, out=grad_in)


class Exp(Layer):
    """Exponential ``y = exp(min(x, c))``; backward ``g * y``.

    The output activation of a Poisson regressor (log link). ``c`` (709 in
    float64, 88 in float32) keeps ``y`` finite; below it this is ``exp(x)``.
    """

    _caches = ("_y", "_grad_in")
    _y: np.ndarray  # the output, cached by a training forward

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        x = layer_batch(self, x)  # the model's dtype (one dtype test)
        y = _out(self, "_y", x, training)
        np.minimum(x, _EXP_MAX[y.dtype], out=y)
        return np.exp(y, y)

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        y, grad_out = cached(self, "_y", grad_out)  # the training forward's output
        return np.multiply(grad_out, y, _out(self, "_grad_in", y, True))


class Identity(Layer):
    """``y = x``; backward ``g``. The output activation of a regressor."""

    _inputs = ("_x",)  # nonlin._layer_caches
    _x: np.ndarray  # the input, recorded by a training forward for backward's checks

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return passed(self, layer_batch(self, x), training)  # x itself in the model's dtype

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        return passed_grad(self, grad_out)
