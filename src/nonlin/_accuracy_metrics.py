"""Accuracy metrics: arg-max (``Accuracy``), thresholded (``BinaryAccuracy``) and top-k.

Each is the mean over samples of one value per sample (``_RowMean``), so it
streams batch by batch. Re-exported by ``nonlin.metrics``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._confusion_metrics import check_name
from .metrics import _column, _labels, _RowMean
from .validation import is_integer, is_real


class Accuracy(_RowMean):
    """Fraction of samples whose highest-scoring output is the true class.

    With a single output column this is binary accuracy at 0.5. This is Keras'
    ``CategoricalAccuracy`` / ``SparseCategoricalAccuracy`` (labels or one-hot
    rows), what ``metrics=["accuracy"]`` gives a classifier in both libraries;
    ``keras.metrics.Accuracy`` itself counts exact matches ``y_pred == y_true``.
    """

    name = "accuracy"
    greater_is_better = True

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.name = check_name(name, type(self).name)

    def _checked(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return y_true if y_pred.shape[1] == 1 else self._class_labels(y_true, y_pred)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        if y_pred.shape[1] == 1:
            return BinaryAccuracy()._rows(y_true, y_pred)
        return y_pred.argmax(axis=1) == _labels(y_true)


class BinaryAccuracy(_RowMean):
    """Fraction of 0/1 targets matched by ``y_pred > threshold``, over all outputs.

    Use ``threshold=0`` when the model outputs logits; any finite number is taken.
    """

    name = "binary_accuracy"
    greater_is_better = True

    def __init__(self, threshold: float = 0.5, name: str = "binary_accuracy") -> None:
        if not (is_real(threshold) and math.isfinite(threshold)):
            raise ValueError(f"Expected a finite threshold. Received: threshold={threshold!r}")
        if not isinstance(name, str) or not name:
            raise TypeError(f"Expected a non-empty str name. Received: name={name!r}")
        super().__init__()
        self.threshold = float(threshold)
        self.name = name

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        truth = _column(y_true, y_pred.shape[0]) > 0.5
        hits = (y_pred > self.threshold) == truth
        return hits[:, 0] if hits.shape[1] == 1 else hits.mean(axis=1)

    def get_config(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "name": self.name}


class TopKAccuracy(_RowMean):
    """Fraction of samples whose true class is among the ``k`` highest outputs."""

    greater_is_better = True

    def __init__(self, k: int = 5, name: str | None = None) -> None:
        if not is_integer(k) or k < 1:
            raise ValueError(f"Expected a positive integer. Received: k={k!r}")
        super().__init__()
        self.k = int(k)
        self.name = check_name(name, f"top_{k}_accuracy")

    def _checked(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return self._class_labels(y_true, y_pred)

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        labels = _labels(y_true).astype(np.intp)
        k = min(self.k, y_pred.shape[1])
        true_score = y_pred[np.arange(y_pred.shape[0]), labels]
        # a NaN score is the lowest (Keras 3's in_top_k), not a hit: NaN > x is never true
        true_score = np.where(np.isnan(true_score), -np.inf, true_score)
        # rank = number of classes scoring strictly higher than the true one
        rank = (y_pred > true_score[:, None]).sum(axis=1)
        return rank < k

    def get_config(self) -> dict[str, Any]:
        return {"k": self.k, "name": self.name}
