"""Adaptive optimizers: ``Adam``, ``AdamW``, ``RMSprop``, ``Adagrad``.

Each follows the formulation of Keras (and, for Adam, scikit-learn's MLP),
written in place with one scratch array per parameter. Import them from
``nonlin.optimizers`` or ``nonlin``; ``RMSprop`` is defined in ``_rmsprop``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._adaptive_steps import _keras_scaled_step, _scaled_step
from ._optimizer_checks import non_negative, unit_interval
from ._optimizer_settings import base_options
from ._rmsprop import RMSprop
from .core import Param, const
from .optimizers import Optimizer, _check_positive
from .validation import check_bool


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015) in the Keras / scikit-learn form.

    At step ``t = iterations + 1``, for each parameter ``w`` with gradient ``g``::

        m <- beta_1 * m + (1 - beta_1) * g
        v <- beta_2 * v + (1 - beta_2) * g^2
        lr_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)
        w <- w - lr_t * m / (sqrt(v) + epsilon)

    With ``amsgrad=True`` (Reddi et al., 2018), as in Keras 3, the largest ``v`` so far
    divides instead: ``v_hat <- max(v_hat, v)`` (slot ``"v_hat"``, of the uncorrected ``v``),
    ``w <- w - lr_t * m / (sqrt(v_hat) + epsilon)`` with the same ``lr_t``. PyTorch's
    ``amsgrad`` keeps the same maximum and divides by ``sqrt(v_hat) / sqrt(1 - beta_2^t) + eps``
    (its epsilon placement, below). ``m``, ``v`` (and ``v_hat``) start at zero (``t`` counts
    from there: after a refused update, which zeroes them, from that step). Epsilon is
    added to ``sqrt(v)``, as in Keras 3 and scikit-learn; PyTorch adds it to
    ``sqrt(v / (1 - beta_2^t))`` instead, which differs while ``v`` is tiny (PyTorch's
    ``eps`` is this epsilon divided by ``sqrt(1 - beta_2^t)``; with a negligible epsilon
    the steps are the same).
    Keras' default epsilon is 1e-7.

    Parameters
    ----------
    lr : float or schedule, default 0.001
    beta_1, beta_2 : float, default 0.9, 0.999
        Decay rates of the moment estimates, in [0, 1).
    epsilon : float, default 1e-8
        Added to ``sqrt(v)`` (scikit-learn's default).
    amsgrad : bool, default False
        Divide by the running maximum of ``v`` (Keras 3's and PyTorch's ``amsgrad``).
    clipnorm, clipvalue, global_clipnorm : float, optional
        Gradient clipping (see ``Optimizer``); at most one of them.
    learning_rate : float or schedule, optional
        Keras' name for ``lr``; when given, it is the rate.
    use_ema, ema_momentum, ema_overwrite_frequency : optional
        Keras 3's moving average of the weights (see ``Optimizer``).
    """

    _slot_names: tuple[str, ...] = ("m", "v")
    _squares: tuple[str, ...] = ("v",)
    amsgrad = False  # here too for optimizers pickled before it existed

    beta_1: float
    beta_2: float
    epsilon: float
    _settings = {**Optimizer._settings, "beta_1": unit_interval, "beta_2": unit_interval,
                 "epsilon": _check_positive, "amsgrad": check_bool}

    def __init__(
        self,
        lr: Any = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        amsgrad: bool = False,  # Keras 3's fifth
        *,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        learning_rate: Any = None,
        use_ema: bool = False, ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
    ) -> None:
        super().__init__(lr, **base_options(locals()))
        self._set(beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad)

    def _slot_layout(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        if self.amsgrad:  # v_hat: squares, and an overflow of it would not show (m / inf = 0)
            return ("m", "v", "v_hat"), ("v", "v_hat")
        return type(self)._slot_names, type(self)._squares

    def _moments(self, params: list[Param], dt: np.dtype) -> None:
        """``m <- beta_1 m + (1 - beta_1) g`` and ``v <- beta_2 v + (1 - beta_2) g^2`` for
        each parameter (``g`` its grad; ``m``, ``v`` of its shape), in place; ``tmp``, the
        step's scratch array, holds ``(1 - beta_1) g`` and then ``(1 - beta_2) g^2``."""
        b1, b2 = const(self.beta_1, dt), const(self.beta_2, dt)
        c1, c2 = const(1.0 - self.beta_1, dt), const(1.0 - self.beta_2, dt)
        for i, p in enumerate(params):
            g, tmp = p.grad, self._scratch[i]
            m, v = self._slots["m"][i], self._slots["v"][i]
            np.multiply(m, b1, out=m)  # m = b1 m
            np.multiply(g, c1, out=tmp)  # tmp = (1 - b1) g
            np.add(m, tmp, out=m)  # m <- b1 m + (1 - b1) g
            np.multiply(v, b2, out=v)  # v = b2 v
            np.multiply(g, g, out=tmp)  # tmp = g^2
            np.multiply(tmp, c2, out=tmp)  # tmp = (1 - b2) g^2
            np.add(v, tmp, out=v)  # v <- b2 v + (1 - b2) g^2

    def _step_size(self, lr: float) -> float:
        """``lr_t = lr * sqrt(1 - beta_2^t) / (1 - beta_1^t)``, the bias correction of ``m``
        and ``v`` folded into the rate; ``t`` counts the moments' steps, from 1."""
        t = self.iterations + 1 - self._slots_since  # the moments' steps (see Optimizer.step)
        return lr * math.sqrt(1.0 - self.beta_2**t) / (1.0 - self.beta_1**t)

    def _deltas(self, params: list[Param], lr: float) -> list[np.ndarray]:
        """For each parameter the ``d`` of ``w <- w + d``: ``d = -lr_t m / (sqrt(v) + eps)``
        (``v_hat`` for ``v`` with ``amsgrad``), after ``_moments`` updated ``m`` and ``v``;
        ``d`` is the parameter's scratch array (shape of ``w``), reused every step."""
        if not params:
            return []
        dt = params[0].value.dtype
        # before m and v are updated: a v_hat that amsgrad switched on since the first step
        # needs (step's error) leaves the slots as the last step left them
        v_hat = self._slots["v_hat"] if self.amsgrad else None
        self._moments(params, dt)
        neg_lr_t = np.array(-self._step_size(lr), dtype=dt)  # changes every step
        eps = const(self.epsilon, dt)
        deltas = []
        m, v = self._slots["m"], self._slots["v"]
        if v_hat is not None:  # amsgrad: v_hat <- max(v_hat, v), used as v
            v = [np.maximum(vh, vi, out=vh) for vh, vi in zip(v_hat, v, strict=True)]
        for i in range(len(params)):
            d = self._scratch[i]  # -lr_t m / (sqrt(v) + eps)
            deltas.append(_scaled_step(m[i], v[i], eps, neg_lr_t, d))
        return deltas

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon)
        if self.amsgrad:  # recorded when given: older files and reprs stay as they were
            config["amsgrad"] = True
        return config


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as in PyTorch.

    The Adam step above, plus a decay that does not pass through the moments::

        w <- w - lr * weight_decay * w - lr_t * m / (sqrt(v) + epsilon)

    PyTorch's ``AdamW`` and Keras 3's decay the same way (with the scheduled
    ``lr``, from the weights before the step); epsilon is placed as in ``Adam``.
    Every argument after ``lr`` is keyword-only: Keras 3 reads the second as
    ``weight_decay`` and PyTorch as ``betas``, so ``AdamW(1e-3, 1e-4)`` raises a
    ``TypeError`` rather than set ``beta_1``.

    Parameters
    ----------
    lr : float or schedule, default 0.001
    beta_1, beta_2 : float, default 0.9, 0.999
    epsilon : float, default 1e-8
        As for ``Adam``.
    weight_decay : float, default 0.01
        Decay coefficient, >= 0 (PyTorch's default; Keras 3's is 0.004, its epsilon 1e-7).
    amsgrad : bool, default False
        As for ``Adam``.
    clipnorm, clipvalue, global_clipnorm : float, optional
        Gradient clipping (see ``Optimizer``); at most one of them.
    learning_rate : float or schedule, optional
        Keras' name for ``lr``; when given, it is the rate.
    use_ema, ema_momentum, ema_overwrite_frequency : optional
        Keras 3's moving average of the weights (see ``Optimizer``).
    """

    weight_decay: float
    _settings = {**Adam._settings, "weight_decay": non_negative}

    def __init__(
        self,
        lr: Any = 0.001,
        *,  # Keras' AdamW reads weight_decay second, torch's betas: no positional reading
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.01,
        amsgrad: bool = False,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        learning_rate: Any = None,
        use_ema: bool = False, ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
    ) -> None:
        super().__init__(lr, beta_1, beta_2, epsilon, amsgrad, **base_options(locals()))
        self._set(weight_decay=weight_decay)

    def _deltas(self, params: list[Param], lr: float) -> list[np.ndarray]:
        deltas = super()._deltas(params, lr)
        if self.weight_decay:
            buffers = self.__dict__.setdefault("_decay", {})
            decay = np.array(-lr * self.weight_decay, dtype=params[0].value.dtype)
            for i, (p, d) in enumerate(zip(params, deltas, strict=True)):
                buf = buffers.get(i)
                if buf is None or buf.shape != d.shape or buf.dtype != d.dtype:
                    buf = buffers[i] = np.empty_like(d)
                np.multiply(p.value, decay, out=buf)
                np.add(d, buf, out=d)  # - lr * weight_decay * w - lr_t * m / (sqrt(v) + eps)
        return deltas

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config["weight_decay"] = self.weight_decay
        return config


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011) in the Keras form::

        a <- a + g^2                          (a starts at initial_accumulator_value)
        w <- w - lr * g / sqrt(a + epsilon)

    Epsilon sits under the root and ``a`` starts at 0.1, as in Keras 3 (PyTorch
    adds ``eps=1e-10`` to ``sqrt(a)`` and starts ``a`` at 0).

    Parameters
    ----------
    lr : float or schedule, default 0.001
    initial_accumulator_value : float, default 0.1
    epsilon : float, default 1e-7
    clipnorm, clipvalue, global_clipnorm : float, optional
        Gradient clipping (see ``Optimizer``); at most one of them.
    learning_rate : float or schedule, optional
        Keras' name for ``lr``; when given, it is the rate.
    use_ema, ema_momentum, ema_overwrite_frequency : optional
        Keras 3's moving average of the weights (see ``Optimizer``).
    """

    _slot_names = ("accumulator",)
    _squares = ("accumulator",)

    initial_accumulator_value: float
    epsilon: float
    _settings = {**Optimizer._settings, "initial_accumulator_value": non_negative,
                 "epsilon": _check_positive}

    def __init__(
        self, lr: Any = 0.001, initial_accumulator_value: float = 0.1, epsilon: float = 1e-7,
        *, clipnorm: float | None = None, clipvalue: float | None = None,
        global_clipnorm: float | None = None, learning_rate: Any = None,
        use_ema: bool = False, ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
    ) -> None:
        super().__init__(lr, **base_options(locals()))
        self._set(initial_accumulator_value=initial_accumulator_value, epsilon=epsilon)

    def build_slots(self, params: list[Param]) -> dict[str, list[np.ndarray]]:
        a0 = self.initial_accumulator_value
        return {"accumulator": [np.full_like(p.value, a0) for p in params]}

    def _deltas(self, params: list[Param], lr: float) -> list[np.ndarray]:
        if not params:
            return []
        dt = params[0].value.dtype
        eps, neg_lr = const(self.epsilon, dt), np.array(-lr, dtype=dt)
        deltas = []
        for i, p in enumerate(params):
            g, d, a = p.grad, self._scratch[i], self._slots["accumulator"][i]
            np.multiply(g, g, out=d)
            np.add(a, d, out=a)  # a <- a + g^2
            deltas.append(_keras_scaled_step(g, a, eps, neg_lr, d))  # -lr g / sqrt(a + eps)
        return deltas

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(initial_accumulator_value=self.initial_accumulator_value,
                      epsilon=self.epsilon)
        return config


__all__ = ["Adagrad", "Adam", "AdamW", "RMSprop"]
