"""``erfc`` and the normal CDF over float32 and float64 arrays, in NumPy alone.

NumPy has no error function. This is W. J. Cody's: "Rational Chebyshev
approximations for the error function", Math. Comp. 23 (1969) 631-637, with the
coefficients of his CALERF (netlib specfun, 1990), good to double precision:

    0 <= t <= 0.46875:   erfc(t) = 1 - t P1(t^2) / Q1(t^2)
    0.46875 < t <= 4:    erfc(t) = exp(-t^2) P2(t) / Q2(t)
    t > 4:               erfc(t) = exp(-t^2) / t (1/sqrt(pi) + s P3(s) / Q3(s)),  s = 1/t^2

and ``erfc(-t) = 2 - erfc(t)``. ``exp(-t^2)`` is ``exp(-r^2) exp(-(t - r)(t + r))``
with ``r`` = ``t`` rounded down to a sixteenth (``r^2`` is exact), so that the
rounding of ``t^2`` is not magnified by ``exp`` in the tail. Each interval's
rational function is evaluated over the whole array (the third only when an entry
reaches it) and the right one kept by arithmetic (``nonlin._branchless``): no
Python loop per element, no masked copy. A float32 array is computed in float32
throughout (coefficients rounded to float32), a float64 one in float64. Every
intermediate goes into a buffer that ``buf(name, dtype)`` hands out (a layer's
training buffers: nothing allocated per step), or new arrays.

Accuracy, measured by ``tests/test_erfc.py``: within a few ulps of ``math.erfc`` in
float64, of ``math.erfc`` rounded to float32 in float32.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from ._branchless import pick, reflect
from .core import const

Buffers = Callable[[str, Any], np.ndarray]
# the names this module asks ``Buffers`` for: a layer's caches (``nonlin._layer_caches``)
BUFFER_NAMES = ("_erfc_t", "_erfc_num", "_erfc_den", "_erfc_flag", "_erfc_big", "_erfc_ratio",
                "_erfc_big_den")

# Cody's coefficients, each polynomial's highest power first (1.0: a monic one)
_SMALL_NUM = (1.85777706184603153e-1, 3.16112374387056560e00, 1.13864154151050156e02,
              3.77485237685302021e02, 3.20937758913846947e03)
_SMALL_DEN = (1.0, 2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
              2.84423683343917062e03)
_MID_NUM = (2.15311535474403846e-8, 5.64188496988670089e-1, 8.88314979438837594e00,
            6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
            1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03)
_MID_DEN = (1.0, 1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
            1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
            3.43936767414372164e03, 1.23033935480374942e03)
_BIG_NUM = (1.63153871373020978e-2, 3.05326634961232344e-1, 3.60344899949804439e-1,
            1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4)
_BIG_DEN = (1.0, 2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
            6.05183413124413191e-2, 2.33520497626869185e-3)


class _Constants(NamedTuple):
    small_num: tuple[np.ndarray, ...]
    small_den: tuple[np.ndarray, ...]
    mid_num: tuple[np.ndarray, ...]
    mid_den: tuple[np.ndarray, ...]
    big_num: tuple[np.ndarray, ...]
    big_den: tuple[np.ndarray, ...]
    erfc_clip: np.ndarray  # erfc(t) rounds to 0 past it (10.05 in float32, 27.23 in float64)
    cdf_clip: np.ndarray  # Phi(-x) rounds to 0 past it (14.2, 38.5)
    thresh: np.ndarray
    four: np.ndarray
    sqrpi: np.ndarray  # 1 / sqrt(pi)
    sqrt_half: np.ndarray
    half: np.ndarray
    minus_half: np.ndarray
    minus_one: np.ndarray
    one: np.ndarray
    two: np.ndarray
    zero: np.ndarray
    sixteen: np.ndarray
    sixteenth: np.ndarray


@functools.cache
def _constants(dtype: np.dtype) -> _Constants:
    def k(*values: float) -> tuple[np.ndarray, ...]:
        return tuple(const(v, dtype) for v in values)

    single = dtype == np.float32
    return _Constants(
        k(*_SMALL_NUM), k(*_SMALL_DEN), k(*_MID_NUM), k(*_MID_DEN), k(*_BIG_NUM), k(*_BIG_DEN),
        *k(10.5 if single else 27.5, 15.0 if single else 40.0, 0.46875, 4.0,
           5.6418958354775628695e-1, math.sqrt(0.5), 0.5, -0.5, -1.0, 1.0, 2.0, 0.0, 16.0, 0.0625))


def fresh(shape: tuple[int, ...]) -> Buffers:
    """``Buffers`` that are new arrays of ``shape`` (inference)."""
    return lambda name, dtype: np.empty(shape, dtype)


def _poly(y: np.ndarray, coefs: tuple[np.ndarray, ...], out: np.ndarray) -> np.ndarray:
    """``out = coefs[0] y^n + coefs[1] y^(n-1) + ... + coefs[n]`` by Horner's rule."""
    np.multiply(y, coefs[0], out=out)
    for c in coefs[1:-1]:
        np.add(out, c, out=out)
        np.multiply(out, y, out=out)
    return np.add(out, coefs[-1], out=out)


