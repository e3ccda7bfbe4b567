"""Checks on a classifier's labels in a file written by ``_sklearn_io.save_estimator``.

``training.fitted`` holds ``classes`` (JSON values; a non-finite float as the
string "inf", "-inf" or "nan"), ``classes_dtype`` (``np.dtype(...).str``; files
from before it was written lack it: ``text_labels`` decides how they read) and
``y_type``. ``labels`` rebuilds
``classes_`` and the fitted ``LabelBinarizer`` from them, checked against each
other and against the network's outputs. This module does not import
scikit-learn (``LabelBinarizer`` is passed in).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._entropy_options import check_pos_weight_width
from ._header import ModelFileError
from ._loss_checks import check_class_alpha
from ._quoting import quoted
from ._sklearn_class_loss import classifier_kind
from ._sklearn_filecheck import _FITTED, _NONFINITE, _PARAMS, _refuse, _unnumber

_LABEL_KINDS = "biufUO"  # the dtypes classes_ may have: bool, integers, floats, str, object
_TEXT_KINDS = "UO"  # those whose labels are text (scikit-learn refuses non-finite labels)
_Y_TYPES = ("binary", "multiclass", "multilabel-indicator")


def text_labels(record: Any) -> bool:
    """Whether ``training.fitted`` (``record``, unchecked) records a str or object
    ``classes_dtype``: its labels are text, so a label "inf", "-inf" or "nan" (in
    ``classes`` or a ``class_weight`` key) is that text, not the non-finite float the file
    writes so. With another dtype, those strings read as floats. Without ``classes_dtype``
    (files from before it was written) they read as floats too, unless every class is
    spelled so: non-finite floats are no labels scikit-learn fits (``fit`` and
    ``partial_fit`` refuse them), so such a file's labels can only have been text."""
    if not isinstance(record, dict):
        return False
    if "classes_dtype" not in record:
        classes = record.get("classes")
        return isinstance(classes, list) and bool(classes) and all(
            isinstance(c, str) and c in _NONFINITE for c in classes)
    spelled = record["classes_dtype"]
    try:
        return isinstance(spelled, str) and np.dtype(spelled).kind in _TEXT_KINDS
    except (TypeError, ValueError, OverflowError):  # refused with the classes
        return False


def labels(fitted: dict[str, Any], binarizer: Any, path: str,
           loss: Any = "log_loss") -> tuple[np.ndarray, Any]:
    """A classifier's ``classes_`` and fitted ``LabelBinarizer``, checked against
    ``y_type``, ``out_activation_``, ``n_outputs_`` and ``objective`` (the kind of the
    file's ``loss`` parameter on ``y_type``: ``_sklearn_class_loss.classifier_kind``)."""
    classes, y_type = fitted["classes"], fitted["y_type"]
    if not isinstance(classes, list) or not classes or not all(
        isinstance(c, str | int | float) for c in classes
    ):
        raise _refuse(path, f"{_FITTED}.classes", classes, "a non-empty list of labels")
    if y_type not in _Y_TYPES:
        raise _refuse(path, f"{_FITTED}.y_type", y_type, f"one of {_Y_TYPES}")
    values = _read(classes if text_labels(fitted) else [_unnumber(c) for c in classes])
    lb = _binarizer(binarizer, values, y_type)
    if lb is None:
        raise _refuse(path, f"{_FITTED}.classes", classes,
                      f"distinct sorted labels (y_type {y_type!r})")
    typed = _typed(values, fitted, path)
    if typed.dtype != values.dtype:  # the binarizer's classes_ in that dtype too, as fitted
        values, lb = typed, _binarizer(binarizer, typed, y_type)
        if lb is None:
            raise _refuse(path, f"{_FITTED}.classes_dtype", fitted["classes_dtype"],
                          f"a dtype of labels of y_type {y_type!r}")
    objective = _loss_objective(loss, y_type, len(values), path)
    expected = {
        "objective": objective,
        "out_activation_": "softmax" if y_type == "multiclass" else "logistic",
        "n_outputs_": 1 if y_type == "binary" else len(values),
    }
    for name, value in expected.items():
        if fitted[name] != value:
            raise _refuse(path, f"{_FITTED}.{name}", fitted[name], f"{value!r} (y_type {y_type!r})")
    return values, lb


