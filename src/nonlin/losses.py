"""Losses: ``loss(y_true, y_pred) -> float`` and ``loss.grad(y_true, y_pred) -> dL/dy_pred``.

Conventions, shared by every loss here:

* ``y_pred`` has shape (n_samples, n_outputs). The per-sample loss sums over
  the outputs; ``reduction="mean"`` averages it over samples, ``"sum"`` adds.
  PyTorch's losses average over every entry instead: with ``k`` outputs, nonlin's
  mean is ``k`` times PyTorch's (``k / 2`` times ``MSELoss``); per entry the
  formulas agree (``HuberLoss(delta)`` included). ``CrossEntropy`` has one term
  per sample and equals ``CrossEntropyLoss`` (``NLLLoss`` of ``log p``).
  Keras' MSE, MAE, Huber and binary cross-entropy average over the outputs:
  nonlin's are ``k`` times Keras' (``k / 2`` for MSE); categorical cross-entropy agrees.
* ``sample_weight`` (n_samples,) scales each sample's loss (and gradient); the
  mean still divides by ``n_samples``, as Keras does (PyTorch's
  ``CrossEntropyLoss(weight=...)`` weighs classes and divides by their sum).
* ``reduction="none"`` (PyTorch's ``'none'``; Keras' ``None`` is accepted too)
  returns the per-sample losses ``w_i L_i``, shape (n_samples,), in ``y_pred``'s
  dtype: Keras' shape (its losses reduce the last axis), where PyTorch's
  ``'none'`` keeps one term per entry (n_samples, n_outputs), except
  ``CrossEntropyLoss``'s (n_samples,). ``grad`` then gives each row the gradient
  of that row's own loss, which is the gradient of their sum (a row's loss
  depends on its row alone). ``fit``, ``evaluate`` and ``compile`` need one
  number per batch and refuse it. Keras 3's ``"sum_over_batch_size"`` (its
  default, ``sum_i w_i L_i / n``) is accepted as ``"mean"``, which it equals;
  its ``"mean_with_sample_weight"`` (divides by ``sum_i w_i``) is not.
* In ``fit``, a batch's loss is reduced as the loss says, and the epoch's loss (History's
  ``"loss"``) is for ``"mean"`` the batches' means weighted by their rows, for ``"sum"``
  the total ``sum_i w_i L_i`` over the epoch's rows, what ``evaluate`` gives.
* The public ``__call__`` and ``grad`` validate their inputs, targets as ``fit`` does (checks in
  ``nonlin._loss_checks``), and compute in ``y_pred``'s dtype (float32 or float64, else float64),
  ``y_true`` and ``sample_weight`` converted: ``grad`` and ``"none"``'s losses come in it, a
  reduced loss as a float. Training loops validate once, then call ``_value`` / ``_grad``.
* ``from_logits=True`` fuses the output activation into the loss, which is
  both faster and stable: the gradient is just ``p - y``. The cross-entropies take Keras 3's
  ``label_smoothing`` and ``axis`` (-1 or 1), ``BinaryCrossEntropy`` PyTorch's ``pos_weight``.
* The classes live here; the cross-entropies' math (``_sample_losses``,
  ``_grad_terms``) in ``nonlin._loss_entropy``, their target checks in
  ``nonlin._entropy_targets``, mixed into their classes.
  ``Poisson``, ``KLDivergence`` and ``LogCosh`` live in ``nonlin.losses_more``, the
  hinges in ``nonlin.losses_margin``, the rest in ``nonlin.losses_extra``; re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from . import _entropy_options as options
from ._entropy_targets import BinaryTargets, CategoricalTargets
from ._loss_checks import (
    CLASS_REDUCTION,
    _finite_positive,
    check_loss_inputs,
    check_out,
    check_real_target,
    check_reduction,
    check_settings,
    stored_reduction,
)
from ._loss_contract import sync_loss_names
from ._loss_entropy import BinaryEntropyMath, CategoricalEntropyMath
from ._loss_homes import _getattr
from ._loss_reduction import Reduction
from ._scratch import like, rows
from .validation import check_bool


class Loss(Reduction):
    """Base class: validation, ``reduction`` (``"mean"``, ``"sum"`` or ``"none"``, see the
    module docstring) and sample weights around ``call`` and ``grad_terms`` (older names
    ``_sample_losses`` and ``_grad_terms``, which nonlin's own losses define).

    Arguments come in Keras' order, ``loss(y_true, y_pred)``: PyTorch's losses take
    ``(input, target)``, the reverse."""

    reduction = "mean"
    # the constructor's checks, run again by fit, compile, evaluate and public calls
    # (_loss_checks.check_settings): an attribute set since is refused as the constructor does
    _settings: ClassVar[dict[str, Callable[[str, Any], Any]]] = {"reduction": stored_reduction}

    def __init__(self, reduction: str | None = CLASS_REDUCTION) -> None:
        """``reduction``: ``"mean"``, ``"sum"`` or ``"none"`` (Keras' names and None too), so
        that a loss of one's own without a constructor takes it (``MyLoss(reduction="sum")``),
        as Keras' and PyTorch's base classes take theirs. Not given, the class's own is kept
        (a class body's ``reduction = "sum"``); given, even ``"mean"``, it is the loss's."""
        if reduction is not CLASS_REDUCTION:
            self.reduction = check_reduction(reduction)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float | np.ndarray:
        """The loss of ``y_pred`` (n_samples, n_outputs) against ``y_true``, each sample's
        term scaled by ``sample_weight`` (n_samples,) if given, then reduced: a float,
        or with ``reduction="none"`` the array (n_samples,) of ``w_i L_i``. Targets first
        (Keras' order): PyTorch's ``loss_fn(out, y)`` is ``loss(y, out)`` here."""
        y_true, y_pred, sample_weight = self._check(y_true, y_pred, sample_weight)
        if self.reduction == "none":
            return self._per_sample(y_true, y_pred, sample_weight)
        return self._value(y_true, y_pred, sample_weight)

    def grad(
        self, y_true: Any, y_pred: Any, sample_weight: Any = None, *, out: np.ndarray | None = None
    ) -> np.ndarray:
        """``dL/dy_pred`` of ``L = loss(y_true, y_pred, sample_weight)``, shape (n_samples,
        n_outputs), written into ``out`` if given: ``dL/dy_pred_ij = w_i * d l_i / d
        y_pred_ij`` (``w_i = 1`` unweighted), ``/ n_samples`` for ``reduction="mean"``
        (``nonlin._loss_reduction.Reduction._grad``). With ``reduction="none"`` row ``i``
        is ``d(w_i L_i)/dy_pred_i``: the gradient of the sum of the per-sample losses.
        Targets first, ``loss.grad(y, out)``: swapped (PyTorch's order), the losses of a
        residual (MSE, MAE, Huber, LogCosh) return the negated gradient without an error."""
        y_true, y_pred, sample_weight = self._check(y_true, y_pred, sample_weight)
        if out is not None:
            check_out(out, y_pred)
        return self._grad(y_true, y_pred, sample_weight, out)

    # -- per-loss math: the guide's contract (nonlin._loss_contract) -------------
    def __init_subclass__(cls, **kwargs: Any) -> None:
        """``call`` and ``_sample_losses``, ``grad_terms`` and ``_grad_terms``: one function."""
        super().__init_subclass__(**kwargs)
        sync_loss_names(cls, Loss)

    def call(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """The per-sample losses ``l_i``, shape (n_samples,), unweighted and unreduced (Keras
        3's ``Loss.call``; older name ``_sample_losses``). ``y_true`` comes shaped like
        ``y_pred`` (n_samples, n_outputs), unchecked: ``loss(y_true, y_pred)`` checks."""
        raise NotImplementedError(f"Expected {type(self).__name__} to define call(y_true, "
                                  "y_pred), the per-sample losses (the guide's A custom loss)")

    def grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``d l_i / d y_pred`` of ``call(y_true, y_pred)``, shape (n_samples, n_outputs),
        unweighted and unreduced, written into ``out`` (of that shape) and returned (older
        name ``_grad_terms``); ``grad`` weighs and reduces them."""
        raise NotImplementedError(f"Expected {type(self).__name__} to define grad_terms(y_true, "
                                  "y_pred, out), d l_i / d y_pred (the guide's A custom loss)")

    _sample_losses = call
    _grad_terms = grad_terms

    def _check(self, y_true: Any, y_pred: Any, sample_weight: Any) -> tuple[Any, Any, Any]:
        """Validate one public call's settings and inputs (``nonlin._loss_checks``)."""
        check_settings(self)
        return check_loss_inputs(y_true, y_pred, sample_weight, self._check_target)

    def _check_target(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """Same shape as ``y_pred`` (a 1-D target counts as one column), real numbers."""
        return check_real_target(y_true, y_pred)

    def get_config(self) -> dict[str, Any]:
        return {"reduction": self.reduction}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MeanSquaredError(Loss):
    """Half the squared error: ``L_i = 1/2 * sum_j (p_ij - y_ij)^2``; gradient ``p - y``.

    The factor 1/2 makes the gradient exactly the residual, as in the tutorial
    (and scikit-learn). With ``reduction="sum"`` this is the tutorial's loss.
    """

    def __init__(self, reduction: str | None = "mean") -> None:
        self.reduction = check_reduction(reduction)

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        residual = np.subtract(y_pred, y_true, out=like("residual", y_pred, y_true))
        squares = np.einsum("ij,ij->i", residual, residual, out=rows("losses", residual))
        return np.multiply(squares, 0.5, out=squares)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``out = p - y`` (n_samples, n_outputs): ``d l_i / d p``, the tutorial's ``-l2_error``."""
        return np.subtract(y_pred, y_true, out=out)


class MeanAbsoluteError(Loss):
    """``L_i = sum_j |p_ij - y_ij|``; gradient ``sign(p - y)``."""

    def __init__(self, reduction: str | None = "mean") -> None:
        self.reduction = check_reduction(reduction)

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        residual = np.subtract(y_pred, y_true, out=like("residual", y_pred, y_true))
        return np.add.reduce(np.abs(residual, out=residual), 1,
                             out=rows("losses", residual))  # .sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        residual = np.subtract(y_pred, y_true, out=like("residual", y_pred, y_true))
        return np.sign(residual, out=out)  # not in place: NumPy's in-place sign is ~9x slower


class Huber(Loss):
    """Huber loss: with ``r = p - y``, ``1/2 r^2`` for ``|r| <= delta``, else
    ``delta * (|r| - delta / 2)``; gradient ``clip(r, -delta, delta)``.
    """

    _settings = {**Loss._settings, "delta": _finite_positive}

    def __init__(self, delta: float = 1.0, reduction: str | None = "mean") -> None:
        self.delta = _finite_positive("delta", delta)
        self.reduction = check_reduction(reduction)

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        r = np.subtract(y_pred, y_true, out=like("residual", y_pred, y_true))
        small = np.minimum(np.abs(r, out=r), self.delta, out=like("small", r))
        terms = np.multiply(small, 0.5, out=like("terms", small))
        terms *= small  # 1/2 small^2 + delta (r - small)
        terms += np.multiply(np.subtract(r, small, out=r), self.delta, out=r)
        return np.add.reduce(terms, 1, out=rows("losses", terms))  # .sum(axis=1)

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.subtract(y_pred, y_true, out=out)
        return np.clip(out, -self.delta, self.delta, out=out)

    def get_config(self) -> dict[str, Any]:
        return {"delta": self.delta, "reduction": self.reduction}


class BinaryCrossEntropy(BinaryEntropyMath, options.EntropyConfig, BinaryTargets, Loss):
    """Log loss for independent 0/1 targets (binary or multilabel).

    ``L_i = -sum_j [y log p + (1 - y) log(1 - p)]``. With ``from_logits=True``
    ``p = sigmoid(z)`` is fused in: ``L = max(z, 0) - z y + log(1 + exp(-|z|))``
    and the gradient is ``sigmoid(z) - y``. Otherwise ``p`` is clipped to
    ``[eps, 1 - eps]`` so the loss stays finite at 0 and 1: ``eps = 1e-7`` in
    float32 (Keras' ``backend.epsilon()``), ``1e-15`` in float64 (Keras uses 1e-7
    in every dtype), so one entry costs at most ``-log(eps)``: 16.1 or 34.5
    (PyTorch's ``BCELoss`` clamps each log at -100 instead). The gradient is
    ``(p - y) / (p_c (1 - p_c))`` with ``p_c = clip(p, eps, 1 - eps)``: the derivative
    inside the clip range; outside it, where the value is flat, the same formula (as
    PyTorch's ``BCELoss``): 0 for a prediction equal to its target (``p = y = 0`` or
    ``1``), about ``-+1/eps`` for a confidently wrong one, which training still corrects.

    ``label_smoothing=s`` (Keras 3's: ``y (1 - s) + 0.5 s`` for ``y``), ``pos_weight`` (PyTorch's:
    ``y log p`` times it), ``axis`` (Keras': -1 or 1): see ``nonlin._entropy_options``.
    """

    _settings = {**Loss._settings, "from_logits": check_bool, **options.BINARY_SETTINGS}

    def __init__(self, *, from_logits: bool = False, label_smoothing: float = 0.0,
                 pos_weight: float | Sequence[float] | np.ndarray | None = None,
                 axis: int = -1, reduction: str | None = "mean") -> None:
        self.from_logits = check_bool("from_logits", from_logits)
        options.keep(self, label_smoothing=label_smoothing, pos_weight=pos_weight, axis=axis)
        self.reduction = check_reduction(reduction)


class CrossEntropy(CategoricalEntropyMath, options.EntropyConfig, CategoricalTargets, Loss):
    """Categorical cross-entropy for one label per sample.

    ``y_true`` is either integer labels (n_samples,) in ``[0, n_classes)`` or
    one-hot (or soft) rows (n_samples, n_classes). ``L_i = -sum_j y_ij log p_ij``.
    With ``from_logits=True``, ``log p = log_softmax(z)`` is fused in and the
    gradient is ``softmax(z) - y`` (PyTorch's too: rows sum to 1, which ``fit`` and the
    public calls check, refusing a negative entry as well); otherwise
    ``p`` is floored at ``eps``, ``eps`` as in ``BinaryCrossEntropy`` (1e-7 in
    float32, 1e-15 in float64), and the gradient is ``-y / max(p, eps)``: below
    ``eps``, where the value is flat, about ``-1/eps`` at a true class predicted 0
    (confidently wrong, still corrected), 0 where ``y = 0``. Keras also rescales
    each row of ``p`` to sum to 1 first; nonlin takes ``p`` as given.

    ``label_smoothing=s``: ``y (1 - s) + s / k`` for ``k`` classes (Keras 3's
    ``CategoricalCrossentropy``'s; for labels PyTorch's, which Keras'
    ``SparseCategoricalCrossentropy`` does not take); ``axis`` (Keras'): -1 or 1; Keras 3's
    ``ignore_class``: refused unless None. See ``nonlin._entropy_options``.
    """

    _settings = {**Loss._settings, "from_logits": check_bool, **options.CATEGORICAL_SETTINGS}

    def __init__(self, *, from_logits: bool = False, label_smoothing: float = 0.0,
                 axis: int = -1, ignore_class: int | None = None,
                 reduction: str | None = "mean") -> None:
        self.from_logits = check_bool("from_logits", from_logits)
        options.keep(self, label_smoothing=label_smoothing, axis=axis, ignore_class=ignore_class)
        self.reduction = check_reduction(reduction)


if TYPE_CHECKING:  # imported on first use (see _loss_homes): they import this module
    from .losses_extra import (  # noqa: F401
        BinaryFocalCrossentropy,
        CategoricalFocalCrossentropy,
        CosineSimilarity,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
    )
    from .losses_margin import CategoricalHinge, Hinge, SquaredHinge  # noqa: F401
    from .losses_more import KLDivergence, LogCosh, Poisson  # noqa: F401
else:  # hidden from type checkers, which would take every name as an attribute (a typo too)
    # the losses of losses_more, losses_margin, losses_extra (_loss_homes)
    __getattr__ = _getattr

# the lazily imported losses too, so ``from nonlin.losses import *`` imports them (a plain
# import does not; tests/test_losses_star_s22.py checks this list against _loss_homes')
__all__ = ["BinaryCrossEntropy", "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy",
           "CategoricalHinge", "CosineSimilarity", "CrossEntropy", "Hinge", "Huber",
           "KLDivergence", "LogCosh", "Loss", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredError", "MeanSquaredLogarithmicError", "Poisson", "SquaredHinge"]