def _gauss(a: np.ndarray, out: np.ndarray, r: np.ndarray, tmp: np.ndarray,
           scale: np.ndarray) -> np.ndarray:
    """``out = exp(scale a^2)`` for ``a >= 0`` and ``scale`` -1 or -1/2, as
    ``exp(scale r^2) exp(scale (a - r)(a + r))``, ``r = floor(16 a) / 16``."""
    k = _constants(a.dtype)
    np.multiply(a, k.sixteen, out=r)
    np.trunc(r, out=r)
    np.multiply(r, k.sixteenth, out=r)
    np.subtract(a, r, out=out)
    np.add(a, r, out=tmp)
    np.multiply(out, tmp, out=out)  # (a - r)(a + r): a^2 - r^2, small
    np.multiply(out, scale, out=out)
    np.exp(out, out=out)
    np.multiply(r, r, out=r)  # exact: r has few bits
    np.multiply(r, scale, out=r)
    np.exp(r, out=r)
    return np.multiply(r, out, out=out)


def _erfc_nonnegative(t: np.ndarray, gauss: np.ndarray, out: np.ndarray,
                      buf: Buffers) -> np.ndarray:
    """``out = erfc(t)`` for ``t >= 0`` (at most ``erfc_clip``, or nan) given
    ``gauss = exp(-t^2)``; ``out`` may be ``gauss``."""
    k, dtype = _constants(t.dtype), t.dtype
    num, den, flag = buf("_erfc_num", dtype), buf("_erfc_den", dtype), buf("_erfc_flag", dtype)
    np.divide(_poly(t, k.mid_num, num), _poly(t, k.mid_den, den), out=num)
    if t.size and np.fmax.reduce(t, axis=None) > k.four:  # fmax: a nan is no reason
        big, ratio = buf("_erfc_big", dtype), buf("_erfc_ratio", dtype)
        np.maximum(t, k.four, out=big)  # 1 / t^2 finite where t <= 4 (not kept there)
        s = np.reciprocal(np.multiply(big, big, out=den), out=den)
        denominator = _poly(s, k.big_den, buf("_erfc_big_den", dtype))
        np.divide(_poly(s, k.big_num, ratio), denominator, out=ratio)
        np.multiply(ratio, s, out=ratio)
        np.subtract(k.sqrpi, ratio, out=ratio)
        np.divide(ratio, big, out=ratio)
        pick(np.greater(t, k.four, out=flag), ratio, num, num, denominator)
    np.multiply(gauss, num, out=out)
    square = np.multiply(t, t, out=buf("_erfc_big", dtype))
    np.divide(_poly(square, k.small_num, num), _poly(square, k.small_den, den), out=num)
    np.multiply(num, t, out=num)  # erf(t)
    np.subtract(k.one, num, out=num)
    return pick(np.less_equal(t, k.thresh, out=flag), num, out, out, den)


def erfc(x: np.ndarray, out: np.ndarray | None = None, buf: Buffers | None = None
         ) -> np.ndarray:
    """The complementary error function, ``erfc(x) = 2 / sqrt(pi) int_x^inf exp(-u^2) du``,
    elementwise over a float32 or float64 array ``x`` (any shape), in its dtype.

    ``erfc(+-inf)`` is 0 and 2, ``erfc(nan)`` nan; no floating-point warning.
    """
    buf = fresh(x.shape) if buf is None else buf
    out = np.empty_like(x) if out is None else out
    k, dtype = _constants(x.dtype), x.dtype
    t = buf("_erfc_t", dtype)
    np.minimum(np.abs(x, out=t), k.erfc_clip, out=t)
    _gauss(t, out, buf("_erfc_num", dtype), buf("_erfc_den", dtype), k.minus_one)
    _erfc_nonnegative(t, out, out, buf)
    flag = np.less(x, k.zero, out=buf("_erfc_flag", dtype))
    return reflect(flag, out, k.two, out, buf("_erfc_num", dtype))  # erfc(x) = 2 - erfc(-x)


def normal_cdf(x: np.ndarray, out: np.ndarray, gauss: np.ndarray, buf: Buffers) -> np.ndarray:
    """``out = Phi(x) = erfc(-x / sqrt(2)) / 2`` and ``gauss = exp(-x^2 / 2)`` (the normal
    density times ``sqrt(2 pi)``), elementwise, in ``x``'s dtype (float32 or float64).

    ``Phi`` of a negative ``x`` is ``erfc(|x| / sqrt(2)) / 2`` itself, with no
    ``1 + erf`` to cancel: accurate relative to its value down to where it underflows.
    ``exp(-x^2 / 2)`` is computed from ``x`` (not from the rounded ``x / sqrt(2)``).
    """
    k, dtype = _constants(x.dtype), x.dtype
    t = buf("_erfc_t", dtype)
    np.minimum(np.abs(x, out=t), k.cdf_clip, out=t)
    _gauss(t, gauss, buf("_erfc_num", dtype), buf("_erfc_den", dtype), k.minus_half)
    np.multiply(t, k.sqrt_half, out=t)
    _erfc_nonnegative(t, gauss, out, buf)
    np.multiply(out, k.half, out=out)  # Phi(-|x|)
    flag = np.greater_equal(x, k.zero, out=buf("_erfc_flag", dtype))
    return reflect(flag, out, k.one, out, buf("_erfc_num", dtype))  # Phi(x) = 1 - Phi(-x)
