"""Keras 3's probabilistic metrics: the cross-entropies, ``KLDivergence`` and ``Poisson``.

Each is a ``MeanMetricWrapper`` in Keras (``keras/src/metrics/probabilistic_metrics.py``)
around the function of ``keras.losses`` of the same name: one value per sample (the
function reduces the outputs' axis), then their sample-weighted mean over every row
added, ``sum_i w_i v_i / sum_i w_i``. Here they are ``_RowMean`` metrics: they stream
batch by batch and checkpoint as the accuracies do. ``eps = 1e-7`` is Keras'
``backend.epsilon()``, in every dtype. Values come in ``y_pred``'s dtype (float32 or
float64; other dtypes are computed in float64); the running sums are float64.

``_LossMetric`` is their base, and that of ``nonlin._loss_metrics_more``'s regression
and hinge metrics. Re-exported by ``nonlin.metrics``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._loss_math import take_labels
from ._mean_metrics import _column, _NamedRowMean
from ._metric_base import check_target_width
from ._quoting import quoted
from ._scratch import buffer, like, row_means, rows
from .validation import check_bool, check_labels, is_integer, is_real

EPSILON = 1e-7  # Keras' backend.epsilon(), in every dtype
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def check_axis(axis: Any) -> int:
    """``axis``, -1 or 1: the outputs' axis of ``y_pred`` (n_samples, n_outputs), the
    only one a metric of one value per sample can reduce."""
    if not is_integer(axis) or axis not in (-1, 1):
        raise ValueError("Expected axis=-1 (or 1), the outputs' axis of y_pred (n_samples, "
                         f"n_outputs). Received: axis={quoted(axis)}")
    return int(axis)


def _check_smoothing(label_smoothing: Any) -> float:
    if not (is_real(label_smoothing) and 0 <= label_smoothing <= 1):
        raise ValueError("Expected label_smoothing, a number in [0, 1]. "
                         f"Received: label_smoothing={quoted(label_smoothing)}")
    return float(label_smoothing)


def as_float(y_pred: np.ndarray) -> np.ndarray:
    """``y_pred`` if float32 or float64, else in float64 (a direct call's integers)."""
    return y_pred if y_pred.dtype in _FLOATS else y_pred.astype(np.float64)


class _LossMetric(_NamedRowMean):
    """The mean over samples of one of Keras' loss functions (lower is better).

    ``_floats`` gives a batch as Keras' functions read it: ``y_pred`` (n_samples,
    n_outputs) in float32 or float64 and ``y_true`` as a column (n_samples, 1) or
    rows (n_samples, n_outputs) copied into a buffer of that dtype.
    """

    def _checked(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return check_target_width(y_true, y_pred)

    def _floats(self, y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = as_float(y_pred)
        column = _column(y_true, p.shape[0])
        y = buffer("lm_y", column.shape, p.dtype)
        np.copyto(y, column, casting="unsafe")
        return y, p


class BinaryCrossentropy(_LossMetric):
    """Keras' ``binary_crossentropy``: per sample, the mean over the outputs of
    ``-(t log q + (1 - t) log(1 - q))``.

    ``t = y (1 - s) + s / 2`` with ``s = label_smoothing``; ``q = clip(p, eps, 1 - eps)``,
    or with ``from_logits=True`` the exact ``max(z, 0) - z t + log(1 + exp(-|z|))`` of
    ``q = sigmoid(z)`` (as Keras' TensorFlow, JAX and PyTorch backends compute it).
    ``y_true``: 0/1 (or soft) targets, a column or one per output.
    """

    name = "binary_crossentropy"

    def __init__(self, name: str | None = None, *, from_logits: bool = False,
                 label_smoothing: float = 0.0) -> None:
        self.from_logits = check_bool("from_logits", from_logits)
        self.label_smoothing = _check_smoothing(label_smoothing)
        super().__init__(name)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        y, p = self._floats(y_true, y_pred)
        if self.label_smoothing:
            y *= 1.0 - self.label_smoothing
            y += 0.5 * self.label_smoothing
        out, term = like("lm_bce", p), like("lm_bce_term", p)
        if self.from_logits:
            np.abs(p, out=out)
            np.log1p(np.exp(np.negative(out, out=out), out=out), out=out)
            out -= np.multiply(p, y, out=term)
            out += np.maximum(p, 0.0, out=term)
        else:
            q = np.clip(p, EPSILON, 1.0 - EPSILON, out=like("lm_bce_q", p))
            np.multiply(y, np.log(q, out=out), out=out)
            np.log(np.subtract(1.0, q, out=q), out=q)
            np.multiply(np.subtract(1.0, y, out=y), q, out=term)
            np.negative(np.add(out, term, out=out), out=out)
        return row_means(out, "lm_bce_means")


class CategoricalCrossentropy(_LossMetric):
    """Keras' ``categorical_crossentropy``: per sample ``-sum_j t_j log q_j``.

    ``t``: the row of ``y_true`` (one-hot or soft), or the one-hot row of an integer label
    (nonlin reads labels (n_samples,) as its other classification metrics do; Keras
    takes rows only), smoothed to ``t (1 - s) + s / n_outputs`` with ``s = label_smoothing``;
    ``q = clip(p / sum p, eps, 1 - eps)``, or with ``from_logits=True`` ``log q =
    log_softmax(z)``. ``axis``: -1 (or 1), the outputs' axis, the only one here.
    """

    name = "categorical_crossentropy"

    def __init__(self, name: str | None = None, *, from_logits: bool = False,
                 label_smoothing: float = 0.0, axis: int = -1) -> None:
        self.from_logits = check_bool("from_logits", from_logits)
        self.label_smoothing = _check_smoothing(label_smoothing)
        self.axis = check_axis(axis)
        super().__init__(name)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}

    def _checked(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        n, k = y_pred.shape
        if not self.from_logits and not np.all(y_pred.sum(axis=1) > 0):
            i = int(np.argmin(y_pred.sum(axis=1) > 0))
            raise ValueError(f"Expected rows of probabilities in y_pred, each of a positive sum "
                             f"(from_logits=False). Received row {i} summing to "
                             f"{float(y_pred[i].sum())!r}; for scores (logits), use "
                             "from_logits=True")
        if _one_hot(y_true, n, k):
            return y_true
        return check_labels(super()._checked(y_true, y_pred), k, "y_true")

    def _log_q(self, p: np.ndarray) -> np.ndarray:
        """``log q`` (n_samples, n_outputs), into a buffer."""
        log_q = like("lm_log_q", p)
        if self.from_logits:  # Keras' log_softmax: z - max z - log sum exp(z - max z)
            top = np.max(p, axis=1, out=rows("lm_top", p))
            np.subtract(p, top[:, None], out=log_q)
            total = np.add.reduce(np.exp(log_q, out=like("lm_exp", p)), 1, out=top)
            return np.subtract(log_q, np.log(total, out=total)[:, None], out=log_q)
        total = np.add.reduce(p, 1, out=rows("lm_total", p))
        np.divide(p, total[:, None], out=log_q)
        return np.log(np.clip(log_q, EPSILON, 1.0 - EPSILON, out=log_q), out=log_q)

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        p = as_float(y_pred)
        n, k = p.shape
        log_q, s = self._log_q(p), self.label_smoothing
        out = rows("lm_cce", p)
        if _one_hot(y_true, n, k):
            y, _ = self._floats(y_true, p)
            if s:
                y *= 1.0 - s
                y += s / k
            np.einsum("ij,ij->i", y, log_q, out=out)
        else:  # t = (1 - s) one_hot + s / k: -(1 - s) log q_c - (s / k) sum_j log q_j
            labels = rows("lm_labels", p, np.intp)
            np.copyto(labels, y_true.reshape(-1), casting="unsafe")
            take_labels(log_q, labels, out)
            if s:
                out *= 1.0 - s
                out += np.multiply(np.add.reduce(log_q, 1, out=rows("lm_sum", p)), s / k)
        return np.negative(out, out=out)


def _one_hot(y_true: np.ndarray, n: int, k: int) -> bool:
    """Whether ``y_true`` holds rows (one per output), not integer labels."""
    return y_true.size == n * k and (k == 1 or (y_true.ndim == 2 and y_true.shape[1] == k))


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Keras' ``sparse_categorical_crossentropy``: per sample ``-log q_c`` for the integer
    label ``c``, ``q`` as in ``CategoricalCrossentropy`` (one-hot rows are taken too, as
    by nonlin's other classification metrics: ``-sum_j y_j log q_j``)."""

    name = "sparse_categorical_crossentropy"

    def __init__(self, name: str | None = None, *, from_logits: bool = False,
                 axis: int = -1) -> None:
        super().__init__(name, from_logits=from_logits, axis=axis)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "from_logits": self.from_logits, "axis": self.axis}


class KLDivergence(_LossMetric):
    """Keras' ``kl_divergence``: per sample ``sum_j t_j log(t_j / q_j)`` (a sum over the
    outputs, not a mean), ``t = clip(y, eps, 1)``, ``q = clip(p, eps, 1)``."""

    name = "kl_divergence"

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        t, p = self._floats(y_true, y_pred)
        np.clip(t, EPSILON, 1.0, out=t)
        ratio = np.clip(p, EPSILON, 1.0, out=like("lm_kl", p))
        np.divide(t, ratio, out=ratio)
        np.multiply(t, np.log(ratio, out=ratio), out=ratio)
        return np.add.reduce(ratio, 1, out=rows("lm_kl_sums", p))


class Poisson(_LossMetric):
    """Keras' ``poisson``: per sample the mean over the outputs of ``p - y log(p + eps)``."""

    name = "poisson"

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        y, p = self._floats(y_true, y_pred)
        log_p = np.add(p, EPSILON, out=like("lm_poisson", p))
        np.log(log_p, out=log_p)
        np.subtract(p, np.multiply(y, log_p, out=log_p), out=log_p)
        return row_means(log_p, "lm_poisson_means")

