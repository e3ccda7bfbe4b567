"""Two more optimizers from Keras 3: ``Adadelta`` and ``Lion``.

Both follow Keras 3's update rules and defaults, written in place on
preallocated slots and two scratch arrays per parameter, as ``adaptive.py``'s
and ``adaptive_more.py``'s. Import them from ``nonlin.optimizers`` or
``nonlin``; the registry names are ``"adadelta"`` and ``"lion"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._optimizer_checks import non_negative, unit_interval
from ._optimizer_settings import base_options
from ._quoting import quoted
from .core import Param, const
from .optimizers import Optimizer, _check_positive
from .validation import is_real


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012) in the Keras 3 form.

    For each parameter ``w`` with gradient ``g``, with ``rms(x) = sqrt(x + epsilon)``::

        a <- rho * a + (1 - rho) * g^2                  (accumulated_grad)
        delta = -rms(d) * g / rms(a)
        d <- rho * d + (1 - rho) * delta^2              (accumulated_delta_var)
        w <- w + lr * delta

    ``a`` and ``d`` start at zero. This is Keras 3's ``Adadelta`` and PyTorch's
    ``optim.Adadelta``, which compute the same rule (PyTorch's ``square_avg`` and
    ``acc_delta`` are ``a`` and ``d``). The defaults are Keras 3's: ``lr=0.001``,
    ``rho=0.95``, ``epsilon=1e-7``. PyTorch's are ``lr=1.0``, ``rho=0.9``,
    ``eps=1e-6``; Zeiler's paper has no learning rate (``lr=1.0``), ``rho=0.95`` and
    ``epsilon=1e-6``. ``Adadelta(1.0, rho=0.9, epsilon=1e-6)`` steps as PyTorch's
    default does. Neither library's ``weight_decay`` is offered.

    Every argument after ``lr`` is keyword-only.

    Parameters
    ----------
    lr : float or schedule, default 0.001
    rho : float, default 0.95
        Decay of both running averages, in [0, 1).
    epsilon : float, default 1e-07
        Added under both square roots, > 0.
    clipnorm, clipvalue, global_clipnorm : float, optional
        Gradient clipping (see ``Optimizer``); at most one of them.
    learning_rate : float or schedule, optional
        Keras' name for ``lr``; when given, it is the rate.
    use_ema, ema_momentum, ema_overwrite_frequency : optional
        Keras 3's moving average of the weights (see ``Optimizer``).
    """

    _slot_names = ("accumulated_grad", "accumulated_delta_var")
    _two_scratch = True
    _squares = ("accumulated_grad", "accumulated_delta_var")  # averages of squares: >= 0

    rho: float
    epsilon: float
    _settings = {**Optimizer._settings, "rho": unit_interval, "epsilon": _check_positive}

    def __init__(
        self,
        lr: Any = 0.001,
        *,
        rho: float = 0.95,
        epsilon: float = 1e-7,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        learning_rate: Any = None,
        use_ema: bool = False, ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
    ) -> None:
        super().__init__(lr, **base_options(locals()))
        self._set(rho=rho, epsilon=epsilon)

    def _deltas(self, params: list[Param], lr: float) -> list[np.ndarray]:
        if not params:
            return []
        dt = params[0].value.dtype
        rho, keep, eps = const(self.rho, dt), const(1.0 - self.rho, dt), const(self.epsilon, dt)
        neg_lr = np.array(-lr, dtype=dt)  # changes with schedules: not cached
        spares, deltas = self._spare, []
        for i, p in enumerate(params):
            g, step, tmp = p.grad, self._scratch[i], spares[i]
            a, d = self._slots["accumulated_grad"][i], self._slots["accumulated_delta_var"][i]
            np.multiply(a, rho, out=a)
            np.multiply(g, g, out=tmp)
            np.multiply(tmp, keep, out=tmp)
            np.add(a, tmp, out=a)  # a <- rho a + (1 - rho) g^2
            np.add(d, eps, out=step)
            np.sqrt(step, out=step)
            np.multiply(step, g, out=step)  # rms(d) g
            np.add(a, eps, out=tmp)
            np.sqrt(tmp, out=tmp)
            np.divide(step, tmp, out=step)  # -delta = rms(d) g / rms(a)
            np.multiply(d, rho, out=d)
            np.multiply(step, step, out=tmp)
            np.multiply(tmp, keep, out=tmp)
            np.add(d, tmp, out=d)  # d <- rho d + (1 - rho) delta^2
            deltas.append(np.multiply(step, neg_lr, out=step))  # lr delta
        return deltas

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(rho=self.rho, epsilon=self.epsilon)
        return config


