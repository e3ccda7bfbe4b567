"""ROC AUC and average precision of a multilabel classifier (``nonlin evaluate``).

scikit-learn's ``roc_auc_score`` and ``average_precision_score`` on an indicator target
``T`` (n_samples, n_labels) and its probabilities ``P``, exact (``_exact_auc.binary_auc``):

* per label ``j``: the binary scores of ``(T[:, j], P[:, j])`` (``average=None``);
* ``micro``: the binary scores of every entry pooled, ``(T.ravel(), P.ravel())``, each
  row's weight repeated over its labels;
* ``macro``: the plain mean of the labels' scores;
* ``weighted``: their mean weighted by support, ``sum_i w_i T_ij``.

A label whose rows (of weight > 0) hold one class has neither score (None): scikit-learn's
``roc_auc_score`` gives it nan (with a warning); the ``macro`` averages are None too,
with the reason in a note (scikit-learn's ``average_precision_score`` would score such a
label 0, with a warning, or 1). ``weighted`` leaves out a label of no positive (its
weight, its support, is 0), as scikit-learn does; one of no negative makes it None.
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
                   weights: np.ndarray | None) -> tuple[list[tuple[float, float] | None],
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
        ``(roc_auc, average_precision)`` per label, or None.
    averages : dict
        ``{"micro" | "macro" | "weighted": {"roc_auc": ..., "average_precision": ...}}``
        (floats or None), and ``"note"`` (str) where some are None.
    """
    T = (np.asarray(truth) > 0.5).astype(np.int64)
    P = np.asarray(proba, dtype=np.float64)
    if not np.isfinite(P).all():
        none = {name: dict.fromkeys(_SCORES) for name in AUC_AVERAGES}
        return [None] * T.shape[1], {**none, "note": "a predicted probability is not finite"}
    per_label = [binary_auc(T[:, j], P[:, j], weights) for j in range(T.shape[1])]
    pooled = binary_auc(T.ravel(), P.ravel(),
                        None if weights is None else np.repeat(weights, T.shape[1]))
    averages: dict[str, Any] = {"micro": dict(zip(_SCORES, pooled or (None, None), strict=True))}
    support = T.sum(axis=0) if weights is None else np.asarray(weights, np.float64) @ T
    missing = [j for j, scores in enumerate(per_label) if scores is None]
    scores = np.array([s or (0.0, 0.0) for s in per_label])  # (n_labels, 2)
    # weighted: a label of no positive weighs 0 and is left out, as scikit-learn does
    weighted = support.sum() > 0 and not np.any(support[missing] > 0)
    averages["macro"] = (dict.fromkeys(_SCORES) if missing else
                         dict(zip(_SCORES, map(float, scores.mean(axis=0)), strict=True)))
    averages["weighted"] = (dict(zip(_SCORES, map(float, support @ scores / support.sum()),
                                     strict=True)) if weighted else dict.fromkeys(_SCORES))
    if missing:  # the label named: one that weighted needs, where there is one
        first = next((j for j in missing if support[j] > 0), missing[0])
        averages["note"] = (f"label {quoted(names[first])} holds one class in the rows"
                            f"{'' if weights is None else ' of weight > 0'}; its AUC, and "
                            f"so the macro{'' if weighted else ' and weighted'} average"
                            f"{'' if weighted else 's'}, need both"
                            + ("" if not weighted else " (weighted leaves out a label of "
                               "no positive: its support is 0)"))
    return per_label, averages


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
