"""``MLPClassifier``'s ``class_weight``: the weight of each training row.

scikit-learn's ``MLPClassifier`` has no ``class_weight``; nonlin's follows
``SGDClassifier``: the weights are ``compute_class_weight``'s over ``classes_``
(a ``partial_fit`` batch may lack some classes), multiplied into
``sample_weight`` for training only. ``"balanced"`` counts each class by its rows'
``sample_weight``, as ``LogisticRegression``'s does (``weighted_balanced``): a row
of weight 2 counts as the row twice, so ``BaggingClassifier``, whose bootstrap is a
``sample_weight`` of draw counts, balances each bag by its own draws. The
early-stopping validation score is weighted by ``sample_weight`` alone, as
``SGDClassifier``'s and as Keras's ``class_weight`` (training only). Multilabel
``y`` takes ``"balanced"`` or a list of dicts, one per label column, each weighing that
column's values 0 and 1 (``compute_sample_weight``'s convention, as scikit-learn's
forests): a row's weight is the product of its columns' weights. A single dict weighs the classes
of one output and is refused there. This module does not import scikit-learn
(its functions are passed in).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._quoting import quoted


def training_weight(est: Any, Y: np.ndarray, dtype: np.dtype, given: np.ndarray | None,
                    class_weight: Callable[..., np.ndarray],
                    sample_weight: Callable[..., np.ndarray]) -> np.ndarray | None:
    """The weights the classifier ``est`` trains with, (n_samples,) in ``dtype`` or None:
    ``given`` (the fit's ``sample_weight``) times ``class_weights``' (``est.class_weight``)."""
    if est.class_weight is None:
        return given
    w = class_weights(est, Y, class_weight, sample_weight, given).astype(dtype)
    return w if given is None else w * given


def class_weights(est: Any, Y: np.ndarray, class_weight: Callable[..., np.ndarray],
                  sample_weight: Callable[..., np.ndarray],
                  row_weights: np.ndarray | None = None) -> np.ndarray:
    """``est.class_weight``'s weight for each row of the binarized labels ``Y`` (shape
    (n_samples, n_outputs)), shape (n_samples,): scikit-learn's ``compute_class_weight``
    over ``est.classes_``, or its ``compute_sample_weight`` (multilabel); ``"balanced"``
    with ``row_weights`` (the fit's ``sample_weight``, (n_samples,)) by weighted counts."""
    weights = est.class_weight
    multilabel = est._label_binarizer.y_type_ == "multilabel-indicator"
    if isinstance(weights, str) and weights == "balanced" and row_weights is not None:
        return weighted_balanced(Y, row_weights, multilabel)
    if isinstance(weights, list):
        if not multilabel:
            raise ValueError(
                "Expected a dict, 'balanced' or None for class_weight with single-output y "
                f"(a list of dicts is for multilabel y). Received: class_weight={quoted(weights)}")
        return _per_column(weights, Y)
    if multilabel:
        if not (isinstance(weights, str) and weights == "balanced"):
            raise ValueError(
                "Expected class_weight='balanced', a list of dicts (one per label column, "
                "weighing its values 0 and 1) or None for multilabel y (a dict weighs the "
                "classes of a single output). "
                f"Received: class_weight={quoted(weights)}"
            )
        return sample_weight(weights, Y)
    if isinstance(weights, dict):
        check_keys(weights, est.classes_)
    i = Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0].astype(np.intp)  # each row's label
    return class_weight(weights, classes=est.classes_, y=est.classes_[i])[i]


def weighted_balanced(Y: np.ndarray, w: np.ndarray, multilabel: bool) -> np.ndarray:
    """``"balanced"`` class weights by weighted counts, each row's, shape (n_samples,):
    ``W / (n_classes * W_c)`` for a row of class ``c``, ``W_c`` the sum of ``w`` (n_samples,)
    over its class's rows and ``W`` over all; multilabel ``Y``, the product over the label
    columns of that column's weight of the row's value (0 or 1; ``n_classes`` the values
    of some weight), as ``compute_sample_weight``. With ``w`` all ones these are the unweighted
    weights, as scikit-learn's ``compute_class_weight(..., sample_weight=w)`` gives them.
    A class whose rows weigh 0 in all gets 0 (its rows train with weight 0 anyway)."""
    if multilabel:
        columns = [_balanced(Y[:, k].astype(np.intp), w, 2) for k in range(Y.shape[1])]
        return np.prod(columns, axis=0, dtype=np.float64)
    i = Y.argmax(axis=1) if Y.shape[1] > 1 else Y[:, 0].astype(np.intp)  # each row's label
    return _balanced(i, w, max(Y.shape[1], 2))


def _balanced(i: np.ndarray, w: np.ndarray, n_classes: int) -> np.ndarray:
    """Each row's ``W / (n_present * W_c)`` for class indices ``i`` (n_samples,)
    (``balanced_table``'s weight of its class)."""
    return balanced_table(i, w, n_classes)[i]


