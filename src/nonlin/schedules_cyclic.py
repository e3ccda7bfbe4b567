"""Schedules that go up again: Keras 3's ``CosineDecayRestarts`` (SGDR) and PyTorch's
one-cycle policy, ``OneCycle``.

Import them from ``nonlin.schedules`` (or from here); ``schedules.SCHEDULES``, the
allowlist that model files and checkpoints rebuild schedules from, holds them. As
every schedule, they are pure functions of the optimizer's step (batches, across
epochs), and set the learning rate only.
"""

from __future__ import annotations

import math
from typing import Any

from ._quoting import quoted
from ._schedule_args import (
    KerasRate,
    at_least,
    check_name,
    first_rate,
    float64_steps,
    positive_steps,
)
from .schedules import Schedule, _fraction, _positive, _positive_int, _step
from .validation import check_bool


class CosineDecayRestarts(Schedule, KerasRate):
    """Cosine decay with warm restarts (Loshchilov & Hutter's SGDR; Keras 3's
    ``CosineDecayRestarts``).

    Period ``i = 0, 1, 2, ...`` lasts ``first_decay_steps * t_mul^i`` steps; with ``f``
    the fraction of its period that ``step`` has completed (in [0, 1))::

        lr(step) = lr * ((1 - alpha) * m_mul^i * (1 + cos(pi * f)) / 2 + alpha)

    Each period decays from ``lr * (m_mul^i * (1 - alpha) + alpha)`` towards
    ``alpha * lr``, then restarts. Keras finds ``i`` as ``floor(log(1 + s * (t_mul - 1))
    / log(t_mul))``, ``s = step / first_decay_steps`` (``floor(s)`` for ``t_mul = 1``);
    nonlin computes the same and then moves ``i`` to the period whose bounds hold
    ``step``, so a restart falls exactly on its step where the rounding of that
    logarithm (in Keras, of float32) would put it one step late. The floor ``alpha``
    is not scaled by ``m_mul^i``, as in Keras. Keras' ``initial_learning_rate`` is ``lr``
    (either name). PyTorch's ``CosineAnnealingWarmRestarts(T_0=first_decay_steps, T_mult=t_mul,
    eta_min=alpha * lr)``, stepped once per update, is this schedule for an integer
    ``t_mul`` and ``m_mul = 1``. A ``t_mul < 1`` (periods shrinking to a finite total,
    after which Keras returns NaN) is refused; a step in a period longer than float64 holds
    (past step 10 with ``first_decay_steps=10, t_mul=1e308``) is a ``ValueError`` naming
    ``t_mul`` (Keras gives NaN).

    Parameters
    ----------
    lr : float
        Rate at step 0, > 0.
    first_decay_steps : int or float
        Length of the first period: an integer >= 1, or a float > 0 (Keras takes both).
    t_mul : float, default 2.0
        Each period is ``t_mul`` times the previous one, >= 1.
    m_mul : float, default 1.0
        Each restart peaks ``m_mul`` times the previous peak, finite and >= 0.
    alpha : float, default 0.0
        Floor of the rate as a fraction of ``lr``, in [0, 1].
    name : str, default "SGDRDecay"
        Keras' name of the schedule, kept (in the config when not the default).
    initial_learning_rate : float, optional
        Keras' name for ``lr`` (one of them).
    """

    _keras_name = "SGDRDecay"

    def __init__(self, lr: float | None = None, first_decay_steps: int | None = None,
                 t_mul: float = 2.0, m_mul: float = 1.0, alpha: float = 0.0,
                 name: str | None = "SGDRDecay", *,
                 initial_learning_rate: float | None = None) -> None:
        self.lr = _positive(*first_rate(lr, initial_learning_rate))
        self.first_decay_steps: int | float = positive_steps("first_decay_steps",
                                                            first_decay_steps)
        self.t_mul = at_least("t_mul", t_mul, 1)
        self.m_mul = at_least("m_mul", m_mul, 0)
        self.alpha = _fraction("alpha", alpha)
        self.name = check_name(name)

    def __call__(self, step: int) -> float:
        if type(step) is not int or step < 0:
            step = _step(step)
        try:
            i, fraction = self._period(step)
        except OverflowError:  # step / first_decay_steps beyond float64
            raise ValueError("Expected a step that float64 can hold divided by "
                             "first_decay_steps (below 1.8e308). Received: step="
                             f"{quoted(step)}, first_decay_steps={self.first_decay_steps!r}"
                             ) from None
        try:
            peak = math.pow(self.m_mul, i)  # Keras' m_fac
        except OverflowError:  # m_mul > 1 over many restarts, or i itself beyond float64
            peak = math.inf if self.m_mul > 1 else float(self.m_mul == 1)
        cosine = 0.5 * peak * (1.0 + math.cos(math.pi * fraction))
        lr = self.lr * ((1.0 - self.alpha) * cosine + self.alpha)
        if not lr < math.inf:  # m_mul > 1 over many restarts
            raise ValueError(f"Expected a finite learning rate from {self!r}. Received: "
                             f"step={quoted(step)}, where it overflows float64")
        return lr

    def _period(self, step: int) -> tuple[int, float]:
        """The period ``i`` holding ``step`` and the fraction ``f`` of it completed."""
        first, t = self.first_decay_steps, self.t_mul
        if t == 1.0 and type(first) is int:
            i, into = divmod(step, first)  # exact integers
            return i, into / first
        if t == 1.0:  # a float first_decay_steps, as Keras: s = step / first, f = s - floor(s)
            s = step / first
            return math.floor(s), s - math.floor(s)
        s = step / first  # an OverflowError: __call__'s message (the step)
        grown = s * (t - 1.0)  # beyond float64: log1p(grown) as log(s) + log(t - 1)
        i = math.floor((math.log1p(grown) if grown < math.inf else
                        math.log(s) + math.log(t - 1.0)) / math.log(t))  # Keras' i
        start, length = self._bounds(i)
        if not start + length < math.inf:  # else NaN below: the message names t_mul
            before = self._bounds(i - 1) if i > 0 else (math.inf, math.inf)
            end = before[0] + before[1]  # the logarithm rounded up into it: i - 1
            if not (end < math.inf and step < end):
                raise ValueError(self._endless(step, i))
            i, (start, length) = i - 1, before
        if step >= start + length:  # the logarithm rounded down across a restart
            i, start, length = i + 1, start + length, length * t
        elif step < start:  # ... or up
            i, length = i - 1, length / t
            start -= length
        if length == math.inf:
            raise ValueError(self._endless(step, i))
        return i, min(max((step - start) / length, 0.0), 1.0)

    def _bounds(self, i: int) -> tuple[float, float]:
        """Period ``i``'s start (the steps before it) and length; inf past float64."""
        first, t = self.first_decay_steps, self.t_mul
        try:
            power = t**i
        except OverflowError:  # t**i beyond float64
            return math.inf, math.inf
        return first * (power - 1.0) / (t - 1.0), first * power

    def _endless(self, step: int, i: int) -> str:
        """Why ``step`` has no rate: its period ``i`` is longer than float64 holds."""
        return (f"Expected a step in a period that float64 holds. Received: step={quoted(step)} "
                f"of {self!r}, in period {i}, first_decay_steps * t_mul ** {i} steps long: more "
                f"than float64 holds (1.8e308), a period that never ends, as t_mul="
                f"{self.t_mul!r} grows the periods; give a smaller t_mul (or CosineDecay, for "
                "one decay without restarts)")


