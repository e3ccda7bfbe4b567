"""Saving a ``nonlin.sklearn`` estimator in nonlin's safe model format.

The file is an ordinary nonlin model file (``nonlin.save``): the estimator's
network with its output activation appended (``Softmax``, ``Sigmoid`` or
``Identity``), so ``nonlin.load(path).predict(X)`` returns the probabilities
(or predictions) directly. The metadata keeps what rebuilds the estimator:
``task``, ``classes`` and ``feature_names`` where they fit nonlin's schema, and
under ``training`` the estimator's class, its JSON-able parameters and its
fitted attributes. Nothing is pickled. This module does not import
scikit-learn (``nonlin.sklearn.load`` rebuilds the estimator).
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from .core import Sequential

_OUTPUT_LAYERS = {"softmax": "Softmax", "logistic": "Sigmoid", "identity": "Identity"}
_FITTED = ("n_iter_", "t_", "loss_", "loss_curve_", "best_loss_", "validation_scores_",
           "best_validation_score_", "n_outputs_", "n_layers_", "out_activation_")


def _number(value: Any) -> Any:
    """JSON-able number: non-finite floats as the strings "inf", "-inf", "nan"."""
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return str(float(value))
    if isinstance(value, np.generic):
        return value.item()
    return value


def _unnumber(value: Any) -> Any:
    return float(value) if value in ("inf", "-inf", "nan") else value


def encode_params(params: dict[str, Any]) -> dict[str, Any]:
    """The estimator's parameters as JSON values (callbacks and RandomStates are dropped)."""
    out: dict[str, Any] = {}
    for name, value in params.items():
        if name == "callbacks":
            continue
        if name == "random_state" and not isinstance(value, int | np.integer):
            value = None
        elif name == "dtype" and value is not None:
            value = np.dtype(value).name
        elif name == "hidden_layer_sizes":
            value = [int(v) for v in np.atleast_1d(value)]
        elif name == "class_weight" and isinstance(value, dict):
            value = {"pairs": [[_number(k), float(v)] for k, v in value.items()]}
        out[name] = _number(value)
    return out


def decode_params(params: dict[str, Any]) -> dict[str, Any]:
    out = {name: _unnumber(value) for name, value in params.items()}
    out["hidden_layer_sizes"] = tuple(out["hidden_layer_sizes"])
    weights = out.get("class_weight")
    if isinstance(weights, dict):
        out["class_weight"] = {k: v for k, v in weights["pairs"]}
    return out


def export_model(est: Any) -> Sequential:
    """A copy of ``est.model_`` with the output activation appended as a layer."""
    config = est.model_.get_config()
    final = _OUTPUT_LAYERS.get(est.out_activation_)
    if final is not None:
        config["layers"].append({"class_name": final, "config": {}})
    model = Sequential.from_config(config, seed=0)
    model.set_weights(est.model_.get_weights())
    model.set_state(est.model_.get_state())
    return model


def save_estimator(est: Any, path: str | os.PathLike[str]) -> None:
    """Write ``est`` to ``path`` (atomically) in nonlin's safetensors model format."""
    from .io import save

    classes = getattr(est, "classes_", None)
    fitted = {name: _jsonable(getattr(est, name)) for name in _FITTED if hasattr(est, name)}
    fitted["objective"] = est._objective_kind
    if classes is not None:
        fitted["classes"] = [_number(c) for c in classes.tolist()]
        fitted["y_type"] = est._label_binarizer.y_type_
    metadata: dict[str, Any] = {
        "task": "classification" if classes is not None else "regression",
        "training": {"estimator": type(est).__name__,
                     "params": encode_params(est.get_params(deep=False)), "fitted": fitted},
    }
    if classes is not None and _fits_schema(fitted["classes"], est.n_outputs_):
        metadata["classes"] = fitted["classes"]
    if hasattr(est, "feature_names_in_"):
        metadata["feature_names"] = [str(n) for n in est.feature_names_in_]
    save(export_model(est), path, metadata=metadata)


def _jsonable(value: Any) -> Any:
    if isinstance(value, list):
        return [_number(v) for v in value]
    return _number(value)


def _fits_schema(classes: list, n_outputs: int) -> bool:
    ok = all(isinstance(c, str | int) and not isinstance(c, bool) for c in classes)
    return ok and len(set(classes)) == len(classes) == (2 if n_outputs == 1 else n_outputs)


def restore_fitted(est: Any, fitted: dict[str, Any]) -> None:
    """Set the fitted attributes saved by ``save_estimator`` on a new estimator."""
    for name in _FITTED:
        if name in fitted:
            value = fitted[name]
            value = [_unnumber(v) for v in value] if isinstance(value, list) else _unnumber(value)
            setattr(est, name, value)
    est._objective_kind = fitted["objective"]


def load_estimator(path: str | os.PathLike[str], estimators: dict, binarizer: Any) -> Any:
    """Rebuild a fitted estimator from a file written by ``save_estimator``.

    ``estimators`` maps class names to the estimator classes; ``binarizer``
    is scikit-learn's ``LabelBinarizer`` (passed in: this module does not
    import scikit-learn).
    """
    from . import _sklearn_engine as engine
    from .io import load

    model = load(path)
    metadata = getattr(model, "metadata", None) or {}
    training = metadata.get("training")
    name = training.get("estimator") if isinstance(training, dict) else None
    if name not in estimators:
        raise ValueError(
            f"Expected a file saved by nonlin.sklearn's estimators. Received {path!r} "
            f"(metadata training.estimator={name!r})"
        )
    est = estimators[name](**decode_params(training["params"]))
    fitted = training["fitted"]
    restore_fitted(est, fitted)
    units = [model.n_features_in, *est.hidden_layer_sizes, est.n_outputs_]
    coefs = [np.zeros((a, b), model.dtype) for a, b in zip(units[:-1], units[1:], strict=True)]
    est._random_state = engine.random_state(est.random_state)
    engine.build_network(est, units, coefs, [np.zeros(b, model.dtype) for b in units[1:]])
    est.model_.set_weights(model.get_weights())
    est.model_.set_state(model.get_state())
    est.n_features_in_, est._optimizer = model.n_features_in, None
    est._best_params = [p.value.copy() for p in est.model_.parameters()]
    if "feature_names" in metadata:
        est.feature_names_in_ = np.asarray(metadata["feature_names"], dtype=object)
    if "classes" in fitted:
        est.classes_ = np.asarray(fitted["classes"])
        multilabel = fitted["y_type"].startswith("multilabel")
        est._label_binarizer = binarizer().fit(
            np.eye(len(est.classes_), dtype=int) if multilabel else est.classes_
        )
    return est
