"""Gradient clipping, the ``clipnorm`` (alias ``global_clipnorm``) and ``clipvalue`` of every
optimizer.

``||g|| = sqrt(sum_i ||g_i||^2)`` over all gradients; when it exceeds ``clipnorm``,
every gradient is scaled by ``clipnorm / ||g||`` (Keras' ``global_clipnorm``).
Public as ``nonlin.optimizers.clip_by_global_norm``. ``clipvalue`` clips each entry of
each gradient to ``[-clipvalue, clipvalue]`` (Keras'). ``clip_options`` checks the three
as ``Optimizer.__init__`` takes them: at most one, as Keras 3 allows; ``check_clip`` and
``one_clip`` are its checks, run again by ``fit`` (``_optimizer_settings``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._quoting import quoted
from .core import Param
from .validation import is_real


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


def clip_by_value(params: list[Param], clipvalue: float) -> None:
    """Clip each entry of each gradient of ``params`` to ``[-clipvalue, clipvalue]``, in place
    (an infinite entry becomes ``+-clipvalue``, as in Keras; NaN stays NaN)."""
    for p in params:
        np.clip(p.grad, -clipvalue, clipvalue, out=p.grad)


def clip_options(clipnorm: Any, clipvalue: Any, global_clipnorm: Any
                 ) -> tuple[float | None, float | None]:
    """``(clipnorm, clipvalue)`` from an optimizer's three clipping arguments: each None
    or a positive, finite number (``check_clip``), at most one given (``one_clip``);
    ``global_clipnorm`` is ``clipnorm``, already global here."""
    given = {name: value for name, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                             ("global_clipnorm", global_clipnorm))
             if value is not None}
    for name, value in given.items():
        check_clip(name, value)
    one_clip(given)
    norm = given.get("clipnorm", given.get("global_clipnorm"))
    return (None if norm is None else float(norm),
            None if clipvalue is None else float(clipvalue))


def check_clip(name: str, value: Any) -> float | None:
    """``value``, None or a positive, finite number (as a float)."""
    if value is None:
        return None
    if not is_real(value) or not 0 < value < math.inf:
        raise ValueError(f"Expected a positive, finite number. Received: {name}={quoted(value)}")
    return float(value)


def one_clip(given: dict[str, Any]) -> None:
    """Refuse more than one clipping setting in ``given`` (name to value, those not None):
    Keras 3 refuses them, which would apply first is then no question."""
    if len(given) > 1:
        received = ", ".join(f"{name}={value!r}" for name, value in given.items())
        raise ValueError("Expected at most one of clipnorm, clipvalue and global_clipnorm "
                         "(Keras 3 takes one; clipnorm is the global norm here, as "
                         f"global_clipnorm). Received: {received}")
