"""Regression and similarity losses, as Keras 3 names them: ``MeanSquaredLogarithmicError``,
``MeanAbsolutePercentageError``, ``CosineSimilarity``; and the focal losses
``BinaryFocalCrossentropy`` and ``CategoricalFocalCrossentropy`` (their math in
``nonlin._loss_focal``, their settings, configs and checks in ``nonlin._focal_options``; the
cosine's row math in ``nonlin._loss_cosine``).

Re-exported by ``nonlin.losses`` (``from nonlin.losses import CosineSimilarity``) and by
``nonlin``; the conventions of ``nonlin.losses`` hold: the per-sample loss sums over the
outputs, ``reduction`` and ``sample_weight`` as there, float32 kept. None of them has a
fused path: ``fit`` calls their ``_value`` / ``_grad`` on each batch, with the buffers it
lends (``nonlin._scratch``).

How they relate to Keras 3 (``keras.losses``) and PyTorch, per sample of ``k`` outputs:
``MeanSquaredLogarithmicError``, ``MeanAbsolutePercentageError`` and
``BinaryFocalCrossentropy`` are ``k`` times Keras' ``mean_squared_logarithmic_error``,
``mean_absolute_percentage_error`` and ``binary_focal_crossentropy``, which average over
the outputs; ``CosineSimilarity`` equals Keras' ``cosine_similarity`` (one term per
sample there too), and ``CategoricalFocalCrossentropy`` Keras'
``categorical_focal_crossentropy`` (``alpha`` one float or one per class; probability rows
rescaled to sum to 1 first, as there). PyTorch has no MSLE or
MAPE loss; its ``cosine_similarity`` is the cosine itself (the loss is its negative), and
torchvision's ``sigmoid_focal_loss`` is
``BinaryFocalCrossentropy(from_logits=True, apply_class_balancing=True)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._entropy_options import check_pos_weight_width
from ._focal_options import CategoricalFocalConfig, FocalConfig
from ._loss_checks import (
    _at_least_zero,
    _unit_interval,
    check_class_alpha,
    check_reduction,
    class_alpha,
)
from ._loss_cosine import _PRED, _TRUE, _unit_rows
from ._loss_focal import CategoricalFocalMath, FocalMath
from ._scratch import like, rows
from .core import const
from .losses import BinaryCrossEntropy, CrossEntropy, Loss
from .losses_more import EPSILON, _refuse_outside
from .validation import check_bool


def check_fit_classes(loss: Loss, n_classes: int) -> None:
    """``fit``'s check of a ``CategoricalFocalCrossentropy``'s per-class ``alpha`` and a
    ``BinaryCrossEntropy``'s per-output ``pos_weight`` against the model's output width
    (``data.prepare_targets``, and a loaded file's loss)."""
    if isinstance(loss, CategoricalFocalCrossentropy):
        check_class_alpha(loss.alpha, n_classes)
    if isinstance(loss, BinaryCrossEntropy):
        check_pos_weight_width(loss.pos_weight, n_classes)


def check_fit_targets(loss: Loss, y: np.ndarray, name: str = "y_true") -> None:
    """Refuse targets ``loss`` has no meaning for, naming the first: below 0 for
    ``MeanSquaredLogarithmicError`` (Keras would raise them to ``1e-7`` silently). The
    public calls and ``fit`` (``data.prepare_targets``)."""
    if isinstance(loss, MeanSquaredLogarithmicError):
        _refuse_outside(y, 0.0, np.inf, f"targets >= 0 for the mean squared logarithmic "
                        f"error in {name}", "")


class MeanSquaredLogarithmicError(Loss):
    """``L_i = sum_j (log1p(max(p_ij, eps)) - log1p(max(y_ij, eps)))^2``, ``eps = 1e-7``
    (Keras' ``backend.epsilon()``, in every dtype); ``log1p(x)`` is Keras' ``log(x + 1)``
    without its rounding of ``x + 1``.

    Gradient ``d L_i / d p_ij = 2 (log1p(p_ij) - log1p(max(y_ij, eps))) / (1 + p_ij)``
    where ``p_ij >= eps``, and 0 below (where the ``max`` is flat): what Keras' automatic
    differentiation gives, so a prediction below ``1e-7`` gets no gradient, as in Keras.

    ``y_true`` (n_samples, n_outputs) holds values >= 0 (counts, prices, ...); a public
    call refuses a negative one, and so does ``fit``. ``y_pred`` may be anything, but
    ``fit`` warns when the model's last layer can give values below 0: end it with
    ``Softplus()``, ``Exp()`` or ``ReLU()`` (``nonlin.sklearn.MLPRegressor(loss=...)``, whose
    output is linear, warns too). Keras' ``mean_squared_logarithmic_error``
    averages over the outputs (nonlin's is ``n_outputs`` times it).
    """

    def __init__(self, reduction: str | None = "mean") -> None:
        self.reduction = check_reduction(reduction)

    def _check_target(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        y_true = super()._check_target(y_true, y_pred)
        check_fit_targets(self, y_true)
        return y_true

    def _log_ratios(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """``log1p(max(p, eps)) - log1p(max(y, eps))``, (n_samples, n_outputs)."""
        eps = const(EPSILON, y_pred.dtype)
        logs = np.maximum(y_pred, eps, out=like("terms", y_pred))
        target = np.maximum(y_true, eps, out=like("other", y_pred, y_true))
        np.log1p(target, out=target)
        return np.subtract(np.log1p(logs, out=logs), target, out=logs)

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        d = self._log_ratios(y_true, y_pred)
        return np.einsum("ij,ij->i", d, d, out=rows("losses", d))

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        eps = const(EPSILON, y_pred.dtype)
        d = self._log_ratios(y_true, y_pred)
        np.add(np.maximum(y_pred, eps, out=out), const(1.0, out.dtype), out=out)
        np.divide(d, out, out=out)
        np.multiply(out, const(2.0, out.dtype), out=out)
        inside = np.greater_equal(y_pred, eps, out=d)  # 1.0 or 0.0: 0 where the max is flat
        return np.multiply(out, inside, out=out)


class MeanAbsolutePercentageError(Loss):
    """``L_i = 100 sum_j |p_ij - y_ij| / max(|y_ij|, eps)``, ``eps = 1e-7`` (Keras'
    ``backend.epsilon()``); gradient ``100 sign(p - y) / max(|y|, eps)``.

    The conventions of the ``"mape"`` metric (``nonlin.metrics.MeanAbsolutePercentageError``):
    a target of 0 stays finite, weighing its absolute error by ``1e9``, so keep targets
    away from 0. ``y_true`` and ``y_pred`` (n_samples, n_outputs) are reals. Keras'
    ``mean_absolute_percentage_error`` averages over the outputs (nonlin's is
    ``n_outputs`` times it; the metric averages too).
    """

    def __init__(self, reduction: str | None = "mean") -> None:
        self.reduction = check_reduction(reduction)

    def _scales(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """``100 / max(|y|, eps)``."""
        scale = np.abs(y_true, out=like("other", y_pred, y_true))
        np.maximum(scale, const(EPSILON, scale.dtype), out=scale)
        return np.divide(const(100.0, scale.dtype), scale, out=scale)

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        r = np.subtract(y_pred, y_true, out=like("residual", y_pred, y_true))
        np.multiply(np.abs(r, out=r), self._scales(y_true, y_pred), out=r)
        return np.add.reduce(r, 1, out=rows("losses", r))  # .sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        residual = np.subtract(y_pred, y_true, out=like("residual", y_pred, y_true))
        np.sign(residual, out=out)  # not in place: NumPy's in-place sign is ~9x slower
        return np.multiply(out, self._scales(y_true, y_pred), out=out)


class CosineSimilarity(Loss):
    """Keras 3's ``cosine_similarity``, a loss to minimize: ``L_i = -sum_j u_ij v_ij``
    with ``u = y / max(|y_i|, eps)`` and ``v = p / max(|p_i|, eps)`` row by row,
    ``eps = 1e-7``: ``-cos`` of the angle between the rows, from -1 (same direction) to 1
    (opposite); 0 if either row is 0.

    Gradient ``d L_i / d p_i = -(u_i - (u_i . v_i) v_i) / |p_i|`` where
    ``|p_i| >= eps``, and ``-u_i / eps`` below (where the norm is floored): what Keras'
    automatic differentiation gives. Orthogonal to ``p_i``: training turns the
    predictions, not their length.

    ``y_true`` and ``y_pred`` (n_samples, n_outputs) are reals, any scale; no square
    overflows. One term per sample, as in Keras: the same value. PyTorch's
    ``cosine_similarity(p, y, dim=1, eps=1e-7)`` is ``-L_i`` (``CosineEmbeddingLoss``
    is ``1 - cos`` for matching pairs).
    """

    def __init__(self, reduction: str | None = "mean") -> None:
        self.reduction = check_reduction(reduction)

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        u = _unit_rows(y_true, _TRUE)[0]
        v = _unit_rows(y_pred, _PRED)[0]
        cosine = np.einsum("ij,ij->i", u, v, out=rows("losses", v))
        return np.negative(cosine, out=cosine)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        u = _unit_rows(y_true, _TRUE)[0]
        v, inverse, above = _unit_rows(y_pred, _PRED)
        cosine = np.einsum("ij,ij->i", u, v, out=rows("losses", v))
        np.multiply(cosine, above, out=cosine)  # no change of direction where |p| < eps
        np.multiply(v, cosine[:, None], out=out)
        np.subtract(out, u, out=out)  # -(u - (u . v) v)
        return np.multiply(out, inverse[:, None], out=out)


class BinaryFocalCrossentropy(FocalMath, FocalConfig, BinaryCrossEntropy):
    """Focal loss (Lin et al., 2017) for independent 0/1 targets, Keras 3's
    ``binary_focal_crossentropy``: ``BinaryCrossEntropy`` with each entry scaled by
    ``(1 - p_t)^gamma``, which leaves confident right predictions little weight.

    ``L_i = sum_j a_ij (1 - p_t)^gamma b_ij`` with ``b`` the binary cross-entropy of the
    entry, ``p_t = y p + (1 - y)(1 - p)`` and ``a = alpha y + (1 - alpha)(1 - y)`` if
    ``apply_class_balancing``, else 1; targets smoothed first, ``y (1 - s) + s / 2`` for
    ``label_smoothing=s``. ``gamma=0`` without balancing is ``BinaryCrossEntropy``, bit
    for bit. Gradients and their stable forms: ``nonlin._loss_focal``.

    Targets (n_samples, n_outputs) in [0, 1], refused outside it, as for
    ``BinaryCrossEntropy`` (which ``fit`` treats it as: the same target checks and
    warnings). Keras' loss averages over the outputs (nonlin's is ``n_outputs`` times it);
    torchvision's ``sigmoid_focal_loss`` (``alpha=0.25``) is the ``from_logits=True,
    apply_class_balancing=True`` loss per entry (its ``alpha=-1``: without balancing).

    Parameters
    ----------
    apply_class_balancing : bool, default False
        Weigh class 1 by ``alpha`` and class 0 by ``1 - alpha``.
    alpha : float, default 0.25
        The weight of class 1, in [0, 1], with ``apply_class_balancing``.
    gamma : float, default 2.0
        The focusing exponent, >= 0; 0 leaves the cross-entropy as it is.
    from_logits : bool, default False
        Scores ``z`` (``p = sigmoid(z)``) fused in stably, as torchvision's
        ``sigmoid_focal_loss``: Keras applies the sigmoid and clips, which flattens the
        loss beyond about ``|z| = 16``. Otherwise probabilities, clipped as
        ``BinaryCrossEntropy`` clips them (``eps`` 1e-7 in float32, 1e-15 in float64).
    label_smoothing : float, default 0.0
        In [0, 1]: targets ``y (1 - s) + s / 2``, towards 0.5.
    reduction : str, default "mean"
        ``"mean"``, ``"sum"`` or ``"none"``, as every loss's (``nonlin.losses``).
    """

    def __init__(self, *, apply_class_balancing: bool = False, alpha: float = 0.25,
                 gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                 reduction: str | None = "mean") -> None:
        self.apply_class_balancing = check_bool("apply_class_balancing", apply_class_balancing)
        self.alpha = _unit_interval("alpha", alpha)
        self.gamma = _at_least_zero("gamma", gamma)
        self.label_smoothing = _unit_interval("label_smoothing", label_smoothing)
        super().__init__(from_logits=from_logits, reduction=reduction)


class CategoricalFocalCrossentropy(CategoricalFocalMath, CategoricalFocalConfig, CrossEntropy):
    """Focal loss (Lin et al., 2017) for one class per sample, Keras 3's
    ``categorical_focal_crossentropy``: ``CrossEntropy`` with each class's term scaled by
    ``alpha_j (1 - p_j)^gamma``, which leaves confident right predictions little weight.

    ``L_i = sum_j alpha_j (1 - p_ij)^gamma (-y_ij log p_ij)`` with ``p`` the probabilities
    (``softmax(z)`` from logits), targets smoothed first, ``y (1 - s) + s / k`` over ``k``
    classes for ``label_smoothing=s``. ``gamma=0, alpha=1`` is ``CrossEntropy`` (with label
    smoothing: the smoothed cross-entropy) up to the rescaling below. Gradients and their
    stable forms: ``nonlin._loss_focal``.

    Targets as ``CrossEntropy``'s, which ``fit`` treats it as: integer labels (n_samples,)
    or rows (n_samples, n_classes) summing to 1. Probabilities (``from_logits=False``) are
    rescaled, as Keras does, to rows summing to 1 (``p / sum_j p_j``; a public call refuses
    a row of zeros) before they are clipped; the gradient goes back through that rescaling.
    So a model ending in ``Softmax()`` trains as without it (up to rounding), and one whose
    rows do not sum to 1 is trained on its rows' shares. The same values as Keras' loss.

    Parameters
    ----------
    alpha : float or sequence of floats, default 0.25
        A weight, finite and >= 0, of every class's term; or one per class (a list, tuple
        or 1-D array, as Keras 3 takes a list: scikit-learn's ``compute_class_weight``
        gives one), whose length must be the number of classes (``fit`` and every call
        check it). Kept as a float or a tuple of floats; ``get_config`` gives a list.
    gamma : float, default 2.0
        The focusing exponent, >= 0; 0 leaves the cross-entropy as it is.
    from_logits : bool, default False
        Scores ``z`` (``p = softmax(z)``) fused in stably: ``log p = log_softmax(z)``,
        ``1 - p = -expm1(log p)``. Otherwise probabilities, rescaled to rows summing to 1,
        then clipped to ``[eps, 1 - eps]`` (``eps`` 1e-7 in float32, 1e-15 in float64) as
        Keras clips them.
    label_smoothing : float, default 0.0
        In [0, 1]: targets ``y (1 - s) + s / k``, towards uniform.
    reduction : str, default "mean"
        ``"mean"``, ``"sum"`` or ``"none"``, as every loss's (``nonlin.losses``).
    """

    def __init__(self, *, alpha: float | Sequence[float] | np.ndarray = 0.25,
                 gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                 reduction: str | None = "mean") -> None:
        self.alpha = class_alpha(alpha)
        self.gamma = _at_least_zero("gamma", gamma)
        self.label_smoothing = _unit_interval("label_smoothing", label_smoothing)
        super().__init__(from_logits=from_logits, reduction=reduction)