def _loss_objective(loss: Any, y_type: str, n_classes: int, path: str) -> str:
    """The kind of the file's ``loss`` parameter on ``y_type``
    (``_sklearn_class_loss.classifier_kind``), its per-class ``alpha`` and per-output
    ``pos_weight`` checked against the ``n_classes`` labels; a ``ModelFileError`` naming
    the field where they do not fit."""
    try:
        objective = classifier_kind(loss, y_type)
    except ValueError:
        raise _refuse(path, f"{_FITTED}.y_type", y_type, "a target type the file's loss "
                      f"{quoted(loss, 80)} fits") from None
    try:  # a per-class alpha (CategoricalFocalCrossentropy): one per class, two if binary
        check_class_alpha(getattr(loss, "alpha", None), n_classes)
    except ValueError as exc:
        raise ModelFileError(path, str(exc), f"{_PARAMS}.loss.config.alpha") from None
    try:  # a per-output pos_weight (BinaryCrossEntropy): one, or one per label
        check_pos_weight_width(getattr(loss, "pos_weight", None),
                               1 if y_type == "binary" else n_classes)
    except ValueError as exc:
        raise ModelFileError(path, str(exc), f"{_PARAMS}.loss.config.pos_weight") from None
    return objective


def _read(classes: list) -> np.ndarray:
    """NumPy's reading of the labels, except integers of which some are past int64 and
    others not (a uint64 ``classes_``: ids, hashes): NumPy reads those as float64, which
    loses digits, so they are read as uint64 when it holds them all (else as NumPy reads
    them, and refused as unsorted or not the recorded dtype's)."""
    values = np.asarray(classes)
    if values.dtype.kind == "f" and all(type(c) is int for c in classes):
        if 0 <= min(classes) and max(classes) <= np.iinfo(np.uint64).max:
            return np.asarray(classes, dtype=np.uint64)
    return values


def _binarizer(binarizer: Any, values: np.ndarray, y_type: str) -> Any:
    """``binarizer`` fitted to the classes ``values`` as ``y_type`` has them, or ``None``
    where its ``y_type_`` and ``classes_`` are not these (unsorted, repeated labels)."""
    try:
        with warnings.catch_warnings():  # labels past int64 (1e19): its integer check casts
            warnings.simplefilter("ignore", RuntimeWarning)
            lb = binarizer().fit(
                np.eye(len(values), dtype=int) if y_type == "multilabel-indicator" else values
            )
        same = lb.y_type_ == y_type and lb.classes_.tolist() == values.tolist()
    except (TypeError, ValueError):
        same = False
    return lb if same else None


def _typed(values: np.ndarray, fitted: dict[str, Any], path: str) -> np.ndarray:
    """The classes in the dtype ``classes_dtype`` records (``np.dtype(...).str``: ``"|u1"``,
    ``"<U5"``), which must hold each of them unchanged and as the writer spells that dtype's
    labels (``tolist``: JSON true / false for bool, integers for an integer dtype, numbers
    with a point for a float one), so ``[0, 1]`` is no bool dtype's; files from before it
    was written: NumPy's reading of the list (int64 for integers)."""
    spelled = fitted.get("classes_dtype")
    if spelled is None:
        return values
    typed = None
    try:
        dtype = np.dtype(spelled) if isinstance(spelled, str) else None
        if dtype is not None and dtype.kind in _LABEL_KINDS:
            with warnings.catch_warnings():  # a label out of the dtype's range: refused below
                warnings.simplefilter("ignore", RuntimeWarning)
                typed = values.astype(dtype)
    except (TypeError, ValueError, OverflowError):
        pass
    if typed is None or not _same_labels(typed.tolist(), values.tolist()):
        raise _refuse(path, f"{_FITTED}.classes_dtype", spelled,
                      "a bool, integer, float, str or object dtype holding the classes")
    return typed


def _same_labels(typed: list, read: list) -> bool:
    """Equal values of the same Python types (``False == 0`` and ``1.0 == 1`` are not)."""
    return typed == read and [type(v) for v in typed] == [type(v) for v in read]


def multilabel(metadata: dict[str, Any], fitted: dict[str, Any], path: str) -> None:
    """The file's ``multilabel`` flag (absent in files from before it was written), checked
    against ``training.fitted.y_type``: true exactly for a multi-label classifier."""
    if "multilabel" not in metadata:
        return
    expected = fitted.get("y_type") == "multilabel-indicator"
    if metadata["multilabel"] is not expected:
        raise _refuse(path, "multilabel", metadata["multilabel"],
                      f"{expected} (training.fitted.y_type {quoted(fitted.get('y_type'), 40)})")
