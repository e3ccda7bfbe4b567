"""scikit-learn's MLP training rules, expressed with nonlin's own pieces.

``nonlin.sklearn`` trains through nonlin's layers, losses, optimizers and fit
loop. Where scikit-learn's rule differs from nonlin's defaults, the rule lives
here, as small objects plugged into that loop (this module does not import
scikit-learn):

* ``sklearn_init``: Glorot-uniform weights *and* biases, drawn interleaved from
  a ``RandomState`` exactly as scikit-learn draws them.
* ``BatchObjective``: the per-batch objective. With ``s`` the batch's sample
  weight sum (its size when unweighted) the loss is
  ``sum_i w_i l_i / s + alpha / 2 * sum ||W||^2 / s``; its gradient with
  respect to the output is ``w_i (p_i - y_i) / s``. The value is recorded for
  every batch, so an epoch's loss is ``sum_b n_b loss_b / n`` as in
  scikit-learn's ``loss_``.
* ``PenalizedOptimizer``: adds ``alpha / s * W`` to each weight's gradient
  (biases are not penalized) and hands the step to an inner optimizer.
* ``SklearnAdam``: ``lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)``,
  ``W <- W - lr_t m / (sqrt(v) + eps)`` (epsilon outside the bias correction).

The per-epoch rules (loss curve, tol and n_iter_no_change, learning-rate
schedules, early stopping) are in ``_sklearn_schedule.py``.
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Any

import numpy as np

from .core import Param
from .losses import BinaryCrossEntropy, CrossEntropy, Huber, Loss, MeanAbsoluteError, log_softmax
from .optimizers import SGD, Optimizer

OBJECTIVES = ("log_loss", "binary_log_loss", "squared_error", "absolute_error", "huber", "poisson")


def sklearn_init(
    rng: np.random.RandomState, layer_units: list[int], activation: str, dtype: np.dtype
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """scikit-learn's initial ``coefs_`` and ``intercepts_``.

    For each layer, ``W ~ U(-a, a)`` of shape (fan_in, fan_out) then
    ``b ~ U(-a, a)`` of shape (fan_out,), with
    ``a = sqrt(f / (fan_in + fan_out))``, ``f = 2`` for the logistic activation
    and 6 otherwise, drawn in that order from ``rng``.
    """
    factor = 2.0 if activation == "logistic" else 6.0
    coefs, intercepts = [], []
    for fan_in, fan_out in pairwise(layer_units):
        bound = np.sqrt(factor / (fan_in + fan_out))
        coefs.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype, copy=False))
        intercepts.append(rng.uniform(-bound, bound, fan_out).astype(dtype, copy=False))
    return coefs, intercepts


def _clipped_log(log_p: np.ndarray) -> np.ndarray:
    """``log(clip(p, eps, 1 - eps))`` from ``log p``, as scikit-learn clips probabilities."""
    eps = np.finfo(log_p.dtype).eps
    return np.clip(log_p, math.log(eps), math.log1p(-eps))


class BatchObjective(Loss):
    """scikit-learn's batch objective on the network's raw outputs ``z``.

    Parameters
    ----------
    kind : str
        ``"log_loss"`` (softmax outputs), ``"binary_log_loss"`` (logistic
        outputs, binary or multilabel), ``"squared_error"``,
        ``"absolute_error"``, ``"huber"`` or ``"poisson"`` (log link,
        ``p = exp(z)``).
    alpha : float
        L2 penalty strength.
    coefs : list of Param
        The weight matrices the penalty applies to.

    ``y`` has shape (n_samples, n_outputs) (one-hot for ``log_loss``).
    """

    reduction = "sum"

    def __init__(self, kind: str, alpha: float, coefs: list[Param]) -> None:
        if kind not in OBJECTIVES:
            raise ValueError(f"Expected one of {OBJECTIVES}. Received: kind={kind!r}")
        self.kind, self.alpha, self.coefs = kind, float(alpha), coefs
        self.inner: Loss | None = {
            "log_loss": CrossEntropy(from_logits=True, reduction="sum"),
            "binary_log_loss": BinaryCrossEntropy(from_logits=True, reduction="sum"),
            "absolute_error": MeanAbsoluteError(reduction="sum"),
            "huber": Huber(reduction="sum"),
        }.get(kind)
        self.weight_sum, self.last_value = 1.0, 0.0
        self.reset_epoch()

    def reset_epoch(self) -> None:
        """Start a new epoch's running loss ``sum_b n_b loss_b``."""
        self.epoch_total, self.epoch_samples = 0.0, 0

    @property
    def epoch_loss(self) -> float:
        """The epoch's loss so far: ``sum_b n_b loss_b / sum_b n_b``."""
        return self.epoch_total / max(self.epoch_samples, 1)

    def _sample_losses(self, y_true: np.ndarray, z: np.ndarray) -> np.ndarray:
        kind = self.kind
        if kind == "log_loss":
            return -np.einsum("ij,ij->i", y_true, _clipped_log(log_softmax(z)))
        if kind == "binary_log_loss":
            log_p = _clipped_log(-np.logaddexp(0, -z))
            log_q = _clipped_log(-np.logaddexp(0, z))
            return -(y_true * log_p + (1 - y_true) * log_q).sum(axis=1)
        if kind == "squared_error":
            residual = z - y_true
            return 0.5 * np.einsum("ij,ij->i", residual, residual) / z.shape[1]
        if kind == "poisson":
            with np.errstate(divide="ignore", invalid="ignore"):
                ylogy = np.where(y_true > 0, y_true * np.log(y_true), 0.0)
            return (ylogy - y_true * z - y_true + np.exp(z)).sum(axis=1)
        return self.inner._sample_losses(y_true, z)

    def penalty(self) -> float:
        """``alpha / 2 * sum ||W||^2`` (before dividing by the weight sum)."""
        if not self.alpha:
            return 0.0
        return 0.5 * self.alpha * sum(float(np.dot(w.ravel(), w.ravel())) for w in self._arrays())

    def _arrays(self) -> list[np.ndarray]:
        return [p.value for p in self.coefs]

    def _value(self, y_true: np.ndarray, z: np.ndarray, sample_weight: Any = None) -> float:
        losses = self._sample_losses(y_true, z)
        if sample_weight is None:
            total, weight_sum = float(losses.sum()), z.shape[0]
        else:
            total, weight_sum = float(np.dot(losses, sample_weight)), float(sample_weight.sum())
        return (total + self.penalty()) / weight_sum

    def _grad(
        self, y_true: np.ndarray, z: np.ndarray, sample_weight: Any = None, out: Any = None
    ) -> np.ndarray:
        """``w_i (p_i - y_i) / s``; also records ``s`` and the batch's loss."""
        n = z.shape[0]
        weight_sum = n if sample_weight is None else float(sample_weight.sum())
        self.last_value = self._value(y_true, z, sample_weight)
        self.epoch_total += self.last_value * n
        self.epoch_samples += n
        self.weight_sum = weight_sum
        if out is None:
            out = np.empty_like(z)
        if self.inner is not None:
            self.inner._grad(y_true, z, sample_weight, out)
        else:  # squared error and poisson: p - y with p = z or exp(z)
            np.subtract(np.exp(z) if self.kind == "poisson" else z, y_true, out=out)
            if sample_weight is not None:
                np.multiply(out, sample_weight[:, None], out=out)
        return np.multiply(out, 1.0 / weight_sum, out=out)

    def get_config(self) -> dict[str, Any]:
        return {"kind": self.kind, "alpha": self.alpha}


