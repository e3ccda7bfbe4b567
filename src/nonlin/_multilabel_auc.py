"""ROC AUC and average precision of a multilabel classifier (``nonlin evaluate``).

scikit-learn's ``roc_auc_score`` and ``average_precision_score`` on an indicator target
``T`` (n_samples, n_labels) and its probabilities ``P``, exact (``_exact_auc.binary_auc``):

* per label ``j``: the binary scores of ``(T[:, j], P[:, j])`` (``average=None``);
* ``micro``: the binary scores of every entry pooled, ``(T.ravel(), P.ravel())``, each
  row's weight repeated over its labels;
* ``macro``: the plain mean of the labels' scores;
* ``weighted``: their mean weighted by support, ``sum_i w_i T_ij``.

A label whose rows (of weight > 0) hold one class has no ROC AUC (None): scikit-learn's
``roc_auc_score`` gives it nan (with an ``UndefinedMetricWarning``), and so its ``macro``
average; ``weighted`` leaves out a label of no positive (its weight, its support, is 0: set
to 0 before averaging, as scikit-learn does), and is None for one of no negative. Its average
precision is scikit-learn's: 0 for a label of no positive (``average_precision_score`` warns
"No positive class found in y_true"), 1 for one of no negative (precision 1 at every
threshold); the ``macro`` and ``weighted`` averages count it so. A note says which label.
``samples`` (one AUC per row, over its labels) is left out: a row of one label, or of
none, has none.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._exact_auc import binary_auc
from ._quoting import quoted

AUC_AVERAGES = ("micro", "macro", "weighted")
_SCORES = ("roc_auc", "average_precision")


def multilabel_auc(names: list[str], truth: np.ndarray, proba: np.ndarray,
                   weights: np.ndarray | None) -> tuple[list[tuple[Any, Any] | None],
                                                        dict[str, Any]]:
    """Per-label ``(roc_auc, average_precision)`` (None where undefined) and the averages.

    Parameters
    ----------
    names : list of str
        The labels (target columns), for the note.
    truth, proba : np.ndarray
        Shape (n_samples, n_labels): the 0/1 indicator and the positive probabilities.
    weights : np.ndarray or None
        Shape (n_samples,): row weights, or None (each row 1).

    Returns
    -------
    per_label : list
        ``(roc_auc, average_precision)`` per label (``roc_auc`` None for a label of one
        class), or None (no row of weight > 0).
    averages : dict
        ``{"micro" | "macro" | "weighted": {"roc_auc": ..., "average_precision": ...}}``
        (floats or None), and ``"note"`` (str) where a label holds one class.
    """
    T = (np.asarray(truth) > 0.5).astype(np.int64)
    P = np.asarray(proba, dtype=np.float64)
    if not np.isfinite(P).all():
        none = {name: dict.fromkeys(_SCORES) for name in AUC_AVERAGES}
        return [None] * T.shape[1], {**none, "note": "a predicted probability is not finite"}
    per_label = [_scores(T[:, j], P[:, j], weights) for j in range(T.shape[1])]
    pooled = _scores(T.ravel(), P.ravel(),
                     None if weights is None else np.repeat(weights, T.shape[1]))
    averages: dict[str, Any] = {"micro": dict(zip(_SCORES, pooled or (None, None), strict=True))}
    support = T.sum(axis=0) if weights is None else np.asarray(weights, np.float64) @ T
    if any(s is None for s in per_label):  # no row of weight > 0
        return per_label, {**averages, **{name: dict.fromkeys(_SCORES)
                                          for name in ("macro", "weighted")}}
    roc = [s[0] for s in per_label if s is not None]
    ap = np.array([s[1] for s in per_label if s is not None], dtype=np.float64)
    missing = [j for j, r in enumerate(roc) if r is None]
    weighted = support.sum() > 0
    known = weighted and not np.any(support[missing] > 0)  # a 0 weight's nan counts 0
    rocs = np.array([0.0 if r is None else r for r in roc])
    averages["macro"] = {"roc_auc": None if missing else float(rocs.mean()),
                         "average_precision": float(ap.mean())}
    averages["weighted"] = {
        "roc_auc": float(support @ rocs / support.sum()) if known else None,
        "average_precision": float(support @ ap / support.sum()) if weighted else None}
    if missing:  # the label named: one that weighted needs, where there is one
        first = next((j for j in missing if support[j] > 0), missing[0])
        averages["note"] = (f"label {quoted(names[first])} holds one class in the rows"
                            f"{'' if weights is None else ' of weight > 0'}; its ROC AUC, "
                            f"and so the macro{'' if known else ' and weighted'} average"
                            f"{'' if known else 's'}, need both"
                            + ("" if not known else " (weighted leaves out a label of no "
                               "positive: its support is 0)")
                            + "; its average precision is scikit-learn's, 0 without a "
                            "positive and 1 without a negative")
    return per_label, averages


def _scores(y: np.ndarray, p: np.ndarray, w: np.ndarray | None) -> tuple[Any, Any] | None:
    """``binary_auc``'s ``(roc_auc, average_precision)``, or for rows (of weight > 0) of one
    class scikit-learn's ``(None, 0.0)`` (no positive) or ``(None, 1.0)`` (no negative);
    None where no row weighs more than 0."""
    scores = binary_auc(y, p, w)
    if scores is not None:
        return scores
    kept = y if w is None else y[np.asarray(w) > 0]
    if kept.size == 0:
        return None
    return (None, 0.0) if not kept.any() else (None, 1.0)


def format_multilabel_auc(report: dict[str, Any], width: int) -> str:
    """``evaluate``'s lines after the multilabel table: each label's ROC AUC and PR AUC
    (average precision), then the micro, macro and weighted averages (``n/a`` where
    undefined, and the reason)."""
    from ._quoting import cut, printable

    def cell(value: float | None) -> str:
        return f"{'n/a' if value is None else f'{value:.4f}':>8}"

    lines = [f"{'label':<{width}}  {'ROC AUC':>8}  {'PR AUC':>8}"]
    for r in report["labels"]:
        lines.append(f"{cut(printable(str(r['label'])), 30):<{width}}  "
                     f"{cell(r['roc_auc'])}  {cell(r['average_precision'])}")
    lines.append("")
    averages = report["auc_averages"]
    for name in AUC_AVERAGES:
        lines.append(f"{name + ' avg':<{width}}  {cell(averages[name]['roc_auc'])}  "
                     f"{cell(averages[name]['average_precision'])}")
    if "note" in averages:
        lines.append(f"(n/a: {averages['note']})")
    return "\n".join(lines)
