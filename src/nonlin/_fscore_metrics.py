"""``FBetaScore`` and ``F1Score``: Keras 3's F-scores, streamed over batches.

Each batch adds its (weighted) true positives, false positives and false negatives
per output column to float64 counts (``keras.src.metrics.f_score_metrics``), and
``result()`` turns them into one number. Re-exported by ``nonlin.metrics``;
``y_true`` as for ``Precision`` (see ``nonlin._confusion_metrics``).
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from ._confusion_metrics import ConfusionMetric, check_name, refuse_bool, truth
from ._quoting import quoted
from ._scratch import buffer
from .validation import is_integer, is_real

EPSILON = 1e-7  # Keras's backend.epsilon(), added to each denominator as Keras adds it
ZERO = 1e-9  # with threshold=None, an entry within this of 0 is never predicted (Keras)
_AVERAGES = ("micro", "macro", "weighted")


def predicted(y_pred: np.ndarray, threshold: float | None) -> np.ndarray:
    """Boolean predictions (n_samples, n_outputs): ``y_pred > threshold`` or, for None,
    Keras' arg-max rule ``y_pred >= max(row) and |y_pred| > 1e-9`` (a tie predicts
    every tied column, a row whose maximum is 0 predicts none). In scratch buffers
    (``nonlin._scratch``): valid until the next batch."""
    shape = y_pred.shape
    guess = buffer("predicted", shape, bool)
    if threshold is not None:
        return np.greater(y_pred, threshold, out=guess)
    top = np.max(y_pred, axis=1, keepdims=True, out=buffer("row_max", (shape[0], 1),
                                                           y_pred.dtype))
    np.greater_equal(y_pred, top, out=guess)
    size = np.abs(y_pred, out=buffer("magnitude", shape, y_pred.dtype))
    return np.logical_and(guess, np.greater(size, ZERO, out=buffer("nonzero", shape, bool)),
                          out=guess)


def f_beta(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray, beta: float) -> np.ndarray:
    """Keras 3's F-beta of counts (any shape), term by term as its ``result()`` computes it."""
    precision = tp / (tp + fp + EPSILON)
    recall = tp / (tp + fn + EPSILON)
    b2 = beta**2
    return np.asarray(precision * recall / (b2 * precision + recall + EPSILON) * (1 + b2))


def _check_average(average: Any, class_id: Any) -> None:
    """``average`` one of Keras' or None; ``class_id`` None or >= 0, with None only."""
    if not (average is None or (isinstance(average, str) and average in _AVERAGES)):
        raise ValueError(f"Expected average one of 'macro', 'micro', 'weighted' or None. "
                         f"Received: average={quoted(average)}")
    if class_id is not None and (not is_integer(class_id) or class_id < 0):
        raise ValueError(
            f"Expected an integer >= 0 or None. Received: class_id={quoted(class_id)}")
    if average is not None and class_id is not None:
        raise ValueError(f"Expected class_id only with average=None (the score of one class "
                         f"is not averaged). Received: average={quoted(average)}, "
                         f"class_id={quoted(class_id)}")


def _check_threshold(threshold: Any) -> float | None:
    if threshold is None:
        return None
    refuse_bool(threshold, threshold, "threshold")
    if not (is_real(threshold) and 0 <= threshold <= 1):
        raise ValueError(f"Expected a threshold in [0, 1] (0 for logits), or None for the "
                         f"arg-max of each row. Received: threshold={quoted(threshold)}")
    return float(threshold)


