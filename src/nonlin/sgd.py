"""Stochastic gradient descent, with (Nesterov) momentum and weight decay.

Import it from ``nonlin.optimizers`` or ``nonlin``; the base class and its
packed-parameter stepping live in ``optimizers.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._misuse import check_binding, params_error
from ._optimizer_checks import non_negative, unit_interval
from ._optimizer_settings import base_options
from .core import Param, const
from .optimizers import Optimizer
from .validation import check_bool


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum and weight decay.

    Update rule for a parameter ``w`` with gradient ``g``::

        g <- g + weight_decay * w                    (if weight_decay > 0)
        momentum = 0:   w <- w - lr * g
        otherwise:      v <- momentum * v - lr * g
                        w <- w + v                        (classical)
                        w <- w + momentum * v - lr * g    (nesterov=True)

    This is the formulation of Keras and scikit-learn; ``v`` starts at zero.
    Weight decay here is the classic coupled L2 term of PyTorch's ``SGD`` (it
    goes through the momentum); Keras 3's ``weight_decay`` is decoupled instead
    (``w <- w - lr * weight_decay * w``, as ``AdamW``). PyTorch's momentum
    (``v <- momentum * v + g``, ``w <- w - lr * v``) gives the same steps as
    this form while ``lr`` stays constant.

    Parameters
    ----------
    lr : float or schedule
        Learning rate, >= 0 (0: no step, as in Keras and PyTorch).
    momentum : float, default 0
        In [0, 1).
    nesterov : bool, default False
        Nesterov's look-ahead step (needs momentum > 0).
    weight_decay : float, default 0
        Coefficient of the L2 term added to the gradient.
    clipnorm, clipvalue, global_clipnorm : float, optional
        Gradient clipping (see ``Optimizer``); at most one of them.
    learning_rate : float or schedule, optional
        Keras' name for ``lr``; when given, it is the rate.
    use_ema, ema_momentum, ema_overwrite_frequency : optional
        Keras 3's moving average of the weights (see ``Optimizer``).
    """

    momentum: float
    nesterov: bool
    weight_decay: float
    _settings = {**Optimizer._settings, "momentum": unit_interval, "nesterov": check_bool,
                 "weight_decay": non_negative}

    def __init__(
        self,
        lr: Any = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        *,
        clipnorm: float | None = None,
        clipvalue: float | None = None,
        global_clipnorm: float | None = None,
        learning_rate: Any = None,
        use_ema: bool = False, ema_momentum: float = 0.99,
        ema_overwrite_frequency: int | None = None,
    ) -> None:
        super().__init__(lr, **base_options(locals()))
        self._set(momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)

    def _check_joint(self) -> None:
        super()._check_joint()
        if self.nesterov and self.momentum == 0:
            raise ValueError("Expected momentum > 0 with nesterov=True. Received: momentum=0")

    def _slot_layout(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return ("velocity",) if self.momentum else (), ()

    def _no_velocity(self) -> list[np.ndarray]:
        """Momentum without a ``velocity`` slot: the ``KeyError`` that ``step`` names
        ``momentum`` in (switched on since the first step made the slots), or none where a
        subclass's ``_slot_layout`` leaves it out (it stepped so before)."""
        if "velocity" in self._slot_layout()[0]:
            raise KeyError("velocity")
        return []

    @property
    def _velocity(self) -> list[np.ndarray]:
        """The momentum buffers ``v`` (kept under this name for older code)."""
        return self._param_slots.get("velocity", [])

    def step(self, params: list[Param]) -> None:
        """``w <- w - lr * g`` for every ``Param`` of ``params`` (``g = p.grad``, of ``w``'s shape)
        without momentum or weight decay (with them: the class docstring's rule).

        At ``lr=1`` with no other setting, ``check_finite`` off (the README's tour; ``fit``
        sets it), this is the tutorial's ``syn1 += l1.T.dot(l2_delta)`` with its sign flipped
        (``g`` is the gradient, not the delta): ``np.subtract(w, g, w)`` once each grad's shape
        is checked. Everything else goes through ``Optimizer.step`` and ``_deltas`` below."""
        if (
            self._lr == 1.0  # lr's stored value (the property checks writes)
            and not self.momentum
            and not self.weight_decay
            and self.clipnorm is None
            and self.clipvalue is None
            and not self.check_finite
            and not self.use_ema  # the average: Optimizer.step (w + (-1 * g): the same bits)
        ):
            try:
                for p in params:  # all checked (and counted) before any is stepped
                    p._version = getattr(p, "_version", 0) + 1  # refuses a backward
                    # pending at w (nonlin._pass_weights; a Param-like object's too)
                    # NumPy would broadcast a smaller grad into w, or cast integer weights:
                    # check_binding says which is wrong
                    if getattr(p.grad, "shape", None) != p.value.shape or (
                            p.value.dtype.kind != "f"):
                        check_binding(self, params, [q.value.shape for q in params])
                for p in params:
                    np.subtract(p.value, p.grad, p.value)  # w <- w - g, in place
            except (AttributeError, TypeError) as error:  # not a list of Param
                raise (params_error(params) or error) from None
            self.iterations += 1
            return
        super().step(params)

    def _deltas(self, params: list[Param], lr: float) -> list[np.ndarray]:
        """For each ``w`` (with ``g = w.grad``) the ``d`` of ``w <- w + d`` (the class
        docstring's rule): ``d = -lr g`` without momentum, else ``v <- mu v - lr g`` and
        ``d = v`` (Nesterov: ``d = mu v - lr g``); ``g + weight_decay w`` first if set.
        Each ``d`` is written into a scratch array of ``w``'s shape, reused every step."""
        if not params:
            return []
        dt = params[0].value.dtype
        mu, wd, nesterov = const(self.momentum, dt), const(self.weight_decay, dt), self.nesterov
        neg_lr = np.array(-lr, dtype=dt)  # changes with schedules: not cached
        velocity: list[np.ndarray] = []  # kept while momentum is 0: left as it is (PyTorch's)
        if self.momentum:
            velocity = self._slots["velocity"] if "velocity" in self._slots else self._no_velocity()
        deltas = []
        for i, p in enumerate(params):
            g, step = p.grad, self._scratch[i]
            if self.weight_decay:
                g = np.multiply(p.value, wd, out=step)  # g = wd w
                np.add(g, p.grad, out=g)  # g = grad + wd w
            np.multiply(g, neg_lr, out=step)  # step = -lr g
            if velocity:
                v = velocity[i]
                np.multiply(v, mu, out=v)  # v = mu v
                np.add(v, step, out=v)  # v <- mu v - lr g
                if nesterov:
                    ahead = np.multiply(v, mu, out=self._nesterov(i, v))  # mu v
                    step = np.add(ahead, step, out=ahead)  # mu v - lr g
                else:
                    step = v
            deltas.append(step)
        return deltas

    def _nesterov(self, i: int, like: np.ndarray) -> np.ndarray:
        buffers = self.__dict__.setdefault("_ahead", {})
        buf = buffers.get(i)
        if buf is None or buf.shape != like.shape or buf.dtype != like.dtype:
            buf = buffers[i] = np.empty_like(like)
        return buf

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update(momentum=self.momentum, nesterov=self.nesterov)
        if self.weight_decay:
            config["weight_decay"] = self.weight_decay
        return config
