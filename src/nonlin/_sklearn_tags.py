"""The scikit-learn tags of ``nonlin.sklearn``'s estimators: their ``__sklearn_tags__``.

Mixins, each placed before the scikit-learn class whose tags it amends, so the tags are
made in the same order as before: ``SparseInputTags`` (both estimators take sparse input;
before ``BaseEstimator``), ``ClassifierTags`` (``MLPClassifier``: multi-label unless its
loss is a softmax ``CrossEntropy``, multiclass unless it is a ``BinaryCrossEntropy`` of
0/1 outputs, which a multiclass ``y`` refuses: ``_sklearn_class_loss``; before
``ClassifierMixin``), ``RegressorTags`` (``MLPRegressor``: multi-output; positive targets
only for ``"poisson"`` and ``MeanSquaredLogarithmicError``; before ``RegressorMixin``).
This module does not import scikit-learn.
"""

from __future__ import annotations

from typing import Any

from .losses import BinaryCrossEntropy, CrossEntropy, Loss


class SparseInputTags:
    """``tags.input_tags.sparse = True``: a sparse ``X`` stays sparse (``_sklearn_sparse``)."""

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()  # type: ignore[misc]  # BaseEstimator's
        tags.input_tags.sparse = True
        return tags


class ClassifierTags:
    """``tags.classifier_tags``: ``multi_label`` True unless ``loss`` is a softmax
    ``CrossEntropy``; ``multi_class`` True unless it is a ``BinaryCrossEntropy`` (binary
    and multilabel targets only), so that scikit-learn's checks give it two classes and
    a user reads that a multiclass ``y`` needs ``OneVsRestClassifier``."""

    loss: Any

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()  # type: ignore[misc]  # ClassifierMixin's
        tags.classifier_tags.multi_label = not isinstance(self.loss, CrossEntropy)  # softmax
        tags.classifier_tags.multi_class = not isinstance(self.loss, BinaryCrossEntropy)
        return tags


class RegressorTags:
    """``tags.target_tags``: ``multi_output = True`` (``y`` may be (n_samples, n_outputs));
    ``positive_only`` for a loss that refuses negative targets (``"poisson"``, as
    scikit-learn's ``PoissonRegressor`` tags it, and ``MeanSquaredLogarithmicError``)."""

    loss: Any

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()  # type: ignore[misc]  # RegressorMixin's
        tags.target_tags.multi_output = True
        tags.target_tags.positive_only = positive_only(self.loss)
        return tags


def positive_only(loss: Any) -> bool:
    """Whether the regressor's ``loss`` refuses targets below 0 (``_sklearn_extras``'
    ``regressor_kind``)."""
    if isinstance(loss, Loss):
        from .losses_extra import MeanSquaredLogarithmicError  # loaded with such a loss

        return isinstance(loss, MeanSquaredLogarithmicError)
    return isinstance(loss, str) and loss == "poisson"
