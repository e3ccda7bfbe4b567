"""Checks on the ``training`` record of a file written by ``_sklearn_io.save_estimator``.

``nonlin.sklearn.load`` rebuilds an estimator from that record: its class
name, its parameters (``training.params``) and its fitted attributes
(``training.fitted``). A file is data from outside, so every field is checked
before it is used, and each fault is a ``ModelFileError`` naming the field and
the value received: the parameters by scikit-learn's own constraints (the
estimator's ``_validate_params``), the fitted attributes by type, and both
against the network the file holds. This module does not import scikit-learn
(the estimator classes and ``LabelBinarizer`` are passed in).
"""

from __future__ import annotations

import warnings
from numbers import Integral
from typing import Any

import numpy as np

from . import _sklearn_dtype
from ._header import ModelFileError
from ._quoting import clipped, quoted

_PARAMS, _FITTED = "training.params", "training.fitted"
_COUNTS = ("n_iter_", "t_", "n_outputs_", "n_layers_", "_no_improvement_count")
_SCORES = ("loss_", "best_loss_", "best_validation_score_")
_CURVES = ("loss_curve_", "validation_scores_")
_STOPPING = ("best_loss_", "validation_scores_", "best_validation_score_")
_REQUIRED = {"n_iter_", "t_", "n_outputs_", "n_layers_", "out_activation_", "objective"}
_LABELS = {"classes", "y_type"}
_LABEL_KINDS = "biufUO"  # the dtypes classes_ may have: bool, integers, floats, str, object
_Y_TYPES = ("binary", "multiclass", "multilabel-indicator")
_REGRESSION = ("squared_error", "poisson", "absolute_error", "huber")
_NONFINITE = ("inf", "-inf", "nan")


def _refuse(path: str, field: str, value: Any, expected: str) -> ModelFileError:
    return ModelFileError(path, f"Expected {expected}. Received {quoted(value, 120)}", field)


def _unnumber(value: Any) -> Any:
    """The strings "inf", "-inf", "nan" (how the file writes non-finite floats) as floats."""
    return float(value) if isinstance(value, str) and value in _NONFINITE else value


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _fields(record: Any, allowed: set[str], required: set[str], field: str, path: str) -> None:
    if not isinstance(record, dict):
        raise _refuse(path, field, record, "a JSON object")
    unknown, missing = sorted(set(record) - allowed), sorted(required - set(record))
    if unknown or missing:
        raise ModelFileError(
            path, f"unknown keys {quoted(unknown, 200)}, missing keys {quoted(missing, 200)}", field
        )


def estimator(cls: type[Any], params: Any, path: str) -> Any:
    """A new ``cls`` with the parameters ``params`` (``training.params``), each checked."""
    names = set(cls._get_param_names()) - {"callbacks"}
    _fields(params, names, names, _PARAMS, path)
    decoded = {}
    for name, value in params.items():
        try:
            decoded[name] = _decode_param(name, value)
        except (TypeError, ValueError, KeyError) as exc:
            raise _refuse(path, f"{_PARAMS}.{name}", value, clipped(str(exc), 200)) from None
    est = cls(**decoded)
    try:
        est._validate_params()  # scikit-learn's constraints
    except (TypeError, ValueError):
        for name, value in decoded.items():  # which one: the defaults pass
            try:
                cls(**{name: value})._validate_params()
            except (TypeError, ValueError) as exc:
                raise ModelFileError(path, clipped(str(exc), 300), f"{_PARAMS}.{name}") from None
        raise ModelFileError(path, "the parameters do not validate", _PARAMS) from None
    return est


def _decode_param(name: str, value: Any) -> Any:
    """One parameter as ``encode_params`` wrote it (the constraints are checked later)."""
    if name == "hidden_layer_sizes":
        wrapped = isinstance(value, dict) and set(value) == {"list"}
        sizes = value["list"] if wrapped else value
        if isinstance(sizes, int) and not isinstance(sizes, bool) and not wrapped:
            return sizes
        if not isinstance(sizes, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in sizes
        ):
            raise ValueError("an int, a list of positive ints or {'list': [...]}")
        return list(sizes) if wrapped else tuple(sizes)
    if name == "dtype" and isinstance(value, dict):
        return _sklearn_dtype.from_record(value)
    if name == "class_weight" and isinstance(value, dict):
        return _class_weight(value)
    if name == "class_weight" and isinstance(value, list):  # multilabel: one per column
        if not all(isinstance(v, dict) for v in value):
            raise ValueError("a list of {'pairs': [[label, weight], ...]}")
        return [_class_weight(v) for v in value]
    return _unnumber(value)


def _class_weight(value: dict) -> dict:
    pairs = value.get("pairs") if set(value) == {"pairs"} else None
    if not isinstance(pairs, list) or not all(
        isinstance(p, list) and len(p) == 2 and isinstance(p[0], str | int | float)
        and _is_number(p[1]) for p in pairs
    ):
        raise ValueError("{'pairs': [[label, weight], ...]}")
    weights = {_unnumber(k): v for k, v in pairs}
    if len(weights) != len(pairs):
        raise ValueError("distinct labels in {'pairs': [[label, weight], ...]}")
    return weights


