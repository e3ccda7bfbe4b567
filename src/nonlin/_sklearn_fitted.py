"""The fitted attributes of ``nonlin.sklearn``'s estimators, declared for type checkers.

Annotations only, no values: an unfitted estimator has none of them (scikit-learn's
``check_is_fitted`` reads the instance's attributes), and a user's ``clf.loss_curve_`` is
typed, not an unknown attribute (pyright) nor ``Any`` (mypy). ``loss_``, ``best_loss_`` and
the entries of ``loss_curve_`` are NumPy floats of the fit's dtype (docs/sklearn.md):
``np.float64``, a ``float``, or ``np.float32``, which is not one (a regressor fitted on float32).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import Sequential  # imported already: the hints resolve at run time too


class FittedAttributes:
    """scikit-learn's fitted attributes of its MLPs, and nonlin's ``model_`` and ``callbacks_``."""

    coefs_: list[np.ndarray]
    intercepts_: list[np.ndarray]
    n_iter_: int
    t_: int
    loss_: float | np.float32
    loss_curve_: list[float | np.float32]
    best_loss_: float | np.float32 | None  # None when early stopping (validation_scores_ then)
    validation_scores_: list[float] | None
    best_validation_score_: float | None
    n_outputs_: int
    n_layers_: int
    out_activation_: str
    n_features_in_: int
    feature_names_in_: np.ndarray  # fitted on a DataFrame only
    model_: Sequential  # the trained network
    callbacks_: list[Any]  # the trained copies of ``callbacks``