def _total_steps(total_steps: Any, epochs: Any, steps_per_epoch: Any) -> int:
    """PyTorch's ``OneCycleLR`` count of steps: ``total_steps``, or ``epochs *
    steps_per_epoch`` (both integers >= 1) when it is None; given with ``total_steps``,
    they must agree with it (PyTorch ignores them there)."""
    if epochs is None and steps_per_epoch is None:
        return _positive_int("total_steps", total_steps)
    if epochs is None or steps_per_epoch is None:
        raise ValueError("Expected epochs and steps_per_epoch together (PyTorch's total_steps "
                         f"= epochs * steps_per_epoch). Received: epochs={quoted(epochs, 40)}, "
                         f"steps_per_epoch={quoted(steps_per_epoch, 40)}")
    product = (_positive_int("epochs", epochs)
               * _positive_int("steps_per_epoch", steps_per_epoch))
    try:  # float64 must hold it (OneCycle's float64_steps): an error naming the two given
        float(product)
    except OverflowError:
        raise ValueError("Expected epochs * steps_per_epoch that float64 holds (below 1.8e308)."
                         f" Received: epochs={quoted(epochs, 40)}, steps_per_epoch="
                         f"{quoted(steps_per_epoch, 40)} (a product of {product.bit_length()} "
                         "bits)") from None
    if total_steps is not None and _positive_int("total_steps", total_steps) != product:
        raise ValueError("Expected total_steps = epochs * steps_per_epoch, or one of the two "
                         f"forms. Received: total_steps={quoted(total_steps, 40)}, "
                         f"epochs={epochs!r}, steps_per_epoch={steps_per_epoch!r}")
    return product


