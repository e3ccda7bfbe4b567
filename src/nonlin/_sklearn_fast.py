"""A continuing fit's input checks without scikit-learn's machinery, for plain arrays.

A ``partial_fit`` (or a warm-start fit) validates each batch as scikit-learn's MLP does
(``validate_data``, ``unique_labels``, ``LabelBinarizer.transform``): about 3,000 Python
calls for a small batch, more than the training step itself. For the inputs streaming
code passes (a finite float ``X`` of the fitted width as a NumPy array, labels or
targets as a 1-D NumPy array), those checks pass and change nothing, and the one-hot
matrix is one ``searchsorted``; the functions here recognise such inputs and return what
the full path returns, bit for bit. Anything else (a list, a DataFrame, a sparse
matrix, an integer ``X``, NaN, a label not in ``classes_``, a column-vector ``y``, a
multilabel target, a fitted estimator with feature names) gets ``None``: the caller
takes the full path, which gives scikit-learn's errors and warnings.

This module does not import scikit-learn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: dtype kinds whose 1-D labels ``type_of_target`` reads as binary / multiclass as they are
_LABEL_KINDS = "biufU"
#: dtype kinds of targets scikit-learn's ``_check_y`` leaves as they are (``y_numeric``)
_TARGET_KINDS = "biuf"


def plain_X(est: Any, X: Any) -> bool:
    """Whether ``X`` passes ``validate_data(est, X, reset=False, dtype=est._dtype())``
    unchanged: a non-empty 2-D NumPy array of a dtype the estimator trains in, of the
    fitted width, finite, with no fitted feature names to compare."""
    return (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.size > 0
        and X.dtype in _accepted(est._dtype())  # as check_array compares (not '>f8')
        and X.shape[1] == est.__dict__.get("n_features_in_")
        and "feature_names_in_" not in est.__dict__
        and bool(np.isfinite(X).all())
    )


def _accepted(dtype: Any) -> tuple[type, ...]:
    return dtype if isinstance(dtype, tuple) else (dtype,)


def _plain_rows(y: Any, X: np.ndarray, kinds: str) -> bool:
    """A NumPy ``y`` of one row per row of ``X``, of a dtype kind in ``kinds``, finite."""
    return (
        type(y) is np.ndarray
        and y.dtype.kind in kinds
        and y.ndim in (1, 2)
        and y.shape[0] == X.shape[0]
        and (y.dtype.kind != "f" or bool(np.isfinite(y).all()))
    )


def plain_labels(est: Any, X: Any, y: Any) -> np.ndarray | None:
    """The classifier's one-hot targets for a continuing fit, in ``X``'s dtype, as
    ``est._label_binarizer.transform(y).astype(X.dtype)`` gives them, or ``None``
    when the full path must decide.

    Parameters
    ----------
    est : MLPClassifier
        Fitted: binary or multiclass, its binarizer's ``classes_`` sorted (at least 2) and
        equal to ``est.classes_``.
    X : numpy.ndarray of shape (n_samples, n_features)
        Already accepted by ``plain_X``.
    y : object
        The labels given; only a 1-D NumPy array of the ``classes_``' dtype (strings:
        of any width), every label one of ``classes_`` (all of them with ``warm_start``,
        as scikit-learn requires), is taken here.

    Returns
    -------
    numpy.ndarray of shape (n_samples, n_classes), (n_samples, 1) for binary, or None
    """
    binarizer = est._label_binarizer
    classes = binarizer.classes_  # what transform maps to; est.classes_ what y is checked on
    if not (_plain_rows(y, X, _LABEL_KINDS) and y.ndim == 1
            and binarizer.y_type_ in ("binary", "multiclass")
            and type(classes) is np.ndarray and classes.ndim == 1 and len(classes) >= 2
            and (y.dtype == classes.dtype or y.dtype.kind == classes.dtype.kind == "U")
            and _same(est.classes_, classes) and bool(np.all(classes[:-1] < classes[1:]))):
        return None
    index = np.searchsorted(classes, y)
    index[index == len(classes)] = 0  # beyond the last class: not found below
    if not bool(np.all(classes[index] == y)):
        return None  # a label not in classes_: the full path raises scikit-learn's error
    if est.warm_start and np.bincount(index, minlength=len(classes)).min() == 0:
        return None  # scikit-learn's warm start needs every class: its error
    if len(classes) == 2:  # label_binarize's binary column: the second class
        return (index == 1).astype(X.dtype).reshape(-1, 1)
    Y = np.zeros((len(y), len(classes)), dtype=X.dtype)
    Y[np.arange(len(y)), index] = 1
    return Y


def _same(a: Any, b: np.ndarray) -> bool:
    """Whether ``a`` is the array ``b`` or one of its dtype, shape and values."""
    return a is b or (type(a) is np.ndarray and a.dtype == b.dtype and a.shape == b.shape
                      and bool(np.all(a == b)))


def plain_targets(X: Any, y: Any) -> np.ndarray | None:
    """The regressor's targets for a continuing fit as its full path leaves them
    (a 1-D ``y`` as one column), or ``None`` when the full path must decide: taken
    here only a numeric NumPy ``y`` of shape (n_samples,) or (n_samples, n_outputs >= 2)
    (a column vector warns there), finite."""
    if not (_plain_rows(y, X, _TARGET_KINDS) and (y.ndim == 1 or y.shape[1] >= 2)):
        return None
    return y.reshape(-1, 1) if y.ndim == 1 else y
