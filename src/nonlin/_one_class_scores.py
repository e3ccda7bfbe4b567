"""A warning when the rows ``fit`` validates on, or ``evaluate`` scores, hold one class.

Fraud or churn data of 1 % positives easily gives a validation set without a positive
(``validation_data`` from a short time window, a small held-out share). Keras' ``AUC``,
``Recall`` and F-scores then read 0 (their 0/0), and so do nonlin's, silently: an
``EarlyStopping(monitor="val_auc")`` sees no progress, stops after ``patience`` epochs
and restores the first epoch's weights. ``warn_one_class`` says so, once per ``fit``
(its validation rows are fixed) or ``evaluate``: one comparison of the target column,
nothing per step. Only a model of one output (one sigmoid, or a hinge's score) is
checked here: with several outputs most metrics pool every column (integer labels
one-hot), which holds both classes; those that score a 0/1 target (multilabel, or
one-hot, or a softmax's integer labels, one-hot first) column by column are checked by
``_one_label_scores``.
``SensitivityAtSpecificity`` and ``SpecificityAtSensitivity`` need negatives too (a
specificity of 0/0 reads 0).

``warn_pooled`` warns, once per ``fit`` or ``evaluate`` (``train_on_batch``: with the
output warnings, once per model and loss), of ``"precision"`` or ``"recall"`` (by name, or
a ``Precision``/``Recall`` object without ``class_id``) on a softmax of two outputs, where
they read the accuracy.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from ._stacklevel import user_stacklevel


def _undefined(metrics: list[Any], positives: bool, negatives: bool) -> list[str]:
    """The names of ``metrics`` that read 0 by 0/0 when the rows hold no positive
    (``positives`` False) or no negative (``negatives`` False)."""
    from ._at_metrics import (
        SensitivityAtSpecificity,
        SensitivitySpecificityBase,
        SpecificityAtSensitivity,
    )
    from ._auc_metric import AUC
    from ._confusion_metrics import Recall
    from ._fscore_metrics import FBetaScore

    need_positives = (AUC, Recall, FBetaScore, SensitivitySpecificityBase)
    specificity = (SensitivityAtSpecificity, SpecificityAtSensitivity)
    return [m.name for m in metrics
            if (not positives and isinstance(m, need_positives))
            or (not negatives and (isinstance(m, specificity)
                                   or (isinstance(m, AUC) and m.curve == "ROC")))]


def warn_one_class(metrics: list[Any], y: np.ndarray, weight: np.ndarray | None,
                   rows: str, n_outputs: int | None) -> None:
    """Warn when ``y``, a single 0/1 target column (positive where > 0) of the rows
    ``rows`` names for a model of ``n_outputs`` outputs, weighted by ``weight``, lacks a
    class that a metric of ``metrics`` needs (see the module docstring). Boolean masks
    of ``y``'s length, no copy of ``y``."""
    if metrics and n_outputs and n_outputs > 1 and (y.ndim == 1 or y.shape[1] in (1, n_outputs)):
        from ._one_label_scores import warn_missing_class, warn_one_label  # lazily

        if y.ndim == 2 and y.shape[1] == n_outputs:
            warn_one_label(metrics, y, weight, rows, _undefined)
        else:  # a softmax's integer labels
            warn_missing_class(metrics, y, weight, rows, _undefined, n_outputs)
        return
    if (not metrics or n_outputs != 1 or len(y) == 0 or y.ndim > 2
            or (y.ndim == 2 and y.shape[1] != 1)):
        return
    positive = y.reshape(-1) > 0
    kept = None if weight is None else weight.reshape(-1) > 0
    n = len(positive) if kept is None else int(np.count_nonzero(kept))
    if kept is None:
        has_positive, has_negative = bool(positive.any()), not bool(positive.all())
    else:
        has_positive = bool(np.any(positive & kept))
        has_negative = bool(np.any(~positive & kept))
    if n == 0 or (has_positive and has_negative):
        return
    names = _undefined(metrics, has_positive, has_negative)
    if not names:
        return
    missing = "positive (y > 0)" if not has_positive else "negative (y <= 0)"
    warnings.warn(
        f"{rows} hold no {missing} label in their {n} rows: "
        f"{', '.join(map(repr, names))} read 0 there, as in Keras, where they are undefined "
        "(0/0), and an EarlyStopping or ModelCheckpoint monitoring them sees no progress. "
        "Score rows of both classes: for a rare class, hold out a stratified share "
        "(sklearn.model_selection.train_test_split(X, y, test_size=0.2, stratify=y))",
        UserWarning, stacklevel=user_stacklevel())


def as_list(metrics: Any) -> list[Any]:
    """Metrics as given (``None``, one, or an iterable of them) as a list: read once."""
    if metrics is None or isinstance(metrics, str) or not isinstance(metrics, Iterable):
        return [] if metrics is None else [metrics]
    return list(metrics)


def warn_pooled(given: list[Any], loss: Any, model: Any) -> None:
    """Warn for each ``"precision"`` or ``"recall"`` (by name), and each ``Precision`` or
    ``Recall`` object that reads the accuracy (``_reads_accuracy``), of ``given`` when
    ``model`` ends in a ``Softmax`` of 2 outputs and ``loss`` is a categorical loss of its
    probabilities: both columns are counted, every row has one column above 0.5 (but for a
    tie), so the result is the accuracy. ``Precision(class_id=1)`` scores one column, and
    ``Recall(thresholds=0.7)`` other rows: no warning."""
    if not given or model.n_outputs != 2:  # nothing to import or look at
        return
    from ._dense_keras import output_layer
    from .activations import Softmax
    from .metrics import METRICS, Precision, Recall

    if (getattr(loss, "from_logits", False) or not model.layers
            or type(loss).__name__ not in ("CrossEntropy", "CategoricalFocalCrossentropy")
            or not isinstance(output_layer(model.layers[-1]), Softmax)):
        return
    for given_one in given:
        if isinstance(given_one, str):
            name = given_one
            cls = METRICS.get(name if name in METRICS else name.lower())
        elif isinstance(given_one, (Precision, Recall)) and _reads_accuracy(given_one):
            name, cls = given_one.name, type(given_one)
        else:
            continue
        if cls is None or not issubclass(cls, (Precision, Recall)):
            continue
        kind = "Precision" if issubclass(cls, Precision) else "Recall"
        warnings.warn(
            f"The metric {name!r} counts every output column (as Keras' {kind} does), and "
            f"a softmax over 2 classes has one column above 0.5 in every row (but for a "
            f"tie), so {name!r} reads the accuracy, not class 1's {kind.lower()}. For "
            f"class 1, pass nonlin.metrics.{kind}(class_id=1, name={name!r}) (or give the "
            "model one sigmoid output and a binary cross-entropy)",
            UserWarning, stacklevel=user_stacklevel())


def _reads_accuracy(metric: Any) -> bool:
    """Whether a ``Precision`` or ``Recall`` object on a 2-unit softmax reads the accuracy:
    no ``class_id``, and each row's top column alone predicted: threshold 0.5 (``top_k``
    of 2 or more keeps both columns: the same), or ``top_k=1`` with a threshold below
    the top column's ``p >= 0.5`` (none given, or one <= 0.5). ``thresholds=0.7`` (with
    ``top_k=1`` too) or ``top_k=2`` alone count other rows: no warning."""
    if metric.class_id is not None:
        return False
    if metric.top_k == 1:
        return bool(metric.threshold <= 0.5)
    return bool(metric.threshold == 0.5)
