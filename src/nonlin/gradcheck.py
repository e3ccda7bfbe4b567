"""Numerical gradient checks by central differences, in float64.

For every parameter entry ``w`` (and every input entry ``x``)::

    numeric = (L(w + eps) - L(w - eps)) / (2 eps)

is compared with the analytic gradient from ``backward``. The error of one
array is ``||analytic - numeric|| / max(||analytic|| + ||numeric||, tiny)``;
``gradcheck`` returns the largest over all arrays. Correct rules give about
1e-9 or less; a wrong rule gives something near 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .core import Sequential
from .losses import Loss

_TINY = 1e-30


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """``||a - n|| / max(||a|| + ||n||, tiny)``; 0 when both are zero."""
    diff = float(np.linalg.norm(analytic - numeric))
    scale = float(np.linalg.norm(analytic) + np.linalg.norm(numeric))
    return diff / max(scale, _TINY)


def numeric_grad(f: Callable[[], float], array: np.ndarray, eps: float) -> np.ndarray:
    """Central differences of ``f()`` for each entry of ``array`` (perturbed in place)."""
    grad = np.zeros_like(array)
    flat, out = array.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        plus = f()
        flat[i] = saved - eps
        minus = f()
        flat[i] = saved
        out[i] = (plus - minus) / (2 * eps)
    return grad


def gradcheck(
    model: Sequential,
    loss: Loss,
    X: Any,
    y: Any,
    *,
    eps: float = 1e-6,
    training: bool = False,
    check_input: bool = True,
) -> float:
    """Largest relative error between backprop and central differences.

    Parameters
    ----------
    model : Sequential
        A built model with float64 parameters.
    loss : Loss
        The loss whose gradient is checked, ``loss(y, model(X))``.
    X : array of shape (n_samples, n_features_in)
    y : targets accepted by ``loss``
    eps : float
        Finite-difference step.
    training : bool
        Run layers in training mode (for layers such as batch normalization whose
        training behaviour differs).
    check_input : bool
        Also check ``dL/dX`` (the first layer then computes it).

    Returns
    -------
    float
        The largest relative error over all parameters (and the input).
    """
    params = model.parameters()
    if any(p.value.dtype != np.float64 for p in params):
        raise ValueError("Expected a float64 model for gradcheck; build it with dtype=np.float64")
    X = np.array(X, dtype=np.float64)  # a copy: entries are perturbed in place
    y_true, _, _ = loss._check(y, model.predict(X), None)

    def f() -> float:
        return loss._value(y_true, model.forward(X, training=training))

    out = model.forward(X, training=True)  # caches what backward needs
    grad_out = loss._grad(y_true, out)
    grad_x = model.backward(grad_out, input_grad=check_input)
    analytic = [p.grad.copy() for p in params]
    if check_input:
        analytic.append(np.array(grad_x, copy=True))
    arrays = [p.value for p in params] + ([X] if check_input else [])
    errors = [
        relative_error(a, numeric_grad(f, arr, eps))
        for a, arr in zip(analytic, arrays, strict=True)
    ]
    return max(errors, default=0.0)
