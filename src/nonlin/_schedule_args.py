"""Keras 3's argument names for nonlin's schedules, checked where a schedule is made.

Keras 3 (``keras/src/optimizers/schedules/learning_rate_schedule.py``) calls the first
argument of ``ExponentialDecay``, ``CosineDecay``, ``CosineDecayRestarts``,
``InverseTimeDecay`` and ``PolynomialDecay`` ``initial_learning_rate`` where nonlin says
``lr``, and gives every schedule a ``name``. ``CosineDecay`` also takes Keras'
``warmup_target``: with it, the first argument is where the warm-up starts and
``warmup_target`` is the peak, which nonlin's own form calls ``warmup_from`` and ``lr``;
``_shown_defaults`` shows ``CosineDecay``'s signature with those defaults filled in.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

from ._quoting import quoted
from .validation import is_integer, is_real


class KerasRate:
    """Keras 3's attribute ``initial_learning_rate`` (read-only) of a schedule whose rate at
    step 0 nonlin keeps as ``lr``; not in ``get_config``, which keeps nonlin's names."""

    lr: float

    @property
    def initial_learning_rate(self) -> float:
        """Keras' name of ``lr``, the rate at step 0."""
        return self.lr


class KerasWarmup(KerasRate):
    """``CosineDecay``'s Keras 3 attributes: with a warm-up, Keras' ``initial_learning_rate``
    is where it starts (``warmup_from``) and ``warmup_target`` the peak (``lr``)."""

    warmup_steps: int | float
    warmup_from: float

    @property
    def initial_learning_rate(self) -> float:
        """The rate at step 0: ``warmup_from`` with a warm-up, else ``lr`` (Keras' name)."""
        return self.warmup_from if self.warmup_steps else self.lr

    @property
    def warmup_target(self) -> float | None:
        """Keras' peak after warm-up: ``lr`` with a warm-up, else None (as in Keras)."""
        return self.lr if self.warmup_steps else None


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


_KERAS_ORDER = ("name", "warmup_target", "warmup_steps")  # Keras 3's, after alpha
_OWN_ORDER = ("warmup_steps", "warmup_from")  # nonlin's, after alpha
_KERAS_TEXT = ("Keras' order, a name fourth: initial_learning_rate, decay_steps, alpha, name, "
               "warmup_target, warmup_steps")
_OWN_TEXT = "nonlin's order: lr, decay_steps, alpha, warmup_steps, warmup_from"


class _Unset:
    """The default of ``CosineDecay``'s keywords that its ``*args`` may also give: how a
    keyword given at its default value (``warmup_steps=0``) is told from one left out."""

    def __repr__(self) -> str:
        return "<unset>"


UNSET: Any = _Unset()
COSINE_DEFAULTS = {"warmup_steps": 0, "warmup_from": 0.0, "warmup_target": None,
                   "name": "CosineDecay"}  # what CosineDecay's signature shows


def cosine_positional(args: tuple[Any, ...],
                      keywords: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """``CosineDecay``'s arguments after ``alpha`` given positionally, ``args``, merged into
    ``keywords`` (those given by name; ``UNSET`` for those left out, which take their
    ``COSINE_DEFAULTS``); and whether Keras' order was used.

    nonlin's order is ``warmup_steps, warmup_from`` (an integer first); Keras 3's is
    ``name, warmup_target, warmup_steps`` (a str or None first: a name). An argument
    given both ways is a TypeError, as Python's, at any value (its default too).
    """
    keras = bool(args) and (args[0] is None or isinstance(args[0], str))
    order = _KERAS_ORDER if keras else _OWN_ORDER
    text = _KERAS_TEXT if keras else _OWN_TEXT
    if len(args) > len(order):
        raise TypeError(f"Expected at most {3 + len(order)} positional arguments ({text}; "
                        f"{_OWN_TEXT if keras else _KERAS_TEXT}). Received {3 + len(args)}")
    merged = dict(keywords)
    for key, value in zip(order, args, strict=False):
        if keywords[key] is not UNSET:
            raise TypeError(f"Expected {key} once. Received it positionally, {quoted(value, 60)} "
                            f"({text}), and by name, {key}={quoted(keywords[key], 60)}")
        merged[key] = value
    return {k: COSINE_DEFAULTS[k] if v is UNSET else v for k, v in merged.items()}, keras


def keras_cosine(
    start: Any, warmup_steps: Any, warmup_from: Any, warmup_target: Any, keras: bool | str
) -> tuple[Any, Any, Any]:
    """``(lr, warmup_steps, warmup_from)``, nonlin's ``CosineDecay`` arguments, for Keras'
    form (``keras``: ``initial_learning_rate`` or ``warmup_target`` was given; or what else
    made it Keras' form, as messages say it: Keras' positional order) or nonlin's.

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
            + ("warmup_target" if warmup_target is not None else
               keras if isinstance(keras, str) else "initial_learning_rate")
        )
    if warmup_target is None:
        return start, 0, 0.0
    target = positive("warmup_target", warmup_target)
    first = real(start)
    if first is None or not 0 <= first <= target:
        raise ValueError(  # nonlin's warmup_from <= lr: a warm-up climbs
            f"Expected initial_learning_rate, where the warm-up starts, in [0, "
            f"warmup_target={target!r}]. "
            f"Received: initial_learning_rate={quoted(start)}"
        )
    return target, warmup_steps, first


def real(value: Any) -> float | None:
    """``value`` as a float64, or None where it is no real number (a bool is none) or lies
    beyond float64's range as Python converts it (``10**400``, ``Fraction(10**400, 3)``:
    an OverflowError there). A NumPy ``longdouble`` beyond it becomes ``inf``, which the
    callers' range checks refuse, as NaN; they check this float, not ``value``."""
    if not is_real(value):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def positive(name: str, value: Any) -> float:
    """``value`` as a float, > 0 and finite, else a ValueError naming ``name``."""
    number = real(value)
    if number is None or not 0 < number < math.inf:
        raise ValueError(f"Expected a positive, finite number. Received: {name}={quoted(value)}")
    return number


