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
from ._mean_metrics import _column, _is_number, _NamedRowMean
from ._metric_base import Metric, check_target_width
from ._quoting import quoted
from ._scratch import buffer, like, row_means, rows

_EPSILON = 1e-7  # Keras's backend.epsilon(), the floor of |y_true| in MAPE
_AGGREGATIONS = ("uniform_average", "variance_weighted_average")  # Keras 3's R2Score's
_STATE_KEYS = ("mean", "m2", "ss_res", "min", "max")  # R2Score's per-output state


class _Regression(_NamedRowMean):
    def _checked(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return check_target_width(y_true, y_pred)  # not numpy's broadcasting error

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

    Per output: ``1 - sum w (y - p)^2 / sum w (y - mean y)^2``; an output with constant
    targets scores 1 if predicted exactly, else 0. "Constant" is decided exactly,
    ``min y == max y`` over the rows of weight > 0 (streamed: running per-output
    minima and maxima), not from ``sum (y - mean y)^2``, which a rounded mean (of
    0.1, say) leaves a hair above 0: the same targets score the same, whole, weighted
    or split into any batches. Keras 3's ``R2Score``
    (``class_aggregation="uniform_average"``, named ``"r2_score"`` there) gives the
    same, except NaN for a constant target predicted exactly (0 / 0).
    ``class_aggregation="variance_weighted_average"`` (Keras 3's; scikit-learn's
    ``multioutput="variance_weighted"``) weighs each output's score by its targets'
    sum of squared deviations (a constant output weighs 0; all constant: the plain mean).
    It is a keyword: the first argument is the name, and Keras' positional
    ``R2Score("variance_weighted_average")`` is refused.
    """

    name = "r2"
    streams = True
    greater_is_better = True
    _n: float  # the rows added (an int), or their weight once a batch came weighted
    # per output (n_outputs,) once a batch is added; 0.0 before
    _mean: float | np.ndarray
    _m2: float | np.ndarray
    _ss_res: float | np.ndarray
    _min: float | np.ndarray  # inf / -inf before
    _max: float | np.ndarray

    def __init__(self, name: str | None = None, *,
                 class_aggregation: str = "uniform_average") -> None:
        if isinstance(name, str) and name in (*_AGGREGATIONS, "raw_values"):  # Keras: 1st arg
            raise ValueError(
                "Expected a metric name as R2Score's first argument (Keras' first is "
                f"class_aggregation): R2Score(class_aggregation={quoted(name)}). "
                f"Received: name={quoted(name)}")
        self.name = check_name(name, type(self).name)
        if not isinstance(class_aggregation, str) or class_aggregation not in _AGGREGATIONS:
            raise ValueError(  # Keras' None (one score per output) is no single number
                "Expected class_aggregation 'uniform_average' or 'variance_weighted_average' "
                f"(one number per metric). Received: class_aggregation={quoted(class_aggregation)}")
        self.class_aggregation = class_aggregation
        self.reset_state()

    def get_config(self) -> dict[str, Any]:
        if self.class_aggregation == "uniform_average":  # the files of before, as they were
            return {"name": self.name}
        return {"name": self.name, "class_aggregation": self.class_aggregation}

    def _compute(self, y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None) -> float:
        y = _targets(y_true, y_pred)
        p = y_pred.astype(np.float64)
        w = np.ones(y.shape[0]) if w is None else w
        if not w.sum():  # no weighted sample: undefined, as in Keras (and without a warning)
            return math.nan
        mean = np.dot(w, y) / w.sum()
        ss_res = np.dot(w, (y - p) ** 2)
        ss_tot = np.dot(w, (y - mean) ** 2)
        weighed = y[w > 0]
        return _r2(ss_res, ss_tot, weighed.min(axis=0) == weighed.max(axis=0),
                   self.class_aggregation)

    def reset_state(self) -> None:
        self._n, self._mean, self._m2, self._ss_res = 0, 0.0, 0.0, 0.0
        self._min, self._max = math.inf, -math.inf

    def _update_state(self, y_true: np.ndarray, y_pred: np.ndarray,
                      sample_weight: np.ndarray | None = None) -> None:
        """Running per-output weight, mean and sum of squared deviations of the targets,
        merged batch by batch (Chan et al.; ``n`` counts the weight, 1 per unweighted
        row), their minimum and maximum (over rows of weight > 0), and the residual
        sum of squares."""
        y = _targets(y_true, y_pred)
        if sample_weight is None:
            n_b, kept = y.shape[0], y
            mean_b = y.mean(axis=0)
            deviation = np.subtract(y, mean_b, out=like("deviation", y))
            m2_b = np.square(deviation, out=deviation).sum(axis=0)  # sum of (y - mean_b) ** 2
            np.copyto(residual := like("residual", y), y_pred)  # in float64, as y - y_pred casts
            ss_res_b = np.square(np.subtract(y, residual, out=residual), out=residual).sum(axis=0)
        else:
            n_b, kept = float(np.sum(sample_weight)), y[sample_weight > 0]
            if not n_b:  # no row weighs: nothing to add
                return
            mean_b = np.dot(sample_weight, y) / n_b
            m2_b = np.dot(sample_weight, (y - mean_b) ** 2)
            ss_res_b = np.dot(sample_weight, (y - y_pred) ** 2)
        total = self._n + n_b
        delta = mean_b - self._mean
        self._mean = self._mean + delta * (n_b / total)
        self._m2 = self._m2 + m2_b + delta**2 * (self._n * n_b / total)
        self._ss_res = self._ss_res + ss_res_b
        self._min = np.minimum(self._min, kept.min(axis=0, initial=math.inf))
        self._max = np.maximum(self._max, kept.max(axis=0, initial=-math.inf))
        self._n = total

    def result(self) -> float:
        if not self._n:
            return math.nan
        return _r2(np.atleast_1d(self._ss_res), np.atleast_1d(self._m2),
                   np.atleast_1d(self._min == self._max), self.class_aggregation)

    def state_dict(self) -> dict[str, Any]:
        """``n`` and per-output lists ``mean``, ``m2``, ``ss_res``, ``min``, ``max``
        (``[0.0]`` each before any batch)."""
        parts = (self._mean, self._m2, self._ss_res) + (
            (self._min, self._max) if self._n else (0.0, 0.0))
        return {"n": self._n, **{k: np.atleast_1d(v).tolist() for k, v in
                                 zip(_STATE_KEYS, parts, strict=True)}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state``; one saved before ``min`` / ``max`` were kept (an older
        checkpoint) gets the bounds ``mean -+ sqrt(m2)``, which hold every target."""
        keys = _STATE_KEYS if isinstance(state, dict) and "min" in state else _STATE_KEYS[:3]
        arrays = _state_arrays(state, keys)
        if arrays is None:
            raise ValueError(f"Expected R2Score state {{'n', {', '.join(map(repr, keys))}}} "
                             f"(min <= max). Received {quoted(state, 200)}")
        self.reset_state()
        if state["n"]:
            if len(arrays) == 3:
                spread = np.sqrt(arrays[1])
                arrays += [arrays[0] - spread, arrays[0] + spread]
            self._n = state["n"]
            self._mean, self._m2, self._ss_res, self._min, self._max = arrays


def _state_arrays(state: Any, keys: tuple[str, ...]) -> list[np.ndarray] | None:
    """``state``'s per-output lists (``keys``) as float64 arrays; None if it is malformed:
    other keys, ``n`` (an int, or the weight once weighted) not a number >= 0, lists
    of other lengths or not of finite numbers, ``min > max``."""
    if not isinstance(state, dict) or set(state) != {"n", *keys}:
        return None
    n, parts = state["n"], [state[k] for k in keys]
    if not (_is_number(n) and n >= 0 and all(
            isinstance(p, list) and len(p) == len(parts[0]) and all(map(_is_number, p))
            for p in parts)):
        return None
    arrays = [np.array(p, dtype=np.float64) for p in parts]
    return None if len(arrays) == 5 and np.any(arrays[3] > arrays[4]) else arrays


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


def _r2(ss_res: np.ndarray, ss_tot: np.ndarray, constant: np.ndarray,
        aggregation: str = "uniform_average") -> float:
    """Mean over outputs of ``1 - ss_res / ss_tot``; 1 or 0 where the targets are
    ``constant`` (or where ``ss_tot`` underflowed to 0). ``"variance_weighted_average"``
    weighs them by ``ss_tot`` (0 for those), as scikit-learn's ``"variance_weighted"``."""
    safe = ~constant & (ss_tot > 0)
    score = np.where(ss_res == 0, 1.0, 0.0)
    score[safe] = 1.0 - ss_res[safe] / ss_tot[safe]
    if aggregation == "variance_weighted_average" and safe.any():
        weights = np.where(safe, ss_tot, 0.0)
        return float(np.dot(weights, score) / weights.sum())
    return float(score.mean())
