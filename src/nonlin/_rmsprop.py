"""``RMSprop``, with Keras 3's momentum and centered variants.

Public as ``nonlin.adaptive.RMSprop`` (and ``nonlin.optimizers.RMSprop``, ``nonlin.RMSprop``);
it lives here to keep ``adaptive.py`` within the house limit of 300 lines.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._adaptive_steps import _keras_scaled_step
from ._optimizer_checks import unit_interval
from ._optimizer_settings import base_options
from .core import Param, const
from .optimizers import Optimizer, _check_positive
from .validation import check_bool


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012) in the Keras 3 form, for each parameter ``w`` with gradient ``g``::

        v <- rho * v + (1 - rho) * g^2
        centered=False:  den = v + epsilon
        centered=True:   a <- rho * a + (1 - rho) * g;  den = max(v - a^2, 0) + epsilon
        increment = lr * g / sqrt(den)
        momentum = 0:    w <- w - increment
        momentum > 0:    b <- momentum * b + increment;  w <- w - b

    ``v``, ``a`` (the mean gradient, slot ``"average_gradient"``, kept only when
    ``centered``) and ``b`` (slot ``"momentum"``, kept only when ``momentum > 0``) start at zero.
    Epsilon sits under the root, as in Keras 3; PyTorch's ``RMSprop(alpha=rho)`` adds its
    ``eps`` to the root instead (``sqrt(v) + eps``, ``sqrt(v - a^2) + eps``) and defaults to
    ``alpha=0.99``, ``eps=1e-8``. PyTorch's momentum buffer holds ``g / root`` and is scaled
    by ``lr`` when applied, where Keras' (and this) holds ``lr * g / root``: the same steps
    while ``lr`` is constant, not when a schedule changes it. The arguments after ``rho`` are
    keyword-only: Keras 3's third is ``momentum``, PyTorch's (after ``alpha``) ``eps``, so
    ``RMSprop(1e-3, 0.9, 0.9)`` raises a ``TypeError`` rather than set either.

    Parameters
    ----------
    lr : float or schedule, default 0.001
    rho : float, default 0.9
        Decay of the squared-gradient (and mean-gradient) averages, in [0, 1).
    momentum : float, default 0.0
        In [0, 1); 0: no momentum buffer.
    epsilon : float, default 1e-7
    centered : bool, default False
        Divide by the root of the estimated variance ``v - a^2`` rather than of ``v``.
    clipnorm, clipvalue, global_clipnorm : float, optional
        Gradient clipping (see ``Optimizer``); at most one of them.
    learning_rate : float or schedule, optional
        Keras' name for ``lr``; when given, it is the rate.
    use_ema, ema_momentum, ema_overwrite_frequency : optional
        Keras 3's moving average of the weights (see ``Optimizer``).
    """

    __module__ = "nonlin.adaptive"  # its public home: pickles and reprs name it there

    _slot_names: tuple[str, ...] = ("v",)
    _squares = ("v",)
    # here too for RMSprop pickled before they existed (its instances hold neither)
    momentum, centered = 0.0, False
    # Neither "momentum" (the update is -b itself) nor "average_gradient" (inf only after an
    # infinite g, when v is inf too and v - a^2 is NaN) can be non-finite behind a finite update.

    rho: float
    epsilon: float
    _settings = {**Optimizer._settings, "rho": unit_interval, "momentum": unit_interval,
                 "epsilon": _check_positive, "centered": check_bool}

    def __init__(
        self, lr: Any = 0.001, rho: float = 0.9, *,  # Keras' third is momentum: keywords on
        momentum: float = 0.0, epsilon: float = 1e-7, centered: bool = False,
        clipnorm: float | None = None, clipvalue: float | None = None,
        global_clipnorm: float | None = None, learning_rate: Any = None,
        use_ema: bool = False, ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
    ) -> None:
        super().__init__(lr, **base_options(locals()))
        self._set(rho=rho, momentum=momentum, epsilon=epsilon, centered=centered)

    def _slot_layout(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return ("v", *(("momentum",) if self.momentum else ()),
                *(("average_gradient",) if self.centered else ())), self._squares

    def _deltas(self, params: list[Param], lr: float) -> list[np.ndarray]:
        if not params:
            return []
        dt = params[0].value.dtype
        rho, keep, eps = const(self.rho, dt), const(1.0 - self.rho, dt), const(self.epsilon, dt)
        neg_lr, mu = np.array(-lr, dtype=dt), const(self.momentum, dt)
        deltas = []
        held = self._slots  # a slot that a setting switched on since the first step needs:
        if self.centered and "average_gradient" not in held:  # step's error, before any
            raise KeyError("average_gradient")  # slot is updated (v of the first weights)
        if self.momentum and "momentum" not in held:
            raise KeyError("momentum")
        for i, p in enumerate(params):
            g, d, v = p.grad, self._scratch[i], self._slots["v"][i]
            np.multiply(v, rho, out=v)
            np.multiply(g, g, out=d)
            np.multiply(d, keep, out=d)
            np.add(v, d, out=v)  # v <- rho v + (1 - rho) g^2
            if self.centered:
                v = self._centered(i, g, v, rho, keep, d)
            _keras_scaled_step(g, v, eps, neg_lr, d)  # -lr g / sqrt(den)
            if self.momentum:
                b = self._slots["momentum"][i]
                np.multiply(b, mu, out=b)
                np.subtract(b, d, out=b)  # b <- momentum b + lr g / sqrt(den)
                np.negative(b, out=d)
            deltas.append(d)
        return deltas

    def _centered(self, i: int, g: np.ndarray, v: np.ndarray, rho: np.ndarray,
                  keep: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Update the mean gradient ``a`` and return ``max(v - a^2, 0)`` (in ``out``; ``den``
        is that plus epsilon, added under the root by ``_keras_scaled_step``). ``v >= a^2``
        in exact arithmetic, but rounding can make ``v - a^2`` negative, by more than epsilon
        where ``g`` is large (float32, ``g = 6720.277``, ``rho=0.5``: at step 23), whose root
        would be NaN: Keras 3 (``sqrt(v - a^2 + epsilon)``) and PyTorch 2
        (``sqrt(v - a^2) + eps``) take it as is. Clamped at 0 here, which changes nothing
        where it is not negative (NaN, after an infinite ``g``, stays NaN)."""
        a = self._slots["average_gradient"][i]
        np.multiply(a, rho, out=a)
        np.multiply(g, keep, out=out)
        np.add(a, out, out=a)  # a <- rho a + (1 - rho) g
        np.multiply(a, a, out=out)
        np.subtract(v, out, out=out)  # v - a^2
        return np.maximum(out, 0.0, out=out)  # >= 0 despite rounding

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(rho=self.rho, epsilon=self.epsilon)
        if self.momentum:  # recorded when given: older files and reprs stay as they were
            config["momentum"] = self.momentum
        if self.centered:
            config["centered"] = True
        return config
