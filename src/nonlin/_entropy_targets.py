"""The target checks of the core cross-entropies' public calls: ``_check_target`` of
``nonlin.losses.BinaryCrossEntropy`` and ``CrossEntropy``.

``BinaryTargets`` and ``CategoricalTargets`` are mixed into those classes after their math
(``nonlin._loss_entropy``) and options (``nonlin._entropy_options``), before ``Loss``, whose
``_check_target`` (same shape as ``y_pred``, real numbers) each extends. ``fit`` checks its
targets once, as these do (``data.prepare_targets``), and calls ``_value`` / ``_grad``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _entropy_options as options
from ._loss_checks import check_categorical_inputs, check_probabilities, check_probability_rows
from .validation import check_labels


class BinaryTargets:
    """Targets in [0, 1]; probabilities in [0, 1] unless ``from_logits``; a per-output
    ``pos_weight`` of one weight per column of ``y_pred``."""

    from_logits: bool
    pos_weight: Any

    def _check_target(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        options.check_pos_weight_width(self.pos_weight, y_pred.shape[1])
        if not self.from_logits:  # public calls only: fit's Sigmoid outputs are in range
            check_probabilities(y_pred)
        y_true = super()._check_target(y_true, y_pred)  # type: ignore[misc]
        if np.any((y_true < 0) | (y_true > 1)):
            bad = y_true[(y_true < 0) | (y_true > 1)][0]
            raise ValueError(f"Expected targets in [0, 1] for binary cross-entropy. Received {bad}")
        return y_true


class CategoricalTargets:
    """Integer labels (n_samples,) in ``[0, n_classes)``, or rows (n_samples, n_classes)
    summing to 1; probabilities as ``check_categorical_inputs`` wants them."""

    from_logits: bool

    def _check_target(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        check_categorical_inputs(y_true, y_pred, self.from_logits)  # public calls only
        n, k = y_pred.shape
        if y_true.ndim == 2 and y_true.shape[1] == 1 and k > 1:
            y_true = y_true[:, 0]
        if y_true.ndim == 2:  # one-hot or probability rows, checked as fit checks its targets
            return check_probability_rows(super()._check_target(y_true, y_pred))  # type: ignore[misc]
        if y_true.shape != (n,):
            raise ValueError(f"Expected {n} integer labels. Received shape {y_true.shape}")
        return check_labels(y_true, k, "y_true")
