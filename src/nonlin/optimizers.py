"""Optimizers: small objects that update a list of ``Param`` in place.

An optimizer is built without parameters (``SGD(lr=0.1)``) and updates
whatever list it is handed in ``step(params)``; its per-parameter state is
created on the first step, in the parameters' dtype.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import Param


def _check_lr(lr: Any) -> float:
    if isinstance(lr, bool) or not isinstance(lr, int | float) or not 0 < lr < float("inf"):
        raise ValueError(f"Expected a positive, finite learning rate. Received: lr={lr!r}")
    return float(lr)


class Optimizer:
    """Base class: holds the learning rate and lazily created state."""

    def __init__(self, lr: float) -> None:
        self.lr = _check_lr(lr)
        self.iterations = 0

    def step(self, params: list[Param]) -> None:
        """Apply one update to every parameter from its ``grad``."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {"lr": self.lr}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum.

    Update rule for a parameter ``w`` with gradient ``g``::

        momentum = 0:   w <- w - lr * g
        otherwise:      v <- momentum * v - lr * g
                        w <- w + v                        (classical)
                        w <- w + momentum * v - lr * g    (nesterov=True)

    This is the formulation of Keras and scikit-learn; ``v`` starts at zero.

    Parameters
    ----------
    lr : float
        Learning rate, > 0.
    momentum : float, default 0
        In [0, 1).
    nesterov : bool, default False
        Nesterov's look-ahead step (needs momentum > 0).
    """

    def __init__(self, lr: float = 0.01, momentum: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(lr)
        if isinstance(momentum, bool) or not isinstance(momentum, int | float) or not (
            0 <= momentum < 1
        ):
            raise ValueError(f"Expected momentum in [0, 1). Received: momentum={momentum!r}")
        if nesterov and momentum == 0:
            raise ValueError("Expected momentum > 0 with nesterov=True. Received: momentum=0")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self._scaled: list[np.ndarray] = []
        self._velocity: list[np.ndarray] = []
        self._lookahead: list[np.ndarray] = []

    def _init_state(self, params: list[Param]) -> None:
        self._scaled = [np.empty_like(p.value) for p in params]
        self._velocity = [np.zeros_like(p.value) for p in params] if self.momentum else []
        self._lookahead = [np.empty_like(p.value) for p in params] if self.nesterov else []

    def step(self, params: list[Param]) -> None:
        if len(self._scaled) != len(params):
            self._init_state(params)
        lr, mu = self.lr, self.momentum
        for i, p in enumerate(params):
            if not mu and lr == 1.0:
                np.subtract(p.value, p.grad, p.value)
                continue
            step = np.multiply(p.grad, lr, out=self._scaled[i])  # lr * g
            if not mu:
                np.subtract(p.value, step, out=p.value)
                continue
            v = self._velocity[i]
            np.multiply(v, mu, out=v)
            np.subtract(v, step, out=v)  # v <- mu v - lr g
            if self.nesterov:
                ahead = np.multiply(v, mu, out=self._lookahead[i])
                step = np.subtract(ahead, step, out=ahead)  # mu v - lr g
            else:
                step = v
            np.add(p.value, step, out=p.value)
        self.iterations += 1

    def get_config(self) -> dict[str, Any]:
        return {"lr": self.lr, "momentum": self.momentum, "nesterov": self.nesterov}
