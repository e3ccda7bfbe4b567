"""Saving a ``nonlin.sklearn`` estimator in nonlin's safe model format.

The file is an ordinary nonlin model file (``nonlin.save``): the estimator's
network with its output activation appended (``Softmax``, ``Sigmoid``,
``Identity``, or ``Exp`` for a Poisson regressor), so
``nonlin.load(path).predict(X)`` returns the probabilities (or predictions)
directly. The metadata keeps what rebuilds the estimator:
``task``, ``classes`` and ``feature_names`` where they fit nonlin's schema
(str or int classes: float and bool labels in the command line's spelling,
``1.0`` as ``1`` and ``True`` as ``"True"``; ``multilabel: true`` for a
multi-label classifier: its ``classes`` are the label columns, each output that
label's own probability; ``[0, 1]`` for two labels is then not a binary
classifier's two classes), and
under ``training`` the estimator's class, its JSON-able parameters (a ``loss`` or
``learning_rate`` object through nonlin's allowlists, or left out: ``_sklearn_extras``; a
``RandomState`` as its state at saving, as pickle keeps it: ``_sklearn_random``) and its
fitted attributes. A stochastic solver's optimizer state (its class,
hyperparameters, step count, current learning rate and rate schedule) is the header field
``optimizer``, its slots (Adam's moments, SGD's velocities, each over all the
parameters laid end to end, weights first) the tensors ``optimizer.{slot}.0``:
``partial_fit`` or a warm-start fit continues after ``load`` as after a pickle
round trip; the metadata requests set (``set_fit_request``, ...) are ``training.requests``
(``_sklearn_requests``). Nothing is pickled. This module does not import scikit-learn
(``nonlin.sklearn.load`` rebuilds the estimator).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _sklearn_dtype
from . import _sklearn_extras as extras
from . import _sklearn_filecheck as filecheck
from . import _sklearn_labels as labelcheck
from ._quoting import quoted
from ._sklearn_optimizer_io import _SLOTS, optimizer_record, restore_optimizer
from ._sklearn_random import state_record
from ._sklearn_repack import repack
from ._sklearn_requests import request_record, restore_requests
from .core import Sequential

_OUTPUT_LAYERS = {"softmax": "Softmax", "logistic": "Sigmoid", "identity": "Identity", "exp": "Exp"}
_FITTED = ("n_iter_", "t_", "loss_", "loss_curve_", "best_loss_", "validation_scores_",
           "best_validation_score_", "n_outputs_", "n_layers_", "out_activation_",
           "_no_improvement_count")


def _number(value: Any) -> Any:
    """JSON-able number: non-finite floats as the strings "inf", "-inf", "nan"."""
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return str(float(value))
    if isinstance(value, np.generic):
        return value.item()
    return value


def encode_params(params: dict[str, Any],
                  left_out: dict[str, str] | None = None) -> dict[str, Any]:
    """The estimator's parameters as JSON values (callbacks are dropped; a ``RandomState``
    is its state, ``_sklearn_random.state_record``);
    a ``loss`` or ``learning_rate`` object as ``_sklearn_extras.encode`` writes it, those
    left out named in ``left_out`` (given: a loaded estimator's, kept)."""
    out: dict[str, Any] = {}
    left_out = {} if left_out is None else left_out
    for name, value in params.items():
        if name == "callbacks":
            continue
        if name in extras.OBJECT_PARAMS:
            out[name] = extras.encode(name, value, left_out)
            continue
        if name == "random_state" and isinstance(value, np.random.RandomState):
            value = state_record(value)  # its state now, as pickle keeps it
        elif name == "random_state" and not isinstance(value, int | np.integer):
            value = None
        elif name == "dtype" and value is not None:
            value = _sklearn_dtype.record(value)
        elif name == "hidden_layer_sizes":  # an int, a list or (else) a tuple, as given
            sizes = [int(v) for v in np.atleast_1d(value)]
            value = int(value) if np.ndim(value) == 0 else (
                {"list": sizes} if isinstance(value, list) else sizes)
        elif name == "class_weight" and isinstance(value, dict | list):  # JSON keys are text
            value = [_pairs(d) for d in value] if isinstance(value, list) else _pairs(value)
        out[name] = _number(value)
    return out


def _pairs(weights: dict) -> dict[str, list]:
    return {"pairs": [[_number(k), float(v)] for k, v in weights.items()]}


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


def save_estimator(est: Any, path: Any) -> None:
    """Write ``est`` to ``path`` (atomically) or a binary file object in nonlin's format.
    A ``loss`` object is checked first as ``fit`` checks it (``extras.check_loss``): one
    set since (``est.loss.label_smoothing = 5.0``) is refused, nothing written, as the
    loader would refuse the file."""
    from ._file_objects import write_model
    from ._metadata import to_json_text
    from ._model_suffix import check_model_suffix
    from .io import file_buffer

    check_model_suffix(path)
    classes = getattr(est, "classes_", None)
    extras.check_loss(est.loss, classes is not None)  # a fitted classifier has classes_
    left_out = {name: text for name, text in (est.__dict__.get("_left_out") or {}).items()
                if getattr(est, name) is None}  # a loaded estimator's, unless set again
    metadata = _metadata(est, classes, left_out)
    header: dict[str, str] = {}
    tensors: dict[str, np.ndarray] = {}
    optimizer = est.__dict__.get("_optimizer")
    saveable = optimizer is not None and extras.saveable_rate(optimizer.inner.lr)
    extras.warn_left_out(left_out, optimizer is not None and not saveable, stacklevel=3)
    if saveable:  # its slots in the network's dtype, as partial_fit casts them
        record, tensors = optimizer_record(optimizer, est.model_.dtype)
        header["optimizer"] = to_json_text(record, "optimizer")
    model = export_model(est)
    write_model(path, file_buffer(model, metadata=metadata, extra_tensors=tensors,
                                   extra_header=header))


def _metadata(est: Any, classes: np.ndarray | None, left_out: dict[str, str]) -> dict[str, Any]:
    """The model file's metadata for the fitted estimator ``est``: its task, the training
    record (estimator, params, fitted attributes, metadata requests), classes and feature
    names (``classes``: its ``classes_``, None for a regressor)."""
    fitted = {name: _jsonable(getattr(est, name)) for name in _FITTED if hasattr(est, name)}
    fitted["objective"] = est._objective_kind
    if classes is not None:
        fitted["classes"] = [_number(c) for c in classes.tolist()]
        fitted["classes_dtype"] = classes.dtype.str  # uint8 labels load as uint8
        fitted["y_type"] = est._label_binarizer.y_type_
    metadata: dict[str, Any] = {
        "task": "classification" if classes is not None else "regression",
        "training": {"estimator": type(est).__name__,
                     "params": encode_params(est.get_params(deep=False), left_out),
                     "fitted": fitted},
    }
    labels = [_cli_label(c) for c in fitted.get("classes", [])]
    if classes is not None and _fits_schema(labels, est.n_outputs_):
        metadata["classes"] = labels
    if classes is not None and fitted["y_type"] == "multilabel-indicator":
        metadata["multilabel"] = True
    if hasattr(est, "feature_names_in_"):
        metadata["feature_names"] = [str(n) for n in est.feature_names_in_]
    if (requests := request_record(est)) is not None:  # set_fit_request's, ...
        metadata["training"]["requests"] = requests
    return metadata


def _loss(value: Any) -> Any:
    """A loss as a fit leaves it: a NumPy float (float64; a float32 one comes back so)."""
    return None if value is None else np.float64(filecheck._unnumber(value))


def _jsonable(value: Any) -> Any:
    if isinstance(value, list):
        return [_number(v) for v in value]
    return _number(value)


def _cli_label(label: Any) -> Any:
    """A class as ``metadata["classes"]`` holds it (str or int), spelled as ``nonlin train``
    spells it (``cli_labels.stored_label``): an integral float as the int (``1.0`` and ``1``
    are one class on the command line), a bool as its text (``"True"``, as a CSV file has
    it). ``training.fitted.classes`` keeps the labels themselves, for ``classes_``."""
    if isinstance(label, bool):
        return str(label)
    if isinstance(label, float):
        return int(label) if label.is_integer() else repr(label)
    return label


def _fits_schema(classes: list, n_outputs: int) -> bool:
    ok = all(isinstance(c, str | int) and not isinstance(c, bool) for c in classes)
    return ok and len(set(classes)) == len(classes) == (2 if n_outputs == 1 else n_outputs)


def restore_fitted(est: Any, fitted: dict[str, Any]) -> None:
    """Set the fitted attributes saved by ``save_estimator`` on a new estimator."""
    for name in _FITTED:
        if name in fitted:
            value = fitted[name]
            kind = _loss if name in ("loss_", "loss_curve_", "best_loss_") else filecheck._unnumber
            value = [kind(v) for v in value] if isinstance(value, list) else kind(value)
            setattr(est, name, value)
    est._objective_kind = fitted["objective"]
    est.callbacks_ = []  # as callbacks (None): a file keeps no callback (nothing is pickled)


def load_estimator(path: Any, estimators: dict, binarizer: Any) -> Any:
    """Rebuild a fitted estimator from a file (a path or a binary file object) written by
    ``save_estimator``.

    ``estimators`` maps class names to the estimator classes; ``binarizer``
    is scikit-learn's ``LabelBinarizer`` (passed in: this module does not
    import scikit-learn).
    """
    from ._file_objects import read_model_bytes
    from ._header import ModelFileError
    from .io import read_model

    data, header, source = read_model_bytes(path, "nonlin.sklearn.load")  # size checked first
    model, header, arrays = read_model(data, source, extra_prefix=_SLOTS, header=header)
    metadata = getattr(model, "metadata", None) or {}
    training: Any = metadata.get("training")  # the file's JSON, checked below
    name = training.get("estimator") if isinstance(training, dict) else None
    if not isinstance(name, str) or name not in estimators:
        raise ModelFileError(
            source, f"Expected a file saved by nonlin.sklearn's estimators "
            f"(training.estimator {tuple(estimators)}). Received {quoted(name, 80)}",
            "training.estimator",
        )
    text = labelcheck.text_labels(training.get("fitted"))  # "nan": a label or a float
    est = filecheck.estimator(estimators[name], training.get("params"), source, text)
    fitted = filecheck.fitted(est, training.get("fitted"), source,
                              "optimizer" in header.metadata)
    restore_fitted(est, fitted)
    if "classes" in fitted:
        est.classes_, est._label_binarizer = labelcheck.labels(fitted, binarizer, source,
                                                               est.loss)
    labelcheck.multilabel(metadata, fitted, source)
    _restore_network(est, model, header, arrays, source)
    if "feature_names" in metadata:
        est.feature_names_in_ = np.asarray(metadata["feature_names"], dtype=object)
    restore_requests(est, training.get("requests"), source)
    return est


def _restore_network(
    est: Any, model: Any, header: Any, arrays: dict[str, np.ndarray], source: str
) -> None:
    """``est.model_`` with ``model``'s weights and state, and the optimizer the file saved."""
    from . import _sklearn_engine as engine
    from ._header import strict_json

    units = filecheck.units(est, model, source)
    coefs = [np.zeros((a, b), model.dtype) for a, b in zip(units[:-1], units[1:], strict=True)]
    est._random_state = engine.random_state(0)  # each fit draws from random_state anew;
    # a fixed stream here keeps load from drawing on np.random (random_state=None)
    engine.build_network(est, units, coefs, [np.zeros(b, model.dtype) for b in units[1:]])
    filecheck.architecture(export_model(est).get_config()["layers"], model, est, source)
    est.model_.set_weights(model.get_weights())
    est.model_.set_state(model.get_state())
    est.n_features_in_, est._optimizer = model.n_features_in, None
    if "optimizer" in header.metadata:
        record = strict_json(header.metadata["optimizer"], source, "optimizer")
        restore_optimizer(est, record, arrays, source)
    est._best_params = None  # the live weights, as after a fit (see engine.restore_best)
    repack(est)  # for the next SGD / Adam fit to step coefs_'s arrays in place
