"""``AUC``: area under the ROC or precision-recall curve, streamed as Keras 3 computes it.

Re-exported by ``nonlin.metrics``; ``y_true`` as for ``Precision`` (see
``nonlin._confusion_metrics``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._confusion_metrics import ConfusionMetric, check_name, divide_no_nan, truth
from ._metric_sizes import MAX_THRESHOLDS, checked_num_thresholds, config_size
from ._quoting import quoted
from .validation import check_bool, is_integer, is_real

EPSILON = 1e-7  # Keras's backend.epsilon(): the end thresholds sit this far outside [0, 1]
_CURVES = {"roc": "ROC", "pr": "PR"}
_SUMMATIONS = ("interpolation", "minoring", "majoring")


class AUC(ConfusionMetric):
    """Approximate area under the ROC (default) or precision-recall curve (Keras 3's ``AUC``).

    Each batch adds, for every threshold ``t_m``, the weighted counts
    ``TP_m = sum w [p > t_m][y > 0]``, ``FP_m``, ``TN_m``, ``FN_m`` (float64,
    shape (num_thresholds,), or (num_thresholds, n_outputs) with ``multi_label``).
    The thresholds are ``-eps, 1/(T-1), ..., (T-2)/(T-1), 1 + eps`` (``eps = 1e-7``),
    predictions clipped to [0, 1]. The area is a Riemann sum over the points
    ``x_m, y_m`` (ROC: ``x = FP/(FP+TN)``, ``y = TP/(TP+FN)``; PR: ``x`` recall,
    ``y`` precision)::

        AUC = sum_m (x_m - x_{m+1}) * h_m

    with ``h_m = (y_m + y_{m+1}) / 2`` ("interpolation"), ``min(y_m, y_{m+1})``
    ("minoring", a lower bound) or ``max`` ("majoring", an upper bound). PR with
    "interpolation" integrates precision between thresholds with TP and FP
    linear in between (Davis & Goadrich, 2006), as Keras does.

    Parameters
    ----------
    num_thresholds : int in [2, 65536], default 200
        At most what a model file holds (``MAX_THRESHOLDS``).
    curve : {"ROC", "PR"}
    summation_method : {"interpolation", "minoring", "majoring"}
    name : str, optional
        ``"auc"`` by default.
    thresholds : list of float in [0, 1], optional
        The inner thresholds instead of the evenly spaced ones (``-eps`` and
        ``1 + eps`` are added); ``num_thresholds`` is then ``len + 2``.
    multi_label : bool, default False
        One curve per output column, their AUCs averaged; otherwise every
        entry of ``y_pred`` is one point of a single curve (micro-average).
    num_labels : int, optional
        The number of columns with ``multi_label`` (else taken from the first batch).
        ``num_thresholds * (4 num_labels + 1)`` above 2**24 (its four counts and its
        thresholds) is more than a model file holds: ``save``
        leaves the metric out with a warning.
    from_logits : bool, default False
        ``y_pred`` are logits: the sigmoid is applied first.
    label_weights : sequence of float >= 0, optional
        One weight ``v_l`` per output column (Keras 3's semantics). With
        ``multi_label``, the result is the weighted mean of the label AUCs,
        ``sum_l v_l AUC_l / sum_l v_l`` (0 when the weights sum to 0); otherwise
        entry ``(i, l)`` counts with weight ``w_i v_l`` in the single curve.
        ``y_pred`` must then have ``len(label_weights)`` columns.
    """

    name = "auc"
    _KEYS = ("true_positives", "false_positives", "true_negatives", "false_negatives")

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None,
                 thresholds: list[float] | None = None, multi_label: bool = False,
                 num_labels: int | None = None, from_logits: bool = False,
                 label_weights: Any = None) -> None:
        self.curve, self.summation_method = _checked_methods(curve, summation_method)
        self.name = check_name(name, "auc")
        inner = _inner_thresholds(num_thresholds, thresholds)
        self.init_thresholds = None if thresholds is None else inner.tolist()
        self.num_thresholds = len(inner) + 2
        self.thresholds = np.concatenate(([-EPSILON], inner, [1.0 + EPSILON]))
        multi_label = check_bool("multi_label", multi_label)
        from_logits = check_bool("from_logits", from_logits)
        if num_labels is not None and (not multi_label or not is_integer(num_labels)
                                       or num_labels < 1):
            raise ValueError("Expected num_labels only with multi_label=True, a positive "
                             f"integer. Received: num_labels={quoted(num_labels)}")
        self.multi_label, self.from_logits = multi_label, from_logits
        self.num_labels = None if num_labels is None else int(num_labels)
        self.label_weights = _checked_label_weights(label_weights, self.num_labels)
        self._labels = self.num_labels or 0  # 0: multi-label columns not seen yet
        self.reset_state()

    def _shape(self) -> tuple[int, ...]:
        return (self.num_thresholds, self._labels) if self.multi_label else (self.num_thresholds,)

    @classmethod
    def _held_entries(cls, config: dict[str, Any], n_outputs: int = 0) -> int:
        """The four counts (``_config_shape``), ``thresholds`` (T,) and, for thresholds
        given, their sorted list: a Python float and a list slot each, 32 bytes, 4 entries."""
        given = config.get("thresholds")
        listed = 4 * len(given) if isinstance(given, list) else 0
        t = cls._config_shape(config, n_outputs)[0]
        return super()._held_entries(config, n_outputs) + t + listed

    @classmethod
    def _config_shape(cls, config: dict[str, Any], n_outputs: int = 0) -> tuple[int, ...]:
        given = config.get("thresholds")
        t = len(given) + 2 if isinstance(given, list) else config_size(config, "num_thresholds")
        if config.get("multi_label") is True:  # no num_labels: (T, 0) until the first
            # batch, of the model's n_outputs columns, makes (T, n_outputs)
            labels = config.get("num_labels")
            return (t, n_outputs if labels is None else config_size(config, "num_labels"))
        return (t,)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        labels = self._labels
        if self.multi_label and self.num_labels is None and isinstance(state, dict):
            first = state.get("true_positives")  # the columns seen before the checkpoint
            if isinstance(first, list) and first and isinstance(first[0], list):
                self._labels = len(first[0])
        try:
            super().load_state_dict(state)
        except ValueError:
            self._labels = labels  # a refused state changes nothing
            raise

    def _counts(self, y_true: np.ndarray, y_pred: np.ndarray,
                w: np.ndarray | None) -> tuple[np.ndarray, ...]:
        """The batch's TP, FP, TN, FN at every threshold."""
        k = y_pred.shape[1]
        if self.multi_label and self._labels != k:
            if self.num_labels is not None or self._labels:
                raise ValueError(f"Expected y_pred with {self._labels} columns "
                                 f"(multi_label). Received shape {y_pred.shape}")
            self._labels = k
            self.reset_state()
        weights = self._entry_weights(w, k)
        p = self._probabilities(y_pred)
        # thresholds strictly below each prediction: it is positive at t_0 ... t_{above-1};
        # compared in the predictions' dtype (float32 ones with float32 thresholds), as
        # Precision's p > t and Keras; a NaN is below every threshold (NaN > t is False)
        thresholds = self.thresholds.astype(p.dtype, copy=False)
        above = np.searchsorted(thresholds, p, side="left")
        above[np.isnan(p)] = 0
        curves = k if self.multi_label else 1
        if self.multi_label:
            above += np.arange(k) * (self.num_thresholds + 1)  # one histogram per column
        above += truth(y_true, y_pred) * (curves * (self.num_thresholds + 1))  # positives 2nd
        fp, tp, negatives, positives = _above(above, weights, self.num_thresholds, curves,
                                              self.multi_label)
        return tp, fp, negatives - fp, positives - tp

    def _probabilities(self, y_pred: np.ndarray) -> np.ndarray:
        """``y_pred`` (or with ``from_logits`` its sigmoid, computed in float64) clipped
        to [0, 1], in float32 for float32 (or float16) predictions, else in float64."""
        dtype = y_pred.dtype if y_pred.dtype in (np.float16, np.float32) else np.float64
        p = y_pred.astype(np.float64 if self.from_logits else dtype)
        if self.from_logits:  # sigmoid, without overflow
            np.tanh(np.multiply(p, 0.5, out=p), out=p)
            p += 1.0
            p *= 0.5
            p = p.astype(dtype, copy=False)
        return np.clip(p, 0.0, 1.0, out=p)

    def _entry_weights(self, w: np.ndarray | None, k: int) -> np.ndarray | None:
        """The weight of each entry: ``w_i`` (n_samples, 1), times ``v_l`` (1, k) when the
        label weights weigh the single curve; None when every entry counts 1."""
        lw = self.label_weights
        if lw is not None and len(lw) != k:
            raise ValueError(f"Expected y_pred with {len(lw)} columns, one per label weight. "
                             f"Received {k} columns for label_weights={quoted(lw, 200)}")
        rows = None if w is None else w[:, None]
        if lw is None or self.multi_label:
            return rows
        return np.array([lw]) if rows is None else rows * np.array(lw)

    def _result(self, *counts: np.ndarray) -> float:
        tp, fp, tn, fn = counts
        if self.curve == "PR" and self.summation_method == "interpolation":
            by_label = _interpolated_pr(tp, fp, fn)
        else:
            recall = divide_no_nan(tp, tp + fn)
            x, y = ((divide_no_nan(fp, fp + tn), recall) if self.curve == "ROC"
                    else (recall, divide_no_nan(tp, tp + fp)))
            if self.summation_method == "interpolation":
                heights = (y[:-1] + y[1:]) / 2.0
            else:
                heights = (np.minimum if self.summation_method == "minoring"
                           else np.maximum)(y[:-1], y[1:])
            by_label = np.sum((x[:-1] - x[1:]) * heights, axis=0)
        if not np.size(by_label):
            return 0.0
        if self.multi_label and self.label_weights is not None:
            lw = np.array(self.label_weights)
            return float(divide_no_nan(np.dot(by_label, lw), np.sum(lw)))
        return float(np.mean(by_label))

    def get_config(self) -> dict[str, Any]:
        copied = [None if v is None else list(v) for v in (self.init_thresholds,
                                                            self.label_weights)]
        return {"num_thresholds": self.num_thresholds, "curve": self.curve,
                "summation_method": self.summation_method, "name": self.name,
                "thresholds": copied[0], "multi_label": self.multi_label,
                "num_labels": self.num_labels, "from_logits": self.from_logits,
                "label_weights": copied[1]}  # lists copied: editing them changes no metric

    def __repr__(self) -> str:
        return (f"AUC(num_thresholds={self.num_thresholds}, curve={self.curve!r}, "
                f"summation_method={self.summation_method!r}, name={self.name!r})")


def _above(above: np.ndarray, w: np.ndarray | None, n_thresholds: int, curves: int,
           multi_label: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weighted counts of the negative and the positive entries above each threshold.

    ``above`` (n_samples, n_outputs): the histogram slot of each entry, ``a + c * S +
    [positive] * curves * S`` with ``a`` its number of thresholds below, ``c`` its
    curve and ``S = T + 1`` slots per curve; ``w`` weighs the entries, broadcast to
    ``above`` ((n_samples, 1) rows, (1, n_outputs) labels, or both).
    One ``bincount`` per batch. Returns the counts above each threshold, two arrays (T,)
    or (T, curves) with ``multi_label``, and the totals of negatives and positives, ()
    or (curves,).
    """
    slots = n_thresholds + 1
    weights = None if w is None else np.broadcast_to(w, above.shape).ravel()
    hist = np.bincount(above.ravel(), weights=weights,
                       minlength=2 * curves * slots).reshape(2, curves, slots)
    # entries with `above` = a count at t_0 ... t_{a-1}: reversed cumulative sum; at a = 0
    # (the entries above no threshold: a NaN) the total
    cumulative = np.cumsum(hist[:, :, ::-1], axis=2, dtype=np.float64)[:, :, ::-1]
    counts, totals = cumulative[:, :, 1:], cumulative[:, :, 0]
    if multi_label:
        return counts[0].T.copy(), counts[1].T.copy(), totals[0], totals[1]
    return counts[0, 0], counts[1, 0], totals[0, 0], totals[1, 0]


def _interpolated_pr(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    """PR-AUC per label, precision integrated with TP and P = TP + FP linear between
    thresholds (Davis & Goadrich, 2006), as Keras's ``interpolate_pr_auc``."""
    dtp = tp[:-1] - tp[1:]
    p = tp + fp
    dp = p[:-1] - p[1:]
    slope = divide_no_nan(dtp, np.maximum(dp, 0.0))
    intercept = tp[1:] - slope * p[1:]
    both = (p[:-1] > 0) & (p[1:] > 0)
    ratio = np.where(both, divide_no_nan(p[:-1], np.maximum(p[1:], 0.0)), 1.0)
    increments = divide_no_nan(slope * (dtp + intercept * np.log(ratio)),
                               np.maximum(tp[1:] + fn[1:], 0.0))
    return np.sum(increments, axis=0)


def _checked_methods(curve: Any, summation_method: Any) -> tuple[str, str]:
    if not isinstance(curve, str) or curve.lower() not in _CURVES:
        raise ValueError(f"Expected curve 'ROC' or 'PR'. Received: curve={quoted(curve)}")
    if not isinstance(summation_method, str) or summation_method.lower() not in _SUMMATIONS:
        raise ValueError(f"Expected summation_method one of {', '.join(_SUMMATIONS)}. "
                         f"Received: summation_method={quoted(summation_method)}")
    return _CURVES[curve.lower()], summation_method.lower()


def _inner_thresholds(num_thresholds: Any, thresholds: Any) -> np.ndarray:
    """The thresholds between the end points, float64 (T - 2,): given (counted before each
    is checked), sorted, or ``i / (T - 1)``, ``0 < i < T - 1``, made by NumPy (the same
    correctly rounded quotients as Python's, without a list of T floats)."""
    if thresholds is None:
        num_thresholds = checked_num_thresholds(num_thresholds, 2)
        return np.arange(1, num_thresholds - 1, dtype=np.float64) / (num_thresholds - 1)
    listed = isinstance(thresholds, list | tuple) or (isinstance(thresholds, np.ndarray)
                                                      and thresholds.ndim == 1)
    if listed and len(thresholds) > MAX_THRESHOLDS - 2:  # num_thresholds is len + 2
        raise ValueError(f"Expected at most {MAX_THRESHOLDS - 2} thresholds (num_thresholds, "
                         f"their count + 2, at most {MAX_THRESHOLDS}: the most a model file "
                         f"holds). Received: {len(thresholds)} thresholds")
    if not listed or not all(is_real(t) and 0 <= t <= 1 for t in thresholds):
        raise ValueError(f"Expected a list of thresholds in [0, 1]. "
                         f"Received: thresholds={quoted(thresholds, 200)}")
    inner = np.array(thresholds, dtype=np.float64)  # a copy: the caller's stays unsorted
    inner.sort(kind="stable")
    return inner


def _checked_label_weights(value: Any, num_labels: int | None) -> list[float] | None:
    """``label_weights`` as a list of floats: a non-empty 1-D sequence of finite numbers
    >= 0, of length ``num_labels`` when that is given; None stays None."""
    if value is None:
        return None
    sequence = isinstance(value, list | tuple) or (isinstance(value, np.ndarray)
                                                   and value.ndim == 1)
    if not sequence or not len(value) or not all(
            is_real(v) and 0 <= v < math.inf for v in value):
        raise ValueError("Expected label_weights: one finite number >= 0 per label. "
                         f"Received: label_weights={quoted(value, 200)}")
    if num_labels is not None and len(value) != num_labels:
        raise ValueError(f"Expected {num_labels} label_weights (num_labels={num_labels}). "
                         f"Received: label_weights={quoted(value, 200)}")
    return [float(v) for v in value]