def fitted(est: Any, record: Any, path: str) -> dict[str, Any]:
    """``training.fitted`` checked by type and decoded (non-finite floats as floats)."""
    from ._sklearn_io import _FITTED as names

    labels = hasattr(est, "predict_proba")  # a classifier
    _fields(record, {*names, "objective", *({*_LABELS, "classes_dtype"} if labels else ())},
            _REQUIRED | (_LABELS if labels else set()), _FITTED, path)
    out = {name: _unnumber(value) for name, value in record.items()}
    for name, value in out.items():
        field = f"{_FITTED}.{name}"
        if name in _COUNTS and (not isinstance(value, int) or isinstance(value, bool)
                                or value < 0):
            raise _refuse(path, field, value, "an integer >= 0")
        if name in _SCORES and value is not None and not _is_number(value):
            raise _refuse(path, field, value, "a number or null")
        if name in _CURVES and value is not None:
            value = out[name] = [_unnumber(v) for v in value] if isinstance(value, list) else None
            if value is None or not all(_is_number(v) for v in value):
                raise _refuse(path, field, record[name], "a list of numbers or null")
    if not labels and out["objective"] not in _REGRESSION:
        raise _refuse(path, f"{_FITTED}.objective", out["objective"], f"one of {_REGRESSION}")
    _solver_state(out, path)
    return out


def _solver_state(out: dict[str, Any], path: str) -> None:
    """The stochastic solvers' state comes whole (``partial_fit`` uses all of it) or not at
    all (L-BFGS): ``loss_curve_`` a list, and ``best_loss_`` a number with no validation
    scores, or (early stopping) ``best_loss_`` null with ``validation_scores_`` a list and
    ``best_validation_score_`` a number."""
    names = ("loss_curve_", "_no_improvement_count", *_STOPPING)
    state = {name: out[name] for name in names if name in out}
    if not state:
        return
    scores, best = out.get("validation_scores_"), out.get("best_validation_score_")
    stopping = isinstance(scores, list) and _is_number(best) and out.get("best_loss_") is None
    plain = scores is None and best is None and _is_number(out.get("best_loss_"))
    if len(state) != len(names) or not isinstance(out["loss_curve_"], list) or not (
        stopping or plain
    ):
        raise _refuse(path, _FITTED, state, "the stochastic solvers' state whole: loss_curve_ "
                      "a list, _no_improvement_count, best_loss_ a number and the validation "
                      "scores null, or best_loss_ null, validation_scores_ a list and "
                      "best_validation_score_ a number (early stopping)")


def labels(fitted: dict[str, Any], binarizer: Any, path: str) -> tuple[np.ndarray, Any]:
    """A classifier's ``classes_`` and fitted ``LabelBinarizer``, checked against
    ``y_type``, ``objective``, ``out_activation_`` and ``n_outputs_``."""
    classes, y_type = fitted["classes"], fitted["y_type"]
    if not isinstance(classes, list) or not classes or not all(
        isinstance(c, str | int | float) for c in classes
    ):
        raise _refuse(path, f"{_FITTED}.classes", classes, "a non-empty list of labels")
    if y_type not in _Y_TYPES:
        raise _refuse(path, f"{_FITTED}.y_type", y_type, f"one of {_Y_TYPES}")
    values = np.asarray([_unnumber(c) for c in classes])
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
    expected = {
        "objective": "log_loss" if y_type == "multiclass" else "binary_log_loss",
        "out_activation_": "softmax" if y_type == "multiclass" else "logistic",
        "n_outputs_": 1 if y_type == "binary" else len(values),
    }
    for name, value in expected.items():
        if fitted[name] != value:
            raise _refuse(path, f"{_FITTED}.{name}", fitted[name], f"{value!r} (y_type {y_type!r})")
    return values, lb


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


def units(est: Any, model: Any, path: str) -> list[int]:
    """The layer widths the parameters describe, checked against the file's network."""
    from .layers import Dense

    hidden = est.hidden_layer_sizes
    hidden = [int(hidden)] if isinstance(hidden, Integral) else [int(h) for h in hidden]
    widths = [layer.units for layer in model.layers if isinstance(layer, Dense)]
    if widths[:-1] != hidden:
        raise _refuse(path, f"{_PARAMS}.hidden_layer_sizes", est.hidden_layer_sizes,
                      f"the file's hidden layer widths {quoted(widths[:-1])}")
    if not widths or widths[-1] != est.n_outputs_:
        raise _refuse(path, f"{_FITTED}.n_outputs_", est.n_outputs_,
                      f"the file's output width {widths[-1:]!r}")
    if est.n_layers_ != len(widths) + 1:
        raise _refuse(path, f"{_FITTED}.n_layers_", est.n_layers_, f"{len(widths) + 1}")
    if not hasattr(est, "predict_proba"):
        kind = "exp" if est._objective_kind == "poisson" else "identity"
        if est.out_activation_ != kind:
            raise _refuse(path, f"{_FITTED}.out_activation_", est.out_activation_,
                          f"{kind!r} (objective {est._objective_kind!r})")
    return [model.n_features_in, *widths]


def architecture(expected: list[dict], model: Any, est: Any, path: str) -> None:
    """The file's layers must be the ones the parameters build (``expected``), in the
    ``dtype`` they fix (``None``: any, as ``X`` decided it)."""
    if est.dtype is not None and np.dtype(est.dtype) != model.dtype:
        raise _refuse(path, f"{_PARAMS}.dtype", est.dtype,
                      f"the file's network dtype {model.dtype.name!r} or null")
    if model.get_config()["layers"] != expected:
        described = ", ".join(
            f"{name}={quoted(getattr(est, name), 40)}"
            for name in ("activation", "batch_norm", "dropout", "out_activation_")
        )
        raise ModelFileError(
            path, f"the file's network is not the one its parameters describe ({described})",
            _PARAMS,
        )

