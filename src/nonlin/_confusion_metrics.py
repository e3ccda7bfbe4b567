"""Confusion-count metrics: ``Precision`` and ``Recall`` (and the base ``AUC`` shares).

They stream as Keras 3's do: each batch adds its (weighted) true and false
positives and negatives to fixed-size float64 counts, and ``result()`` divides
them. Re-exported by ``nonlin.metrics``.

``y_true`` is an array of 0/1 entries of the shape of ``y_pred`` (n_samples,
n_outputs), positive where > 0 (a hinge's -1 target is a negative, where Keras
counts any non-zero entry as a positive), with one nonlin addition: with
several output columns, integer class labels (n_samples,) are one-hot encoded
against those columns, so ``"precision"``, ``"recall"`` and ``"auc"`` work for
a softmax classifier trained on labels exactly as they do on its one-hot
targets (where Keras would need one-hot ``y_true``). Without ``class_id`` such
a multi-class score is micro-averaged over the columns, as in Keras.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._loss_math import put_labels
from ._metric_base import Metric
from ._quoting import quoted
from ._scratch import buffer
from ._threshold_args import one_threshold, refuse_bool  # noqa: F401
from .validation import check_labels, is_integer, is_real

# Keras's NEG_INF: the value of the entries that ``top_k`` leaves out, and the
# default threshold with ``top_k`` (each row's k highest entries are positive)
NEG_INF = -1e10


def truth(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Boolean positives (n_samples, n_outputs): ``y_true > 0`` (a hinge's -1 is negative;
    Keras counts any non-zero target), or integer labels one-hot."""
    n, k = y_pred.shape
    positive = buffer("positive", (n, k), bool)
    if k > 1 and (y_true.ndim == 1 or y_true.shape[1:] == (1,)):
        positive.fill(False)
        put_labels(positive, y_true.reshape(-1).astype(np.intp, copy=False), True)
        return positive
    return np.greater(y_true.reshape(n, k), 0, out=positive)