class FBetaScore(ConfusionMetric):
    """F-beta score, the weighted harmonic mean of precision and recall (Keras 3's).

    Per output column ``j``, over every batch so far::

        TP_j = sum_i w_i [pred_ij][y_ij > 0]    FP_j = sum_i w_i [pred_ij][y_ij <= 0]
        FN_j = sum_i w_i [not pred_ij][y_ij > 0]
        P_j = TP_j / (TP_j + FP_j + eps)        R_j = TP_j / (TP_j + FN_j + eps)
        F_j = P_j R_j / (beta**2 P_j + R_j + eps) * (1 + beta**2)

    with ``eps = 1e-7`` (Keras' ``backend.epsilon()``) and ``pred_ij`` ``p_ij > threshold``
    or, with ``threshold=None``, ``p_ij`` is the maximum of its row (ties: each) and
    ``|p_ij| > 1e-9``.

    Parameters
    ----------
    average : {"macro", "micro", "weighted"} or None, default "macro"
        "macro": the mean of the ``F_j``; "micro": ``F`` of the counts summed over the
        columns; "weighted": ``sum_j F_j s_j / (sum_j s_j + eps)``, ``s_j = TP_j + FN_j``
        (the weighted support); None: ``F_{class_id}``, or without ``class_id`` every
        ``F_j``, an array (n_outputs,), as Keras 3 (see Notes).
    beta : float > 0, default 1.0
        Recall counts ``beta`` times as much as precision.
    threshold : float in [0, 1], optional
        None (default): each row predicts its arg-max column (multi-class).
        A float: an entry above it is predicted (multi-label, or one sigmoid output;
        0 for logits).
    name : str, optional
        The key in ``History.history``; ``"fbeta_score"`` by default.
    class_id : int, optional
        With ``average=None``: the score of column ``class_id`` alone.

    Notes
    -----
    ``y_true``: (n_samples, n_outputs) of 0/1 (positive where > 0), or, with several
    outputs, integer labels (one-hot encoded). ``y_pred``: (n_samples, n_outputs).
    Keras' default ``average=None`` returns one score per class; nonlin's default is
    "macro" (the mean of Keras' per-class scores). ``average=None`` without ``class_id``
    returns Keras' array from ``result()`` and a direct call (empty before any batch);
    ``fit`` and ``evaluate`` log one number per key, so there it is one metric per class,
    ``"{name}_class_{j}"`` (``per_class``): History, CSVLogger, the progress bar and the
    monitors see each class's score (Keras logs the array under ``name``, which its
    CSVLogger writes as a string and its monitors cannot compare). Keras refuses
    ``threshold=0``; nonlin takes it (logits). The arg-max rule of one column would
    predict every row: a threshold is then required.
    """

    name = "fbeta_score"
    _KEYS = ("true_positives", "false_positives", "false_negatives")
    _shared: Any = None  # a per_class copy's SharedCounts (nonlin._fscore_shared)

    def __init__(self, average: str | None = "macro", beta: float = 1.0,
                 threshold: float | None = None, name: str | None = None, *,
                 class_id: int | None = None) -> None:
        _check_average(average, class_id)
        if not (is_real(beta) and beta > 0 and math.isfinite(beta * beta)):
            raise ValueError(f"Expected beta > 0 with a finite beta**2 (at most 1e154). "
                             f"Received: beta={quoted(beta)}")
        self.threshold = _check_threshold(threshold)
        self.average, self.beta = average, float(beta)
        self.class_id = None if class_id is None else int(class_id)
        self.name = check_name(name, type(self).name)
        self.reset_state()

    def _counts(self, y_true: np.ndarray, y_pred: np.ndarray,
                w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-column weighted TP, FP and FN (n_outputs,) of one batch."""
        k = y_pred.shape[1]
        if self.threshold is None and k == 1:
            raise ValueError(
                f"Expected y_pred with several columns for {type(self).__name__}("
                "threshold=None): the arg-max of one column predicts every row positive. "
                f"Received y_pred of shape {y_pred.shape}; give a threshold, e.g. "
                f"{type(self).__name__}(threshold=0.5) (0.0 for logits)")
        if self.class_id is not None and self.class_id >= k:
            raise ValueError(f"Expected class_id in [0, {k}) for y_pred with {k} columns. "
                             f"Received: class_id={self.class_id}")
        if self._shared is not None and self.class_id is not None:  # once per batch
            return self._shared.counts(self.class_id, (y_true, y_pred, w), self._all_counts)
        return self._all_counts(y_true, y_pred, w)

    def _all_counts(self, y_true: np.ndarray, y_pred: np.ndarray,
                    w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``_counts`` of every column, after its checks."""
        guess, actual = predicted(y_pred, self.threshold), truth(y_true, y_pred)
        shape = guess.shape  # each count summed on its own, as Keras' (never below 0)
        masks = (np.logical_and(guess, actual, out=buffer("both", shape, bool)),
                 np.greater(guess, actual, out=buffer("guess_only", shape, bool)),
                 np.greater(actual, guess, out=buffer("actual_only", shape, bool)))
        tp, fp, fn = (_column_sums(mask, w) for mask in masks)
        return tp, fp, fn

    def _result(self, *counts: np.ndarray) -> Any:
        """The averaged score of per-column counts (0 before any batch, as Keras' zeros);
        with ``average=None`` and no ``class_id``, the scores (n_outputs,) (none before)."""
        tp, fp, fn = counts
        if self.average is None and self.class_id is None:
            return f_beta(tp, fp, fn, self.beta).astype(np.float64)
        if tp.size == 0:
            return 0.0
        if self.average == "micro":
            return float(f_beta(tp.sum(), fp.sum(), fn.sum(), self.beta))
        scores = f_beta(tp, fp, fn, self.beta)
        if self.average == "macro":
            return float(np.mean(scores))
        if self.average == "weighted":
            support = tp + fn  # Keras' intermediate_weights: the weighted sum of y_true
            return float(np.sum(scores * (support / (np.sum(support) + EPSILON))))
        return float(scores[self.class_id])

    def _call(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Any:
        """As ``Metric._call``; ``average=None`` without ``class_id``: Keras' array of one
        score per class (n_outputs,), which ``one_number`` would refuse."""
        if self.average is None and self.class_id is None:
            return self._compute(*self._batch(y_true, y_pred, sample_weight))
        return super()._call(y_true, y_pred, sample_weight)

    def per_class(self, n_outputs: int) -> list[FBetaScore]:
        """What ``fit`` and ``evaluate`` log for ``average=None`` without ``class_id``: one
        copy per class ``j`` (of the model's ``n_outputs`` output columns) with
        ``class_id=j``, named ``"{name}_class_{j}"`` (a log is one number: History,
        CSVLogger and the monitors read each class's own)."""
        from ._fscore_shared import SharedCounts  # one batch's counts, computed once

        copies, shared = [], SharedCounts(n_outputs)
        for j in range(n_outputs):
            one = copy.deepcopy(self)
            one.class_id, one.name, one._shared = j, f"{self.name}_class_{j}", shared
            one.reset_state()
            copies.append(one)
        return copies

    def _update_state(self, y_true: np.ndarray, y_pred: np.ndarray,
                      sample_weight: np.ndarray | None = None) -> None:
        """Add one batch's counts; the first batch since ``reset_state`` sets the number
        of columns (Keras builds its variables then), later ones must match it."""
        counts = self._counts(y_true, y_pred, sample_weight)
        size = self._state[self._KEYS[0]].size
        if size and size != y_pred.shape[1]:
            raise ValueError(f"Expected y_pred with {size} columns, as the batches before "
                             f"(since reset_state). Received y_pred of shape {y_pred.shape}")
        for key, count in zip(self._KEYS, counts, strict=True):
            self._state[key] = self._state[key] + count if size else count

    def reset_state(self) -> None:
        self._state = {key: np.zeros(0) for key in self._KEYS}

    @classmethod
    def _config_shape(cls, config: dict[str, Any], n_outputs: int = 0) -> tuple[int, ...]:
        return (n_outputs,)  # one count per column, made by the first batch

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state_dict()``: three lists of counts >= 0 of one length (0: no batch)."""
        keys = list(self._KEYS)
        if not isinstance(state, dict) or set(state) != set(keys):
            raise ValueError(f"Expected {type(self).__name__} state with keys {keys}. "
                             f"Received {quoted(state, 200)}")
        counts = {key: _counts_of(state[key]) for key in keys}
        sizes = {None if c is None else c.size for c in counts.values()}
        if None in sizes or len(sizes) != 1:
            raise ValueError(f"Expected {type(self).__name__} state {keys}: lists of finite "
                             f"counts >= 0 of one length. Received {quoted(state, 200)}")
        self._state = {key: value for key, value in counts.items() if value is not None}

    def get_config(self) -> dict[str, Any]:
        return {"average": self.average, "beta": self.beta, "threshold": self.threshold,
                "name": self.name, "class_id": self.class_id}

    def __repr__(self) -> str:
        config = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({config})"


class F1Score(FBetaScore):
    """F1 score, the harmonic mean of precision and recall: ``FBetaScore`` with ``beta=1``.

    As ``FBetaScore`` otherwise (formula, ``y_true``, the default ``average``).

    Parameters
    ----------
    average : {"macro", "micro", "weighted"} or None, default "macro"
    threshold : float in [0, 1], optional
        None (default): the arg-max of each row.
    name : str, optional
        ``"f1_score"`` by default.
    class_id : int, optional
        With ``average=None``: the score of that column.
    """

    name = "f1_score"

    def __init__(self, average: str | None = "macro", threshold: float | None = None,
                 name: str | None = None, *, class_id: int | None = None) -> None:
        super().__init__(average, 1.0, threshold, name, class_id=class_id)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["beta"]  # as Keras' F1Score
        return config


def _column_sums(mask: np.ndarray, w: np.ndarray | None) -> np.ndarray:
    """``sum_i w_i mask_ij`` per column (float64, (n_outputs,)); counts when ``w`` is None."""
    if w is None:
        return np.count_nonzero(mask, axis=0).astype(np.float64)
    weighted = np.multiply(mask, w[:, None], out=buffer("weighted", mask.shape, np.float64))
    return np.sum(weighted, axis=0)


def _counts_of(value: Any) -> np.ndarray | None:
    """A flat list of finite numbers >= 0 as float64, else None."""
    if not isinstance(value, list) or not all(is_real(v) and math.isfinite(v) and v >= 0
                                              for v in value):
        return None
    return np.asarray(value, dtype=np.float64).reshape(-1)