def at_least(name: str, value: Any, minimum: float) -> float:
    """``value`` as a float, finite and >= ``minimum``, else a ValueError naming ``name``."""
    number = real(value)
    if number is None or not minimum <= number < math.inf:
        raise ValueError(f"Expected a finite number >= {minimum:g}. "
                         f"Received: {name}={quoted(value)}")
    return number


def float64_steps(name: str, value: int) -> int:
    """``value``, a count of steps, as an ``int`` if float64 holds it (below 1.8e308), else
    a ValueError naming ``name``: a schedule computes with it in floats (as Keras), and an
    integer beyond that could not even be written out by ``repr`` past 4300 digits."""
    try:
        float(value)
    except OverflowError:
        raise ValueError(f"Expected {name} that float64 holds (below 1.8e308). "
                         f"Received: {name}={quoted(value)} ({int(value).bit_length()} bits)"
                         ) from None
    return int(value)


def positive_int(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum``, else a ValueError naming ``name``; ``None`` for
    a count of steps (``minimum`` 1) says the argument is required: ``decay_steps`` defaults
    to None only so that Keras' ``initial_learning_rate`` may be named before it."""
    if not is_integer(value) or value < minimum:
        required = f": {name} is required (it has no default)" if value is None and minimum else ""
        raise ValueError(f"Expected an integer >= {minimum}{required}. "
                         f"Received: {name}={quoted(value)}")
    return float64_steps(name, value)


def fraction(name: str, value: Any) -> float:
    """``value`` as a float in [0, 1], else a ValueError naming ``name``."""
    number = real(value)
    if number is None or not 0 <= number <= 1:
        raise ValueError(f"Expected a number in [0, 1]. Received: {name}={quoted(value)}")
    return number


def positive_steps(name: str, value: Any) -> int | float:
    """A schedule's ``decay_steps`` (``first_decay_steps``): an int >= 1, or a float > 0 and
    finite (Keras computes ``step / decay_steps`` in floats; its ``InverseTimeDecay`` example
    passes ``1.0``), kept as given; else (a bool too) a ValueError naming both forms."""
    if is_integer(value) and value >= 1:
        return float64_steps(name, value)
    number = real(value)
    if number is not None and not is_integer(value) and 0 < number < math.inf:
        return number
    required = f": {name} is required (it has no default)" if value is None else ""
    raise ValueError(f"Expected an integer >= 1 or a float > 0 (Keras takes both){required}. "
                     f"Received: {name}={quoted(value)}")


def check_warmup_steps(value: Any) -> int | float:
    """``CosineDecay``'s ``warmup_steps``: an int >= 0, or a float >= 0 and finite, kept as
    given (Keras 3 casts it to a float, and ``warmup_steps=0.1 * total`` is a float), else (a
    bool too) a ValueError naming the value."""
    if is_integer(value) and value >= 0:
        return float64_steps("warmup_steps", value)
    number = real(value)
    if number is not None and not is_integer(value) and 0 <= number < math.inf:
        return number
    raise ValueError("Expected an integer >= 0 or a float >= 0, finite (Keras takes both). "
                     f"Received: warmup_steps={quoted(value)}")


def _shown_defaults(function: Any) -> None:
    """``function``'s signature (``help``, ``inspect``, ``repr``) with ``COSINE_DEFAULTS``
    in place of the ``UNSET`` defaults that tell a keyword given from one left out."""
    signature = inspect.signature(function)
    function.__signature__ = signature.replace(parameters=[
        p.replace(default=COSINE_DEFAULTS[p.name]) if p.default is UNSET else p
        for p in signature.parameters.values()])
