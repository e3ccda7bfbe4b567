"""``PrecisionAtRecall``, ``RecallAtPrecision``, ``SensitivityAtSpecificity`` and
``SpecificityAtSensitivity``: Keras 3's ``SensitivitySpecificityBase`` metrics, streamed.

Each batch adds its (weighted) TP, FP, TN and FN at ``num_thresholds`` thresholds
``0, 1/(T-1), ..., (T-2)/(T-1), 1`` (``[0.5]`` for ``T = 1``) to float64 counts, as Keras'
``update_confusion_matrix_variables`` with evenly distributed thresholds: a prediction
``p``, clipped to [0, 1], is positive at the thresholds ``t_0 ... t_b`` with
``b = ceil(p (T - 1)) - 1`` (none for ``p = 0``, nor for a NaN; for ``T = 1``: ``p > 0.5``).
``result()`` is the largest dependent rate over the thresholds where the constrained rate
is at least the target, 0 where there is none (Keras' ``_find_max_under_constraint``).
Re-exported by ``nonlin.metrics``; ``y_true`` as for ``Precision``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._confusion_metrics import ConfusionMetric, check_name, divide_no_nan, truth
from ._metric_sizes import checked_num_thresholds, config_size
from ._quoting import quoted
from .validation import is_integer, is_real


def find_max_under_constraint(constrained: np.ndarray, dependent: np.ndarray,
                              value: float) -> float:
    """The largest ``dependent[m]`` where ``constrained[m] >= value``; 0 if there is none
    (and never below 0: Keras' ``max(..., initial=0)``)."""
    feasible = constrained >= value
    return float(np.max(dependent[feasible], initial=0.0)) if np.any(feasible) else 0.0


class SensitivitySpecificityBase(ConfusionMetric):
    """TP, FP, TN, FN per threshold (Keras' variable names), one column or all entries.

    A subclass names its target (``_TARGET``, its ``__init__`` argument) and the two
    rates, each ``(numerator, other)`` indices into ``(TP, FP, TN, FN)`` (``rate =
    num / (num + other)``): ``_CONSTRAINED`` (at least the target) and ``_DEPENDENT``
    (maximized).
    """

    greater_is_better = True  # Keras' _direction "up"
    _KEYS = ("true_positives", "false_positives", "true_negatives", "false_negatives")
    _TARGET: str
    _CONSTRAINED: tuple[int, int]
    _DEPENDENT: tuple[int, int]

    def __init__(self, value: float, num_thresholds: int = 200, class_id: int | None = None,
                 name: str | None = None) -> None:
        if not (is_real(value) and 0 <= value <= 1):
            raise ValueError(f"Expected {self._TARGET} in [0, 1]. "
                             f"Received: {self._TARGET}={quoted(value)}")
        thresholds = checked_num_thresholds(num_thresholds, 1)
        if class_id is not None and (not is_integer(class_id) or class_id < 0):
            raise ValueError(
                f"Expected an integer >= 0 or None. Received: class_id={quoted(class_id)}")
        self.value = float(value)
        self.num_thresholds = thresholds
        self.class_id = None if class_id is None else int(class_id)
        self.name = check_name(name, type(self).name)
        self.reset_state()

    @property
    def thresholds(self) -> list[float]:
        """Keras' thresholds, ``[0, 1/(T-1), ..., 1]`` (``[0.5]`` for ``T = 1``): made when
        read, not kept (a list of 65536 floats held 2 MB per metric, and ``_slots`` computes
        the bucket of each prediction without them)."""
        t = self.num_thresholds
        inner = [(i + 1) * 1.0 / (t - 1) for i in range(t - 2)]
        return [0.5] if t == 1 else [0.0, *inner, 1.0]

    def _shape(self) -> tuple[int, ...]:
        return (self.num_thresholds,)

    @classmethod
    def _config_shape(cls, config: dict[str, Any], n_outputs: int = 0) -> tuple[int, ...]:
        return (config_size(config, "num_thresholds"),)

    def _counts(self, y_true: np.ndarray, y_pred: np.ndarray,
                w: np.ndarray | None) -> tuple[np.ndarray, ...]:
        """The batch's weighted TP, FP, TN, FN at each threshold, (num_thresholds,) each."""
        actual = truth(y_true, y_pred)
        p = y_pred
        if self.class_id is not None:
            k = y_pred.shape[1]
            if self.class_id >= k:
                raise ValueError(f"Expected class_id in [0, {k}) for y_pred with {k} columns. "
                                 f"Received: class_id={self.class_id}")
            column = slice(self.class_id, self.class_id + 1)
            p, actual = p[:, column], actual[:, column]
        t = self.num_thresholds
        slot = self._slots(p, t)  # 1 + the last threshold each entry is above, 0: none
        slot += actual * (t + 1)  # positives in the second histogram
        weights = None if w is None else np.broadcast_to(w[:, None], slot.shape).ravel()
        hist = np.bincount(slot.ravel(), weights=weights, minlength=2 * (t + 1)).astype(
            np.float64, copy=False).reshape(2, t + 1)
        cumulative = np.cumsum(hist[:, ::-1], axis=1)[:, ::-1]  # entries above t_m: [:, m+1]
        fp, tp = cumulative[0, 1:], cumulative[1, 1:]
        negatives, positives = cumulative[0, 0], cumulative[1, 0]
        return tp, fp, negatives - fp, positives - tp

    @staticmethod
    def _slots(p: np.ndarray, t: int) -> np.ndarray:
        """``b + 1`` per entry, ``b = ceil(clip(p, 0, 1) (T - 1)) - 1`` (Keras' bucket, in
        ``p``'s float dtype; float64 for others), 0 for a NaN; for ``T = 1``: ``[p > 0.5]``."""
        if t == 1:
            return np.greater(p, 0.5).astype(np.intp)
        dtype = p.dtype if p.dtype in (np.float16, np.float32) else np.float64
        scaled = np.clip(p.astype(dtype), 0.0, 1.0)
        scaled *= t - 1  # in scaled's dtype
        slot = np.ceil(scaled, out=scaled)
        slot[np.isnan(slot)] = 0.0
        return slot.astype(np.intp)

    def _result(self, *counts: np.ndarray) -> float:
        constrained = divide_no_nan(counts[self._CONSTRAINED[0]],
                                    counts[self._CONSTRAINED[0]] + counts[self._CONSTRAINED[1]])
        dependent = divide_no_nan(counts[self._DEPENDENT[0]],
                                  counts[self._DEPENDENT[0]] + counts[self._DEPENDENT[1]])
        return find_max_under_constraint(constrained, dependent, self.value)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._TARGET: self.value}

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self._TARGET}={self.value!r}, "
                f"num_thresholds={self.num_thresholds}, class_id={self.class_id!r}, "
                f"name={self.name!r})")


