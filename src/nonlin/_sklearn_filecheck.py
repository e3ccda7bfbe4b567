"""Checks on the ``training`` record of a file written by ``_sklearn_io.save_estimator``.

``nonlin.sklearn.load`` rebuilds an estimator from that record: its class
name, its parameters (``training.params``) and its fitted attributes
(``training.fitted``). A file is data from outside, so every field is checked
before it is used, and each fault is a ``ModelFileError`` naming the field and
the value received: the parameters by scikit-learn's own constraints (the
estimator's ``_validate_params``), the fitted attributes by type, and both
against the network the file holds (a classifier's labels: ``_sklearn_labels``).
This module does not import scikit-learn (the estimator classes are passed in).
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np

from . import _sklearn_dtype
from . import _sklearn_extras as extras
from ._header import ModelFileError
from ._quoting import clipped, quoted
from ._sklearn_random import from_record

_PARAMS, _FITTED = "training.params", "training.fitted"
_COUNTS = ("n_iter_", "t_", "n_outputs_", "n_layers_", "_no_improvement_count")
_SCORES = ("loss_", "best_loss_", "best_validation_score_")
_CURVES = ("loss_curve_", "validation_scores_")
_STOPPING = ("best_loss_", "validation_scores_", "best_validation_score_")
_REQUIRED = {"n_iter_", "t_", "n_outputs_", "n_layers_", "out_activation_", "objective"}
_LABELS = {"classes", "y_type"}
_REGRESSION = ("squared_error", "poisson", "absolute_error", "huber", "nonlin_loss")
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


def estimator(cls: type[Any], params: Any, path: str, text: bool = False) -> Any:
    """A new ``cls`` with the parameters ``params`` (``training.params``), each checked;
    ``text``: the classes are text (``text_labels``), and so are ``class_weight``'s keys."""
    names = set(cls._get_param_names()) - {"callbacks"}
    classifier = hasattr(cls, "predict_proba")  # its loss: "log_loss" in files without it
    _fields(params, names, names - ({"loss"} if classifier else set()), _PARAMS, path)
    decoded, left_out = {}, {}
    for name, value in params.items():
        try:
            decoded[name] = _decode_param(name, value, text, classifier)
        except (TypeError, ValueError, KeyError) as exc:
            message = clipped(str(exc), 200)
            if message.startswith("Expected "):  # a constructor's: it names what it received
                raise ModelFileError(path, message, f"{_PARAMS}.{name}") from None
            raise _refuse(path, f"{_PARAMS}.{name}", value, message) from None
        if decoded[name] is None and isinstance(value, dict):  # left out: None once checked
            left_out[name] = clipped(value["left_out"], 200)  # the file's text, shown
            del decoded[name]
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
    for name in left_out:
        setattr(est, name, None)
    est._left_out = left_out  # named by a fit (_sklearn_extras.check_left_out) and save
    return est


def _decode_param(name: str, value: Any, text: bool, classifier: bool = False) -> Any:
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
    if name in extras.OBJECT_PARAMS and isinstance(value, dict):
        return extras.decode(name, value, classifier)
    if name == "random_state" and isinstance(value, dict):
        return from_record(value)
    if name == "dtype" and isinstance(value, dict):
        return _sklearn_dtype.from_record(value)
    if name == "class_weight" and isinstance(value, dict):
        return _class_weight(value, text)
    if name == "class_weight" and isinstance(value, list):  # multilabel: one per column
        if not all(isinstance(v, dict) for v in value):
            raise ValueError("a list of {'pairs': [[label, weight], ...]}")
        return [_class_weight(v, text) for v in value]
    return _unnumber(value)


def _class_weight(value: dict, text: bool) -> dict:
    pairs = value.get("pairs") if set(value) == {"pairs"} else None
    if not isinstance(pairs, list) or not all(
        isinstance(p, list) and len(p) == 2 and isinstance(p[0], str | int | float)
        and _is_number(p[1]) for p in pairs
    ):
        raise ValueError("{'pairs': [[label, weight], ...]}")
    weights = {k if text else _unnumber(k): v for k, v in pairs}
    if len(weights) != len(pairs):
        raise ValueError("distinct labels in {'pairs': [[label, weight], ...]}")
    return weights


def fitted(est: Any, record: Any, path: str, optimizer: bool = True) -> dict[str, Any]:
    """``training.fitted`` checked by type and decoded (non-finite floats as floats).
    ``optimizer``: the file holds the optimizer record (files without one may be older)."""
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
    if not optimizer and "loss_curve_" in out and "_no_improvement_count" not in out:
        out["_no_improvement_count"] = 0  # files written before e6dc313 (2026-11-29) kept
        # neither the optimizer nor this count: read as 0, where fit starts it
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


def _init_today(layer: dict) -> dict:
    """A Dense layer's config with ``init`` as today's estimators name it: files written
    before commit 8a2fe9d (2026-11-30, 19:14 UTC) named 'zeros', the weights' draw before
    fit, where they now name glorot_uniform, scikit-learn's; the weights are the file's
    either way."""
    config = layer.get("config")
    if layer.get("class_name") != "Dense" or not isinstance(config, dict) or config.get(
            "init") != "zeros":
        return layer
    return {**layer, "config": {**config, "init": "glorot_uniform"}}


def architecture(expected: list[dict], model: Any, est: Any, path: str) -> None:
    """The file's layers must be the ones the parameters build (``expected``), in the
    ``dtype`` they fix (``None``: any, as ``X`` decided it)."""
    if est.dtype is not None and np.dtype(est.dtype) != model.dtype:
        raise _refuse(path, f"{_PARAMS}.dtype", est.dtype,
                      f"the file's network dtype {model.dtype.name!r} or null")
    if [_init_today(layer) for layer in model.get_config()["layers"]] != expected:
        described = ", ".join(
            f"{name}={quoted(getattr(est, name), 40)}"
            for name in ("activation", "batch_norm", "dropout", "out_activation_")
        )
        raise ModelFileError(
            path, f"the file's network is not the one its parameters describe ({described})",
            _PARAMS,
        )

