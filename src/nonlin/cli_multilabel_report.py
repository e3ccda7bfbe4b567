"""Scores of a multilabel classifier (``cli_multilabel``), as scikit-learn defines them.

With ``T`` and ``P`` the true and predicted 0/1 indicators (n_samples, n_labels) and each
row weighted by ``w_i`` (1 without ``--weight``; scikit-learn's ``sample_weight``):

* per label ``j``: ``tp_j = sum_i w_i T_ij P_ij``, ``fp_j`` and ``fn_j`` alike; precision
  ``tp / (tp + fp)``, recall ``tp / (tp + fn)``, F1 ``2 tp / (2 tp + fp + fn)``, each 0
  where its denominator is 0 (``zero_division=0``), support ``tp + fn`` (a sum of weights);
  accuracy ``sum_i w_i [T_ij = P_ij] / sum_i w_i``;
* ``subset_accuracy``: ``accuracy_score`` on indicator targets, the weighted share of
  rows with every label right (exact match); ``hamming_loss``: ``sum_i w_i |T_i != P_i| /
  (n_labels sum_i w_i)``;
* averages (``precision_recall_fscore_support``'s ``average``): ``micro`` pools ``tp``,
  ``fp``, ``fn`` over the labels; ``macro`` is the plain mean of the labels' scores;
  ``weighted`` their mean weighted by support (0 when every support is 0); ``samples``
  computes each row's precision ``|T_i & P_i| / |P_i|``, recall ``|T_i & P_i| / |T_i|``
  and F1 ``2 |T_i & P_i| / (|T_i| + |P_i|)`` (0 where the denominator is 0) and takes
  their weighted mean over the rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ._multilabel_auc import format_multilabel_auc, multilabel_auc
from ._quoting import cut, printable
from .cli_model import CHUNK_ROWS
from .cli_multilabel_model import predicted

AVERAGES = ("micro", "macro", "weighted", "samples")


def _ratio(num: npt.ArrayLike, den: npt.ArrayLike) -> np.ndarray:
    """``num / den`` elementwise, 0 where ``den`` is 0."""
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _prf(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> tuple[np.ndarray, ...]:
    """Precision, recall and F1 from counts (any shape), 0 where undefined."""
    return _ratio(tp, tp + fp), _ratio(tp, tp + fn), _ratio(2 * tp, 2 * tp + fp + fn)


def multilabel_report(names: list[str], pairs: list[list[Any]], truth: np.ndarray,
                      proba: np.ndarray, weights: np.ndarray | None) -> dict[str, Any]:
    """``evaluate``'s report of a multilabel classifier: ``truth`` the 0/1 indicator and
    ``proba`` the probabilities of the positive labels, both (n_samples, n_labels);
    ``weights`` (n_samples,) or None. The ratios take the weights scaled to at most 1 (no
    sum overflows); the supports are sums of the weights themselves."""
    T = np.asarray(truth) > 0.5
    P = predicted(proba).astype(bool)
    n, k = T.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    scaled = w if weights is None else w / w.max()
    tp, fp, fn = (scaled @ (a & b) for a, b in ((T, P), (~T, P), (T, ~P)))
    precision, recall, f1 = _prf(tp, fp, fn)
    support = T.sum(axis=0) if weights is None else w @ T
    total = float(scaled.sum())
    right = T == P
    averages: dict[str, tuple[Any, ...]] = {  # arrays, NumPy floats, floats
        "micro": _prf(tp.sum(), fp.sum(), fn.sum()),
        "macro": (precision.mean(), recall.mean(), f1.mean()),
        "weighted": tuple(float(_ratio(s @ support, support.sum())) if support.sum()
                          else 0.0 for s in (precision, recall, f1)),
        "samples": _samples_average(T, P, scaled, total)}
    ranked, auc_averages = multilabel_auc(names, truth, proba, weights)
    return {
        "task": "classification", "multilabel": True, "n_samples": int(n),
        "subset_accuracy": float(scaled @ right.all(axis=1)) / total if total else 0.0,
        "hamming_loss": float(scaled @ (~right).sum(axis=1)) / (k * total) if total else 0.0,
        "labels": [{"label": name, "positive": pair[1], "accuracy": float(scaled @ right[:, j])
                    / total if total else 0.0, "precision": float(precision[j]),
                    "recall": float(recall[j]), "f1": float(f1[j]),
                    "support": int(support[j]) if weights is None else float(support[j]),
                    **dict(zip(("roc_auc", "average_precision"), ranked[j] or (None, None),
                               strict=True))}
                   for j, (name, pair) in enumerate(zip(names, pairs, strict=True))],
        "averages": {name: dict(zip(("precision", "recall", "f1"), map(float, values),
                                    strict=True)) for name, values in averages.items()},
        "auc_averages": auc_averages,
    }


def _samples_average(T: np.ndarray, P: np.ndarray, w: np.ndarray,
                     total: float) -> tuple[float, float, float]:
    """``average="samples"``: each row's precision, recall and F1 over its labels, their
    mean weighted by ``w`` (n_samples,) of sum ``total``."""
    both = (T & P).sum(axis=1)
    rows = _prf(both, P.sum(axis=1) - both, T.sum(axis=1) - both)
    return tuple(float(w @ r) / total if total else 0.0 for r in rows)  # type: ignore[return-value]


def format_multilabel(report: dict[str, Any]) -> str:
    """``evaluate``'s table: subset accuracy and Hamming loss, a row per label (its positive
    label, accuracy, precision, recall, F1, support), then the averages."""
    from .cli_report import _count, _samples

    labels = [cut(printable(str(r["label"])), 30) for r in report["labels"]]
    positives = [cut(printable(str(r["positive"])), 20) for r in report["labels"]]
    width = max(12, *(len(s) for s in labels))
    side = max(8, *(len(s) for s in positives))
    lines = [f"subset accuracy (exact match): {report['subset_accuracy']:.4f} "
             f"{_samples(report)}", f"Hamming loss: {report['hamming_loss']:.4f}", "",
             f"{'label':<{width}}  {'positive':<{side}}  accuracy  precision  recall"
             "      f1  support"]
    for label, positive, r in zip(labels, positives, report["labels"], strict=True):
        lines.append(f"{label:<{width}}  {positive:<{side}}  {r['accuracy']:8.4f}  "
                     f"{r['precision']:9.4f}  {r['recall']:6.4f}  {r['f1']:6.4f}  "
                     f"{_count(r['support']):>7}")
    lines.append("")
    for name in AVERAGES:
        values = report["averages"][name]
        lines.append(f"{name + ' avg':<{width}}  {'':<{side}}  {'':8}  "
                     f"{values['precision']:9.4f}  {values['recall']:6.4f}  {values['f1']:6.4f}")
    if "auc_averages" in report:  # ranking scores, after a blank line
        lines += ["", format_multilabel_auc(report, width)]
    return "\n".join(lines)


def training_scores(model: Any, X: np.ndarray, y: np.ndarray, loss: Any) -> dict[str, Any]:
    """``nonlin train``'s final scores of a multilabel classifier, ``y`` (n, n_labels) 0/1:
    the loss trained with (the --l2 penalty included), the label-wise accuracy (as fit's
    ``accuracy``, 1 - the Hamming loss) and the subset accuracy, chunk by chunk."""
    from ._accuracy_metrics import BinaryAccuracy
    from .data import Dataset
    from .evaluation import evaluate_dataset

    results = evaluate_dataset(model, loss, Dataset(X, y, None), [BinaryAccuracy(0.0)],
                               CHUNK_ROWS)
    exact = 0
    for start in range(0, X.shape[0], CHUNK_ROWS):
        logits = np.asarray(model.predict(X[start : start + CHUNK_ROWS]), dtype=np.float64)
        proba = np.exp(-np.logaddexp(0.0, -logits))
        exact += int((predicted(proba) == (y[start : start + CHUNK_ROWS] > 0.5)).all(axis=1).sum())
    return {"rows": int(X.shape[0]), "loss": results["loss"],
            "accuracy": results["binary_accuracy"], "subset_accuracy": exact / X.shape[0]}
