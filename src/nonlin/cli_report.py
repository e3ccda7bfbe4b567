"""Scores printed by ``nonlin train`` and ``nonlin evaluate``, as plain data and text.

Classification: accuracy, and per class ``precision = TP / (TP + FP)``,
``recall = TP / (TP + FN)``, ``F1 = 2 P R / (P + R)`` (0 where undefined), and
the confusion matrix ``C[i, j]`` = samples of true class i predicted as j.
Regression: ``RMSE = sqrt(mean((y - y_hat)^2))``, ``MAE = mean(|y - y_hat|)``,
``R^2 = 1 - SS_res / SS_tot`` (None when the target is constant).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._quoting import printable


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts (n_classes, n_classes) from class indices of shape (n_samples,)."""
    index = np.multiply(y_true, n_classes, dtype=np.intp)  # codes may be uint8: widen first
    index += y_pred
    flat = np.bincount(index, minlength=n_classes * n_classes)
    return flat.reshape(n_classes, n_classes)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros(num.shape, dtype=float)
    np.divide(num, den, out=out, where=den > 0)
    return out


def classification_report(
    y_true: np.ndarray, y_pred: np.ndarray, classes: list[Any]
) -> dict[str, Any]:
    """Accuracy, per-class precision/recall/F1/support and the confusion matrix."""
    matrix = confusion_matrix(y_true, y_pred, len(classes))
    tp = np.diag(matrix).astype(float)
    precision = _ratio(tp, matrix.sum(axis=0))
    recall = _ratio(tp, matrix.sum(axis=1))
    f1 = _ratio(2 * precision * recall, precision + recall)
    return {
        "task": "classification",
        "n_samples": int(y_true.size),
        "accuracy": float(tp.sum() / max(y_true.size, 1)),
        "classes": [
            {
                "label": label,
                "precision": float(p),
                "recall": float(r),
                "f1": float(f),
                "support": int(s),
            }
            for label, p, r, f, s in zip(
                classes, precision, recall, f1, matrix.sum(axis=1), strict=True
            )
        ],
        "confusion_matrix": matrix.tolist(),
    }


def regression_report(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, Any]:
    """RMSE, MAE and R^2 of predictions (n_samples,) against targets (n_samples,).

    The sums run in units of a power of two near the largest finite value
    (exact: the same numbers as without), so targets up to float64's range do
    not overflow the squares. A prediction beyond float64's range (inf) makes
    RMSE and MAE inf and R^2 None.
    """
    y_true = np.asarray(y_true, dtype=np.float64).reshape(-1)
    y_pred = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    finite = y_pred[np.isfinite(y_pred)]
    largest = max(1.0, float(np.abs(y_true).max(initial=0.0)), float(np.abs(finite).max(initial=0)))
    unit = float(np.exp2(np.floor(np.log2(largest))))
    with np.errstate(over="ignore", invalid="ignore"):
        residual = y_true / unit - y_pred / unit
        ss_res = float(residual @ residual)
        centred = y_true / unit
        centred -= centred.mean()
        ss_tot = float(centred @ centred)
        # undefined for a constant target, decided exactly: a mean that rounds (0.1) leaves
        # ss_tot a residue such as 1e-33, not 0
        constant = y_true.size == 0 or y_true.min() == y_true.max()
        r2 = None if constant or not ss_tot > 0 else 1.0 - ss_res / ss_tot
        return {
            "task": "regression",
            "n_samples": int(y_true.size),
            "rmse": float(np.sqrt(ss_res / y_true.size)) * unit,
            "mae": float(np.abs(residual).mean()) * unit,
            "r2": r2 if r2 is None or np.isfinite(r2) else None,
        }


def format_classification(report: dict[str, Any]) -> str:
    """The report as a table: accuracy, one row per class, then the confusion matrix.

    A label's line breaks, tabs and other control characters are shown escaped
    (``printable``: ``\\n``), so each row is one line and no label sends escape codes."""
    labels = [printable(str(c["label"])) for c in report["classes"]]
    width = max(8, *(len(s) for s in labels))
    lines = [f"accuracy: {report['accuracy']:.4f} ({report['n_samples']} samples)", ""]
    lines.append(f"{'class':<{width}}  precision  recall     f1  support")
    for label, c in zip(labels, report["classes"], strict=True):
        lines.append(
            f"{label:<{width}}  {c['precision']:9.4f}  {c['recall']:6.4f}  {c['f1']:5.4f}"
            f"  {c['support']:7d}"
        )
    matrix = np.asarray(report["confusion_matrix"])
    cell = max(6, len(str(matrix.max())) + 1, *(len(s) + 1 for s in labels))
    lines += ["", "confusion matrix (rows: true class, columns: predicted class)"]
    lines.append(" " * width + "".join(f"{s:>{cell}}" for s in labels))
    for label, row in zip(labels, matrix, strict=True):
        lines.append(f"{label:<{width}}" + "".join(f"{v:>{cell}d}" for v in row))
    return "\n".join(lines)


def format_regression(report: dict[str, Any]) -> str:
    return (
        f"RMSE: {report['rmse']:.6g}\nMAE:  {report['mae']:.6g}\nR^2:  {_r2_text(report['r2'])}"
        f"\n({report['n_samples']} samples)"
    )


def _r2_text(r2: float | None) -> str:
    if r2 is None:
        return "n/a (constant target)"
    return format(r2, ".4f" if abs(r2) < 1e6 else ".4g")  # as train's final scores
