"""Layers with parameters: ``Dense``. Activations live in ``activations.py``.

Every layer follows the protocol in ``core.py``; the backward rule sits right
under its forward rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .activations import GELU, Identity, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from .core import Layer, Param, RandomLike
from .initializers import INITIALIZERS

Initializer = Callable[[RandomLike, int, int], np.ndarray]

__all__ = ["Dense", "GELU", "Identity", "LeakyReLU", "ReLU", "Sigmoid", "Softmax", "Tanh"]


def scratch(buf: np.ndarray | None, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Return ``buf`` when it already has ``shape`` and ``dtype``, else a new empty array."""
    if buf is None or buf.shape != shape or buf.dtype != dtype:
        return np.empty(shape, dtype=dtype)
    return buf


class Dense(Layer):
    """Fully connected layer: ``y = x @ W + b``.

    Parameters
    ----------
    units : int
        Output width.
    bias : bool, default True
        Whether to add ``b`` (the tutorial's network has none).
    init : str or callable, default "glorot_uniform"
        Weight initializer ``(rng, fan_in, fan_out) -> (fan_in, fan_out) array``
        or the name of one in ``nonlin.initializers``. Biases start at zero.

    Shapes: ``x`` (n_samples, in_features), ``W`` (in_features, units),
    ``b`` (units,), ``y`` (n_samples, units).

    Backward, with ``g = dL/dy``::

        dL/dW = x.T @ g      dL/db = sum_rows(g)      dL/dx = g @ W.T
    """

    def __init__(
        self, units: int, *, bias: bool = True, init: str | Initializer = "glorot_uniform"
    ) -> None:
        if isinstance(units, bool) or not isinstance(units, int | np.integer) or units <= 0:
            raise ValueError(f"Expected a positive integer. Received: units={units!r}")
        if isinstance(init, str):
            if init not in INITIALIZERS:
                raise ValueError(
                    f"Unknown initializer. Expected one of {sorted(INITIALIZERS)}. "
                    f"Received: init={init!r}"
                )
            init = INITIALIZERS[init]
        elif not callable(init):
            raise TypeError(f"Expected a str or callable init. Received: init={init!r}")
        self.units = int(units)
        self.bias = bool(bias)
        self.init = init
        self.W: Param | None = None
        self.b: Param | None = None
        self._x: np.ndarray | None = None
        self._y: np.ndarray | None = None
        self._grad_in: np.ndarray | None = None

    def build(self, in_features: int, rng: RandomLike) -> int:
        self.in_features = in_features
        self.W = Param(np.asarray(self.init(rng, in_features, self.units), dtype=float), "W")
        self.b = Param(np.zeros(self.units), "b") if self.bias else None
        return self.units

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        W = self.W.value
        if x.dtype != W.dtype:
            x = x.astype(W.dtype)
        if not training:
            y = x @ W
            if self.b is not None:
                y += self.b.value
            return y
        self._x = x
        y = self._y = scratch(self._y, (x.shape[0], self.units), W.dtype)
        np.dot(x, W, y)
        if self.b is not None:
            np.add(y, self.b.value, y)
        return y

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        x = self._x
        if x is None:
            raise RuntimeError("Dense.backward needs a forward pass with training=True first")
        np.dot(x.T, grad_out, self.W.grad)
        if self.b is not None:
            np.add.reduce(grad_out, 0, None, self.b.grad)
        if not self.input_grad:
            return None
        grad_in = self._grad_in = scratch(self._grad_in, x.shape, x.dtype)
        return np.dot(grad_out, self.W.value.T, grad_in)

    def parameters(self) -> list[Param]:
        if self.W is None:
            return []
        return [self.W] if self.b is None else [self.W, self.b]

    def get_config(self) -> dict[str, Any]:
        return {"units": self.units, "bias": self.bias, "init": self.init.__name__}
