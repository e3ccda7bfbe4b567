"""A schedule's step, checked, and its decayed rate: what ``schedules``' ``__call__`` use.

``_step`` checks a step that is not already an ``int`` >= 0; ``_decayed`` computes
``lr * base ** exponent`` for ``StepDecay`` and ``ExponentialDecay``, refusing a rate that
overflows float64. ``nonlin.schedules`` imports both (``schedules_more`` and
``schedules_cyclic`` take ``_step`` from there).
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING, Any

from ._quoting import quoted
from .validation import is_integer

if TYPE_CHECKING:
    from .schedules import ExponentialDecay, StepDecay


def _decayed(schedule: StepDecay | ExponentialDecay, base: float, exponent: float,
             step: int) -> float:
    """``schedule.lr * base ** exponent``, or a ValueError naming ``step`` when that
    overflows float64 (a growth rate ``base > 1`` over many steps).

    Python's ``**`` would raise a bare ``OverflowError`` there, NumPy's a
    ``RuntimeWarning`` and ``inf``; Keras computes in float32 and returns ``inf``,
    which turns every weight into NaN at the next update. nonlin refuses instead.
    Underflow gives ``0.0``, as in Keras, silently.
    """
    try:
        lr = schedule.lr * math.pow(base, exponent)
    except OverflowError:
        lr = math.inf
    if lr == math.inf:
        raise ValueError(
            f"Expected a finite learning rate from {schedule!r}. Received: step={step}, "
            f"where lr * {base!r} ** {exponent} overflows float64 (beyond {sys.float_info.max:.4g})"
        )
    return lr


def _step(step: Any) -> int:
    """``step`` checked: an integer >= 0 (an optimizer counts from 0; a NumPy integer is
    taken), else a ValueError, or a TypeError for a non-integer, naming it. Called only
    when ``step`` is not already an ``int`` >= 0 (the optimizer's count, at every step)."""
    if not is_integer(step):
        raise TypeError(f"Expected a step, an integer >= 0. Received: step={quoted(step)}")
    if step < 0:
        raise ValueError(f"Expected a step >= 0. Received: step={step!r}")
    return int(step)
