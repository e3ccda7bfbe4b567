"""Scores printed by ``nonlin train`` and ``nonlin evaluate``, as plain data and text.

Classification: accuracy, and per class ``precision = TP / (TP + FP)``,
``recall = TP / (TP + FN)``, ``F1 = 2 P R / (P + R)`` (0 where undefined), and
the confusion matrix ``C[i, j]`` = samples of true class i predicted as j.
Regression: ``RMSE = sqrt(mean((y - y_hat)^2))``, ``MAE = mean(|y - y_hat|)``,
``R^2 = 1 - SS_res / SS_tot`` (None when the target is constant).

With per-row ``weights`` (``evaluate --weight``) a row of weight ``w`` counts as ``w``
rows, as in scikit-learn's ``sample_weight`` and Keras' ``weighted_metrics``: the confusion
matrix and the supports hold sums of weights, accuracy is ``sum(w * correct) / sum(w)``,
the means are weighted means and ``R^2`` takes the weighted mean of the target.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._quoting import printable, quoted


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int,
                     weights: np.ndarray | None = None) -> np.ndarray:
    """Counts (n_classes, n_classes) from class indices of shape (n_samples,); with
    ``weights`` (n_samples,), sums of the rows' weights (float64)."""
    index = np.multiply(y_true, n_classes, dtype=np.intp)  # codes may be uint8: widen first
    index += y_pred
    flat = np.bincount(index, weights=weights, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros(num.shape, dtype=float)
    np.divide(num, den, out=out, where=den > 0)
    return out


def classification_report(
    y_true: np.ndarray, y_pred: np.ndarray, classes: list[Any],
    weights: np.ndarray | None = None,
) -> dict[str, Any]:
    """Accuracy, per-class precision/recall/F1/support and the confusion matrix; with
    ``weights`` (n_samples,), each row counted as its weight."""
    matrix = confusion_matrix(y_true, y_pred, len(classes), weights)
    # the ratios from weights scaled to at most 1: no sum of weights overflows
    scaled = matrix if weights is None else confusion_matrix(
        y_true, y_pred, len(classes), weights / weights.max())
    tp = np.diag(scaled).astype(float)
    precision = _ratio(tp, scaled.sum(axis=0))
    recall = _ratio(tp, scaled.sum(axis=1))
    f1 = _ratio(2 * precision * recall, precision + recall)
    total = y_true.size if weights is None else scaled.sum()
    count = int if weights is None else float
    return {
        "task": "classification",
        "n_samples": int(y_true.size),
        "accuracy": float(tp.sum() / total) if total else 0.0,
        "classes": [
            {
                "label": label,
                "precision": float(p),
                "recall": float(r),
                "f1": float(f),
                "support": count(s),
            }
            for label, p, r, f, s in zip(
                classes, precision, recall, f1, matrix.sum(axis=1), strict=True
            )
        ],
        "confusion_matrix": matrix.tolist(),
    }


def regression_report(y_true: np.ndarray, y_pred: np.ndarray,
                      weights: np.ndarray | None = None) -> dict[str, Any]:
    """RMSE, MAE and R^2 of predictions (n_samples,) against targets (n_samples,), each
    row weighted by ``weights`` (n_samples,) if given.

    The sums run in units of a power of two near the largest finite value
    (exact: the same numbers as without), so targets up to float64's range do
    not overflow the squares; weights are scaled to at most 1, and a row of weight 0
    counts as absent (its values in no sum, the unit either). A prediction beyond
    float64's range (inf) makes RMSE and MAE inf and R^2 None.
    """
    y_true = np.asarray(y_true, dtype=np.float64).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    present = y_true if weights is None else y_true[weights > 0]  # weight 0: as absent
    predicted = y_pred if weights is None else y_pred[weights > 0]
    finite = predicted[np.isfinite(predicted)]
    largest = max(1.0, float(np.abs(present).max(initial=0.0)),
                  float(np.abs(finite).max(initial=0)))
    unit = float(np.exp2(np.floor(np.log2(largest))))
    with np.errstate(over="ignore", invalid="ignore"):
        residual = y_true / unit - y_pred / unit
        ss_res, ss_tot, total, mae = _sums(residual, y_true / unit, weights)
        # undefined for a constant target, decided exactly: a mean that rounds (0.1) leaves
        # ss_tot a residue such as 1e-33, not 0
        constant = present.size == 0 or present.min() == present.max()
        r2 = None if constant or not ss_tot > 0 else 1.0 - ss_res / ss_tot
        return {
            "task": "regression",
            "n_samples": int(y_true.size),
            "rmse": float(np.sqrt(ss_res / total)) * unit,
            "mae": float(mae) * unit,
            "r2": r2 if r2 is None or np.isfinite(r2) else None,
        }


def _sums(residual: np.ndarray, centred: np.ndarray,
          weights: np.ndarray | None) -> tuple[float, float, float, float]:
    """``SS_res``, ``SS_tot``, the rows' total weight and the mean absolute residual, each
    row weighted by ``weights`` (n_samples,) scaled to at most 1, if given; ``centred``
    (the targets, n_samples) is centred in place. A row of weight 0 is absent: its values
    (an inf prediction, a target beyond the unit) are set to 0 here, in place, not 0 * inf."""
    if weights is None:
        centred -= centred.mean()
        return (float(residual @ residual), float(centred @ centred), float(residual.size),
                float(np.abs(residual).mean()))
    p = weights / weights.max()
    absent = weights == 0
    residual[absent], centred[absent] = 0.0, 0.0
    total = float(p.sum())
    centred -= (p @ centred) / total
    return (float((p * residual) @ residual), float((p * centred) @ centred), total,
            float(p @ np.abs(residual)) / total)


def format_classification(report: dict[str, Any]) -> str:
    """The report as a table: accuracy, one row per class, then the confusion matrix
    (weighted: sums of weights, shown to 6 significant digits).

    A label's line breaks, tabs and other control characters are shown escaped
    (``printable``: ``\\n``), so each row is one line and no label sends escape codes."""
    labels = [printable(str(c["label"])) for c in report["classes"]]
    width = max(8, *(len(s) for s in labels))
    lines = [f"accuracy: {report['accuracy']:.4f} {_samples(report)}", ""]
    lines.append(f"{'class':<{width}}  precision  recall     f1  support")
    for label, c in zip(labels, report["classes"], strict=True):
        lines.append(
            f"{label:<{width}}  {c['precision']:9.4f}  {c['recall']:6.4f}  {c['f1']:5.4f}"
            f"  {_count(c['support']):>7}"
        )
    matrix = [[_count(v) for v in row] for row in report["confusion_matrix"]]
    cell = max(6, *(len(v) + 1 for row in matrix for v in row), *(len(s) + 1 for s in labels))
    lines += ["", "confusion matrix (rows: true class, columns: predicted class)"]
    lines.append(" " * width + "".join(f"{s:>{cell}}" for s in labels))
    for label, row in zip(labels, matrix, strict=True):
        lines.append(f"{label:<{width}}" + "".join(f"{v:>{cell}}" for v in row))
    return "\n".join(lines)


def format_regression(report: dict[str, Any]) -> str:
    return (
        f"RMSE: {report['rmse']:.6g}\nMAE:  {report['mae']:.6g}\nR^2:  {_r2_text(report['r2'])}"
        f"\n{_samples(report)}"
    )


def _samples(report: dict[str, Any]) -> str:
    """``(60 samples)``, or with weights ``(60 samples, weighted by column 'w': total
    weight 123)``."""
    if "weighted_by" not in report:
        return f"({report['n_samples']} samples)"
    return (f"({report['n_samples']} samples, weighted by column {quoted(report['weighted_by'])}"
            f": total weight {report['total_weight']:.6g})")


def _count(value: Any) -> str:
    """A count as written (``27``), a sum of weights to 6 significant digits (``27.5``)."""
    return f"{value:d}" if isinstance(value, int | np.integer) else f"{value:.6g}"


def _r2_text(r2: float | None) -> str:
    if r2 is None:
        return "n/a (constant target)"
    return format(r2, ".4f" if abs(r2) < 1e6 else ".4g")  # as train's final scores
