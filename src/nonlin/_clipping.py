"""Gradient clipping by the global norm, the ``clipnorm`` of every optimizer.

``||g|| = sqrt(sum_i ||g_i||^2)`` over all gradients; when it exceeds ``clipnorm``,
every gradient is scaled by ``clipnorm / ||g||`` (Keras' ``global_clipnorm``).
Public as ``nonlin.optimizers.clip_by_global_norm``.
"""

from __future__ import annotations

import math

import numpy as np

from .core import Param


def clip_by_global_norm(params: list[Param], clipnorm: float) -> float:
    """Scale the gradients of ``params`` in place so that their global norm is at most
    ``clipnorm``.

    Returns the norm before clipping (``inf`` or ``nan`` when a gradient is).
    """
    total = 0.0
    with np.errstate(over="ignore"):  # an overflowed sum is recomputed below
        for p in params:
            g = p.grad.reshape(-1)
            total += float(np.dot(g, g))
    norm = math.sqrt(total) if total == total else math.nan
    if norm == math.inf:  # a sum of squares overflowed: inf only if a gradient is
        norm = _overflowed_norm(params)
    if norm > clipnorm and math.isfinite(norm):
        for p in params:
            np.multiply(p.grad, np.array(clipnorm / norm, dtype=p.grad.dtype), out=p.grad)
    return norm


def _overflowed_norm(params: list[Param]) -> float:
    """The global norm when its sum of squares overflowed (no NaN among the gradients):
    ``inf`` if a gradient is, else computed in float64 after scaling by the largest entry."""
    scale = max(float(np.max(np.abs(p.grad))) for p in params if p.grad.size)
    if not math.isfinite(scale):
        return scale
    total = sum(float(np.sum(np.square(p.grad / np.float64(scale)))) for p in params)
    return scale * math.sqrt(total)


__all__ = ["clip_by_global_norm"]
