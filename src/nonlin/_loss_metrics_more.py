"""Keras 3's regression and hinge metrics that its losses define: ``MeanSquaredLogarithmicError``,
``CosineSimilarity``, ``LogCoshError``, ``Hinge``, ``SquaredHinge``, ``CategoricalHinge``.

As in ``nonlin._loss_metrics`` (their base, ``_LossMetric``): one value per sample, Keras'
function of ``keras.losses`` (``keras/src/metrics/regression_metrics.py`` and
``hinge_metrics.py``), then the sample-weighted mean over every row added, streamed.
Re-exported by ``nonlin.metrics``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._loss_math import put_labels
from ._loss_metrics import EPSILON, _LossMetric, _one_hot, as_float, check_axis
from ._scratch import buffer, like, row_means, rows
from .validation import check_labels

_LOG2 = math.log(2.0)


class MeanSquaredLogarithmicError(_LossMetric):
    """Keras' ``mean_squared_logarithmic_error``: per sample the mean over the outputs of
    ``(log(max(p, eps) + 1) - log(max(y, eps) + 1))^2``."""

    name = "mean_squared_logarithmic_error"

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        y, p = self._floats(y_true, y_pred)
        first = np.maximum(p, EPSILON, out=like("lm_msle", p))
        np.log(np.add(first, 1.0, out=first), out=first)
        np.log(np.add(np.maximum(y, EPSILON, out=y), 1.0, out=y), out=y)
        np.subtract(first, y, out=first)
        return row_means(np.square(first, out=first), "lm_msle_means")


class CosineSimilarity(_LossMetric):
    """Keras' metric ``cosine_similarity`` (higher is better): per sample
    ``sum_j u_j v_j``, ``u`` and ``v`` the rows of ``y_true`` and ``y_pred`` each times
    ``min(1 / |row|, 1 / eps)`` (Keras' ``normalize``: a zero row gives 0). ``axis``: -1
    (or 1), the outputs' axis, the only one here."""

    name = "cosine_similarity"
    greater_is_better = True

    def __init__(self, name: str | None = None, *, axis: int = -1) -> None:
        self.axis = check_axis(axis)
        super().__init__(name)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "axis": self.axis}

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        y, p = self._floats(y_true, y_pred)
        unit = _unit(p, like("lm_cos_p", p), "lm_cos_pn")
        _unit(y, y, "lm_cos_yn")
        np.multiply(unit, y, out=unit)
        return np.add.reduce(unit, 1, out=rows("lm_cos", p))


def _unit(x: np.ndarray, out: np.ndarray, name: str) -> np.ndarray:
    """``x * min(1 / sqrt(sum_j x_j^2), 1 / eps)`` per row, into ``out``: Keras' L2
    ``normalize``."""
    norms = np.einsum("ij,ij->i", x, x, out=rows(name, x))
    with np.errstate(divide="ignore"):  # a zero row: 1 / 0 = inf, then 1 / eps
        np.divide(1.0, np.sqrt(norms, out=norms), out=norms)
    np.minimum(norms, 1.0 / EPSILON, out=norms)
    return np.multiply(x, norms[:, None], out=out)


class LogCoshError(_LossMetric):
    """Keras' ``log_cosh``: per sample the mean over the outputs of ``log cosh(p - y)``,
    computed as ``x + softplus(-2 x) - log 2`` (no overflow). Named ``"logcosh"``, as in Keras."""

    name = "logcosh"

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        y, p = self._floats(y_true, y_pred)
        x = np.subtract(p, y, out=like("lm_logcosh", p))
        soft = np.multiply(x, -2.0, out=like("lm_logcosh_soft", p))
        np.logaddexp(soft, 0.0, out=soft)  # softplus(-2 x)
        np.add(x, soft, out=x)
        return row_means(np.subtract(x, _LOG2, out=x), "lm_logcosh_means")


def _hinge_margins(y_true: np.ndarray, y_pred: np.ndarray, metric: _LossMetric) -> np.ndarray:
    """``max(1 - t p, 0)`` (n_samples, n_outputs), ``t = 2 y - 1`` when every target of
    the batch is 0 or 1, else ``y`` (Keras' ``convert_binary_labels_to_hinge``)."""
    t, p = metric._floats(y_true, y_pred)
    zeros = np.equal(t, 0.0, out=buffer("lm_zeros", t.shape, bool))
    binary = np.logical_or(zeros, np.equal(t, 1.0, out=buffer("lm_ones", t.shape, bool)),
                           out=zeros)
    if binary.all():
        np.subtract(np.multiply(t, 2.0, out=t), 1.0, out=t)
    margins = np.multiply(t, p, out=like("lm_hinge", p))
    np.subtract(1.0, margins, out=margins)
    return np.maximum(margins, 0.0, out=margins)


class Hinge(_LossMetric):
    """Keras' ``hinge``: per sample the mean over the outputs of ``max(1 - t p, 0)``, targets
    -1/1 (0/1 targets read as -1/1 when every target of the batch is 0 or 1, as Keras)."""

    name = "hinge"

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return row_means(_hinge_margins(y_true, y_pred, self), "lm_hinge_means")


class SquaredHinge(_LossMetric):
    """Keras' ``squared_hinge``: per sample the mean over the outputs of ``max(1 - t p, 0)^2``,
    targets as for ``Hinge``."""

    name = "squared_hinge"

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        margins = _hinge_margins(y_true, y_pred, self)
        return row_means(np.square(margins, out=margins), "lm_hinge_means")


class CategoricalHinge(_LossMetric):
    """Keras' ``categorical_hinge``: per sample ``max(neg - pos + 1, 0)``, ``pos = sum_j y_j p_j``
    and ``neg = max_j (1 - y_j) p_j``. ``y_true``: one-hot rows or, as nonlin's other
    classification metrics read them, integer labels (one-hot encoded; Keras takes rows only)."""

    name = "categorical_hinge"

    def _checked(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        n, k = y_pred.shape
        if _one_hot(y_true, n, k):
            return y_true
        return check_labels(super()._checked(y_true, y_pred), k, "y_true")

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        p = as_float(y_pred)
        n, k = p.shape
        if _one_hot(y_true, n, k):
            y, p = self._floats(y_true, p)
        else:
            labels = rows("lm_labels", p, np.intp)
            np.copyto(labels, y_true.reshape(-1), casting="unsafe")
            y = buffer("lm_y", p.shape, p.dtype)
            y.fill(0.0)
            put_labels(y, labels, True)
        pos = np.einsum("ij,ij->i", y, p, out=rows("lm_pos", p))
        other = np.multiply(np.subtract(1.0, y, out=y), p, out=y)
        neg = np.max(other, axis=1, out=rows("lm_neg", p))
        np.add(np.subtract(neg, pos, out=neg), 1.0, out=neg)
        return np.maximum(neg, 0.0, out=neg)
