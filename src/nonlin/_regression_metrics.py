"""Regression metrics: MAE, MSE, RMSE, MAPE (means over samples and outputs) and R².

They stream like the classification metrics (``update_state`` per batch,
``result`` at the end); R² merges per-batch means and sums of squared
deviations with Chan et al.'s formula, so targets far from zero lose nothing
to cancellation. Re-exported by ``nonlin.metrics``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._confusion_metrics import check_name
from ._scratch import buffer, like, row_means, rows
from .metrics import Metric, _column, _is_number, _RowMean

_EPSILON = 1e-7  # Keras's backend.epsilon(), the floor of |y_true| in MAPE


class _Regression(_RowMean):
    greater_is_better = False

    def __init__(self, name: str | None = None) -> None:
        super().__init__()
        self.name = check_name(name, type(self).name)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def _residual(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        y = _column(y_true, y_pred.shape[0]).astype(y_pred.dtype, copy=False)
        return np.subtract(y_pred, y, out=like("residual", y_pred, y))


class MeanAbsoluteError(_Regression):
    """``mean |y_pred - y_true|`` over samples and outputs."""

    name = "mae"

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        residual = self._residual(y_true, y_pred)
        return row_means(np.abs(residual, out=residual), "mae")


class MeanSquaredError(_Regression):
    """``mean (y_pred - y_true)^2`` over samples and outputs."""

    name = "mse"

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        r = self._residual(y_true, y_pred)
        squares = np.einsum("ij,ij->i", r, r, out=rows("squares", r))
        if r.dtype.kind != "f":  # integers (a direct call): a float quotient
            return squares / r.shape[1]
        return np.divide(squares, r.shape[1], out=squares)


class RootMeanSquaredError(MeanSquaredError):
    """``sqrt(mse)``."""

    name = "rmse"

    def _compute(self, y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None) -> float:
        return float(np.sqrt(super()._compute(y_true, y_pred, w)))

    def result(self) -> float:
        return math.sqrt(super().result())


class MeanAbsolutePercentageError(_Regression):
    """``100 * mean |y_true - y_pred| / max(|y_true|, eps)`` over samples and outputs (Keras's).

    ``eps = 1e-7`` (Keras's ``backend.epsilon()``) keeps a zero target finite: it
    then weighs its absolute error by ``1e9``. ``"mean_absolute_percentage_error"``
    by default, as in Keras (``"mape"`` resolves to it too).
    """

    name = "mean_absolute_percentage_error"

    def _rows(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        dtype = y_pred.dtype if y_pred.dtype.kind == "f" else np.float64  # int y_pred too
        y = _column(y_true, y_pred.shape[0]).astype(dtype, copy=False)
        ratio = np.subtract(y_pred, y, out=like("ratio", y_pred, y))
        np.abs(ratio, out=ratio)
        ratio /= np.maximum(np.abs(y, out=like("floor", y)), _EPSILON, out=like("floor", y))
        means = row_means(ratio, "mape")
        return np.multiply(means, 100.0, out=means)


class R2Score(Metric):
    """Coefficient of determination, averaged over outputs (scikit-learn's ``r2_score``).

    Per output: ``1 - sum (y - p)^2 / sum (y - mean y)^2``; an output with constant
    targets scores 1 if predicted exactly, else 0. Keras 3's ``R2Score``
    (``class_aggregation="uniform_average"``, named ``"r2_score"`` there) gives the
    same, except NaN for a constant target predicted exactly (0 / 0).
    """

    name = "r2"
    streams = True
    greater_is_better = True
    # per output (n_outputs,) once a batch is added; 0.0 before
    _mean: float | np.ndarray
    _m2: float | np.ndarray
    _ss_res: float | np.ndarray

    def __init__(self, name: str | None = None) -> None:
        self.name = check_name(name, type(self).name)
        self.reset_state()

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    def _compute(self, y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None) -> float:
        y = _targets(y_true, y_pred)
        p = y_pred.astype(np.float64)
        w = np.ones(y.shape[0]) if w is None else w
        if not w.sum():  # no weighted sample: undefined, as in Keras (and without a warning)
            return math.nan
        mean = np.dot(w, y) / w.sum()
        ss_res = np.dot(w, (y - p) ** 2)
        ss_tot = np.dot(w, (y - mean) ** 2)
        return _r2(ss_res, ss_tot)

    def reset_state(self) -> None:
        self._n, self._mean, self._m2, self._ss_res = 0, 0.0, 0.0, 0.0

    def update_state(self, y_true: np.ndarray, y_pred: np.ndarray) -> None:
        """Running per-output count, mean and sum of squared deviations of the targets,
        merged batch by batch (Chan et al.), and the residual sum of squares."""
        y = _targets(y_true, y_pred)
        n_b = y.shape[0]
        mean_b = y.mean(axis=0)
        deviation = np.subtract(y, mean_b, out=like("deviation", y))
        m2_b = np.square(deviation, out=deviation).sum(axis=0)  # sum of (y - mean_b) ** 2
        total = self._n + n_b
        delta = mean_b - self._mean
        self._mean = self._mean + delta * (n_b / total)
        self._m2 = self._m2 + m2_b + delta**2 * (self._n * n_b / total)
        np.copyto(residual := like("residual", y), y_pred)  # in float64, as y - y_pred casts it
        np.square(np.subtract(y, residual, out=residual), out=residual)
        self._ss_res = self._ss_res + residual.sum(axis=0)
        self._n = total

    def result(self) -> float:
        if not self._n:
            return math.nan
        return _r2(np.atleast_1d(self._ss_res), np.atleast_1d(self._m2))

    def state_dict(self) -> dict[str, Any]:
        parts = (self._mean, self._m2, self._ss_res)
        return {"n": self._n, **{k: np.atleast_1d(v).tolist() for k, v in
                                 zip(("mean", "m2", "ss_res"), parts, strict=True)}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        n = state.get("n")
        parts: list[Any] = [state.get(k) for k in ("mean", "m2", "ss_res")]
        ok = isinstance(n, int) and not isinstance(n, bool) and n >= 0
        ok = ok and all(isinstance(p, list) and len(p) == len(parts[0]) and
                        all(map(_is_number, p)) for p in parts)
        if not ok:
            raise ValueError(
                f"Expected R2Score state {{'n', 'mean', 'm2', 'ss_res'}}. Received {state!r:.200}"
            )
        self.reset_state()
        if n:
            self._n = n
            self._mean, self._m2, self._ss_res = (np.array(p, dtype=np.float64) for p in parts)


def _targets(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """``y_true`` as float64 columns, one per output of ``y_pred`` (R² is per output:
    labels next to a model's class probabilities have no meaning for it)."""
    column = _column(y_true, y_pred.shape[0])
    if column.shape[1] != y_pred.shape[1]:
        raise ValueError(
            f"Expected targets with {y_pred.shape[1]} column(s) for r2, one per output. "
            f"Received y_true of shape {y_true.shape} for y_pred of shape {y_pred.shape}"
        )
    y = buffer("targets", column.shape, np.float64)
    np.copyto(y, column, casting="unsafe")  # column.astype(np.float64)
    return y


def _r2(ss_res: np.ndarray, ss_tot: np.ndarray) -> float:
    """Mean over outputs of ``1 - ss_res / ss_tot`` (1 or 0 where the targets are constant)."""
    safe = ss_tot > 0
    score = np.where(ss_res == 0, 1.0, 0.0)
    score[safe] = 1.0 - ss_res[safe] / ss_tot[safe]
    return float(score.mean())
