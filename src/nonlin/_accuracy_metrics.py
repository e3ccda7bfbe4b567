"""Accuracy metrics: arg-max (``Accuracy``), thresholded (``BinaryAccuracy``) and top-k.

Each is the mean over samples of one value per sample (``_mean_metrics._RowMean``), so it
streams batch by batch. Re-exported by ``nonlin.metrics``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._confusion_metrics import check_name
from ._loss_math import take_labels
from ._mean_metrics import _column, _RowMean
from ._metric_base import check_target_width
from ._quoting import quoted
from ._scratch import buffer, rows
from .validation import is_integer, is_real


def _labels(y_true: np.ndarray) -> np.ndarray:
    """Integer labels from labels or one-hot rows."""
    if y_true.ndim == 2 and y_true.shape[1] > 1:
        return y_true.argmax(axis=1, out=rows("labels", y_true, np.intp))
    return y_true.reshape(-1)


def _binary_targets(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """``y_true`` (n_samples,), (n_samples, 1) (one target for every output) or of
    ``y_pred``'s shape (n_samples, n_outputs); a ``ValueError`` otherwise (as the loss-like
    metrics'), not numpy's broadcasting (an error, or one column scored against several)."""
    return check_target_width(y_true, y_pred)


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
        if y_pred.shape[1] == 1:
            return _binary_targets(y_true, y_pred)
        return self._class_labels(y_true, y_pred)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        if y_pred.shape[1] == 1:
            return BinaryAccuracy()._rows(y_true, y_pred)
        best = y_pred.argmax(axis=1, out=rows("argmax", y_pred, np.intp))
        return np.equal(best, _labels(y_true), out=rows("hits", y_pred, bool))


class BinaryAccuracy(_RowMean):
    """Fraction of 0/1 targets matched by ``y_pred > threshold``, over all outputs.

    Use ``threshold=0`` when the model outputs logits; any finite number is taken.
    """

    name = "binary_accuracy"
    greater_is_better = True

    def __init__(self, threshold: float = 0.5, name: str = "binary_accuracy") -> None:
        if not (is_real(threshold) and math.isfinite(threshold)):
            raise ValueError(f"Expected a finite threshold. Received: "
                             f"threshold={quoted(threshold)}")
        if not isinstance(name, str) or not name:
            raise TypeError(f"Expected a non-empty str name. Received: name={quoted(name)}")
        super().__init__()
        self.threshold = float(threshold)
        self.name = name

    def _checked(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return _binary_targets(y_true, y_pred)

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        column = _column(y_true, y_pred.shape[0])
        truth = np.greater(column, 0.5, out=buffer("truth", column.shape, bool))
        above = np.greater(y_pred, self.threshold, out=buffer("above", y_pred.shape, bool))
        shape = np.broadcast_shapes(above.shape, truth.shape)
        hits = np.equal(above, truth, out=buffer("hits", shape, bool))
        if hits.shape[1] == 1:
            return hits[:, 0]
        # hits.mean(axis=1): sums of 0s and 1s in float64 are exact in any order
        means = np.add.reduce(hits, 1, np.float64, out=rows("means", hits, np.float64))
        return np.divide(means, hits.shape[1], out=means)

    def get_config(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "name": self.name}


class TopKAccuracy(_RowMean):
    """Fraction of samples whose true class is among the ``k`` highest outputs.

    A class that ties with the k-th highest score counts as a hit (Keras / TF's
    ``in_top_k``): the true class is a hit when fewer than ``k`` classes score
    strictly higher, so a model giving every class the same score scores 1.
    scikit-learn's ``top_k_accuracy_score`` breaks ties and can score lower.
    """

    greater_is_better = True

    def __init__(self, k: int = 5, name: str | None = None) -> None:
        if not is_integer(k) or k < 1:
            raise ValueError(f"Expected a positive integer. Received: k={quoted(k)}")
        super().__init__()
        self.k = int(k)
        self.name = check_name(name, f"top_{k}_accuracy")

    def _checked(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return self._class_labels(y_true, y_pred)

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        labels = rows("top_labels", y_pred, np.intp)
        np.copyto(labels, _labels(y_true), casting="unsafe")
        k = min(self.k, y_pred.shape[1])
        true_score = take_labels(y_pred, labels, rows("true_score", y_pred))
        # a NaN score is the lowest (Keras 3's in_top_k), not a hit: NaN > x is never true
        np.copyto(true_score, -np.inf, where=np.isnan(true_score, out=rows("nan", y_pred, bool)))
        # rank = number of classes scoring strictly higher than the true one (counted as ints)
        higher = np.greater(y_pred, true_score[:, None], out=buffer("higher", y_pred.shape, bool))
        rank = np.add.reduce(higher, 1, np.intp, out=rows("rank", higher, np.intp))
        return np.less(rank, k, out=rows("top_hits", rank, bool))

    def get_config(self) -> dict[str, Any]:
        return {"k": self.k, "name": self.name}
