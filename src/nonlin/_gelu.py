"""The two gates of ``activations.GELU``, ``y = x * gate(x)``, and their slopes ``dy/dx``.

Exact: ``gate = Phi(x)``, the normal CDF (``_erfc.normal_cdf``), slope
``Phi(x) + x phi(x)``. Tanh approximation: ``gate = (1 + tanh(s)) / 2 = sigmoid(2 s)``,
``s = c (u + a u^3)``, written without the ``1 + tanh(s)`` that cancels for negative
``x`` (all of float32's digits are gone by ``x = -4``): with ``e = exp(-2 |s|)`` and
``p = 1 / (1 + e)``, ``sigmoid(2 s)`` is ``p`` or ``e p`` and
``sigmoid(2 s) sigmoid(-2 s) = e p^2``, each a product of positive numbers.
"""

from __future__ import annotations

import math

import numpy as np

from ._branchless import signed_sigmoid
from ._erfc import Buffers, normal_cdf
from .core import const

_C = math.sqrt(2.0 / math.pi)
_A = 0.044715
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def exact_gate(x: np.ndarray, buf: Buffers) -> np.ndarray:
    """``Phi(x)`` into ``buf("_gate")``, with ``exp(-x^2 / 2)`` into ``buf("_gauss")``."""
    return normal_cdf(x, buf("_gate", x.dtype), buf("_gauss", x.dtype), buf)


def exact_slope(x: np.ndarray, buf: Buffers, out: np.ndarray) -> np.ndarray:
    """``out = Phi(x) + x exp(-x^2 / 2) / sqrt(2 pi)`` from ``exact_gate``'s buffers."""
    np.multiply(x, buf("_gauss", x.dtype), out=out)
    np.multiply(out, const(_INV_SQRT_2PI, x.dtype), out=out)
    return np.add(out, buf("_gate", x.dtype), out=out)


def tanh_gate(x: np.ndarray, buf: Buffers) -> np.ndarray:
    """``sigmoid(2 s)`` into ``buf("_gate")``; ``u`` (``x`` clipped to [-22, 22], past which
    ``sigmoid(2 s)`` rounds to 0 or 1 in float64 too), ``e`` and ``p`` into ``buf("_u")``,
    ``"_e"``, ``"_p"``."""
    dtype = x.dtype
    u, e, p, gate = (buf(name, dtype) for name in ("_u", "_e", "_p", "_gate"))
    np.clip(x, const(-22.0, dtype), const(22.0, dtype), out=u)
    np.multiply(u, u, out=gate)
    np.multiply(gate, const(_A, dtype), out=gate)
    np.add(gate, const(1.0, dtype), out=gate)
    np.multiply(gate, u, out=gate)
    np.multiply(gate, const(_C, dtype), out=gate)  # s = c u (1 + a u^2)
    np.abs(gate, out=e)
    np.greater_equal(gate, const(0.0, dtype), out=gate)  # 1.0 where s >= 0, else 0.0
    np.multiply(e, const(-2.0, dtype), out=e)
    np.exp(e, out=e)  # exp(-2 |s|): at most 1, never overflows
    np.add(e, const(1.0, dtype), out=p)
    np.reciprocal(p, out=p)  # sigmoid(2 |s|)
    return signed_sigmoid(gate, e, p, gate)  # p, or e p = sigmoid(-2 |s|)


def tanh_slope(x: np.ndarray, buf: Buffers, out: np.ndarray) -> np.ndarray:
    """``out = sigmoid(2 s) + 2 x e p^2 c (1 + 3 a u^2)`` from ``tanh_gate``'s buffers
    (``(1 - tanh(s)^2) / 2 = 2 e p^2``)."""
    dtype = x.dtype
    u, e, p = buf("_u", dtype), buf("_e", dtype), buf("_p", dtype)
    np.multiply(u, u, out=out)
    np.multiply(out, const(3.0 * _A, dtype), out=out)
    np.add(out, const(1.0, dtype), out=out)
    np.multiply(out, const(2.0 * _C, dtype), out=out)
    np.multiply(out, e, out=out)
    np.multiply(out, p, out=out)
    np.multiply(out, p, out=out)
    np.multiply(out, x, out=out)
    return np.add(out, buf("_gate", dtype), out=out)
