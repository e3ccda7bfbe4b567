"""The scikit-learn tags of ``nonlin.sklearn``'s estimators: their ``__sklearn_tags__``.

Mixins, each placed before the scikit-learn class whose tags it amends, so the tags are
made in the same order as before: ``SparseInputTags`` (both estimators take sparse input;
before ``BaseEstimator``), ``MultiLabelTags`` (``MLPClassifier``: multi-label unless its loss
is a softmax ``CrossEntropy``; before ``ClassifierMixin``), ``MultiOutputTags``
(``MLPRegressor``; before ``RegressorMixin``). This module does not import scikit-learn.
"""

from __future__ import annotations

from typing import Any

from .losses import CrossEntropy


class SparseInputTags:
    """``tags.input_tags.sparse = True``: a sparse ``X`` stays sparse (``_sklearn_sparse``)."""

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()  # type: ignore[misc]  # BaseEstimator's
        tags.input_tags.sparse = True
        return tags


class MultiLabelTags:
    """``tags.classifier_tags.multi_label``: True unless ``loss`` is a softmax ``CrossEntropy``."""

    loss: Any

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()  # type: ignore[misc]  # ClassifierMixin's
        tags.classifier_tags.multi_label = not isinstance(self.loss, CrossEntropy)  # softmax
        return tags


class MultiOutputTags:
    """``tags.target_tags.multi_output = True``: ``y`` may be (n_samples, n_outputs)."""

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()  # type: ignore[misc]  # RegressorMixin's
        tags.target_tags.multi_output = True
        return tags
