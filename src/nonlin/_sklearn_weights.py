"""``MLPClassifier``'s ``class_weight``: the weight of each training row.

scikit-learn's ``MLPClassifier`` has no ``class_weight``; nonlin's follows
``SGDClassifier``: the weights are ``compute_class_weight``'s over ``classes_``
(a ``partial_fit`` batch may lack some classes), multiplied into
``sample_weight`` for training only. The early-stopping validation score is
weighted by ``sample_weight`` alone, as ``SGDClassifier``'s and as Keras's
``class_weight`` (training only). Multilabel ``y`` takes ``"balanced"`` only
(``compute_sample_weight`` over the label columns): a dict weighs the classes
of one output. This module does not import scikit-learn (its functions are
passed in).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._quoting import quoted


def class_weights(est: Any, Y: np.ndarray, class_weight: Callable[..., np.ndarray],
                  sample_weight: Callable[..., np.ndarray]) -> np.ndarray:
    """``est.class_weight``'s weight for each row of the binarized labels ``Y`` (shape
    (n_samples, n_outputs)), shape (n_samples,): scikit-learn's ``compute_class_weight``
    over ``est.classes_``, or its ``compute_sample_weight`` (multilabel, ``"balanced"``)."""
    weights = est.class_weight
    if est._label_binarizer.y_type_ == "multilabel-indicator":
        if not (isinstance(weights, str) and weights == "balanced"):
            raise ValueError(
                "Expected class_weight='balanced' or None for multilabel y (a dict weighs the "
                "classes of a single output; weigh rows through sample_weight instead). "
                f"Received: class_weight={quoted(weights)}"
            )
        return sample_weight(weights, Y)
    i = Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0].astype(np.intp)  # each row's label
    return class_weight(weights, classes=est.classes_, y=est.classes_[i])[i]


def check_partial_fit(weights: Any) -> None:
    """Refuse ``class_weight="balanced"`` in ``partial_fit`` with scikit-learn's
    ``SGDClassifier`` message: balancing each batch by its own counts weighs the classes
    differently from batch to batch (a dict's weights are the same in every batch)."""
    if isinstance(weights, str) and weights == "balanced":
        raise ValueError(
            "class_weight 'balanced' is not supported for partial_fit. In order to use "
            "'balanced' weights, use compute_class_weight('balanced', classes=classes, "
            "y=y). In place of y you can use a large enough sample of the full training "
            "set target to properly estimate the class frequency distributions. Pass the "
            "resulting weights as the class_weight parameter."
        )
