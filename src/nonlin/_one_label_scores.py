"""The one-class warning of ``_one_class_scores`` for a multilabel target, label by label.

On a multilabel target (n_samples, n_labels) of 0/1 columns (one-hot rows alike), Keras'
``AUC(multi_label=True)`` and ``F1Score`` / ``FBetaScore`` (``average="macro"``, nonlin's
default, so ``"f1_score"``) score each label column and average them, and a metric with
``class_id=j`` scores column ``j``. A column whose rows hold no positive (a rare tag
missing from a small validation share) scores 0, Keras' value for 0/0, and pulls the mean
down, silently: an ``EarlyStopping(monitor="val_auc")`` then tracks that constant share as
well. The pooled metrics (``"auc"``, ``"precision"``, ``"recall"``, micro averages) see
every column at once and are not concerned. Imported lazily, for a model of several outputs only.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ._stacklevel import user_stacklevel


def _columns(metric: Any, n_labels: int) -> range:
    """The label columns ``metric`` scores one by one (empty where it pools them)."""
    class_id = getattr(metric, "class_id", None)
    if class_id is not None:
        return range(class_id, class_id + 1) if class_id < n_labels else range(0)
    if getattr(metric, "multi_label", False) or getattr(metric, "average", None) == "macro":
        return range(n_labels)
    return range(0)


def warn_missing_class(metrics: list[Any], y: np.ndarray, weight: np.ndarray | None,
                       rows: str, undefined: Callable[[list[Any], bool, bool], list[str]],
                       n_classes: int) -> None:
    """``warn_one_label`` for a softmax's integer labels ``y`` (n,) or (n, 1) in
    ``[0, n_classes)``, one count per class (``np.bincount``: no one-hot array); labels that
    are not whole numbers are not checked."""
    labels = y.reshape(-1)
    if len(labels) == 0 or (labels.dtype.kind == "f" and not np.all(labels == np.round(labels))):
        return
    if weight is not None:
        kept = weight.reshape(-1) > 0
        if not kept.any():
            return
        labels = labels[kept]
    counts = np.bincount(labels.astype(np.int64), minlength=n_classes)[:n_classes]
    _report(metrics, counts > 0, counts < len(labels), len(labels), rows, undefined, "class")


def warn_one_label(metrics: list[Any], y: np.ndarray, weight: np.ndarray | None, rows: str,
                   undefined: Callable[[list[Any], bool, bool], list[str]]) -> None:
    """Warn when a label column of the multilabel 0/1 target ``y`` (n, k) of the rows
    ``rows`` names (weighted by ``weight``: rows of weight 0 not counted) lacks a class
    that a metric scoring that column needs (``undefined``, ``_one_class_scores``'s rule).

    ``y`` is checked when its entries are 0 and 1: rows of one 1 each too (a multilabel
    share of one tag a row, or a softmax's one-hot classes), whose absent label reads 0
    as well."""
    if len(y) == 0 or not np.all((y == 0) | (y == 1)):
        return
    positive = y > 0
    if weight is not None:
        kept = weight.reshape(-1) > 0
        if not kept.any():
            return
        positive = positive[kept]
    has_positive = np.asarray(positive.any(axis=0))  # (n_labels,)
    has_negative = ~np.asarray(positive.all(axis=0))
    _report(metrics, has_positive, has_negative, len(positive), rows, undefined, "label column")


def _report(metrics: list[Any], has_positive: np.ndarray, has_negative: np.ndarray, n: int,
            rows: str, undefined: Callable[[list[Any], bool, bool], list[str]],
            unit: str) -> None:
    """The warning of ``warn_one_label`` / ``warn_missing_class``: ``has_positive`` and
    ``has_negative`` (n_columns,) of the ``n`` rows counted; ``unit`` "class" for labels."""
    found: list[str] = []
    for metric in metrics:
        for j in _columns(metric, len(has_positive)):
            if (not (has_positive[j] and has_negative[j])
                    and undefined([metric], bool(has_positive[j]), bool(has_negative[j]))):
                lacks = "positive" if not has_positive[j] else "negative"
                found.append(f"{metric.name!r} (label column {j} holds no {lacks})"
                             if unit != "class" else f"{metric.name!r} (class {j}: "
                             + ("no row of it)" if lacks == "positive" else "every row)"))
                break
    if found:
        labels = unit != "class"
        warnings.warn(
            f"{rows} ({n} rows) lack a class "
            + (f"in a label column that a metric scores column by column: {', '.join(found)}."
               if labels else f"that a metric scores class by class: {', '.join(found)}.")
            + f" That {'column' if labels else 'class'} scores 0, as in Keras, "
            "where it is undefined (0/0), and a mean over the columns reads lower however "
            "the model does; an EarlyStopping or ModelCheckpoint monitoring it sees "
            "a constant share. "
            + ("Hold out rows holding every label (a larger share, or an "
               "iterative stratification)" if labels else
               "Hold out a stratified share (sklearn.model_selection.train_test_split(X, y, "
               "test_size=0.2, stratify=y))")
            + ", or monitor a pooled metric (\"auc\", or "
            "F1Score(average=\"micro\", threshold=0.5))", UserWarning,
            stacklevel=user_stacklevel())
