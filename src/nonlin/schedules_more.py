"""Keras 3's ``PiecewiseConstantDecay``, ``PolynomialDecay`` and ``InverseTimeDecay``.

Import them from ``nonlin.schedules`` (or from here); ``schedules.SCHEDULES``,
the allowlist that model files and checkpoints rebuild schedules from, holds
them. As every schedule, they are pure functions of the optimizer's step.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from typing import Any

import numpy as np

from ._quoting import quoted
from ._schedule_args import KerasRate, at_least, check_name, first_rate, positive_steps, real
from .schedules import Schedule, _positive, _step
from .validation import check_bool, is_integer


def _listed(value: Any) -> Any:
    """A 1-D NumPy array as a list (Keras takes arrays too); anything else as it is."""
    return value.tolist() if isinstance(value, np.ndarray) and value.ndim == 1 else value


def _step_number(value: Any) -> bool:
    """Whether ``value`` is a step: an integer >= 0, or a float with such a value
    (``0.5 * total``: Keras casts the boundaries to the step's integer type)."""
    number = real(value)  # None beyond float64 (an integer too): refused, as decay_steps
    if number is None or not 0 <= number < math.inf:
        return False
    return is_integer(value) or number.is_integer()


def _boundaries(value: Any) -> list[int]:
    """A non-empty list or tuple of steps (``_step_number``), strictly increasing, as ``int``."""
    value = _listed(value)
    ok = isinstance(value, list | tuple) and len(value) > 0
    ok = ok and all(_step_number(b) for b in value)
    ok = ok and all(a < b for a, b in zip(value, value[1:], strict=False))
    if not ok:
        raise ValueError("Expected a non-empty list of steps (integers >= 0, or floats of "
                         "integer value), strictly increasing. "
                         f"Received: boundaries={quoted(value)}")
    return [int(b) for b in value]


def _rates(value: Any, count: int) -> list[float]:
    """A list or tuple of ``count`` finite numbers >= 0, as ``float``."""
    value = _listed(value)
    if not isinstance(value, list | tuple) or len(value) != count:
        raise ValueError(f"Expected {count} learning rates, one more than the boundaries. "
                         f"Received: values={quoted(value)}")
    rates = [real(v) for v in value]
    if not all(v is not None and 0 <= v < math.inf for v in rates):
        raise ValueError(f"Expected finite learning rates >= 0. Received: values={quoted(value)}")
    return rates  # type: ignore[return-value]


class PiecewiseConstantDecay(Schedule):
    """A constant rate between boundaries (Keras 3's ``PiecewiseConstantDecay``)::

        lr(step) = values[0]    for step <= boundaries[0]
                   values[i]    for boundaries[i-1] < step <= boundaries[i]
                   values[-1]   for step > boundaries[-1]

    A boundary step still takes the earlier value, as in Keras. PyTorch's
    ``MultiStepLR(milestones, gamma)``, stepped once per update, switches at the
    milestone itself: its ``milestones`` are these ``boundaries`` plus one.

    Parameters
    ----------
    boundaries : list of int
        Optimizer steps, >= 0 and strictly increasing (at least one); a float of integer
        value (``0.5 * total``) is taken as that integer, as Keras casts it.
    values : list of float
        The rates, finite and >= 0: one more than ``boundaries``.
    name : str, default "PiecewiseConstant"
        Keras' name of the schedule, kept (in the config when not the default).
    """

    _keras_name = "PiecewiseConstant"

    def __init__(self, boundaries: list[int], values: list[float],
                 name: str | None = "PiecewiseConstant") -> None:
        self.boundaries = _boundaries(boundaries)  # copies: the lists given stay the user's
        self.values = _rates(values, len(self.boundaries) + 1)
        self.name = check_name(name)

    def __call__(self, step: int) -> float:
        if type(step) is not int or step < 0:
            step = _step(step)
        return self.values[bisect_left(self.boundaries, step)]  # boundaries < step


class PolynomialDecay(Schedule, KerasRate):
    """Polynomial decay from ``lr`` to ``end_learning_rate`` (Keras 3's ``PolynomialDecay``).

    With ``d = decay_steps``::

        cycle=False:  s = min(step, d)
        cycle=True:   d <- d * max(1, ceil(step / d)),  s = step
        lr(step) = (lr - end_learning_rate) * (1 - s / d) ** power + end_learning_rate

    Without ``cycle`` the rate stays at ``end_learning_rate`` after ``d`` steps; with it,
    the rate jumps back up after each multiple of ``d`` and decays over the next, longer
    span, as in Keras. Keras' ``initial_learning_rate`` is ``lr`` here (either name; as
    for the other schedules); Keras computes in float32, nonlin in float64. PyTorch's
    ``PolynomialLR(total_iters=d, power)``, stepped once per update, is
    ``end_learning_rate=0`` without ``cycle``.

    Parameters
    ----------
    lr : float
        Rate at step 0, > 0.
    decay_steps : int or float
        Steps of decay: an integer >= 1, or a float > 0 (Keras takes both; kept as given).
    end_learning_rate : float, default 0.0001
        Rate at the end of the decay, finite and >= 0 (above ``lr``, the rate grows).
    power : float, default 1.0
        Exponent of the polynomial, > 0 (1: linear).
    cycle : bool, default False
        Start again, over a longer span, after ``decay_steps``.
    name : str, default "PolynomialDecay"
        Keras' name of the schedule, kept (in the config when not the default).
    initial_learning_rate : float, optional
        Keras' name for ``lr`` (one of them).
    """

    _keras_name = "PolynomialDecay"

    def __init__(self, lr: float | None = None, decay_steps: int | None = None,
                 end_learning_rate: float = 0.0001, power: float = 1.0, cycle: bool = False,
                 name: str | None = "PolynomialDecay", *,
                 initial_learning_rate: float | None = None) -> None:
        self.lr = _positive(*first_rate(lr, initial_learning_rate))
        self.decay_steps: int | float = positive_steps("decay_steps", decay_steps)
        self.end_learning_rate = at_least("end_learning_rate", end_learning_rate, 0)
        self.power = _positive("power", power)
        self.cycle = check_bool("cycle", cycle)
        self.name = check_name(name)

    def __call__(self, step: int) -> float:
        if type(step) is not int or step < 0:
            step = _step(step)
        span = self.decay_steps
        if type(span) is not int:
            fraction = self._float_fraction(step, span)
        elif self.cycle:
            span *= max(1, -(-step // span))  # the first multiple of d >= step (d at step 0)
            fraction = 1.0 - step / span  # exact integer division: any step, no overflow
        else:
            fraction = 1.0 - min(step, span) / span
        return (self.lr - self.end_learning_rate) * fraction**self.power + self.end_learning_rate

    def _float_fraction(self, step: int, span: float) -> float:
        """``1 - step / d`` for a float ``decay_steps`` ``d``, as Keras computes it (with
        ``cycle``, ``d * max(1, ceil(step / d))`` for ``d``, and never below 0, which a
        fractional ``power`` would make complex); a ValueError for a step that float64
        cannot hold."""
        if not self.cycle:
            return 1.0 - min(step, span) / span
        try:  # >= 0: d * ceil(step / d) may round below step (d = 0.7, step = 63)
            return max(0.0, 1.0 - step / (span * max(1, math.ceil(step / span))))
        except OverflowError:  # step / d beyond float64: no multiple of d to find
            raise ValueError("Expected a step that float64 can hold divided by a float "
                             "decay_steps (below 1.8e308). Received: "
                             f"step={quoted(step)}, decay_steps={span!r}") from None


class InverseTimeDecay(Schedule, KerasRate):
    """Inverse time decay (Keras 3's ``InverseTimeDecay``)::

        lr(step) = lr / (1 + decay_rate * step / decay_steps)

    with ``step / decay_steps`` floored (an integer division) when ``staircase=True``.
    The rate halves once ``decay_rate * step / decay_steps`` reaches 1 and decays as
    ``1 / step`` from there. Keras' ``initial_learning_rate`` is ``lr`` (either name), and
    ``decay_steps`` may be a float, as in Keras (whose own example passes ``1.0``). PyTorch
    has no such scheduler: ``LambdaLR(optimizer, lambda step: 1 / (1 + decay_rate * step
    / decay_steps))``, stepped once per update, is this one.

    Parameters
    ----------
    lr : float
        Rate at step 0, > 0.
    decay_steps : int or float
        Steps per unit of decay: an integer >= 1, or a float > 0 (kept as given).
    decay_rate : float
        Finite, >= 0 (0: a constant rate).
    staircase : bool, default False
        Decay at every ``decay_steps`` steps only, in jumps.
    name : str, default "InverseTimeDecay"
        Keras' name of the schedule, kept (in the config when not the default).
    initial_learning_rate : float, optional
        Keras' name for ``lr`` (one of them).
    """

    _keras_name = "InverseTimeDecay"

    def __init__(self, lr: float | None = None, decay_steps: float | None = None,
                 decay_rate: float | None = None, staircase: bool = False,
                 name: str | None = "InverseTimeDecay", *,
                 initial_learning_rate: float | None = None) -> None:
        self.lr = _positive(*first_rate(lr, initial_learning_rate))
        # Keras' example: InverseTimeDecay(0.1, 1.0, 0.5)
        self.decay_steps: int | float = positive_steps("decay_steps", decay_steps)
        self.decay_rate = at_least("decay_rate", decay_rate, 0)
        self.staircase = check_bool("staircase", staircase)
        self.name = check_name(name)

    def __call__(self, step: int) -> float:
        if type(step) is not int or step < 0:
            step = _step(step)
        try:
            if type(self.decay_steps) is int:
                p = step // self.decay_steps if self.staircase else step / self.decay_steps
            else:  # a float, as Keras: floor(step / decay_steps); inf past float64
                p = step / self.decay_steps
                p = math.floor(p) if self.staircase else p
                if self.decay_rate == 0:  # 0 * inf
                    return self.lr
            return self.lr / (1.0 + self.decay_rate * p)
        except OverflowError:  # a step beyond float64 (10**309): the rate is 0 by then
            return self.lr if self.decay_rate == 0 else 0.0