class PenalizedOptimizer(Optimizer):
    """scikit-learn's L2 rule around an inner optimizer.

    Before each inner step, every weight matrix gets ``dL/dW += alpha / s * W``
    where ``s`` is the current batch's weight sum (read from ``objective``).
    ``lr`` reads and writes the inner optimizer's learning rate.
    """

    def __init__(self, inner: Optimizer, objective: BatchObjective, coefs: list[Param]) -> None:
        self.inner, self.objective, self.coefs = inner, objective, coefs
        self.iterations = 0
        self._scaled: list[np.ndarray] = []

    @property
    def lr(self) -> float:  # type: ignore[override]
        return self.inner.lr

    @lr.setter
    def lr(self, value: float) -> None:
        self.inner.lr = value

    def step(self, params: list[Param]) -> None:
        alpha = self.objective.alpha
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


def sklearn_sgd(lr: float, momentum: float, nesterov: bool) -> SGD:
    """nonlin's ``SGD`` with scikit-learn's parameter ranges.

    scikit-learn allows ``momentum = 1`` and Nesterov with zero momentum (a
    plain step); both are the same formula ``v <- mu v - lr g``.
    """
    opt = SGD(lr=lr, momentum=min(momentum, 0.5), nesterov=bool(nesterov and momentum > 0))
    opt.momentum = float(momentum)
    return opt


class SklearnAdam(Optimizer):
    """Adam as scikit-learn writes it (Kingma & Ba, 2014, section 2)::

        m <- b1 m + (1 - b1) g          v <- b2 v + (1 - b2) g^2
        lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)
        w <- w - lr_t m / (sqrt(v) + eps)

    State is created on the first step, in the parameters' dtype.
    """

    def __init__(
        self, lr: float = 0.001, beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-8
    ) -> None:
        super().__init__(lr)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self._m: list[np.ndarray] = []
        self._v: list[np.ndarray] = []
        self._bufs: list[np.ndarray] = []
        self._steps: list[np.ndarray] = []

    def step(self, params: list[Param]) -> None:
        if len(self._m) != len(params):
            self._m = [np.zeros_like(p.value) for p in params]
            self._v = [np.zeros_like(p.value) for p in params]
            self._bufs = [np.empty_like(p.value) for p in params]
            self._steps = [np.empty_like(p.value) for p in params]
        self.iterations += 1
        t, b1, b2 = self.iterations, self.beta_1, self.beta_2
        lr_t = -self.lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        states = zip(params, self._m, self._v, self._bufs, self._steps, strict=True)
        for p, m, v, buf, step in states:
            g = p.grad
            np.add(np.multiply(m, b1, out=m), np.multiply(g, 1 - b1, out=buf), out=m)
            np.multiply(g, g, out=buf)
            np.add(np.multiply(v, b2, out=v), np.multiply(buf, 1 - b2, out=buf), out=v)
            np.add(np.sqrt(v, out=buf), self.epsilon, out=buf)
            np.divide(np.multiply(m, lr_t, out=step), buf, out=step)
            np.add(p.value, step, out=p.value)

    def get_config(self) -> dict[str, Any]:
        return {"lr": self.lr, "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
