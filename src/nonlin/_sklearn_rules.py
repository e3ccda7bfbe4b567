"""scikit-learn's MLP training rules, expressed with nonlin's own pieces.

``nonlin.sklearn`` trains through nonlin's layers, losses, optimizers and fit
loop. Where scikit-learn's rule differs from nonlin's defaults, the rule lives
here, as small objects plugged into that loop (this module does not import
scikit-learn):

* ``BatchObjective``: the per-batch objective. With ``s`` the batch's sample
  weight sum (its size when unweighted) the loss is
  ``sum_i w_i l_i / s + alpha / 2 * sum ||W||^2 / s``; its gradient with
  respect to the output is ``w_i (p_i - y_i) / s``. nonlin's loop averages the
  batch values weighted by batch size, which is scikit-learn's ``loss_``.
* ``PenalizedOptimizer``: adds ``alpha / s * W`` to each weight's gradient
  (biases are not penalized) and hands the step to an inner optimizer.

The initial weights and the SGD (``sklearn_init``, ``sklearn_sgd``) are in
``_sklearn_setup.py``; the per-epoch rules (loss curve, tol and n_iter_no_change,
learning-rate schedules, early stopping) are in ``_sklearn_schedule.py``.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from ._quoting import quoted
from ._sklearn_extras import fit_copy
from ._sklearn_flat import FlatParams  # noqa: F401 (here before: pickles name it here)
from .core import Param
from .losses import BinaryCrossEntropy, CrossEntropy, Huber, Loss, MeanAbsoluteError
from .optimizers import Optimizer

OBJECTIVES = ("log_loss", "binary_log_loss", "squared_error", "absolute_error", "huber", "poisson",
              "nonlin_loss")


_LOG_BOUNDS = {
    np.dtype(dt): (math.log(np.finfo(dt).eps), math.log1p(-np.finfo(dt).eps))
    for dt in (np.float32, np.float64)
}


def _clipped_log(log_p: np.ndarray) -> np.ndarray:
    """``log(clip(p, eps, 1 - eps))`` from ``log p``, as scikit-learn clips probabilities."""
    low, high = _LOG_BOUNDS[log_p.dtype]
    return np.minimum(np.maximum(log_p, low, out=log_p), high, out=log_p)


class BatchObjective(Loss):
    """scikit-learn's batch objective on the network's raw outputs ``z``.

    Parameters
    ----------
    kind : str
        ``"log_loss"`` (softmax outputs), ``"binary_log_loss"`` (logistic
        outputs, binary or multilabel), ``"squared_error"``,
        ``"absolute_error"``, ``"huber"``, ``"poisson"`` (log link,
        ``p = exp(z)``) or ``"nonlin_loss"`` (``loss``'s per-sample values, identity link).
    alpha : float
        L2 penalty strength.
    coefs : list of Param
        The weight matrices the penalty applies to.
    loss : Loss, optional
        For ``"nonlin_loss"``: the regressor's ``loss`` parameter. A deep copy summing over
        the batch trains (``_sklearn_extras.fit_copy``); ``loss`` stays as given.

    ``y`` has shape (n_samples, n_outputs) (one-hot for ``log_loss``).
    """

    # a batch's value is a mean (over the weight sum): fit's epoch loss is then the
    # batch-size-weighted mean of the batches', scikit-learn's loss_curve_
    reduction = "mean"
    stop_on_nonfinite = False  # nonlin's loop trains on through inf/NaN, as scikit-learn does
    negative_weights = True  # scikit-learn's MLP takes sample weights of any sign

    def __init__(self, kind: str, alpha: float, coefs: list[Param],
                 loss: Loss | None = None) -> None:
        if kind not in OBJECTIVES or (kind == "nonlin_loss") != isinstance(loss, Loss):
            raise ValueError(f"Expected one of {OBJECTIVES}, 'nonlin_loss' with a Loss. "
                             f"Received: kind={quoted(kind)}, loss={quoted(loss, 80)}")
        self.kind, self.alpha, self.coefs = kind, float(alpha), coefs
        self.inner: Loss | None = fit_copy(loss) if isinstance(loss, Loss) else _inner_loss(kind)
        self.weight_sum = 1.0
        self.flat_coefs: np.ndarray | None = None
        self._softmax_parts: tuple[np.ndarray, ...] | None = None

    def _sample_losses(self, y_true: np.ndarray, z: np.ndarray) -> np.ndarray:
        kind = self.kind
        if kind == "log_loss":  # exp(z - max) and its row sums are kept for the gradient
            shifted, exp, columns, maxima, sums, picked = self._buffers(z)
            # the row maxima down the columns of z's transpose: 3x faster than
            # z.max(axis=1) on rows of a few classes, and a maximum is exact in any order
            np.copyto(columns, z.T)
            np.maximum.reduce(columns, 0, out=maxima)
            np.subtract(z, maxima[:, None], out=shifted)
            np.exp(shifted, out=exp)
            np.add.reduce(exp, 1, out=sums)  # exp.sum(axis=1), without its Python wrapper
            self._softmax_parts = (z, exp, sums)
            np.add.reduce(np.multiply(y_true, shifted, out=shifted), 1, out=picked)  # one-hot
            log_sums = np.log(sums, out=maxima)  # (the maxima are used)
            log_p = _clipped_log(np.subtract(picked, log_sums, out=picked))
            return np.negative(log_p, out=log_p)
        if kind == "binary_log_loss":  # log p = -softplus(-z), log(1 - p) = log p - z
            log_p = np.negative(np.logaddexp(0, -z))
            log_q = _clipped_log(log_p - z)
            return -(y_true * _clipped_log(log_p) + (1 - y_true) * log_q).sum(axis=1)
        if kind == "squared_error":
            residual = z - y_true
            return 0.5 * np.einsum("ij,ij->i", residual, residual) / z.shape[1]
        if kind == "poisson":
            with np.errstate(divide="ignore", invalid="ignore"):
                ylogy = np.where(y_true > 0, y_true * np.log(y_true), 0.0)
            return (ylogy - y_true * z - y_true + np.exp(z)).sum(axis=1)
        # absolute_error, huber and nonlin_loss: inner is their loss (None only for the kinds above)
        losses = self.inner._sample_losses(y_true, z)  # type: ignore[union-attr]
        if np.shape(losses) != z.shape[:1]:  # a user's Loss: one loss per sample, or wrong sums
            named = getattr(self.inner, "inner", self.inner)  # a binary classifier's: wrapped
            raise ValueError(
                f"Expected {type(named).__name__}._sample_losses to return one loss per "
                f"sample, shape ({z.shape[0]},). Received shape {np.shape(losses)}.")
        return losses

    def _buffers(self, z: np.ndarray) -> tuple[np.ndarray, ...]:
        """The log loss's buffers for a batch shaped like ``z`` (n, k), kept for a few shapes
        (an epoch's last batch is shorter): two like ``z``, one (k, n), three of shape (n,)."""
        bufs = self.__dict__.setdefault("_bufs", {})
        key = (z.shape, z.dtype)
        found = bufs.get(key)
        if found is None:
            if len(bufs) >= 4:  # partial_fit's batches of any size: no buffer per size
                bufs.clear()
            (n, k), dt = z.shape, z.dtype
            found = bufs[key] = (np.empty_like(z), np.empty_like(z), np.empty((k, n), dt),
                                 *(np.empty(n, dt) for _ in range(3)))
        return found

    def __getstate__(self) -> dict[str, Any]:
        """Pickling and ``copy``: not the scratch arrays (``_buffers``, the softmax parts
        kept for the gradient) nor ``flat_coefs``, a view of the network's packed weights,
        which a copy would hold as an array of its own: each fit sets it again."""
        dropped: dict[str, Any] = {"_bufs": {}, "_softmax_parts": None, "flat_coefs": None}
        return {**self.__dict__, **{k: v for k, v in dropped.items() if k in self.__dict__}}

    def penalty(self) -> float:
        """``alpha / 2 * sum ||W||^2`` (before dividing by the weight sum)."""
        if not self.alpha:
            return 0.0
        if self.flat_coefs is not None:  # every weight matrix, as one slice
            return 0.5 * self.alpha * float(np.dot(self.flat_coefs, self.flat_coefs))
        return 0.5 * self.alpha * sum(float(np.dot(w.ravel(), w.ravel())) for w in self._arrays())

    def _arrays(self) -> list[np.ndarray]:
        return [p.value for p in self.coefs]

    def _value(self, y_true: np.ndarray, z: np.ndarray, sample_weight: Any = None) -> float:
        losses = self._sample_losses(y_true, z)
        if sample_weight is None:
            total, weight_sum = float(np.add.reduce(losses)), z.shape[0]  # losses.sum()
        else:
            total, weight_sum = float(np.dot(losses, sample_weight)), _sum(sample_weight)
        return (total + self.penalty()) / weight_sum

    def _grad(
        self, y_true: np.ndarray, z: np.ndarray, sample_weight: Any = None, out: Any = None
    ) -> np.ndarray:
        """``w_i (p_i - y_i) / s``; records ``s`` for the penalty's gradient."""
        weight_sum = z.shape[0] if sample_weight is None else _sum(sample_weight)
        self.weight_sum = weight_sum
        if out is None:
            out = np.empty_like(z)
        cached, self._softmax_parts = self._softmax_parts, None
        if self.kind == "log_loss" and cached is not None and cached[0] is z:
            _, exp, sums = cached  # softmax(z) - y = exp / sums - y
            np.subtract(np.divide(exp, sums[:, None], out=out), y_true, out=out)
            if sample_weight is not None:
                np.multiply(out, sample_weight[:, None], out=out)
        elif self.inner is not None:
            self.inner._grad(y_true, z, sample_weight, out)
        else:  # squared error and poisson: p - y with p = z or exp(z)
            np.subtract(np.exp(z) if self.kind == "poisson" else z, y_true, out=out)
            if sample_weight is not None:
                np.multiply(out, sample_weight[:, None], out=out)
        return np.multiply(out, 1.0 / weight_sum, out=out)

    def get_config(self) -> dict[str, Any]:
        return {"kind": self.kind, "alpha": self.alpha}


def _sum(sample_weight: np.ndarray) -> float:
    """A batch's weight sum ``s``; 0 raises scikit-learn's error (NumPy's ``average``)."""
    weight_sum = float(sample_weight.sum())
    if weight_sum == 0:
        raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    return weight_sum


def _inner_loss(kind: str) -> Loss | None:
    """The nonlin loss of an objective ``kind`` (summed over the batch), or None for the
    kinds ``BatchObjective`` computes itself; only that one is made (once per fit)."""
    if kind == "log_loss":
        return CrossEntropy(from_logits=True, reduction="sum")
    if kind == "binary_log_loss":
        return BinaryCrossEntropy(from_logits=True, reduction="sum")
    if kind == "absolute_error":
        return MeanAbsoluteError(reduction="sum")
    return Huber(reduction="sum") if kind == "huber" else None


class PenalizedOptimizer(Optimizer):
    """scikit-learn's L2 rule around an inner optimizer.

    Before each inner step, every weight matrix gets ``dL/dW += alpha / s * W``
    where ``s`` is the current batch's weight sum (read from ``objective``).
    With ``flat`` set, the inner optimizer steps the flat parameter instead of
    the list it is handed. ``lr`` reads and writes the inner optimizer's rate.
    """

    rule: dict[str, Any]  # the rate rule (_sklearn_schedule.rate_rule), set by the engine

    def __init__(self, inner: Optimizer, objective: BatchObjective, coefs: list[Param]) -> None:
        self.inner, self.objective, self.coefs = inner, objective, coefs
        self.flat: FlatParams | None = None
        self.iterations = 0
        self.check_finite = False  # set by the loop; scikit-learn checks weights after fitting
        self._scaled: list[np.ndarray] = []

    @property
    def lr(self) -> Any:
        return self.inner.lr

    @lr.setter
    def lr(self, value: Any) -> None:
        self.inner.lr = value

    learning_rate = lr  # scikit-learn's name for the current rate

    def current_lr(self) -> float:
        return self.inner.current_lr()

    def __getstate__(self) -> dict[str, Any]:
        """``Optimizer``'s, without the penalty's scratch array (the next step makes it),
        and the inner optimizer without its ``_owners``: the flat parameter, whose arrays no
        layer of a copy shares; the next fit moves the slots to its own
        (``_sklearn_engine.fit_stochastic``)."""
        inner = copy.copy(self.inner)  # its own __getstate__: no scratch, no binding
        inner._owners = []
        return {**super().__getstate__(), "inner": inner, "_scaled": []}

    def _check_settings(self) -> None:
        """Nothing: the inner optimizer's settings are the estimator's, checked by its
        ``fit`` in scikit-learn's ranges (``_sklearn_setup.sklearn_sgd``: momentum 1)."""

    def state_dict(self) -> dict[str, Any]:
        return self.inner.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.inner.load_state_dict(state)

    def state_dict_in(self, dtype: Any) -> dict[str, Any]:
        """``state_dict`` with the slots in ``dtype``, the network's: a float32 fit's moments
        after L-BFGS moved the network to float64 (scikit-learn's then become float64)."""
        return {k: v.astype(dtype, copy=False) if isinstance(v, np.ndarray) else v
                for k, v in self.inner.state_dict().items()}

    def step(self, params: list[Param]) -> None:
        alpha, flat = self.objective.alpha, self.flat
        if flat is not None:
            if alpha:
                scale = alpha / self.objective.weight_sum
                values, grads = flat.coef_values, flat.coef_grads
                scaled = self._scaled[0] if len(self._scaled) == 1 else None
                if scaled is None or (scaled.shape, scaled.dtype) != (values.shape, values.dtype):
                    self._scaled = [np.empty_like(values)]  # (float64 after L-BFGS, say)
                np.add(grads, np.multiply(values, scale, out=self._scaled[0]), out=grads)
            self.inner.step([flat.param])
            self.iterations += 1
            return
        if alpha:
            if len(self._scaled) != len(self.coefs):
                self._scaled = [np.empty_like(p.value) for p in self.coefs]
            scale = alpha / self.objective.weight_sum
            for p, buf in zip(self.coefs, self._scaled, strict=True):
                np.add(p.grad, np.multiply(p.value, scale, out=buf), out=p.grad)
        self.inner.step(params)
        self.iterations += 1

    def get_config(self) -> dict[str, Any]:
        return {"inner": repr(self.inner), "alpha": self.objective.alpha}
