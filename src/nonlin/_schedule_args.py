"""Keras 3's argument names for nonlin's schedules, checked where a schedule is made.

Keras 3 (``keras/src/optimizers/schedules/learning_rate_schedule.py``) calls the first
argument of ``ExponentialDecay``, ``CosineDecay``, ``CosineDecayRestarts``,
``InverseTimeDecay`` and ``PolynomialDecay`` ``initial_learning_rate`` where nonlin says
``lr``, and gives every schedule a ``name``. ``CosineDecay`` also takes Keras'
``warmup_target``: with it, the first argument is where the warm-up starts and
``warmup_target`` is the peak, which nonlin's own form calls ``warmup_from`` and ``lr``.
"""

from __future__ import annotations

import math
from typing import Any

from ._quoting import quoted
from .validation import is_real


def first_rate(lr: Any, initial_learning_rate: Any) -> tuple[str, Any]:
    """The name and value of the schedule's first argument, given as nonlin's ``lr`` or
    Keras' ``initial_learning_rate`` (one of them: both, or neither, is a TypeError)."""
    if lr is not None and initial_learning_rate is not None:
        raise TypeError(
            "Expected one initial rate: lr or initial_learning_rate (Keras' name), the same "
            f"argument. Received both: lr={quoted(lr, 60)}, "
            f"initial_learning_rate={quoted(initial_learning_rate, 60)}"
        )
    if lr is None and initial_learning_rate is None:
        raise TypeError("Expected an initial rate: lr, or initial_learning_rate (Keras' "
                        "name). Received neither")
    if initial_learning_rate is None:
        return "lr", lr
    return "initial_learning_rate", initial_learning_rate


def check_name(name: Any) -> str | None:
    """Keras' ``name`` of a schedule: a string, or None (Keras takes both)."""
    if name is None or isinstance(name, str):
        return name
    raise TypeError(f"Expected a string or None. Received: name={quoted(name)}")


def keras_cosine(
    start: Any, warmup_steps: Any, warmup_from: Any, warmup_target: Any, keras: bool
) -> tuple[Any, Any, Any]:
    """``(lr, warmup_steps, warmup_from)``, nonlin's ``CosineDecay`` arguments, for Keras'
    form (``keras``: ``initial_learning_rate`` or ``warmup_target`` was given) or nonlin's.

    In Keras' form ``start`` is ``initial_learning_rate``. With ``warmup_target``, the rate
    climbs from ``start`` to ``warmup_target`` over ``warmup_steps``, then decays from
    ``warmup_target``: nonlin's ``lr=warmup_target, warmup_from=start``. Without it, Keras
    decays from ``start`` and leaves ``warmup_steps`` unused: no warm-up, as there.
    nonlin's ``warmup_from`` with Keras' names is refused (a TypeError naming both).
    """
    if not keras:
        return start, warmup_steps, warmup_from
    if warmup_from != 0:
        raise TypeError(
            "Expected Keras' form (initial_learning_rate, warmup_target: the warm-up's start "
            "and peak) or nonlin's (lr, warmup_from: the peak and the start), not both. "
            f"Received: warmup_from={quoted(warmup_from, 60)} with "
            f"{'warmup_target' if warmup_target is not None else 'initial_learning_rate'}"
        )
    if warmup_target is None:
        return start, 0, 0.0
    if not is_real(warmup_target) or not 0 < warmup_target < math.inf:
        raise ValueError("Expected a positive, finite number. "
                         f"Received: warmup_target={quoted(warmup_target)}")
    if not is_real(start) or not 0 <= start <= warmup_target:
        raise ValueError(  # nonlin's warmup_from <= lr: a warm-up climbs
            f"Expected initial_learning_rate, where the warm-up starts, in [0, "
            f"warmup_target={float(warmup_target)!r}]. "
            f"Received: initial_learning_rate={quoted(start)}"
        )
    return warmup_target, warmup_steps, start
