"""``TruePositives``, ``FalsePositives``, ``TrueNegatives``, ``FalseNegatives``: Keras 3's counts.

Keras' ``_ConfusionMatrixConditionCount``: each batch adds the (weighted) number of
entries in one cell of the confusion matrix at a threshold to a running float64
count. Re-exported by ``nonlin.metrics``; ``y_true`` as for ``Precision`` (see
``nonlin._confusion_metrics``): 0/1 entries of the shape of ``y_pred`` (positive
where > 0) or, with several output columns, integer class labels (one-hot).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._confusion_metrics import ConfusionMetric, check_name, one_threshold, truth
from ._scratch import buffer


class _ConditionCount(ConfusionMetric):
    """The weighted number of entries ``(i, j)`` with ``[p_ij > t]`` equal to ``_PREDICTED``
    and ``[y_ij > 0]`` equal to ``_ACTUAL``, summed over every batch since ``reset_state``
    (Keras' ``accumulator``)."""

    _KEYS = ("accumulator",)
    _PREDICTED: bool
    _ACTUAL: bool

    def __init__(self, thresholds: float | list[float] | tuple[float, ...] | None = None,
                 name: str | None = None) -> None:
        self.threshold, self.init_thresholds = one_threshold(type(self), thresholds)
        self.name = check_name(name, type(self).name)
        self.reset_state()

    def _counts(self, y_true: np.ndarray, y_pred: np.ndarray,
                w: np.ndarray | None) -> tuple[float]:
        """The batch's weighted count of the cell (each row's entries weighed by its ``w``)."""
        guess = np.greater(y_pred, self.threshold, out=buffer("predicted", y_pred.shape, bool))
        actual = truth(y_true, y_pred)
        if not self._PREDICTED:
            np.logical_not(guess, out=guess)
        if not self._ACTUAL:
            actual = np.logical_not(actual, out=buffer("negative", actual.shape, bool))
        cell = np.logical_and(guess, actual, out=guess)
        if w is None:
            return (float(np.count_nonzero(cell)),)
        return (float(np.dot(np.count_nonzero(cell, axis=1), w)),)

    def _result(self, *counts: np.ndarray) -> float:
        return float(counts[0])

    def get_config(self) -> dict[str, Any]:
        thresholds = self.init_thresholds
        return {"thresholds": list(thresholds) if isinstance(thresholds, list) else thresholds,
                "name": self.name}

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(thresholds={self.init_thresholds!r}, "
                f"name={self.name!r})")


class TruePositives(_ConditionCount):
    """The (weighted) number of true positives, ``sum_i w_i sum_j [p_ij > t][y_ij > 0]``,
    over every batch so far (Keras 3's ``TruePositives``).

    Parameters
    ----------
    thresholds : float in [0, 1], or a one-element list, optional
        ``t``; 0.5 by default (0 for logits). A list of several is refused (ValueError):
        a nonlin metric is one number, so use one instance (and ``name``) per threshold.
    name : str, optional
        The key in ``History.history``; ``"true_positives"`` by default.

    Notes
    -----
    ``y_true``: (n_samples, n_outputs) of 0/1 (positive where > 0) or, with several
    outputs, integer labels (one-hot encoded); ``y_pred``: (n_samples, n_outputs). Every
    entry counts (micro), each weighed by its row's ``sample_weight``.
    """

    name = "true_positives"
    greater_is_better = True
    _PREDICTED, _ACTUAL = True, True


class FalsePositives(_ConditionCount):
    """The (weighted) number of false positives, ``sum_i w_i sum_j [p_ij > t][y_ij <= 0]``
    (Keras 3's ``FalsePositives``); lower is better (Keras declares no direction).

    Parameters
    ----------
    thresholds : float in [0, 1], or a one-element list, optional
        ``t``; 0.5 by default, as for ``TruePositives``.
    name : str, optional
        ``"false_positives"`` by default.
    """

    name = "false_positives"
    greater_is_better = False
    _PREDICTED, _ACTUAL = True, False


class TrueNegatives(_ConditionCount):
    """The (weighted) number of true negatives, ``sum_i w_i sum_j [p_ij <= t][y_ij <= 0]``
    (Keras 3's ``TrueNegatives``).

    Parameters
    ----------
    thresholds : float in [0, 1], or a one-element list, optional
        ``t``; 0.5 by default, as for ``TruePositives``.
    name : str, optional
        ``"true_negatives"`` by default.
    """

    name = "true_negatives"
    greater_is_better = True
    _PREDICTED, _ACTUAL = False, False


class FalseNegatives(_ConditionCount):
    """The (weighted) number of false negatives, ``sum_i w_i sum_j [p_ij <= t][y_ij > 0]``
    (Keras 3's ``FalseNegatives``); lower is better (Keras declares no direction).

    Parameters
    ----------
    thresholds : float in [0, 1], or a one-element list, optional
        ``t``; 0.5 by default, as for ``TruePositives``.
    name : str, optional
        ``"false_negatives"`` by default.
    """

    name = "false_negatives"
    greater_is_better = False
    _PREDICTED, _ACTUAL = False, True
