"""The focal losses' plumbing: the settings, ``get_config`` and target checks of
``nonlin.losses_extra.BinaryFocalCrossentropy`` and ``CategoricalFocalCrossentropy``.

``FocalConfig`` and ``CategoricalFocalConfig`` are mixed into those classes (after their
math, ``nonlin._loss_focal``, before the cross-entropy each extends), as
``_entropy_options.EntropyConfig`` is into the core cross-entropies: ``_settings`` are the
checks of an option set after construction (``_loss_checks.check_settings``),
``get_config`` the constructor's arguments; ``CategoricalFocalConfig._check_target`` adds the
per-class ``alpha``'s width and the probability rows to ``CrossEntropy``'s target checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._loss_checks import _at_least_zero, _unit_interval, check_class_alpha, stored_class_alpha
from .losses import BinaryCrossEntropy, CrossEntropy
from .validation import check_bool


class FocalConfig:
    """``BinaryFocalCrossentropy``'s settings and config."""

    apply_class_balancing: bool
    alpha: float
    gamma: float
    from_logits: bool
    label_smoothing: float
    reduction: str

    _settings = {**BinaryCrossEntropy._settings, "apply_class_balancing": check_bool,
                 "alpha": _unit_interval, "gamma": _at_least_zero,
                 "label_smoothing": _unit_interval}

    def get_config(self) -> dict[str, Any]:
        return {"apply_class_balancing": self.apply_class_balancing, "alpha": self.alpha,
                "gamma": self.gamma, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "reduction": self.reduction}


class CategoricalFocalConfig:
    """``CategoricalFocalCrossentropy``'s settings, config and target checks."""

    alpha: float | tuple[float, ...]
    gamma: float
    from_logits: bool
    label_smoothing: float
    reduction: str

    _settings = {**CrossEntropy._settings, "alpha": stored_class_alpha,
                 "gamma": _at_least_zero, "label_smoothing": _unit_interval}

    def _check_target(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        y_true = super()._check_target(y_true, y_pred)  # type: ignore[misc]
        check_class_alpha(self.alpha, y_pred.shape[1])
        if not self.from_logits and not np.all(y_pred.any(axis=1)):
            i = int(np.flatnonzero(~y_pred.any(axis=1))[0])
            raise ValueError(f"Expected probability rows with a positive sum in y_pred (each "
                             f"is rescaled to sum to 1, as Keras does). Received a row of "
                             f"zeros at index {i}")
        return y_true

    def get_config(self) -> dict[str, Any]:
        alpha = list(self.alpha) if isinstance(self.alpha, tuple) else self.alpha
        return {"alpha": alpha, "gamma": self.gamma, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "reduction": self.reduction}
