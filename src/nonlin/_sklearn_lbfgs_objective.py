"""scikit-learn's L-BFGS objective (``_loss_grad_lbfgs``), operation for operation.

L-BFGS's path is chaotic where the loss gets small (near-separable classes, a
few hundred iterations): a difference in the last bit of one value or gradient
grows until the final losses differ by percents. So for the networks and losses
scikit-learn has (``Dense`` layers with identity, logistic, tanh or relu
between them; log-loss, squared error or Poisson deviance) this objective
repeats scikit-learn's arithmetic in its order, with the same NumPy and SciPy
calls, and so its floating-point warnings. The differences from
``_sklearn_rules.BatchObjective`` (what SGD and Adam use):

* the loss comes from probabilities clipped to ``[eps, 1 - eps]`` and
  ``xlogy``, averaged with ``np.average`` (BatchObjective: from the logits);
  class indicators are booleans, as scikit-learn's (with float32 data,
  ``xlogy`` of them, and of ``1 - Y``, is float64);
* logistic units are SciPy's ``expit``, whose last bit differs from nonlin's
  ``Sigmoid`` in a few percent of entries, the logistic derivative is
  ``(g * y) * (1 - y)``, and relu's sets ``g = 0`` where ``y == 0``;
* the output delta ``w_i (p_i - y_i)`` is back-propagated unscaled, and each
  weight gradient is ``(dW + alpha * W) / s`` at the end (BatchObjective
  scales the delta by ``1 / s`` first);
* the value is ``loss + (0.5 * alpha) * sum(W . W) / s``, the dot products
  summed layer after layer; with scikit-learn 1.6 (no sample weights, its loss
  ``sum(...) / n`` rather than ``np.average``) the loss is summed as 1.6 sums it.

The same parameters then give the same bits for float64 data and for float32
classes. Two float32 cases still differ, both from NumPy's mixed-dtype products
in scikit-learn: a regressor's float64 ``y`` makes its loss, deltas and
gradients float64 on a float32 network (nonlin casts ``y`` to float32), and a
warm start on float32 data (L-BFGS left the network float64) multiplies the
float32 ``X.T`` by float64 deltas, summed in another order than nonlin's
float64 copy of ``X``.

nonlin's extras (``batch_norm``, ``loss="absolute_error"`` or ``"huber"``) have
no scikit-learn counterpart: ``supported`` says so and ``_sklearn_lbfgs`` keeps
``BatchObjective`` for them. This module does not import scikit-learn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._sklearn_sparse import SparseRows
from .activations import Identity, ReLU, Sigmoid, Tanh
from .core import Layer, Param
from .layers import Dense

SKLEARN_KINDS = ("log_loss", "binary_log_loss", "squared_error", "poisson")
_HIDDEN = (Identity, ReLU, Sigmoid, Tanh)


def supported(est: Any) -> bool:
    """Whether ``est``'s network and loss are scikit-learn's (``Dense`` layers and its
    four hidden activations; one of its losses)."""
    return est._objective_kind in SKLEARN_KINDS and all(
        type(layer) in (Dense, SparseRows) or type(layer) in _HIDDEN
        for layer in est.model_.layers)  # SparseRows: the first Dense on a sparse X


def unpack(params: list[Param], theta: np.ndarray) -> None:
    """Copy consecutive slices of ``theta`` into ``params`` (cast to their dtype)."""
    start = 0
    for p in params:
        stop = start + p.value.size
        np.copyto(p.value, theta[start:stop].reshape(p.value.shape), casting="unsafe")
        start = stop


def _activate(layer: Layer, a: np.ndarray, expit: Callable[..., Any]) -> None:
    """scikit-learn's ``ACTIVATIONS`` for ``layer``'s kind, in place on ``a``."""
    if isinstance(layer, ReLU):
        np.maximum(a, 0, out=a)
    elif isinstance(layer, Tanh):
        np.tanh(a, out=a)
    elif isinstance(layer, Sigmoid):
        expit(a, out=a)


def _derivative(layer: Layer, a: np.ndarray, delta: np.ndarray) -> None:
    """scikit-learn's ``DERIVATIVES`` for ``layer``'s kind: ``delta`` (n, k) times the
    derivative at the unit outputs ``a`` (n, k), in place."""
    if isinstance(layer, ReLU):
        delta[a == 0] = 0
    elif isinstance(layer, Tanh):
        delta *= 1 - a**2
    elif isinstance(layer, Sigmoid):
        delta *= a
        delta *= 1 - a


class SklearnObjective:
    """``theta -> (value, gradient)`` as scikit-learn's ``_loss_grad_lbfgs`` computes it.

    Parameters
    ----------
    est : MLPClassifier or MLPRegressor
        The estimator (``supported(est)``); its network's parameters are set from
        each ``theta`` (packed in ``params``' order) and their grads overwritten.
    X : ndarray of shape (n_samples, n_features)
        Or, for a sparse ``X``, its row numbers (n_samples, 1), the network's first layer a
        ``SparseRows`` (``_sklearn_sparse.in_front``).
    Y : ndarray of shape (n_samples, n_outputs)
        Targets (0 / 1 indicators for a classifier).
    sample_weight : ndarray of shape (n_samples,) or None
    params : list of Param
        The packing order: weights, then biases (scikit-learn's ``_pack``).

    With ``s`` the weight sum (``n_samples`` unweighted) the value is
    ``loss(Y, p) + (0.5 * alpha) * sum_l ||W_l||^2 / s`` and the gradients are
    ``dW = (a.T @ delta + alpha * W) / s``, ``db = sum_rows(delta) / s``.
    """

    def __init__(self, est: Any, X: np.ndarray, Y: np.ndarray,
                 sample_weight: np.ndarray | None, params: list[Param]) -> None:
        import scipy.special

        self.expit, self.xlogy = scipy.special.expit, scipy.special.xlogy
        self.X, self.Y, self.sample_weight, self.params = X, Y, sample_weight, params
        if est._objective_kind in ("log_loss", "binary_log_loss"):  # scikit-learn's booleans:
            self.Y = Y.astype(bool)  # with float32 data xlogy(bool, p) and 1 - Y are float64
        self.layers: list[Layer] = est.model_.layers
        self.coefs: list[Param] = est._coef_params
        self.alpha, self.kind = est.alpha, est._objective_kind  # alpha as given: its type
        # decides float32 products as in scikit-learn (NumPy's promotion rules)
        self.out_activation = est.out_activation_
        self.weight_sum = X.shape[0] if sample_weight is None else sample_weight.sum()
        self.legacy = sample_weight is None and getattr(est, "_sklearn_before_1_7", False)

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        unpack(self.params, theta)
        activations = self._forward()
        value = self._loss(activations[-1])
        total = 0
        for p in self.coefs:
            w = p.value.ravel()
            total += np.dot(w, w)
        value += (0.5 * self.alpha) * total / self.weight_sum
        self._backward(activations)
        return value, np.concatenate([p.grad.ravel() for p in self.params])

    def _forward(self) -> list[np.ndarray]:
        """scikit-learn's ``_forward_pass``: each ``Dense`` output, then its activation in
        place; the last one gets the output activation. Returns the unit outputs after
        each ``Dense`` (the last: probabilities or predictions)."""
        activations, a = [], self.X
        for layer in self.layers:
            if isinstance(layer, Dense):
                a = np.array(layer.forward(a, training=True))  # caches its input
                activations.append(a)
            else:
                _activate(layer, a, self.expit)
        out = activations[-1]
        if self.out_activation == "softmax":
            shifted = out - out.max(axis=1)[:, np.newaxis]
            np.exp(shifted, out=out)
            out /= out.sum(axis=1)[:, np.newaxis]
        elif self.out_activation == "logistic":
            self.expit(out, out=out)
        elif self.out_activation == "exp":
            np.exp(out, out=out)
        return activations

    def _loss(self, p: np.ndarray) -> Any:
        """scikit-learn's ``LOSS_FUNCTIONS[kind](Y, p, sample_weight)``."""
        y, sw, xlogy = self.Y, self.sample_weight, self.xlogy
        if self.legacy:
            return _loss_1_6(self.kind, y, p, xlogy)
        if self.kind == "squared_error":
            return 0.5 * np.average((y - p) ** 2, weights=sw, axis=0).mean()
        if self.kind == "poisson":
            return np.average(xlogy(y, y / p) - y + p, weights=sw, axis=0).sum()
        eps = np.finfo(p.dtype).eps
        p = np.clip(p, eps, 1 - eps)
        if self.kind == "binary_log_loss":
            return -np.average(xlogy(y, p) + xlogy(1 - y, 1 - p), weights=sw, axis=0).sum()
        return -np.average(xlogy(y, p), weights=sw, axis=0).sum()

    def _backward(self, activations: list[np.ndarray]) -> None:
        """scikit-learn's ``_backprop`` after the loss: ``delta = w (p - Y)`` through each
        ``Dense.backward`` and activation derivative, then ``dW += alpha W``, both / s."""
        delta = activations[-1] - self.Y
        if self.sample_weight is not None:
            delta *= self.sample_weight.reshape(-1, 1)
        unit = len(activations) - 1
        for layer in reversed(self.layers):
            if isinstance(layer, Dense):
                unit -= 1
                grad_in = layer.backward(delta)
                delta = np.array(grad_in) if grad_in is not None else delta
            else:
                _derivative(layer, activations[unit], delta)
        for p in self.coefs:
            p.grad += self.alpha * p.value
        for p in self.params:
            p.grad /= self.weight_sum


def _loss_1_6(kind: str, y: np.ndarray, p: np.ndarray, xlogy: Callable[..., Any]) -> Any:
    """scikit-learn 1.6's unweighted ``LOSS_FUNCTIONS[kind](y, p)`` (sums over all
    entries, then ``/ n_samples``; it has no Poisson loss)."""
    if kind == "squared_error":
        return ((y - p) ** 2).mean() / 2
    eps = np.finfo(p.dtype).eps
    p = np.clip(p, eps, 1 - eps)
    if kind == "binary_log_loss":
        return -(xlogy(y, p).sum() + xlogy(1 - y, 1 - p).sum()) / p.shape[0]
    return -xlogy(y, p).sum() / p.shape[0]