def _lion_beta_1(name: str, value: Any) -> float:
    """Lion's ``beta_1`` in (0, 1], as a float (0: sign SGD, which Keras refuses)."""
    if not is_real(value) or not 0 < value <= 1:
        raise ValueError(f"Expected {name} in (0, 1]. Received: {name}={quoted(value)}")
    return float(value)


class Lion(Optimizer):
    """Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms") in the
    Keras 3 form: the sign of an interpolated momentum.

    For each parameter ``w`` with gradient ``g``::

        c = beta_1 * m + (1 - beta_1) * g
        w <- w - lr * sign(c) - lr * weight_decay * w
        m <- beta_2 * m + (1 - beta_2) * g

    ``m`` starts at zero; ``sign(0) = 0``. Every entry moves by exactly ``lr`` (plus the
    decay), so ``lr`` is typically 3-10 times smaller than AdamW's and ``weight_decay``
    as many times larger. The decay is decoupled and uses the weights before the step,
    as Keras 3's ``weight_decay`` (and the paper's); it is 0 by default. PyTorch has no
    Lion. Keras 3 refuses ``beta_1 = 0`` (sign SGD); so does nonlin.

    Every argument after ``lr`` is keyword-only.

    Parameters
    ----------
    lr : float or schedule, default 0.001
    beta_1 : float, default 0.9
        Weight of the momentum in the sign's argument, in (0, 1].
    beta_2 : float, default 0.99
        Decay of the momentum, in [0, 1).
    weight_decay : float, default 0.0
        Decoupled decay coefficient, >= 0.
    clipnorm, clipvalue, global_clipnorm : float, optional
        Gradient clipping (see ``Optimizer``); at most one of them.
    learning_rate : float or schedule, optional
        Keras' name for ``lr``; when given, it is the rate.
    use_ema, ema_momentum, ema_overwrite_frequency : optional
        Keras 3's moving average of the weights (see ``Optimizer``).
    """

    _slot_names = ("m",)
    _two_scratch = True
    _hidden_slots = ("m",)  # inf after an infinite gradient, while the update's sign is finite

    beta_1: float
    beta_2: float
    weight_decay: float
    _settings = {**Optimizer._settings, "beta_1": _lion_beta_1, "beta_2": unit_interval,
                 "weight_decay": non_negative}

    def __init__(
        self,
        lr: Any = 0.001,
        *,
        beta_1: float = 0.9,
        beta_2: float = 0.99,
        weight_decay: float = 0.0,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        learning_rate: Any = None,
        use_ema: bool = False, ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
    ) -> None:
        super().__init__(lr, **base_options(locals()))
        self._set(beta_1=beta_1, beta_2=beta_2, weight_decay=weight_decay)

    def _deltas(self, params: list[Param], lr: float) -> list[np.ndarray]:
        if not params:
            return []
        dt = params[0].value.dtype
        b1, c1 = const(self.beta_1, dt), const(1.0 - self.beta_1, dt)
        b2, c2 = const(self.beta_2, dt), const(1.0 - self.beta_2, dt)
        neg_lr = np.array(-lr, dtype=dt)  # changes with schedules: not cached
        decay = np.array(-lr * self.weight_decay, dtype=dt)
        spares, deltas = self._spare, []
        for i, p in enumerate(params):
            g, step, tmp, m = p.grad, self._scratch[i], spares[i], self._slots["m"][i]
            np.multiply(m, b1, out=step)
            np.multiply(g, c1, out=tmp)
            np.add(step, tmp, out=step)  # c = b1 m + (1 - b1) g
            np.sign(step, out=tmp)  # not in place: NumPy's in-place sign is ~9x slower
            np.multiply(tmp, neg_lr, out=step)  # -lr sign(c)
            if self.weight_decay:
                np.multiply(p.value, decay, out=tmp)
                np.add(step, tmp, out=step)  # - lr weight_decay w
            np.multiply(m, b2, out=m)
            np.multiply(g, c2, out=tmp)
            np.add(m, tmp, out=m)  # m <- b2 m + (1 - b2) g
            deltas.append(step)
        return deltas

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2)
        if self.weight_decay:
            config["weight_decay"] = self.weight_decay
        return config
