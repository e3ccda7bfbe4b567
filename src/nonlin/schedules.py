"""Learning-rate schedules: ``schedule(step) -> lr`` for ``step = 0, 1, 2, ...``.

Pass one as an optimizer's ``lr``; it is evaluated at ``optimizer.iterations``
(the number of updates taken, counted over batches, across epochs). Schedules
are pure functions of the step, so they carry no state of their own.
Reduce-on-plateau depends on validation results and is a callback instead
(``nonlin.callbacks.ReduceLROnPlateau``). Keras 3's ``PiecewiseConstantDecay``,
``PolynomialDecay`` and ``InverseTimeDecay`` live in ``schedules_more``, Keras 3's
``CosineDecayRestarts`` and PyTorch's one-cycle policy (``OneCycle``) in
``schedules_cyclic``; all are imported from here too.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, TypeVar

from ._quoting import quoted
from ._schedule_args import (
    UNSET,
    KerasRate,
    KerasWarmup,
    _shown_defaults,
    at_least,
    check_name,
    check_warmup_steps,
    cosine_positional,
    first_rate,
    keras_cosine,
    real,
)
from ._schedule_args import fraction as _fraction
from ._schedule_args import positive as _positive
from ._schedule_args import positive_int as _positive_int
from ._schedule_args import positive_steps as _positive_steps
from ._schedule_homes import schedule_from_config, schedules_getattr  # noqa: F401  (re-exported)
from ._schedule_steps import _decayed, _step
from .validation import check_bool

_S = TypeVar("_S", bound="Schedule")  # from_config: CosineDecay.from_config(...) is one


class Schedule:
    """Base class: ``__call__(step) -> float`` and a JSON-able ``get_config``. Keras' own
    schedules keep Keras' ``name``, in the config when not Keras' default (``_keras_name``:
    files written without one stay as they were)."""

    _keras_name: str | None = None

    def __call__(self, step: int) -> float:
        """The learning rate at ``step``, the optimizer's count of updates (an integer >= 0)."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """The constructor's arguments; lists (``boundaries``, ``values``) are copies, so
        that editing the config leaves the schedule as it is."""
        return {k: list(v) if isinstance(v, list) else v for k, v in self.__dict__.items()
                if k != "name" or v != self._keras_name}

    @classmethod
    def from_config(cls: type[_S], config: dict[str, Any]) -> _S:
        """The schedule ``cls(**config)``, from ``get_config()``'s dict or Keras 3's (its
        ``initial_learning_rate`` and ``name`` are taken), as Keras' ``from_config``;
        ``schedule_from_config`` rebuilds one by its class name."""
        if not isinstance(config, dict):
            raise TypeError(f"Expected a config dict. Received: config={quoted(config, 200)}")
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Constant(Schedule):
    """``lr(step) = lr``, ``lr >= 0`` (0: no step, as a plain ``lr=0`` of an optimizer)."""

    def __init__(self, lr: float) -> None:
        self.lr = at_least("lr", lr, 0)

    def __call__(self, step: int) -> float:
        if type(step) is not int or step < 0:
            step = _step(step)
        return self.lr


class StepDecay(Schedule):
    """``lr(step) = lr * gamma ** floor(step / step_size)`` (PyTorch's ``StepLR``).

    ``step`` counts optimizer updates (batches), as every schedule here; PyTorch's
    ``StepLR`` is usually stepped once per epoch, so its ``step_size`` is in epochs.
    A ``gamma > 1`` grows the rate; a step at which it overflows float64 raises
    a ValueError naming the step (PyTorch would give ``inf``).
    """

    def __init__(self, lr: float, step_size: int, gamma: float = 0.1) -> None:
        self.lr = _positive("lr", lr)
        self.step_size = _positive_int("step_size", step_size)
        self.gamma = _positive("gamma", gamma)

    def __call__(self, step: int) -> float:
        if type(step) is not int or step < 0:
            step = _step(step)
        return _decayed(self, self.gamma, step // self.step_size, step)


class ExponentialDecay(Schedule, KerasRate):
    """``lr(step) = lr * decay_rate ** (step / decay_steps)`` (Keras), the exponent
    floored when ``staircase=True``.

    ``decay_rate > 1`` (a growing rate) is allowed, as in Keras. Where the rate
    overflows float64 (``ExponentialDecay(0.1, 1, 2.0)`` at step 1100, say),
    Keras (float32 tensors) returns ``inf``, which makes every weight NaN at the
    next update; nonlin raises a ValueError naming the step instead. Underflow
    gives 0.0, as in Keras. PyTorch's ``ExponentialLR(gamma)`` stepped once per
    update is ``decay_steps=1, decay_rate=gamma``; ``staircase=True`` is its
    ``StepLR(step_size=decay_steps, gamma=decay_rate)``.

    Parameters
    ----------
    lr : float
        Rate at step 0, > 0.
    decay_steps : int or float
        Steps per factor ``decay_rate``: an integer >= 1, or a float > 0 (Keras computes
        ``step / decay_steps`` in floats and takes both; kept as given).
    decay_rate : float
        > 0 (above 1, the rate grows).
    staircase : bool, default False
        Decay at every ``decay_steps`` steps only, in jumps.
    name : str, default "ExponentialDecay"
        Keras' name of the schedule, kept (in the config when not the default).
    initial_learning_rate : float, optional
        Keras' name for ``lr`` (one of them).
    """

    _keras_name = "ExponentialDecay"

    def __init__(
        self, lr: float | None = None, decay_steps: int | None = None,
        decay_rate: float | None = None, staircase: bool = False,
        name: str | None = "ExponentialDecay", *, initial_learning_rate: float | None = None,
    ) -> None:
        self.lr = _positive(*first_rate(lr, initial_learning_rate))
        self.decay_steps: int | float = _positive_steps("decay_steps", decay_steps)
        self.decay_rate = _positive("decay_rate", decay_rate)
        self.staircase = check_bool("staircase", staircase)
        self.name = check_name(name)

    def __call__(self, step: int) -> float:
        if type(step) is not int or step < 0:
            step = _step(step)
        try:
            p = step / self.decay_steps
        except OverflowError:  # a step beyond float64 over a float decay_steps, as Keras: inf
            p = math.inf
        return _decayed(self, self.decay_rate,
                        math.floor(p) if self.staircase and p < math.inf else p, step)


class CosineDecay(Schedule, KerasWarmup):
    """Linear warm-up, then cosine decay (Loshchilov & Hutter's SGDR without restarts).

    With ``w = warmup_steps`` and ``s = min(step - w, decay_steps)``::

        step < w:   lr(step) = warmup_from + (lr - warmup_from) * step / w
        otherwise:  lr(step) = lr * ((1 - alpha) * (1 + cos(pi * s / decay_steps)) / 2 + alpha)

    Keras 3's form is taken too: with ``warmup_target`` the first argument (Keras'
    ``initial_learning_rate``, positional or not) is the warm-up's start, and
    ``CosineDecay(initial_learning_rate=a, decay_steps=d, warmup_target=b)`` is
    ``CosineDecay(b, d, warmup_from=a)``; Keras' ``warmup_steps`` without ``warmup_target``
    is unused (no warm-up) when ``initial_learning_rate`` is named. Positional arguments
    after ``alpha`` follow nonlin's order, ``warmup_steps, warmup_from``, or, when the
    first is a name (a str or None), Keras 3's, ``name, warmup_target, warmup_steps``:
    ``CosineDecay(0.0, d, 0.0, "cosine", b, w)`` is Keras' form. In PyTorch,
    stepped once per update: ``SequentialLR`` of ``LinearLR(start_factor=warmup_from
    / lr, total_iters=warmup_steps)`` and ``CosineAnnealingLR(T_max=decay_steps,
    eta_min=alpha * lr)`` at ``milestones=[warmup_steps]`` (``start_factor`` must be
    > 0 there); past ``decay_steps`` PyTorch's cosine climbs back, nonlin's stays.

    Parameters
    ----------
    lr : float
        Peak learning rate (reached at the end of warm-up); the warm-up's start when
        ``warmup_target`` is given (Keras' first argument).
    decay_steps : int or float
        Steps of cosine decay after warm-up (an integer >= 1, or a float > 0, as Keras
        takes); afterwards the rate stays at ``alpha * lr``.
    alpha : float, default 0
        Final rate as a fraction of ``lr``.
    *args
        ``warmup_steps, warmup_from`` (nonlin's order), or ``name, warmup_target,
        warmup_steps`` (Keras 3's), given by position.
    warmup_steps : int or float, default 0
        Steps of warm-up: an integer >= 0, or a float >= 0 (Keras casts it to a float and
        takes both, ``warmup_steps=0.1 * total`` say; kept as given, the rate at an integer
        ``step`` computed from ``step / warmup_steps`` as there).
    warmup_from : float, default 0
        Rate at step 0 when warming up, in ``[0, lr]``.
    initial_learning_rate : float, optional
        Keras' name for the first argument (not with ``lr``): the peak, or with
        ``warmup_target`` the warm-up's start, in ``[0, warmup_target]``.
    warmup_target : float, optional
        Keras' peak after warm-up, > 0 (not with ``warmup_from``).
    name : str, default "CosineDecay"
        Keras' name of the schedule, kept (in the config when not the default).
    """

    _keras_name = "CosineDecay"

    def __init__(
        self,
        lr: float | None = None,
        decay_steps: int | None = None,
        alpha: float = 0.0,
        *args: Any,
        warmup_steps: int | float = UNSET,  # shown as 0 (COSINE_DEFAULTS: __signature__ below)
        warmup_from: float = UNSET,
        initial_learning_rate: float | None = None,
        warmup_target: float | None = UNSET,
        name: str | None = UNSET,
    ) -> None:
        keywords = {"warmup_steps": warmup_steps, "warmup_from": warmup_from,
                    "warmup_target": warmup_target, "name": name}
        given, keras_order = cosine_positional(args, keywords)
        warmup_steps, warmup_from, warmup_target, name = given.values()
        argument, start = first_rate(lr, initial_learning_rate)
        keras = (initial_learning_rate is not None or warmup_target is not None
                 or keras_order and "Keras' positional order (a name fourth)")
        lr, warmup_steps, warmup_from = keras_cosine(start, warmup_steps, warmup_from,
                                                     warmup_target, keras)
        self.lr = _positive("warmup_target" if warmup_target is not None else argument, lr)
        self.decay_steps: int | float = _positive_steps("decay_steps", decay_steps)
        self.alpha = _fraction("alpha", alpha)
        self.warmup_steps: int | float = check_warmup_steps(warmup_steps)
        start = real(warmup_from)
        if start is None or not 0 <= start <= self.lr:
            raise ValueError(  # lr is the peak that warm-up climbs to
                f"Expected a number in [0, lr={self.lr!r}]. "
                f"Received: warmup_from={quoted(warmup_from)}"
            )
        self.warmup_from = start
        self.name = check_name(name)

    def __call__(self, step: int) -> float:
        w = self.warmup_steps
        if type(step) is not int or step < 0:
            step = _step(step)
        if step < w:
            # Keras' order: (lr - warmup_from) * step would overflow for a huge lr
            return self.warmup_from + (self.lr - self.warmup_from) * (step / w)
        try:
            s = min(step - w, self.decay_steps)
        except OverflowError:  # a step beyond float64 less a float warm-up: decay is over
            s = self.decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.pi * s / self.decay_steps))
        return self.lr * ((1.0 - self.alpha) * cosine + self.alpha)


_shown_defaults(CosineDecay.__init__)


if TYPE_CHECKING:  # imported on first use (see _schedule_homes): it imports this module
    from .schedules_cyclic import CosineDecayRestarts, OneCycle  # noqa: F401
    from .schedules_more import (  # noqa: F401
        InverseTimeDecay,
        PiecewiseConstantDecay,
        PolynomialDecay,
    )

    SCHEDULES: dict[str, type[Schedule]]
else:  # hidden from type checkers, which would take every name as an attribute (a typo too)
    # SCHEDULES and the schedules of other modules (_schedule_homes)
    __getattr__ = schedules_getattr

# the lazily imported schedules too, so ``from nonlin.schedules import *`` imports them (a
# plain import does not); ``SCHEDULES``, the allowlist, is read as ``nonlin.schedules.SCHEDULES``
__all__ = ["Constant", "CosineDecay", "CosineDecayRestarts", "ExponentialDecay",
           "InverseTimeDecay", "OneCycle", "PiecewiseConstantDecay", "PolynomialDecay",
           "Schedule", "StepDecay", "schedule_from_config"]
