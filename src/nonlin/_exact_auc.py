"""Exact threshold-free scores of a binary classifier: ROC AUC and average precision.

Both are computed from every distinct score, not from a fixed grid of thresholds (Keras'
``AUC(num_thresholds=200)`` approximates them). The rows are sorted once by score,
highest first; rows of equal score form one group (one threshold), so ties are handled
exactly. With ``t`` running over the distinct scores, highest first,

    TP(t) = sum of w_i * y_i over the rows with score >= t,
    FP(t) = sum of w_i * (1 - y_i) over the rows with score >= t,
    P = TP(lowest), N = FP(lowest),

with ``w_i = 1`` unless sample weights are given. Then

    ROC AUC = sum over t of (FP(t) - FP(t-)) * (TP(t) + TP(t-)) / 2 / (P * N),

the trapezoid rule under the curve of (FP/N, TP/P) from (0, 0) (``t-`` the previous,
higher threshold; TP and FP are 0 before the first), as scikit-learn's ``roc_auc_score``:
a tie between a positive and a negative counts one half. And

    AP = sum over t of (TP(t) - TP(t-)) / P * TP(t) / (TP(t) + FP(t)),

the recall steps weighted by the precision at each threshold, with no interpolation,
as scikit-learn's ``average_precision_score`` (the area under the precision-recall curve
as a step function; PR AUC). Both need P > 0 and N > 0. Unweighted counts are summed as
integers (the products are exact). Weighted sums are divided by P and N before any product
(scikit-learn's rates), so a tiny weight beside a huge one still counts; weights whose
total passes float64's range are divided by the largest one first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._quoting import quoted


def _cumulative_counts(
    y_true: np.ndarray, score: np.ndarray, weights: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``TP(t)``, ``FP(t)`` and the precision ``TP / (TP + FP)`` (each (n_thresholds,),
    float64) at the distinct scores, highest first, for 0/1 labels ``y_true`` (n,) and
    scores ``score`` (n,)."""
    order = np.argsort(-score, kind="stable")
    score = score[order]
    positive = y_true[order].astype(bool)
    if weights is None:
        tp = np.cumsum(positive, dtype=np.int64)
        fp = np.arange(1, positive.size + 1, dtype=np.int64) - tp
    else:
        w = weights[order]
        with np.errstate(over="ignore"):
            total = np.sum(w)
        if not np.isfinite(total):  # a total past float64's range: scaled down
            w = w / w.max()
        tp = np.cumsum(np.where(positive, w, 0.0))
        fp = np.cumsum(np.where(positive, 0.0, w))
    # the last row of each group of equal scores: one threshold per distinct score
    last = np.flatnonzero(np.append(score[1:] != score[:-1], True))
    tp, fp = tp[last].astype(np.float64), fp[last].astype(np.float64)
    predicted = tp + fp
    return tp, fp, np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)


def binary_auc(
    y_true: np.ndarray, score: np.ndarray, weights: np.ndarray | None = None
) -> tuple[float, float] | None:
    """ROC AUC and average precision of ``score`` for the 0/1 labels ``y_true``.

    Parameters
    ----------
    y_true : np.ndarray
        Shape (n_samples,): 1 for the positive class, 0 for the negative one.
    score : np.ndarray
        Shape (n_samples,): the predicted probability (or any score) of the positive
        class, finite; a higher score ranks a row as more positive.
    weights : np.ndarray or None
        Shape (n_samples,): sample weights >= 0 with a positive sum, or None (each row 1).

    Returns
    -------
    tuple of float, or None
        ``(roc_auc, average_precision)`` as scikit-learn's ``roc_auc_score`` and
        ``average_precision_score``; None where the rows (of weight > 0) hold one class
        only, for which neither is defined.
    """
    if weights is not None and not np.max(weights, initial=0.0) > 0:
        return None  # every row weighs 0
    tp, fp, precision = _cumulative_counts(
        np.asarray(y_true), np.asarray(score, dtype=np.float64),
        None if weights is None else np.asarray(weights, np.float64))
    if tp.size == 0 or not (tp[-1] > 0 and fp[-1] > 0):
        return None
    if weights is not None:  # as rates in [0, 1]: no product under- or overflows
        tp, fp = tp / tp[-1], fp / fp[-1]
    tp_before = np.concatenate(([0.0], tp[:-1]))
    fp_before = np.concatenate(([0.0], fp[:-1]))
    roc = float(np.sum((fp - fp_before) * (tp + tp_before)) / 2.0 / tp[-1] / fp[-1])
    ap = float(np.sum((tp - tp_before) * precision) / tp[-1])
    return roc, ap


def auc_fields(report: dict[str, Any], y_true: np.ndarray, proba: np.ndarray,
               classes: list[Any], weights: np.ndarray | None, positive: int = 1) -> None:
    """Add ``roc_auc``, ``average_precision`` and ``positive_class`` to a binary
    classifier's ``report`` (``nonlin evaluate``), in place; with ``auc_note``, the reason,
    where they are None.

    Parameters
    ----------
    report : dict
        The classification report (``cli_report.classification_report``).
    y_true : np.ndarray
        Shape (n_samples,): class indices, 0 or 1.
    proba : np.ndarray
        Shape (n_samples, 2): the class probabilities; ``proba[:, positive]``, that of
        the positive class ``classes[positive]``, is the score.
    classes : list
        The model's two class labels.
    weights : np.ndarray or None
        Shape (n_samples,): sample weights (``--weight``), or None.
    positive : int
        The index of the positive class: 1 (the second of the sorted labels, the default)
        or 0 (``--positive`` naming the first).
    """
    score = proba[:, positive]
    report["positive_class"] = classes[positive]
    is_positive = y_true if positive == 1 else 1 - y_true
    scores = binary_auc(is_positive, score, weights) if np.isfinite(score).all() else None
    report["roc_auc"], report["average_precision"] = scores if scores else (None, None)
    if scores is None:
        report["auc_note"] = _undefined(y_true, score, classes, weights)


def _undefined(y_true: np.ndarray, score: np.ndarray, classes: list[Any],
               weights: np.ndarray | None) -> str:
    """Why ``binary_auc`` has no value for these rows: one class, or a score not finite."""
    if not np.isfinite(score).all():
        return "a predicted probability is not finite"
    present = y_true if weights is None else y_true[weights > 0]
    if present.size == 0:
        return "every row weighs 0"
    rows = "the rows" if weights is None else "the rows of weight > 0"
    return f"{rows} hold one class, {quoted(classes[int(present[0])])}; both need both classes"


def format_auc(report: dict[str, Any]) -> str:
    """The lines ``evaluate`` appends for ``auc_fields``: ROC AUC and PR AUC (average
    precision), to 4 decimals, or ``n/a`` and the reason."""
    positive = f"positive class {quoted(report['positive_class'])}"
    if report["roc_auc"] is None:
        reason = f"n/a ({report['auc_note']})"
        return f"ROC AUC: {reason}\nPR AUC:  {reason}"
    return (f"ROC AUC: {report['roc_auc']:.4f} ({positive})\n"
            f"PR AUC:  {report['average_precision']:.4f} (average precision, {positive})")
