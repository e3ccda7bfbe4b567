"""nonlin losses as ``nonlin.sklearn.MLPClassifier``'s ``loss`` parameter.

``MLPClassifier(loss=<Loss>)`` beside ``"log_loss"``: the network and ``predict_proba``
are scikit-learn's (a softmax over the classes, one logistic output for a binary target,
one per label for a multilabel one); the loss meets the raw outputs ``z``, as a nonlin
loss with ``from_logits=True`` does. The fit trains a deep copy of it with
``from_logits=True`` and ``reduction="sum"`` (``_sklearn_extras.fit_copy``): the same loss
of ``predict_proba``'s probabilities, computed stably from the logits; the given object
stays as it was. A batch's value is ``(sum_i w_i l_i + alpha/2 ||W||^2) / s``, as
``"log_loss"``'s (``_sklearn_rules.BatchObjective``, kind ``NONLIN_LOSS``).

Which losses fit which targets (``classifier_kind``; the others are refused, naming the
loss and the target type):

* ``CrossEntropy`` and its subclasses (``CategoricalFocalCrossentropy``): multiclass, and
  binary, whose one logistic output ``z`` is the two-class softmax of ``[0, z]``
  (``TwoClasses``); not multilabel (one softmax over the labels is no multilabel model).
* ``BinaryCrossEntropy`` and its subclasses (``BinaryFocalCrossentropy``): binary and
  multilabel; not multiclass.
* A user's own ``Loss`` subclass (of neither): any target; it gets the raw outputs ``z``
  (n_samples, n_outputs) and the 0/1 indicator targets (one-hot rows for multiclass).
* nonlin's other losses (regression, hinge, ``KLDivergence``): refused when fitting.

``CrossEntropy`` itself and ``BinaryCrossEntropy`` itself, without ``label_smoothing`` or
``pos_weight``, are ``"log_loss"``: the
estimator trains with scikit-learn's own objective (its kinds ``"log_loss"`` and
``"binary_log_loss"``), bit for bit as with the default. This module does not import
scikit-learn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._entropy_options import check_pos_weight_width, has_options
from ._loss_checks import check_class_alpha
from ._quoting import quoted
from ._sklearn_extras import NONLIN_LOSS
from .losses import BinaryCrossEntropy, CrossEntropy, Loss

_LOG_LOSS = {"multiclass": "log_loss", "binary": "binary_log_loss",
             "multilabel-indicator": "binary_log_loss"}


def log_loss_kind(y_type: str) -> str:
    """scikit-learn's objective for a target type: ``"log_loss"`` (softmax outputs) for
    ``"multiclass"``, ``"binary_log_loss"`` (logistic outputs) otherwise."""
    return _LOG_LOSS.get(y_type, "binary_log_loss")


def classifier_kind(loss: Any, y_type: str, n_classes: int | None = None) -> str:
    """The objective kind of ``loss`` (a str or a nonlin ``Loss``) on targets of
    ``y_type`` (a ``LabelBinarizer``'s ``y_type_``).

    Raises
    ------
    ValueError
        For a ``Loss`` that does not fit ``y_type`` (or no classifier's outputs), and a
        per-class ``alpha`` (``CategoricalFocalCrossentropy``) whose length is not
        ``n_classes`` (the estimator's classes, when given), or a per-output
        ``pos_weight`` (``BinaryCrossEntropy``) whose length is not the outputs' number.
    """
    if not isinstance(loss, Loss):  # "log_loss", or None where a file left the loss out
        return log_loss_kind(y_type) if loss is not None else NONLIN_LOSS
    check_classifier_loss(loss)
    if n_classes is not None and isinstance(loss, CrossEntropy):  # a binary target's too:
        check_class_alpha(getattr(loss, "alpha", None), n_classes)  # two classes (TwoClasses)
    if n_classes is not None and isinstance(loss, BinaryCrossEntropy):  # one per output
        check_pos_weight_width(loss.pos_weight, 1 if y_type == "binary" else n_classes)
    multilabel, multiclass = y_type == "multilabel-indicator", y_type == "multiclass"
    if isinstance(loss, CrossEntropy) and multilabel:
        why = ("it is one softmax over the classes; each label of a multilabel target is "
               "a logistic output: use BinaryCrossEntropy or BinaryFocalCrossentropy")
    elif isinstance(loss, BinaryCrossEntropy) and multiclass:
        why = ("it is a loss of independent 0/1 outputs. Only binary classification is "
               "supported (and multilabel targets) with it; for a multiclass target (one "
               "softmax over its classes) use CrossEntropy or CategoricalFocalCrossentropy, "
               "or wrap the estimator in sklearn.multiclass.OneVsRestClassifier")
    elif type(loss) in (CrossEntropy, BinaryCrossEntropy) and not has_options(loss):
        return log_loss_kind(y_type)  # scikit-learn's objective itself
    else:
        return NONLIN_LOSS
    raise ValueError(f"Expected a loss for a {y_type} target in MLPClassifier. Received "
                     f"loss={quoted(loss, 80)} and a {y_type} y: {why}.")


def check_classifier_loss(loss: Any) -> None:
    """Refuse nonlin's losses no classifier output fits (regression losses, hinges,
    ``KLDivergence``), whatever the target: a ``ValueError`` naming the loss."""
    from . import registry

    if not isinstance(loss, Loss) or isinstance(loss, CrossEntropy | BinaryCrossEntropy):
        return
    if not isinstance(loss, tuple(set(registry.LOSSES.values()))):
        return  # a user's own loss: it gets the raw outputs
    raise ValueError(
        f"Expected a classification loss for MLPClassifier: 'log_loss', or a nonlin Loss of "
        f"its softmax or logistic outputs (CrossEntropy, CategoricalFocalCrossentropy for "
        f"binary and multiclass targets; BinaryCrossEntropy, BinaryFocalCrossentropy for "
        f"binary and multilabel ones; or your own subclass of Loss). Received "
        f"loss={quoted(loss, 80)}: {type(loss).__name__} is not a loss of class "
        f"probabilities; for real-valued targets use nonlin.sklearn.MLPRegressor.")


def training_loss(est: Any) -> Loss:
    """The loss ``BatchObjective`` copies for ``est``'s fit: ``est.loss``, or for a
    classifier's binary target and a ``CrossEntropy`` its ``TwoClasses`` form."""
    binarizer = est.__dict__.get("_label_binarizer")
    if getattr(binarizer, "y_type_", None) == "binary" and isinstance(est.loss, CrossEntropy):
        return TwoClasses(est.loss)
    return est.loss


class TwoClasses(Loss):
    """A softmax loss ``inner`` on one logistic output ``z`` (n_samples, 1): ``inner`` of
    the logits ``[0, z]`` and the targets ``[1 - y, y]``, whose softmax is
    ``[1 - sigmoid(z), sigmoid(z)]``; ``dL/dz`` is the gradient at the second logit.

    Parameters
    ----------
    inner : CrossEntropy
        Its ``from_logits`` is set on a deep copy by the fit (``fit_copy``).
    """

    def __init__(self, inner: CrossEntropy) -> None:
        self.inner = inner

    @property
    def from_logits(self) -> bool:
        return self.inner.from_logits

    @from_logits.setter
    def from_logits(self, value: bool) -> None:
        self.inner.from_logits = value

    def _two(self, y_true: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.hstack([1 - y_true, y_true]), np.hstack([np.zeros_like(z), z])

    def _sample_losses(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return self.inner._sample_losses(*self._two(y_true, y_pred))

    def _grad_terms(self, y_true: np.ndarray, y_pred: np.ndarray, out: np.ndarray) -> np.ndarray:
        y, z = self._two(y_true, y_pred)
        out[:] = self.inner._grad_terms(y, z, np.empty_like(z))[:, 1:]
        return out

    def get_config(self) -> dict[str, Any]:
        return {"inner": repr(self.inner)}
