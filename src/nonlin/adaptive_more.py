"""More adaptive optimizers from Keras 3: ``Adamax`` and ``Nadam``.

Both follow Keras 3's update rules and defaults (``epsilon=1e-7``), written in
place on preallocated slots and scratch arrays, as ``adaptive.py``'s. Import
them from ``nonlin.optimizers`` or ``nonlin``; the registry names are
``"adamax"`` and ``"nadam"``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._optimizer_settings import base_options
from ._quoting import quoted
from .adaptive import Adam
from .core import Param, const
from .optimizers import _check_positive
from .validation import check_bool, is_real


def _no_amsgrad(name: str, value: Any) -> bool:
    """Adamax's and Nadam's ``amsgrad`` (Adam's, inherited): False, as Keras 3's have none
    (set True, it would change nothing: refused)."""
    if check_bool(name, value):
        raise ValueError(f"Expected {name}=False: Adamax and Nadam have no amsgrad (Keras 3's "
                         f"neither). Received: {name}={quoted(value)}")
    return False


class Adamax(Adam):
    """Adamax (Kingma & Ba, 2015, section 7.1), Adam with the infinity norm, in the Keras form.

    At step ``t = iterations + 1``, for each parameter ``w`` with gradient ``g``::

        m <- beta_1 * m + (1 - beta_1) * g
        u <- max(beta_2 * u, |g|)
        w <- w - lr / (1 - beta_1^t) * m / (u + epsilon)

    ``m`` and ``u`` start at zero (``t`` counts from there: after a refused update,
    which zeroes them, from that step). This is Keras 3's ``Adamax``. PyTorch's
    ``optim.Adamax`` puts epsilon inside the norm instead, ``u <- max(beta_2 * u,
    |g| + eps)``, and divides by ``u`` alone, so its epsilon is carried (and decayed)
    in ``u``; with a negligible epsilon the steps are the same. PyTorch's defaults
    are ``lr=0.002``, ``eps=1e-8``.

    Every argument after ``lr`` is keyword-only.

    Parameters
    ----------
    lr : float or schedule, default 0.001
    beta_1 : float, default 0.9
        Decay of the first moment, in [0, 1).
    beta_2 : float, default 0.999
        Decay of the infinity norm, in [0, 1).
    epsilon : float, default 1e-07
        Added to ``u``, > 0.
    clipnorm, clipvalue, global_clipnorm : float, optional
        Gradient clipping (see ``Optimizer``); at most one of them.
    learning_rate : float or schedule, optional
        Keras' name for ``lr``; when given, it is the rate.
    use_ema, ema_momentum, ema_overwrite_frequency : optional
        Keras 3's moving average of the weights (see ``Optimizer``).
    """

    _slot_names = ("m", "u")
    _squares = ("u",)  # a norm: >= 0, as the squared-gradient slots
    _settings = {**Adam._settings, "amsgrad": _no_amsgrad}

    def __init__(
        self,
        lr: Any = 0.001,
        *,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        learning_rate: Any = None,
        use_ema: bool = False, ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
    ) -> None:  # Adam's hyper-parameters and checks; keyword-only here, as Keras orders them
        super().__init__(lr, beta_1, beta_2, epsilon, **base_options(locals()))

    def _deltas(self, params: list[Param], lr: float) -> list[np.ndarray]:
        if not params:
            return []
        dt = params[0].value.dtype
        b1, c1 = const(self.beta_1, dt), const(1.0 - self.beta_1, dt)
        b2, eps = const(self.beta_2, dt), const(self.epsilon, dt)
        t = self.iterations + 1 - self._slots_since  # the slots' steps (see Optimizer.step)
        neg_lr_t = np.array(-lr / (1.0 - self.beta_1**t), dtype=dt)  # changes every step
        deltas = []
        for i, p in enumerate(params):
            g, d = p.grad, self._scratch[i]
            m, u = self._slots["m"][i], self._slots["u"][i]
            np.multiply(m, b1, out=m)
            np.multiply(g, c1, out=d)
            np.add(m, d, out=m)  # m <- b1 m + (1 - b1) g
            np.absolute(g, out=d)
            np.multiply(u, b2, out=u)
            np.maximum(u, d, out=u)  # u <- max(b2 u, |g|) (a NaN stays NaN)
            np.add(u, eps, out=d)
            np.divide(m, d, out=d)
            deltas.append(np.multiply(d, neg_lr_t, out=d))  # -lr_t m / (u + eps)
        return deltas


def _momentum(beta_1: float, decay: float, t: int) -> float:
    """Dozat's momentum schedule ``u_t = beta_1 * (1 - 0.5 * 0.96^(decay * t))``."""
    return beta_1 * (1.0 - 0.5 * 0.96 ** (decay * t))


class Nadam(Adam):
    """Nadam (Dozat, 2016), Adam with Nesterov momentum, in the Keras 3 form.

    At step ``t = iterations + 1``, with the momentum schedule
    ``u_t = beta_1 * (1 - 0.5 * 0.96^(momentum_decay * t))`` and its running product
    ``P_t = u_1 * u_2 * ... * u_t`` (``u_product``, kept in ``state_dict``)::

        m <- beta_1 * m + (1 - beta_1) * g
        v <- beta_2 * v + (1 - beta_2) * g^2
        m_hat = u_{t+1} * m / (1 - P_t * u_{t+1}) + (1 - u_t) * g / (1 - P_t)
        v_hat = v / (1 - beta_2^t)
        w <- w - lr * m_hat / (sqrt(v_hat) + epsilon)

    ``m``, ``v`` and ``P`` start at 0, 0 and 1 (``t`` counts from there: after a
    refused update, which resets them, from that step). With the default
    ``momentum_decay=1`` this is Keras 3's ``Nadam`` (``u_t = beta_1 * (1 - 0.5 *
    0.96^t)``). Dozat's paper, Keras 2's ``Nadam(schedule_decay=0.004)`` and PyTorch's
    ``optim.NAdam(momentum_decay=4e-3)`` warm the momentum up 250 times more slowly:
    ``momentum_decay=0.004`` gives their schedule. PyTorch places epsilon as Keras does
    (added to ``sqrt(v_hat)``); its defaults are ``lr=0.002``, ``eps=1e-8``.

    Every argument after ``lr`` is keyword-only.

    Parameters
    ----------
    lr : float or schedule, default 0.001
    beta_1, beta_2 : float, default 0.9, 0.999
        Decay rates of the moment estimates, in [0, 1).
    epsilon : float, default 1e-07
        Added to ``sqrt(v_hat)``, > 0.
    momentum_decay : float, default 1.0
        Speed of the momentum warm-up ``0.96^(momentum_decay * t)``, > 0: 1 is Keras 3's,
        0.004 PyTorch's and the paper's.
    clipnorm, clipvalue, global_clipnorm : float, optional
        Gradient clipping (see ``Optimizer``); at most one of them.
    learning_rate : float or schedule, optional
        Keras' name for ``lr``; when given, it is the rate.
    use_ema, ema_momentum, ema_overwrite_frequency : optional
        Keras 3's moving average of the weights (see ``Optimizer``).
    """

    _state_scalars = ("u_product",)  # beyond the base class's: files keep it (checkpoints)
    _two_scratch = True

    momentum_decay: float
    _settings = {**Adam._settings, "amsgrad": _no_amsgrad, "momentum_decay": _check_positive}

    def __init__(
        self,
        lr: Any = 0.001,
        *,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        momentum_decay: float = 1.0,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        learning_rate: Any = None,
        use_ema: bool = False, ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
    ) -> None:
        super().__init__(lr, beta_1, beta_2, epsilon, **base_options(locals()))
        self._set(momentum_decay=momentum_decay)

    def _reset(self) -> None:
        super()._reset()
        self._u_product = 1.0  # P_0: the slots start afresh, and so does the product

    def step(self, params: list[Param]) -> None:
        if isinstance(params, list | tuple) and not params:  # no trainable weights: a step
            t = self.iterations + 1 - self._slots_since  # counted without _deltas: P_t moves
            self._u_product *= _momentum(self.beta_1, self.momentum_decay, t)
        super().step(params)

    def _deltas(self, params: list[Param], lr: float) -> list[np.ndarray]:
        if not params:
            return []
        dt = params[0].value.dtype
        self._moments(params, dt)  # Adam's m and v
        t = self.iterations + 1 - self._slots_since  # the slots' steps (see Optimizer.step)
        u_now = _momentum(self.beta_1, self.momentum_decay, t)
        u_next = _momentum(self.beta_1, self.momentum_decay, t + 1)
        self._u_product *= u_now  # P_t
        neg_m = np.array(-lr * u_next / (1.0 - self._u_product * u_next), dtype=dt)
        neg_g = np.array(-lr * (1.0 - u_now) / (1.0 - self._u_product), dtype=dt)
        unbias = np.array(1.0 / (1.0 - self.beta_2**t), dtype=dt)
        eps = const(self.epsilon, dt)
        deltas = []
        for i, p in enumerate(params):
            d, tmp = self._scratch[i], self._spare[i]
            np.multiply(p.grad, neg_g, out=d)
            np.multiply(self._slots["m"][i], neg_m, out=tmp)
            np.add(d, tmp, out=d)  # -lr m_hat
            np.multiply(self._slots["v"][i], unbias, out=tmp)
            np.sqrt(tmp, out=tmp)
            np.add(tmp, eps, out=tmp)  # sqrt(v_hat) + eps
            deltas.append(np.divide(d, tmp, out=d))
        return deltas

    def state_dict(self) -> dict[str, Any]:
        """Adam's state and ``u_product``, the product ``P_t`` of the momentum schedule."""
        state = super().state_dict()
        state["u_product"] = self._u_product
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state``, what ``state_dict`` returned, ``u_product`` included: a
        number in [0, 1], 1 exactly when no step was taken since the slots started."""
        if not isinstance(state, dict) or "u_product" not in state:
            raise ValueError("Expected the state of Nadam, with its 'u_product' (the product "
                             "of the momentum schedule): another optimizer's state?")
        product, rest = state["u_product"], {k: v for k, v in state.items() if k != "u_product"}
        iterations, since = rest.get("iterations"), rest.get("slots_since", 0)
        ok = is_real(product) and 0 <= product <= 1
        if ok and is_real(iterations) and is_real(since):  # else the base class says why
            ok = (product == 1) == (iterations == since)  # P_t < 1 once a step is taken
        if not ok:
            raise ValueError(f"Expected u_product in [0, 1], 1 only before the first step. "
                             f"Received: u_product={quoted(product)}")
        super().load_state_dict(rest)
        self._u_product = float(product)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        if self.momentum_decay != 1.0:
            config["momentum_decay"] = self.momentum_decay
        return config

