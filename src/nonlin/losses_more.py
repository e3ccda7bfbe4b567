"""More losses, as Keras 3 names them: ``Poisson``, ``KLDivergence``, ``LogCosh``.

Re-exported by ``nonlin.losses`` (``from nonlin.losses import Poisson``) and by
``nonlin``; the conventions of ``nonlin.losses`` hold: the per-sample loss sums over
the outputs, ``reduction`` and ``sample_weight`` as there, float32 kept. None of
them has a fused path: ``fit`` calls their ``_value`` / ``_grad`` on each batch,
with the buffers it lends (``nonlin._scratch``).

How they relate to Keras 3 (``keras.losses``) and PyTorch, per sample of ``k``
outputs: ``KLDivergence`` equals Keras' ``kl_divergence`` (a sum over the outputs
there too); ``Poisson`` and ``LogCosh`` are ``k`` times Keras' ``poisson`` and
``log_cosh``, which average over the outputs. PyTorch's ``PoissonNLLLoss`` and
``KLDivLoss`` differ as their docstrings say.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._branchless import pick
from ._loss_checks import check_reduction
from ._scratch import like, rows
from .core import const
from .losses import Loss

EPSILON = 1e-7  # Keras' backend.epsilon(), in every dtype (as Keras)


def _refuse_outside(values: np.ndarray, low: float, high: float, what: str, hint: str) -> None:
    """A ``ValueError`` naming the first entry of ``values`` outside ``[low, high]``."""
    outside = (values < low) | (values > high)
    if outside.any():
        index = tuple(int(i) for i in np.argwhere(outside)[0])
        raise ValueError(f"Expected {what}. Received {values[index]} at index {index}{hint}")


def check_fit_targets(loss: Loss, y: np.ndarray, name: str = "y_true") -> None:
    """Refuse targets ``loss`` has no meaning for, naming the first: below 0 for
    ``Poisson`` (counts), outside [0, 1] for ``KLDivergence`` (probabilities, which
    Keras would clip silently). The public calls and ``fit`` (``data.prepare_targets``)."""
    if isinstance(loss, Poisson):
        _refuse_outside(y, 0.0, np.inf, f"targets >= 0 (counts) for the Poisson loss in {name}",
                        "")
    elif isinstance(loss, KLDivergence):
        _refuse_outside(y, 0.0, 1.0, f"target probabilities in [0, 1] for the KL divergence "
                        f"in {name}", "")


class Poisson(Loss):
    """Poisson loss for counts: ``L_i = sum_j [p_ij - y_ij log(p_ij + eps)]``,
    ``eps = 1e-7`` (Keras' ``backend.epsilon()``, in every dtype).

    Gradient ``d L_i / d p_ij = 1 - y_ij / (p_ij + eps)``.

    ``y_pred`` (n_samples, n_outputs) is a rate, so it must be >= 0: end the model
    with a positive output, an ``Exp()`` (the log link of Poisson regression) or a
    ``Softplus()`` layer. A public call refuses a negative prediction, and a negative
    target (a count), and so does ``fit`` for its targets; ``fit`` does not check the
    model's outputs on each batch (a negative one makes the loss NaN, which ``fit``
    reports as a divergence), but warns when the last layer can give them.

    Keras' ``poisson`` is the same per entry and averages over the outputs (nonlin's
    is ``n_outputs`` times it). PyTorch's ``PoissonNLLLoss(log_input=False)`` is the
    same per entry with ``eps=1e-8`` (``full=False``, its default, leaves out the
    Stirling term, as here) and averages over every entry; its default
    ``log_input=True`` takes ``log p`` instead (nonlin: an ``Exp()`` last layer).
    """

    def __init__(self, reduction: str | None = "mean") -> None:
        self.reduction = check_reduction(reduction)

    def _check_target(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        _refuse_outside(y_pred, 0.0, np.inf, "predictions >= 0 (Poisson rates) in y_pred",
                        "; end the model with a positive output, such as Exp() or Softplus()")
        y_true = super()._check_target(y_true, y_pred)
        check_fit_targets(self, y_true)
        return y_true

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        terms = np.add(y_pred, const(EPSILON, y_pred.dtype), out=like("terms", y_pred))
        np.log(terms, out=terms)
        np.multiply(terms, y_true, out=terms)
        np.subtract(y_pred, terms, out=terms)  # p - y log(p + eps)
        return np.add.reduce(terms, 1, out=rows("losses", terms))  # .sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.add(y_pred, const(EPSILON, y_pred.dtype), out=out)
        np.divide(y_true, out, out=out)
        return np.subtract(const(1.0, out.dtype), out, out=out)


class KLDivergence(Loss):
    """Kullback-Leibler divergence of ``y_pred`` from ``y_true``, as Keras 3 computes it:
    with ``t = clip(y_true, eps, 1)`` and ``q = clip(y_pred, eps, 1)``, ``eps = 1e-7``,
    ``L_i = sum_j t_ij log(t_ij / q_ij)``.

    Gradient ``d L_i / d p_ij = -t_ij / q_ij`` where ``eps <= p_ij <= 1``, and 0 outside
    (where the clip is flat): what Keras' automatic differentiation gives through
    its clip (TensorFlow's ``clip_by_value`` and PyTorch's ``clamp`` pass the
    gradient at the bounds, zero it beyond). So a prediction below ``1e-7`` for a
    class of the target gets no gradient, as in Keras. (The divergence is
    ``CrossEntropy`` of soft targets minus their entropy, a constant: the same
    gradient inside the clip; ``CrossEntropy`` keeps ``-y / eps`` below it.)

    ``y_true`` and ``y_pred`` (n_samples, n_outputs) hold probabilities, rows that
    sum to 1; a public call refuses values outside [0, 1] (Keras clips them
    silently), and so does ``fit`` for its targets. A target row summing to another
    value is taken, by both, as Keras' ``kl_divergence`` and PyTorch's ``KLDivLoss``
    take it (unlike ``CrossEntropy``, which refuses it): the loss stays bounded below,
    and a ``Softmax`` output is drawn towards the row divided by its sum. Keras'
    ``kl_divergence`` sums over the outputs too: the same value.
    PyTorch's ``KLDivLoss`` takes ``log q`` as its input (``log_target=False``), does
    not clip (``t log t`` is 0 where ``t = 0``; Keras' and nonlin's ``1e-7`` floor adds
    about ``1e-7 log(1e-7 / q)`` there), and its ``reduction="batchmean"`` is nonlin's
    ``"mean"`` (its ``"mean"`` divides by every entry).
    """

    def __init__(self, reduction: str | None = "mean") -> None:
        self.reduction = check_reduction(reduction)

    def _check_target(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        _refuse_outside(y_pred, 0.0, 1.0, "probabilities in [0, 1] in y_pred",
                        "; end the model with Softmax()")
        y_true = super()._check_target(y_true, y_pred)
        check_fit_targets(self, y_true)
        return y_true

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        eps, one = const(EPSILON, y_pred.dtype), const(1.0, y_pred.dtype)
        t = np.clip(y_true, eps, one, out=like("kl_true", y_true))
        q = np.clip(y_pred, eps, one, out=like("terms", y_pred))
        np.divide(t, q, out=q)
        np.log(q, out=q)
        np.multiply(q, t, out=q)  # t log(t / q)
        return np.add.reduce(q, 1, out=rows("losses", q))  # .sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        eps, one = const(EPSILON, y_pred.dtype), const(1.0, y_pred.dtype)
        t = np.clip(y_true, eps, one, out=like("kl_true", y_true))
        np.clip(y_pred, eps, one, out=out)
        np.divide(t, out, out=out)
        np.negative(out, out=out)  # -t / q, then 0 where the clip is flat
        inside = np.greater_equal(y_pred, eps, out=like("inside", y_pred))  # 1.0 or 0.0
        np.multiply(out, inside, out=out)
        np.less_equal(y_pred, one, out=inside)
        return np.multiply(out, inside, out=out)


class LogCosh(Loss):
    """``L_i = sum_j log(cosh(r_ij))`` with the residual ``r = p - y``; gradient
    ``tanh(r)``.

    About ``r^2 / 2`` for a small residual and ``|r| - log 2`` for a large one: like
    ``MeanSquaredError`` near the target, like ``MeanAbsoluteError`` for outliers.
    Computed as ``|r| + log1p(exp(-|r|)^2) - log 2``, which is Keras'
    ``r + softplus(-2r) - log 2`` written so that no ``exp`` overflows: finite and
    without a warning for any finite residual (``cosh`` itself overflows past 710).
    For ``|r| < 1``, where that cancels (negative losses in float32, as Keras' formula
    gives), ``log1p(2 sinh(r / 2)^2)`` instead.
    Keras' ``log_cosh`` averages over the outputs (nonlin's is ``n_outputs`` times
    it); PyTorch has no such loss.
    """

    def __init__(self, reduction: str | None = "mean") -> None:
        self.reduction = check_reduction(reduction)

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        r = np.subtract(y_pred, y_true, out=like("residual", y_pred, y_true))
        np.abs(r, out=r)
        e = np.negative(r, out=like("terms", r))
        np.exp(e, out=e)
        np.multiply(e, e, out=e)  # exp(-2|r|), underflowing to 0 without a warning
        np.log1p(e, out=e)
        np.add(e, r, out=e)
        np.subtract(e, const(math.log(2.0), e.dtype), out=e)  # cancels for a small |r|:
        one = const(1.0, r.dtype)  # there (|r| < 1) log(cosh r) = log1p(2 sinh(r / 2)^2)
        small = np.minimum(r, one, out=like("small", r))
        np.sinh(np.multiply(small, const(0.5, r.dtype), out=small), out=small)
        np.multiply(np.multiply(small, small, out=small), const(2.0, r.dtype), out=small)
        np.log1p(small, out=small)
        pick(np.less(r, one, out=like("flag", r)), small, e, e, r)
        return np.add.reduce(e, 1, out=rows("losses", e))  # .sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.subtract(y_pred, y_true, out=out)
        return np.tanh(out, out=out)


def warn_unbounded_output(model: Any, loss: Loss, stacklevel: int, *,
                          warn: bool = True) -> str | None:
    """Warn, once per ``fit``, when the model's last built-in layer can give what ``loss``
    has no value for: below 0 for ``Poisson`` (the log of a negative rate: NaN, which
    ``fit`` would report as a divergence) and ``MeanSquaredLogarithmicError`` (its floor at
    ``1e-7`` zeroes the gradient), outside [0, 1] for ``KLDivergence`` (the clip then zeroes
    the gradient). ``fit`` does not check the outputs on each batch. A custom last layer is
    trusted; for the first two, ``Dropout`` layers at the end are looked through. Returns
    that layer as the warning names it (``"Dense (layers[2])"``), or None; ``warn=False``
    only returns it (``DivergenceError`` names it too)."""
    import warnings

    from ._dense_keras import output_layer
    from .activations import Exp, ReLU, Sigmoid, Softmax
    from .activations_hard import HardSigmoid, ReLU6
    from .activations_smooth import Softplus
    from .layers import Dropout
    from .losses_extra import MeanSquaredLogarithmicError

    rates = (Exp, Softplus, ReLU, Sigmoid, Softmax, ReLU6, HardSigmoid)
    fits = {Poisson: rates, MeanSquaredLogarithmicError: rates,
            KLDivergence: (Softmax, Sigmoid, HardSigmoid)}
    wanted = fits.get(type(loss))
    index = len(model.layers) - 1
    # Dropout keeps outputs >= 0, but its 1 / (1 - rate) scaling takes them past 1
    while index > 0 and wanted is rates and isinstance(model.layers[index], Dropout):
        index -= 1
    last = output_layer(model.layers[index])  # Dense(1, activation="exponential"): Exp
    if wanted is None or isinstance(last, wanted) or not type(last).__module__.startswith(
            "nonlin."):
        return None
    takes, add = {Poisson: ("rates >= 0", "Exp() (the log link) or Softplus()"),
                  MeanSquaredLogarithmicError: (_MSLE_TAKES, "Softplus(), Exp() or ReLU()"),
                  KLDivergence: ("probabilities in [0, 1]", "Softmax()")}[type(loss)]
    named = f"{type(last).__name__} (layers[{index}])"
    if warn:
        warnings.warn(f"{type(loss).__name__} takes {takes}, but the model's last layer, "
                      f"{named}, gives unbounded values. End the model with {add}.",
                      UserWarning, stacklevel=stacklevel + 1)
    return named


_MSLE_TAKES = "values >= 0 (below 1e-7 their gradient is 0)"


def warn_linear_output(loss: Loss, stacklevel: int) -> None:
    """``warn_unbounded_output``'s warning for ``nonlin.sklearn.MLPRegressor(loss=loss)``,
    whose last layer is a ``Dense`` with scikit-learn's identity output: a
    ``MeanSquaredLogarithmicError`` (its own class) gives a prediction below ``1e-7`` no
    gradient. The same category and first sentence; the remedy the estimator has."""
    import warnings

    from .losses_extra import MeanSquaredLogarithmicError

    if type(loss) is MeanSquaredLogarithmicError:
        warnings.warn(
            f"MeanSquaredLogarithmicError takes {_MSLE_TAKES}, but the model's last layer, "
            "Dense (MLPRegressor's identity output, as scikit-learn's), gives unbounded "
            "values. Fit loss='squared_error' to np.log1p(y) instead, sklearn.compose."
            "TransformedTargetRegressor(MLPRegressor(...), func=np.log1p, "
            "inverse_func=np.expm1): the squared logarithmic error, with a gradient for "
            "every prediction.", UserWarning, stacklevel=stacklevel + 1)