_TP, _FP, _TN, _FN = range(4)


def _target(name: str) -> Any:
    """The attribute Keras names the target by (``PrecisionAtRecall(0.8).recall``): the
    metric's ``value``, checked when set as the constructor checks it."""

    def get(self: SensitivitySpecificityBase) -> float:
        return self.value

    def put(self: SensitivitySpecificityBase, value: Any) -> None:
        if not (is_real(value) and 0 <= value <= 1):
            raise ValueError(f"Expected {name} in [0, 1]. Received: {name}={quoted(value)}")
        self.value = float(value)

    return property(get, put, doc=f"The target {name} (Keras' attribute): ``value``.")


class SensitivityAtSpecificity(SensitivitySpecificityBase):
    """The best sensitivity (recall, ``TP / (TP + FN)``) at a threshold where the
    specificity ``TN / (TN + FP)`` is at least ``specificity`` (Keras 3's).

    Parameters
    ----------
    specificity : float in [0, 1]
    num_thresholds : int in [1, 65536], default 200
        The thresholds ``0, 1/(T-1), ..., 1`` (``[0.5]`` for 1) the rates are taken at.
    class_id : int, optional
        Score only column ``class_id``; otherwise every entry is one point (micro).
    name : str, optional
        ``"sensitivity_at_specificity"`` by default.

    Notes
    -----
    ``y_pred`` holds probabilities (clipped to [0, 1]; give logits a ``Sigmoid`` first);
    ``y_true`` as for ``Precision``. 0 when no threshold meets the constraint.
    """

    _TARGET = "specificity"
    specificity = _target("specificity")
    _CONSTRAINED, _DEPENDENT = (_TN, _FP), (_TP, _FN)

    def __init__(self, specificity: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None) -> None:
        super().__init__(specificity, num_thresholds, class_id, name)


class SpecificityAtSensitivity(SensitivitySpecificityBase):
    """The best specificity ``TN / (TN + FP)`` at a threshold where the sensitivity
    ``TP / (TP + FN)`` is at least ``sensitivity`` (Keras 3's).

    Parameters
    ----------
    sensitivity : float in [0, 1]
    num_thresholds : int in [1, 65536], default 200
    class_id : int, optional
    name : str, optional
        ``"specificity_at_sensitivity"`` by default.
    """

    _TARGET = "sensitivity"
    sensitivity = _target("sensitivity")
    _CONSTRAINED, _DEPENDENT = (_TP, _FN), (_TN, _FP)

    def __init__(self, sensitivity: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None) -> None:
        super().__init__(sensitivity, num_thresholds, class_id, name)


class PrecisionAtRecall(SensitivitySpecificityBase):
    """The best precision ``TP / (TP + FP)`` at a threshold where the recall
    ``TP / (TP + FN)`` is at least ``recall`` (Keras 3's).

    Parameters
    ----------
    recall : float in [0, 1]
    num_thresholds : int in [1, 65536], default 200
    class_id : int, optional
    name : str, optional
        ``"precision_at_recall"`` by default.
    """

    _TARGET = "recall"
    recall = _target("recall")
    _CONSTRAINED, _DEPENDENT = (_TP, _FN), (_TP, _FP)

    def __init__(self, recall: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None) -> None:
        super().__init__(recall, num_thresholds, class_id, name)


class RecallAtPrecision(SensitivitySpecificityBase):
    """The best recall ``TP / (TP + FN)`` at a threshold where the precision
    ``TP / (TP + FP)`` is at least ``precision`` (Keras 3's; 0 when no threshold reaches it).

    Parameters
    ----------
    precision : float in [0, 1]
    num_thresholds : int in [1, 65536], default 200
    class_id : int, optional
    name : str, optional
        ``"recall_at_precision"`` by default.
    """

    _TARGET = "precision"
    precision = _target("precision")
    _CONSTRAINED, _DEPENDENT = (_TP, _FP), (_TP, _FN)

    def __init__(self, precision: float, num_thresholds: int = 200,
                 class_id: int | None = None, name: str | None = None) -> None:
        super().__init__(precision, num_thresholds, class_id, name)