def balanced_table(i: np.ndarray, w: np.ndarray | None, n_classes: int) -> np.ndarray:
    """``"balanced"``'s weight of each class, (n_classes,): ``W / (n_present * W_c)`` for the
    class indices ``i`` (n_samples,) of rows weighing ``w`` (None: 1 each), 0 for a class of
    no weight. Such a class is not counted in ``n_present``, as ``compute_class_weight``
    counts only the labels it is given: rows of weight 0 count as rows removed. ``W`` is the
    sum of the float64 class sums ``W_c``, as ``compute_class_weight`` adds them (not
    ``w.sum()``, which a float32 ``w`` adds in float32): the same bits as its weights. The
    estimators' and ``nonlin train --class-weight balanced``'s (``cli_weights``) table."""
    counts = np.bincount(i, weights=w, minlength=n_classes).astype(np.float64)
    present = counts != 0
    total = counts[present].sum()  # compute_class_weight's sum of the counts, to the bit
    return np.divide(total, present.sum() * counts, out=np.zeros(n_classes), where=present)


def check_keys(weights: dict, classes: np.ndarray) -> None:
    """Refuse a ``class_weight`` dict that scikit-learn's ``compute_class_weight`` refuses,
    with the same exception class (a ``ValueError``) and its message, which names only the
    classes left without a weight, followed by the keys that are no class of ``classes``
    (the fitted ``classes_``) and those classes. As there, a dict is refused when it leaves
    some class out and holds a key that is no class (one naming every class and more is
    taken), each class matched as it matches them: ``int(c)``, or ``str(c)`` for text
    labels. Its condition counts the classes weighted against the keys, so where one key
    weighs two classes (text labels ``'1'`` and ``'01'``, both looked up as ``1``) a dict
    holding a key that is no class can still be taken: it is taken here too."""
    matched, unweighted = set(), []
    for c in classes:
        key = _as_key(c)
        if key in weights:
            matched.add(key)
        else:
            unweighted.append(key)
    unknown = [k for k in weights if k not in matched]
    if unweighted and unknown and len(classes) - len(unweighted) != len(weights):
        raise ValueError(  # scikit-learn's sentence first: code matching it still does
            f"The classes, {np.array(unweighted).tolist()}, are not in class_weight, whose "
            f"keys {quoted(unknown, 200)} are no class (a class left out weighs 1 only when "
            "every key is a class, as in scikit-learn). Expected class_weight keys among the "
            f"estimator's classes, classes_={quoted(np.asarray(classes).tolist(), 200)}. "
            f"Received: class_weight={quoted(weights, 200)}")


def _as_key(c: Any) -> Any:
    """A class as ``compute_class_weight`` looks it up in a ``class_weight`` dict."""
    try:
        return int(c)
    except ValueError:  # text labels
        return str(c)


def _per_column(weights: list, Y: np.ndarray) -> np.ndarray:
    """``compute_sample_weight(weights, Y)`` for 0 / 1 label columns ``Y`` (n_samples,
    n_outputs): the product over the columns of ``weights[k]``'s weight for the row's value
    (1.0 for a value the dict leaves out), shape (n_samples,), float64. A batch that lacks
    a value keeps the other rows' weights (``partial_fit``)."""
    if len(weights) != Y.shape[1]:
        raise ValueError(
            f"Expected a list of {Y.shape[1]} dicts for class_weight, one per label column. "
            f"Received {len(weights)}: class_weight={quoted(weights)}")
    columns = []
    for k, column in enumerate(weights):
        unknown = [c for c in column if c not in (0, 1)] if isinstance(column, dict) else None
        if unknown is None or unknown:
            raise ValueError(
                f"Expected class_weight[{k}] to be a dict of weights for label column {k}'s "
                f"values 0 and 1. Received: class_weight[{k}]={quoted(column)}")
        w = np.array([column.get(0, 1.0), column.get(1, 1.0)], dtype=np.float64)
        columns.append(w[(Y[:, k] == 1).astype(np.intp)])
    return np.prod(columns, axis=0, dtype=np.float64)


def check_numbers(weights: Any) -> None:
    """Refuse, before a fit changes anything, a ``class_weight`` (a dict, or a multilabel
    list of dicts) holding a weight that is no finite real number, naming its class: a NaN
    or infinite one reached training as a ``sample_weight`` error (``sample_weight[0]=nan``,
    a parameter the user did not give), a text one as NumPy's ``could not convert string
    to float``. The structure is checked against ``y`` later (``class_weights``)."""
    if isinstance(weights, dict):
        _check_numbers(weights, "class_weight")
    elif isinstance(weights, list):
        for k, column in enumerate(weights):
            if isinstance(column, dict):
                _check_numbers(column, f"class_weight[{k}]")


def _check_numbers(weights: dict, name: str) -> None:
    for label, value in weights.items():
        if not _finite_number(value):
            raise ValueError(
                f"Expected {name} to map each class to a finite number, its weight. "
                f"Received: {name}[{quoted(label)}]={quoted(value)}")


def _finite_number(value: Any) -> bool:
    """Whether ``value`` is one finite real number as ``float`` reads it: a ``Decimal``, a
    NumPy bool or 0-d array too (scikit-learn's ``compute_class_weight`` takes them), not
    text nor a complex number."""
    if isinstance(value, str | bytes) or np.iscomplexobj(value):
        return False
    try:
        return bool(np.ndim(value) == 0 and np.isfinite(float(value)))
    except (TypeError, ValueError, OverflowError):
        return False


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