def divide_no_nan(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a / b``, 0 where ``b == 0`` (Keras's ``divide_no_nan``)."""
    return np.divide(a, b, out=np.zeros(np.broadcast(a, b).shape), where=b != 0)


def weighted_count(mask: np.ndarray, w: np.ndarray | None) -> float:
    """``sum_i w_i * (number of True in row i)`` (the plain count when ``w`` is None)."""
    if w is None:
        return float(np.count_nonzero(mask))
    per_row = mask if mask.ndim == 1 else np.count_nonzero(mask, axis=1)
    return float(np.dot(per_row, w))


def check_name(name: Any, default: str) -> str:
    """``name``, a non-empty str, or ``default`` for None; ``TypeError`` otherwise."""
    if name is None:
        return default
    if not isinstance(name, str) or not name:
        raise TypeError(f"Expected a non-empty str name. Received: name={quoted(name)}")
    return name


class ConfusionMetric(Metric):
    """A metric computed from confusion counts kept in ``self._state`` (float64 arrays).

    Subclasses name the counts in ``_KEYS`` (Keras's variable names), give their
    shape (``_shape``), count one batch (``_counts``, in ``_KEYS`` order) and
    turn counts into the result (``_result``).
    """

    streams = True
    greater_is_better = True  # precision, recall, AUC
    _KEYS: tuple[str, ...] = ()

    def _shape(self) -> tuple[int, ...]:
        return ()

    @classmethod
    def _held_entries(cls, config: dict[str, Any], n_outputs: int = 0) -> int:
        """The float64 entries an instance made from ``config`` (``get_config``'s) holds as
        it is made, and once it has counted a batch of ``n_outputs`` columns (a model's
        outputs: ``AUC(multi_label=True)`` without ``num_labels`` and the F-scores size
        their counts so): its ``_KEYS`` counts, of ``_shape()`` each; what ``load`` counts
        before making a model file's metrics (``_compile_entries.metric_size``)."""
        return len(cls._KEYS) * math.prod(cls._config_shape(config, n_outputs))

    @classmethod
    def _config_shape(cls, config: dict[str, Any], n_outputs: int = 0) -> tuple[int, ...]:
        """``_shape()`` of an instance made from ``config`` once it has counted a batch of
        ``n_outputs`` columns (a size the constructor refuses as 0:
        ``_metric_sizes.config_size``)."""
        return ()

    def _counts(self, y_true: np.ndarray, y_pred: np.ndarray,
                w: np.ndarray | None) -> tuple[Any, ...]:
        raise NotImplementedError

    def _result(self, *counts: np.ndarray) -> float:
        raise NotImplementedError

    def _checked(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        k = y_pred.shape[1]
        if k > 1 and (y_true.ndim == 1 or y_true.shape[1:] == (1,)):
            return check_labels(y_true, k, "y_true")
        if y_true.reshape(y_true.shape[0], -1).shape[1] != k:
            raise ValueError(
                f"Expected y_true of shape {y_pred.shape} (or class labels) for y_pred of "
                f"shape {y_pred.shape}. Received y_true of shape {y_true.shape}"
            )
        return y_true

    def _compute(self, y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None) -> float:
        return self._result(*(np.asarray(c, dtype=np.float64)
                              for c in self._counts(y_true, y_pred, w)))

    def _update_state(self, y_true: np.ndarray, y_pred: np.ndarray,
                      sample_weight: np.ndarray | None = None) -> None:
        """Add one batch's counts; ``sample_weight`` (n_samples,) weighs its rows (Keras)."""
        for key, count in zip(self._KEYS, self._counts(y_true, y_pred, sample_weight),
                              strict=True):
            self._state[key] += count

    def result(self) -> float:
        """The metric over every batch since ``reset_state`` (0 before any, as Keras)."""
        return self._result(*(self._state[key] for key in self._KEYS))

    def reset_state(self) -> None:
        self._state = {key: np.zeros(self._shape()) for key in self._KEYS}

    def state_dict(self) -> dict[str, Any]:
        return {key: self._state[key].tolist() for key in self._KEYS}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if not isinstance(state, dict) or set(state) != set(self._KEYS):
            raise ValueError(f"Expected {type(self).__name__} state with keys "
                             f"{list(self._KEYS)}. Received {quoted(state, 200)}")
        counts = {}
        for key in self._KEYS:
            value = np.asarray(state[key], dtype=np.float64) if _numeric(state[key]) else None
            if value is None or value.shape != self._shape() or not np.all(value >= 0):
                raise ValueError(
                    f"Expected {type(self).__name__} state {key!r}: counts >= 0 of shape "
                    f"{self._shape()}. Received {quoted(state[key], 200)}")
            counts[key] = value
        self._state = counts


def _numeric(value: Any) -> bool:
    """A finite number or a (nested) list of them."""
    if isinstance(value, list):
        return all(map(_numeric, value))
    return is_real(value) and math.isfinite(value)


class _PrecisionRecall(ConfusionMetric):
    """Precision and recall at one threshold, optionally of the ``top_k`` entries of each
    row and of one column ``class_id`` (Keras 3's arguments and semantics).

    Both are ``TP / (TP + misses)``; a subclass names its misses by their index in
    ``_confusion``'s ``(TP, FP, FN)`` as ``_MISSES``.
    """

    _MISSES: int

    def __init__(self, thresholds: float | list[float] | tuple[float, ...] | None = None,
                 top_k: int | None = None, class_id: int | None = None,
                 name: str | None = None) -> None:
        threshold, given = one_threshold(type(self), thresholds)
        if top_k is not None and (not is_integer(top_k) or top_k < 1):
            raise ValueError(f"Expected a positive integer or None. Received: "
                             f"top_k={quoted(top_k)}")
        if class_id is not None and (not is_integer(class_id) or class_id < 0):
            raise ValueError(
                f"Expected an integer >= 0 or None. Received: class_id={quoted(class_id)}")
        self.name = check_name(name, type(self).name)
        self.init_thresholds = given  # for get_config (a one-element list stays a list: Keras)
        self.threshold = NEG_INF if given is None and top_k is not None else threshold
        self.top_k = None if top_k is None else int(top_k)
        self.class_id = None if class_id is None else int(class_id)
        self.reset_state()

    def _confusion(self, y_true: np.ndarray, y_pred: np.ndarray,
                   w: np.ndarray | None) -> tuple[float, float, float]:
        """Weighted true positives, false positives and false negatives of one batch."""
        predicted = np.greater(y_pred, self.threshold, out=buffer("predicted", y_pred.shape, bool))
        if self.top_k is not None and self.top_k < y_pred.shape[1]:
            # the k highest entries of each row, ties to the lower index (ops.top_k)
            top = np.argsort(-y_pred, axis=1, kind="stable")[:, : self.top_k]
            kept = np.zeros(y_pred.shape, dtype=bool)
            np.put_along_axis(kept, top, True, axis=1)
            predicted &= kept
        actual = truth(y_true, y_pred)
        if self.class_id is not None:
            if self.class_id >= y_pred.shape[1]:
                raise ValueError(f"Expected class_id in [0, {y_pred.shape[1]}) for y_pred "
                                 f"with {y_pred.shape[1]} columns. Received: "
                                 f"class_id={self.class_id}")
            predicted, actual = predicted[:, self.class_id], actual[:, self.class_id]
        tp = weighted_count(np.logical_and(predicted, actual, out=buffer("both", actual.shape,
                                                                       bool)), w)
        return (tp, weighted_count(predicted, w) - tp, weighted_count(actual, w) - tp)

    def _counts(self, y_true: np.ndarray, y_pred: np.ndarray,
                w: np.ndarray | None) -> tuple[float, float]:
        """True positives and the subclass's misses (``_MISSES``: FP or FN) of one batch."""
        confusion = self._confusion(y_true, y_pred, w)
        return confusion[0], confusion[self._MISSES]

    def _result(self, *counts: np.ndarray) -> float:
        """``TP / (TP + misses)``, 0 when both are 0."""
        tp, misses = counts
        return float(divide_no_nan(tp, tp + misses))

    def get_config(self) -> dict[str, Any]:
        thresholds = self.init_thresholds  # a one-element list, copied, or a float
        return {"thresholds": list(thresholds) if isinstance(thresholds, list) else thresholds,
                "top_k": self.top_k, "class_id": self.class_id, "name": self.name}

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(thresholds={self.init_thresholds!r}, "
                f"top_k={self.top_k!r}, class_id={self.class_id!r}, name={self.name!r})")


class Precision(_PrecisionRecall):
    """Fraction of the predicted positives that are positive (streams, as Keras 3's).

    ``precision = TP / (TP + FP)`` (0 when nothing is predicted positive), with
    ``TP = sum_i w_i sum_j [p_ij > t][y_ij > 0]`` and
    ``FP = sum_i w_i sum_j [p_ij > t][y_ij <= 0]`` over every batch so far.

    Parameters
    ----------
    thresholds : float in [0, 1], or a one-element list, optional
        ``t``; 0.5 by default (use 0 when the model outputs logits). With
        ``top_k``, the default keeps every top-k entry whatever its value.
    top_k : int, optional
        Only the ``top_k`` highest entries of each row can be positive.
    class_id : int, optional
        Score only column ``class_id`` (after ``top_k``).
    name : str, optional
        The key in ``History.history``; ``"precision"`` by default.

    Notes
    -----
    ``y_true`` is (n_samples, n_outputs) of 0/1 (positive where > 0) or, with
    several outputs, integer labels (one-hot encoded). ``y_pred``: (n_samples, n_outputs).
    Keras also takes a list of thresholds (``result()`` is then a list, which its
    ``fit`` logs as is: the progress bar averages it, ``EarlyStopping`` cannot
    monitor it). A nonlin metric is one number, so a list of several thresholds
    is refused (ValueError); use one instance per threshold, e.g.
    ``Precision(0.3, name="precision_at_0.3")``.
    """

    name = "precision"
    _KEYS = ("true_positives", "false_positives")
    _MISSES = 1  # false positives, in _confusion's order


class Recall(_PrecisionRecall):
    """Fraction of the positives that are predicted positive (streams, as Keras 3's).

    ``recall = TP / (TP + FN)`` (0 when there is no positive), with
    ``TP = sum_i w_i sum_j [p_ij > t][y_ij > 0]`` and
    ``FN = sum_i w_i sum_j [p_ij <= t][y_ij > 0]`` over every batch so far.
    Parameters (``thresholds``, ``top_k``, ``class_id``, ``name``) and ``y_true`` as for
    ``Precision``; ``name`` is ``"recall"`` by default.
    """

    name = "recall"
    _KEYS = ("true_positives", "false_negatives")
    _MISSES = 2  # false negatives, in _confusion's order
