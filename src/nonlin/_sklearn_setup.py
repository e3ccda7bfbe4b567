"""What an estimator's training starts from, by scikit-learn's rules.

Two of scikit-learn's MLP training rules (the others are in ``_sklearn_rules.py``), built
once when a fit starts (``_sklearn_engine``) or a file is loaded (``_sklearn_io``):

* ``sklearn_init``: Glorot-uniform weights *and* biases, drawn interleaved from
  a ``RandomState`` exactly as scikit-learn draws them.
* ``sklearn_sgd``: nonlin's ``SGD`` accepting scikit-learn's ranges. Adam is
  nonlin's ``Adam``, which already has scikit-learn's form.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from ._quoting import quoted
from .optimizers import SGD
from .schedules import Schedule


def sklearn_init(
    rng: np.random.RandomState, layer_units: list[int], activation: str, dtype: np.dtype
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """scikit-learn's initial ``coefs_`` and ``intercepts_``.

    For each layer, ``W ~ U(-a, a)`` of shape (fan_in, fan_out) then
    ``b ~ U(-a, a)`` of shape (fan_out,), with
    ``a = sqrt(f / (fan_in + fan_out))``, ``f = 2`` for the logistic activation
    and 6 otherwise, drawn in that order from ``rng``.
    """
    factor = 2.0 if activation == "logistic" else 6.0
    coefs, intercepts = [], []
    for fan_in, fan_out in pairwise(layer_units):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype, copy=False))
        intercepts.append(rng.uniform(-bound, bound, fan_out).astype(dtype, copy=False))
    return coefs, intercepts


def sklearn_sgd(lr: float | Schedule, momentum: float, nesterov: bool) -> SGD:
    """nonlin's ``SGD`` with scikit-learn's parameter ranges.

    scikit-learn allows ``momentum = 1`` and Nesterov with zero momentum (a
    plain step); both are the same formula ``v <- mu v - lr g``. Beyond 1 (a file's
    optimizer record, say) the velocities grow without bound: ``ValueError``.
    """
    if isinstance(momentum, int | float) and momentum > 1:
        raise ValueError(f"Expected momentum in [0.0, 1.0]. Received: momentum={quoted(momentum)}")
    opt = SGD(lr=lr, momentum=min(momentum, 0.5), nesterov=bool(nesterov and momentum > 0))
    opt.momentum = float(momentum)
    return opt
