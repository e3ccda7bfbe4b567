"""Correctly rounded scaling of decimal mantissas for the CSV fast path.

``_scale`` turns integers read from the digits of CSV cells into float64
values ``±mantissa * 10**power``, rounded exactly as ``float`` rounds the
decimal text: one IEEE multiplication or division when both operands are exact
(Clinger's fast path), double-double arithmetic (Dekker's product, Veltkamp's
splitting) beyond it, and a flag on the rare results it cannot settle, which
the caller then reads with ``float`` (:func:`_float_values`).
"""

from __future__ import annotations

import numpy as np

_NUMBER_CHARS = b"0123456789.eE+-"
_MAX_POWER = 22  # 10**22 is the largest power of ten that float64 holds exactly
# 1, -1, 10, -10, 100, ...: the scale of a number is _SIGNED_POW10[2 * |power| + negative].
_SIGNED_POW10 = np.outer(10.0 ** np.arange(_MAX_POWER + 1), [1.0, -1.0]).ravel()


def _scale(
    mantissas: np.ndarray, power: np.ndarray, negative: np.ndarray, loose: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``±mantissas * 10**power`` correctly rounded to float64, and which results are unsure.

    With a mantissa below 2**53 and ``|power| <= 22`` both operands are exact in
    float64 and one IEEE multiplication or division rounds correctly (Clinger's
    fast path); the sign rides on the power of ten, so that -0 stays -0. Longer
    mantissas are computed in double-double arithmetic; the rare results too
    close to a rounding tie, and larger powers, are unsure. The ``loose`` cells
    (bool, or None for none) are read as float32 only: their rounded result is
    kept where its float32 rounding is sure (:func:`_float32_sure`).
    """
    magnitude = np.abs(power)
    unsure = magnitude > _MAX_POWER
    if unsure.any():
        np.minimum(magnitude, _MAX_POWER, out=magnitude)
    magnitude <<= 1
    magnitude += negative
    scale = _SIGNED_POW10.take(magnitude.astype(np.intp, copy=False), mode="clip")  # 32-bit
    values = mantissas.view(np.int64).astype(np.float64)  # faster; those past 2**63 are long
    up = power > 0
    if up.any():
        values = np.where(up, values * scale, values / scale)
    else:
        values /= scale
    long = (mantissas > 2**53) & ~unsure
    if loose is not None:  # below 2**63 values are m * 10**p rounded twice
        long &= ~(loose & _float32_sure(values) & (mantissas.view(np.int64) >= 0))
    rows = long.nonzero()[0]
    if rows.size:
        value, unsure[rows] = _double_double(mantissas[rows], np.abs(scale[rows]), up[rows])
        values[rows] = np.copysign(value, scale[rows])
    return values, unsure


def _float32_sure(values: np.ndarray) -> np.ndarray:
    """Whether ``float32(values)`` equals ``float32(float(text))``, for the text's exact
    value ``x = m * 10**p`` with ``2**53 < m < 2**63``, ``|p| <= 22`` and ``values = a``
    equal to ``fl(fl(m) * 10**p)`` or ``fl(fl(m) / 10**-p)``.

    Proof. ``10**|p|`` is exact, so ``a`` is ``x`` rounded twice: ``|a - x| <=
    (2u + u**2)|x|``, ``u = 2**-53``; ``d = float(text)`` has ``|d - x| <= u|x|``; so
    ``|a - d| < 3.01u|a|``. Rounding to float32 is monotonic and constant between
    neighbouring float32 ties (the midpoints of neighbouring float32 numbers and
    the overflow threshold ``2**128 - 2**103``), so ``float32(a) == float32(d)``
    when no tie lies within ``3.01u|a|`` of ``a``. Here ``|a| > 2**53 / 10**22 >
    2**-126``: float32 is normal, and the ties in ``a``'s binade (below ``2**128``)
    are the float64 numbers with low 29 bits ``0x10000000``; ties outside it are
    ``2**27`` ulps of ``a`` away or more, and an ulp of ``a`` is at least ``u|a|``.
    So a low part more than 16 from ``0x10000000`` is sure (a margin above
    five). From ``2**128`` on, ``a`` and ``d > a(1 - 3.01u)`` are both past the
    threshold: float32 gives inf for both.
    """
    low = values.view(np.uint64) & np.uint64(2**29 - 1)
    low -= np.uint64(2**28 - 16)
    return low > np.uint64(32)  # wraps below: more than 16 from 2**28 either way


def _double_double(
    mantissas: np.ndarray, scale: np.ndarray, up: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``m * scale`` (where ``up``) or ``m / scale`` correctly rounded; and which are unsure.

    ``m = high + low`` exactly, ``a * scale = product + error`` exactly (Dekker),
    so ``base + rest`` is the exact result to about 2**-100 relative. Its
    rounding ``value`` is correct unless ``base + rest`` lies that close to a
    tie between two doubles, which the exact rounding error ``tail`` shows.
    """
    high = mantissas.astype(np.float64)
    low = (mantissas - high.astype(np.uint64)).view(np.int64).astype(np.float64)
    quotient = high / scale
    product, error = _two_product(np.where(up, high, quotient), scale)
    rest = np.where(up, error + low * scale, (((high - product) - error) + low) / scale)
    base = np.where(up, product, quotient)
    value = base + rest
    tail = rest - (value - base)
    gap = np.spacing(value)
    gap = np.where((tail < 0) & (np.frexp(value)[0] == 0.5), gap / 2, gap)  # below a power of 2
    return value, np.abs(tail) >= gap / 2 * (1 - 2.0**-20)


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``a * b == product + error`` exactly (Dekker's algorithm, Veltkamp's splitting)."""
    product = a * b
    a_high, a_low = _split(a)
    b_high, b_low = _split(b)
    error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low
    return product, error


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    spread = 134217729.0 * a  # 2**27 + 1
    high = spread - (spread - a)
    return high, a - high


def _float_values(raw: bytes, starts: np.ndarray, ends: np.ndarray) -> list[float] | None:
    """``float`` of each cell, or None if one is not a plain number (``float`` also takes "_")."""
    spelled = [raw[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    if any(cell.translate(None, _NUMBER_CHARS) for cell in spelled):
        return None
    try:
        return [float(cell) for cell in spelled]
    except ValueError:
        return None
