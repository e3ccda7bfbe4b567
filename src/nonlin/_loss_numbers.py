"""The checks of a loss's numeric settings, run by its constructor (and ``check_settings``).

``_unit_interval``, ``_at_least_zero`` and ``_finite_positive`` check the focal losses'
``alpha``, ``gamma`` and ``label_smoothing`` (``losses_extra``) and ``Huber``'s ``delta``: NaN,
infinities and numbers out of range are refused, also those that only become so as floats
(``_as_float``). ``class_alpha``, ``check_class_alpha`` and ``stored_class_alpha`` check
``CategoricalFocalCrossentropy``'s per-class ``alpha``. Re-exported by ``_loss_checks``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._quoting import quoted
from .validation import is_real


def _as_float(value: Any) -> float:
    """A real number as the float a loss computes with: beyond float's range (an int of 400
    digits, a long double) it is infinite, below it 0, and so refused where that is."""
    try:
        return float(value)
    except OverflowError:  # an int or Fraction beyond 1.8e308
        return float("inf") if value > 0 else float("-inf")


def _unit_interval(name: str, value: Any) -> float:
    """A constructor's number in [0, 1] (``label_smoothing``, the binary focal ``alpha``)."""
    if not is_real(value) or not 0 <= value <= 1 or not 0 <= _as_float(value) <= 1:
        raise ValueError(f"Expected a number in [0, 1]. Received: {name}={quoted(value)}")
    return _as_float(value)


def _at_least_zero(name: str, value: Any) -> float:
    """A constructor's finite number >= 0 (``gamma``, the categorical focal ``alpha``)."""
    if not is_real(value) or not 0 <= value or not _as_float(value) < float("inf"):
        raise ValueError(f"Expected a finite number >= 0. Received: {name}={quoted(value)}")
    return _as_float(value)


def _finite_positive(name: str, value: Any) -> float:
    """A constructor's finite number > 0 (``Huber``'s ``delta``), also as a float: one
    that becomes 0 or infinite there is refused."""
    if not is_real(value) or not value > 0 or not _as_float(value) > 0:
        raise ValueError(f"Expected a positive number. Received: {name}={quoted(value)}")
    if _as_float(value) == float("inf"):
        raise ValueError(f"Expected a finite number. Received: {name}={quoted(value)}")
    return _as_float(value)


def class_alpha(value: Any) -> float | tuple[float, ...]:
    """``CategoricalFocalCrossentropy``'s ``alpha``: a finite number >= 0 (a float), or one
    per class, a list, tuple or 1-D array of them (a tuple of floats; Keras 3 takes a list)."""
    if isinstance(value, list | tuple) or (isinstance(value, np.ndarray) and value.ndim != 0):
        values = list(value) if not isinstance(value, np.ndarray) else list(value.tolist())
        if not values or (isinstance(value, np.ndarray) and value.ndim != 1):
            raise ValueError(f"Expected alpha, a number or one per class (a non-empty list). "
                             f"Received: alpha={quoted(value)}")
        for i, v in enumerate(values):
            if not is_real(v) or not 0 <= v or not _as_float(v) < float("inf"):
                raise ValueError(f"Expected finite numbers >= 0, one per class, in alpha. "
                                 f"Received: alpha[{i}]={quoted(v)}")
        return tuple(_as_float(v) for v in values)
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | np.ndarray):
        raise ValueError("Expected alpha, a finite number >= 0 or one per class (a list, tuple "
                         f"or 1-D array). Received: alpha={quoted(value)}")  # range, a Series
    return _at_least_zero("alpha", value)


def check_class_alpha(alpha: Any, n_classes: int) -> None:
    """Refuse a per-class ``alpha`` whose length is not ``n_classes`` (the width of
    ``y_pred``; ``fit``: of the model's output)."""
    if isinstance(alpha, tuple) and len(alpha) != n_classes:
        raise ValueError(f"Expected one alpha per class: {n_classes} values for the "
                         f"{n_classes} classes (y_pred's columns, the model's outputs). "
                         f"Received {len(alpha)}: alpha={list(alpha)}")


def stored_class_alpha(name: str, value: Any) -> float | tuple[float, ...]:
    """``CategoricalFocalCrossentropy``'s ``alpha`` as the loss holds it, set after
    construction: a number, or a tuple of one per class (the constructor makes one of a list
    or array, which the math would take for a number)."""
    if not (isinstance(value, tuple) or is_real(value)):
        raise ValueError(f"Expected {name}, a finite number >= 0 or a tuple of them, one per "
                         f"class, on an existing loss (the constructor also takes a list or "
                         f"an array). Received: {name}={quoted(value)}")
    return class_alpha(value)