def _check_factors(max_lr: float, div_factor: float, final_div_factor: float) -> None:
    """A ValueError where ``max_lr / div_factor`` (the initial rate) or that divided by
    ``final_div_factor`` (the final one) overflows float64 (a ``div_factor`` of 1e-320):
    the rate would be inf, or NaN between the two."""
    initial = max_lr / div_factor
    if not initial / final_div_factor < math.inf:
        raise ValueError("Expected finite rates max_lr / div_factor and max_lr / div_factor "
                         f"/ final_div_factor. Received: max_lr={max_lr!r}, div_factor="
                         f"{div_factor!r}, final_div_factor={final_div_factor!r}")


class OneCycle(Schedule):
    """The one-cycle policy (Smith & Topin, 2018), as PyTorch's ``OneCycleLR`` computes it.

    With ``initial = max_lr / div_factor``, ``final = initial / final_div_factor`` and
    the warm-up's last step ``e = pct_start * total_steps - 1`` (a float, as PyTorch's)::

        step <= e:               lr = anneal(initial, max_lr, step / e)
        e < step < total_steps:  lr = anneal(max_lr, final, (step - e) / (total_steps - 1 - e))
        step >= total_steps:     lr = final

        anneal_strategy="cos":     anneal(a, b, p) = b + (a - b) / 2 * (1 + cos(pi * p))
        anneal_strategy="linear":  anneal(a, b, p) = (b - a) * p + a

    So the rate climbs from ``initial`` at step 0 to ``max_lr`` and comes down to
    ``final`` at step ``total_steps - 1``. With ``three_phase=True`` (PyTorch's) it comes
    down to ``initial`` at ``e2 = 2 * pct_start * total_steps - 2``, then to ``final``:
    ``anneal(max_lr, initial, (step - e) / (e2 - e))`` for ``e < step <= e2`` and
    ``anneal(initial, final, (step - e2) / (total_steps - 1 - e2))`` after. From step
    ``total_steps`` on nonlin keeps ``final`` (a ``fit`` running longer trains on at that
    rate); PyTorch extrapolates the last phase one step further at ``total_steps`` and
    raises after. PyTorch's ``epochs`` and ``steps_per_epoch`` (keywords) give
    ``total_steps = epochs * steps_per_epoch``, counted in optimizer steps as here.
    PyTorch also cycles the momentum (``cycle_momentum=True`` by default, between
    ``base_momentum`` and ``max_momentum``): nonlin's schedules set the learning rate
    only, and the optimizer's momentum or ``beta_1`` stays as set, PyTorch's
    ``cycle_momentum=False`` (taken; ``True`` is refused). Keras has no one-cycle schedule.

    Parameters
    ----------
    max_lr : float
        The peak rate, > 0.
    total_steps : int, optional
        Optimizer steps (batches, across epochs) in the cycle, >= 1; or None with
        ``epochs`` and ``steps_per_epoch``.
    pct_start : float, default 0.3
        Fraction of the steps spent climbing, in [0, 1]; ``pct_start * total_steps``
        must not be 1 (a warm-up ending at step 0: PyTorch divides by zero there).
    anneal_strategy : {"cos", "linear"}, default "cos"
        The shape of the phases.
    div_factor : float, default 25.0
        ``initial = max_lr / div_factor``, > 0.
    final_div_factor : float, default 10000.0
        ``final = initial / final_div_factor``, > 0.
    epochs, steps_per_epoch : int, optional
        PyTorch's other form of ``total_steps`` (integers >= 1, both or neither).
    three_phase : bool, default False
        PyTorch's three phases: up to ``max_lr``, down to ``initial`` as steeply, then
        down to ``final``.
    cycle_momentum : bool, default False
        Only False: PyTorch's momentum cycling is not done.
    """

    def __init__(self, max_lr: float, total_steps: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", div_factor: float = 25.0,
                 final_div_factor: float = 1e4, *, epochs: int | None = None,
                 steps_per_epoch: int | None = None, three_phase: bool = False,
                 cycle_momentum: bool = False) -> None:
        self.max_lr = _positive("max_lr", max_lr)
        # PyTorch's float(pct_start * total_steps): float64 must hold it
        self.total_steps = float64_steps("total_steps",
                                         _total_steps(total_steps, epochs, steps_per_epoch))
        self.pct_start = _fraction("pct_start", pct_start)
        if float(self.pct_start * self.total_steps) - 1 == 0:
            raise ValueError("Expected pct_start * total_steps other than 1 (a warm-up that "
                             "ends at step 0). Received: "
                             f"pct_start={quoted(pct_start, 40)}, "
                             f"total_steps={quoted(self.total_steps, 40)}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("Expected anneal_strategy 'cos' or 'linear'. "
                             f"Received: anneal_strategy={quoted(anneal_strategy)}")
        self.anneal_strategy = str(anneal_strategy)
        self.div_factor = _positive("div_factor", div_factor)
        self.final_div_factor = _positive("final_div_factor", final_div_factor)
        _check_factors(self.max_lr, self.div_factor, self.final_div_factor)
        self.three_phase = check_bool("three_phase", three_phase)
        if check_bool("cycle_momentum", cycle_momentum):
            raise ValueError("Expected cycle_momentum=False: nonlin's schedules set the "
                             "learning rate only, and the optimizer's momentum or beta_1 "
                             "stays as set. Received: cycle_momentum=True")

    def __call__(self, step: int) -> float:
        if type(step) is not int or step < 0:
            step = _step(step)
        initial = self.max_lr / self.div_factor
        final = initial / self.final_div_factor
        if step >= self.total_steps:
            return final
        end = float(self.pct_start * self.total_steps) - 1  # PyTorch's first phase's end_step
        if step <= end:
            return self._anneal(initial, self.max_lr, step / end)
        if not self.three_phase:
            return self._anneal(self.max_lr, final, (step - end) / (self.total_steps - 1 - end))
        middle = float(2 * self.pct_start * self.total_steps) - 2  # PyTorch's second end_step
        if step <= middle:
            return self._anneal(self.max_lr, initial, (step - end) / (middle - end))
        return self._anneal(initial, final, (step - middle) / (self.total_steps - 1 - middle))

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_config(self) -> dict[str, Any]:
        """The arguments; ``three_phase`` only when True (files written before it stay as
        they were)."""
        config = {"max_lr": self.max_lr, "total_steps": self.total_steps,
                  "pct_start": self.pct_start, "anneal_strategy": self.anneal_strategy,
                  "div_factor": self.div_factor, "final_div_factor": self.final_div_factor}
        return {**config, "three_phase": True} if self.three_phase else config
