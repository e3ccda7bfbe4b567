"""The row math of ``CosineSimilarity`` (``nonlin.losses_extra``): each row of an array
over its norm, floored at ``eps``, computed without overflow or underflow, into the
buffers ``fit`` lends (``nonlin._scratch``).
"""

from __future__ import annotations

import numpy as np

from ._scratch import like, rows
from .core import const
from .losses_more import EPSILON

_TRUE = ("unit_true", "top_true", "norm_true", "floor_true", "above_true")  # buffer names
_PRED = ("unit_pred", "top_pred", "norm_pred", "floor_pred", "above_pred")


def _unit_rows(x: np.ndarray, names: tuple[str, ...]) -> tuple[np.ndarray, ...]:
    """Each row of ``x`` (n_samples, n_outputs) over ``max(|x_i|, eps)``: ``(units,
    inverse, above)``, ``inverse = 1 / max(|x_i|, eps)`` and ``above = [|x_i| >= eps]``
    (1.0 or 0.0), both (n_samples,). Computed on ``x_i / max_j |x_ij|``, whose squares
    neither overflow nor underflow; into the buffers ``names`` (one like ``x``, four rows)."""
    dt, eps = x.dtype, const(EPSILON, x.dtype)
    units = like(names[0], x)
    top = np.maximum.reduce(np.abs(x, out=units), 1, out=rows(names[1], x))  # max_j |x_ij|
    np.maximum(top, const(float(np.finfo(dt).tiny), dt), out=top)  # a row of 0s: 0 / tiny
    np.divide(x, top[:, None], out=units)  # largest entry +-1
    norms = np.einsum("ij,ij->i", units, units, out=rows(names[2], x))
    np.sqrt(norms, out=norms)  # |x_i| / top_i: in [1, sqrt(k)], or 0 for a row of 0s
    floor = np.divide(eps, top, out=rows(names[3], x))  # eps / top_i
    above = np.greater_equal(norms, floor, out=rows(names[4], x))
    np.maximum(norms, floor, out=norms)  # max(|x_i|, eps) / top_i
    np.divide(units, norms[:, None], out=units)
    inverse = np.divide(const(1.0, dt), top, out=top)
    return units, np.divide(inverse, norms, out=inverse), above
