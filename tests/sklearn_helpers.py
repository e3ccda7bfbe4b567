"""Shared by the tests of ``nonlin.sklearn``'s leftovers (``test_sklearn_leftovers_s24``,
``test_sklearn_leftovers_s26``): a small regression and classification problem, and a fit
with the ConvergenceWarning of short fits silenced. Imported after the tests' importorskip."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

_RNG = np.random.default_rng(0)
X = _RNG.normal(size=(60, 3))
Y = X[:, 0] - 0.5 * X[:, 1]
LABELS = (X[:, 0] + X[:, 1] > 0).astype(int)


def quiet_fit(est: Any, X: Any, y: Any, **kwargs: Any) -> Any:
    """``est.fit(X, y, **kwargs)``, its ConvergenceWarning of a few iterations silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y, **kwargs)
