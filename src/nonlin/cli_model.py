"""The model file as the command line uses it: metadata, scaling and outputs.

A file written by ``nonlin train`` carries, next to the weights, the metadata
that turns raw CSV columns into predictions::

    {"task": "classification" | "regression",
     "feature_names": [...], "target": "species", "classes": [...],
     "preprocessing": {"type": "standardize", "mean": [...], "scale": [...]},
     "target_preprocessing": {"type": "standardize", "mean": [m], "scale": [s]},  # regression
     "targets": ["y1", "y2"],  # several targets: in place of "target", a mean and scale each
     "categorical": [{"column": ..., "categories": [...], "frequencies": [...]}],  # --categorical
     "training": {...}}

A file saved by a ``nonlin.sklearn`` estimator fitted on a DataFrame has no
``preprocessing`` (nor ``target``): its features go in as they are. A file with
neither ``preprocessing`` nor an estimator, or without ``feature_names``, is refused.

Features are standardized, ``x' = (x - mean) / scale``, in place. A classifier
outputs one logit per class (probabilities are their softmax; ``model_outputs``
also reads a final Softmax layer and one-output binary models); a regressor outputs
the standardized target, ``y = y' * scale + mean``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._categorical import check_categorical
from ._dense_keras import output_layer
from ._feature_names import forget_names
from ._metadata import _is_number  # a JSON number: int or float, not bool
from ._quoting import cut, printable, quoted, shown_path
from .cli_common import UsageError, check_model_file

MODEL_INPUT = "an input column of the model"  # where predict's and evaluate's columns come from
CHUNK_ROWS = 16_384  # rows per block when a pass over the data needs a temporary
_STATS_ELEMENTS = 1 << 16  # float64 temporaries of column_stats: 512 KiB
_HUGE = 2.0**1000  # beyond it, the difference of two float64 values may overflow
_SQUARE_SAFE = 2.0**480  # below it, sums of squares of differences stay within float64


def column_stats(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each column, in float64, block by block.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    mean, scale : ndarrays of shape (n_features,), float64
        ``scale`` is the population standard deviation, with 1 where the column
        is constant, as scikit-learn does: where it is 0 or below the smallest
        normal float32 (a column of 0 and 1e-45), which no float32 model could
        divide by.

    A float64 column with values beyond 2**480 is summed in units of a power
    of two near its largest magnitude (exact, and bit for bit the same result),
    so that values up to float64's range overflow neither sums nor squares.
    """
    n, rows = X.shape[0], max(1, _STATS_ELEMENTS // max(1, X.shape[1]))
    unit = _units(X, rows)
    total = np.zeros(X.shape[1])
    for start in range(0, n, rows):
        block = X[start : start + rows]
        total += (block if unit is None else block / unit).sum(axis=0, dtype=np.float64)
    mean = total / n
    squares = np.zeros(X.shape[1])
    for start in range(0, n, rows):
        block = X[start : start + rows]
        centred = block - mean if unit is None else block / unit - mean
        squares += np.einsum("ij,ij->j", centred, centred)
    if unit is None:
        unit = np.ones(X.shape[1])
    scale = np.sqrt(squares / n) * unit
    mean *= unit
    scale[scale < np.finfo(np.float32).tiny] = 1.0
    return mean, scale


def _units(X: np.ndarray, rows: int) -> np.ndarray | None:
    """Per column, a power of two near its largest magnitude where squares could overflow
    float64 (beyond 2**480), else 1; None when every column is within (float32 data)."""
    if X.dtype.itemsize <= 4:
        return None
    largest = np.zeros(X.shape[1])
    for start in range(0, X.shape[0], rows):
        block = X[start : start + rows]
        np.maximum(largest, np.maximum(block.max(axis=0), -block.min(axis=0)), out=largest)
    if not (largest > _SQUARE_SAFE).any():
        return None
    return np.where(largest > _SQUARE_SAFE, np.exp2(np.floor(np.log2(largest))), 1.0)


def standardize_(
    X: np.ndarray, mean: Any, scale: Any, names: Sequence[str] | None = None, source: str = ""
) -> np.ndarray:
    """``X <- (X - mean) / scale`` in place; returns X.

    Computed in float64 block by block, then rounded to X's dtype once, so
    float32 data near its range limits neither overflows nor loses the
    difference to the mean. A result outside X's dtype (data far from the
    training data's) is a ``UsageError`` naming ``source`` and the column.
    """
    mean, scale = np.asarray(mean, dtype=np.float64), np.asarray(scale, dtype=np.float64)
    # Near float64's limits x - mean can overflow: there, work in units of 2**64 (exact).
    unit = np.where(np.abs(mean) > _HUGE, 2.0**64, 1.0)
    mean, scale = mean / unit, scale / unit
    rows = max(1, _STATS_ELEMENTS // max(1, X.shape[1]))
    largest = float(np.finfo(X.dtype).max)
    for start in range(0, X.shape[0], rows):
        block = np.divide(X[start : start + rows], unit, dtype=np.float64)
        block -= mean
        block /= scale
        if block.size and not -largest <= block.min() <= block.max() <= largest:
            _out_of_range(block, X.dtype, names, source)
        X[start : start + rows] = block
    return X


def _out_of_range(
    block: np.ndarray, dtype: np.dtype, names: Sequence[str] | None, source: str
) -> None:
    """Raise ``UsageError`` naming the first column of ``block`` (n_rows, n_features)
    with a standardized value beyond ``dtype``'s range, and that value."""
    finite = np.abs(block).max(axis=0) <= np.finfo(dtype).max
    column = int(np.flatnonzero(~finite)[0])
    name = quoted(names[column]) if names is not None else str(column)
    value = block[np.argmax(np.abs(block[:, column])), column]
    where = f"{shown_path(source)}, column {name}" if source else f"column {name}"
    raise UsageError(
        f"{where}: standardized with the model's mean and scale, a value becomes {value:.4g}, "
        f"beyond {np.dtype(dtype).name} range; the data is far from what the model was trained on"
    )


def softmax_(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits (n, k), in place: ``p_ij = exp(z_ij) / sum_j exp(z_ij)``."""
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def load_model(path: str) -> tuple[Any, dict[str, Any]]:
    """Load a model file written by ``nonlin train``; returns the model and its metadata."""
    import nonlin

    check_model_file(path)
    model = nonlin.load(path, compile=False)  # predict and evaluate need no training state
    meta = dict(getattr(model, "metadata", None) or {})
    training = meta.get("training")
    estimator = isinstance(training, dict) and "estimator" in training
    if estimator and "preprocessing" not in meta:  # nonlin.sklearn: features as they are
        meta["preprocessing"] = {"type": "none"}
    missing = [k for k in ("task", "feature_names", "preprocessing") if k not in meta]
    if missing:
        fitted = ("; fit the estimator on a pandas DataFrame, whose column names the file "
                  "then records" if estimator else "")
        raise UsageError(
            f"{shown_path(path)}: this model file has no {', '.join(missing)} in its metadata; "
            f"the command line needs a model written by 'nonlin train'{fitted}"
        )
    check_cli_metadata(path, model, meta, binary=True)
    check_categorical(path, meta)
    forget_names(model)  # the columns are matched by name here, then passed as arrays
    return model, meta


def check_cli_metadata(path: str, model: Any, meta: dict[str, Any], binary: bool = False) -> None:
    """What the command line relies on beyond ``nonlin.load``'s checks: a task it knows,
    consistent with the outputs and classes, its scalings, a str target. A
    ``ModelFileError`` names the file and the field. With ``binary``, a classifier
    may also have one output for two classes (as ``nonlin.save`` allows), and its
    features may go in as they are (preprocessing ``{"type": "none"}``, a scikit-learn
    estimator's file), which ``predict`` and ``evaluate`` read, ``train --resume`` does not."""
    from ._header import ModelFileError

    def refuse(field: str, problem: str) -> None:
        raise ModelFileError(path, problem, field=f"metadata[{field!r}]")

    task, n_outputs, classes = meta["task"], model.n_outputs, meta.get("classes")
    if task not in ("classification", "regression"):
        refuse("task", f"expected 'classification' or 'regression', received {quoted(task)}")
    one_of_two = binary and n_outputs == 1 and classes is not None and len(classes) == 2
    if task == "classification" and (not classes or len(classes) != n_outputs) and not one_of_two:
        refuse("classes", f"a classifier needs one class label per output ({n_outputs}), "
               f"received {quoted(classes)}")
    last = type(output_layer(model.layers[-1])).__name__ if model.layers else ""
    multilabel = meta.get("multilabel") is True
    if multilabel:  # one sigmoid output per label (cli_multilabel_model)
        from .cli_multilabel_model import check_multilabel

        check_multilabel(meta, n_outputs, refuse)
    if binary and task == "classification" and last == "Sigmoid" and n_outputs > 1 and \
            not multilabel:
        raise ModelFileError(path, f"a final Sigmoid layer scores each of the {n_outputs} "
                             "outputs on its own (multi-label); predict and evaluate need one "
                             "class per row: logits or a final Softmax layer", field="architecture")
    if "targets" in meta:  # several (nonlin train --target y1,y2): their own checks
        from .cli_targets_scores import check_targets

        check_targets(meta, n_outputs, refuse)
    elif task == "regression" and (n_outputs != 1 or classes is not None):
        refuse("task", f"'regression' needs one output and no class labels; the model has "
               f"{n_outputs} output(s){' and class labels' if classes is not None else ''}")
    _check_scalings(meta, binary, refuse)


def _check_scalings(meta: dict[str, Any], binary: bool,
                    refuse: Callable[[str, str], None]) -> None:
    """``check_cli_metadata``'s last checks: the features' preprocessing (``"none"`` too with
    ``binary``), a str ``target`` and a regressor's ``target_preprocessing``; a problem
    goes to ``refuse(field, problem)``, which raises."""
    if meta["preprocessing"].get("type") not in (("standardize", "none") if binary
                                                 else ("standardize",)):
        refuse("preprocessing", f"expected type 'standardize', received "
               f"{quoted(meta['preprocessing'].get('type'))}")
    if not isinstance(meta.get("target", ""), str):
        refuse("target", f"expected a column name, received {quoted(meta['target'])}")
    scaling = meta.get("target_preprocessing")
    if meta["task"] == "regression" and scaling is not None and "targets" not in meta and \
            not _is_target_scaling(scaling):
        refuse("target_preprocessing", "expected {'type': 'standardize', 'mean': [m], "
               f"'scale': [s]}} with finite m and s != 0, received {quoted(scaling)}")


def _is_target_scaling(spec: Any) -> bool:
    """Whether ``spec`` is ``{'type': 'standardize', 'mean': [m], 'scale': [s]}``,
    m and s finite, s != 0."""
    if not isinstance(spec, dict) or spec.get("type") != "standardize":
        return False
    values: list[Any] = [spec.get("mean"), spec.get("scale")]
    if not all(isinstance(v, list) and len(v) == 1 and _is_number(v[0]) for v in values):
        return False
    mean, scale = values[0][0], values[1][0]
    return bool(np.isfinite(mean) and np.isfinite(scale) and scale != 0)


def prepare_features(X: np.ndarray, meta: dict[str, Any], source: str = "") -> np.ndarray:
    """Apply the model's stored scaling to raw features (from the file ``source``), in place."""
    prep = meta["preprocessing"]  # a standardization, or none: load_model checked it
    if prep["type"] == "none":
        return X
    return standardize_(X, prep["mean"], prep["scale"], meta.get("feature_names"), source)


def training_means(meta: dict[str, Any], missing: str, path: str) -> list[float] | None:
    """The training data's column means, stored as the standardization's mean: what
    ``--missing mean`` puts in a missing cell (the scaled value is then about 0). A
    model file without them (a scikit-learn estimator's) cannot fill cells."""
    mean = meta["preprocessing"].get("mean")
    if mean is None and missing == "mean":
        raise UsageError(f"{shown_path(path)} holds no training means (its features go in "
                         "unscaled), so --missing mean has nothing to fill cells with; use "
                         "--missing drop")
    return None if mean is None else list(mean)


def model_outputs(model: Any, meta: dict[str, Any], X: np.ndarray) -> np.ndarray:
    """Class probabilities (n, n_classes) or predicted values (n,), or (n, n_targets) for
    several targets (a multilabel classifier's: each positive label's probability), from
    scaled features.

    A classifier's outputs are logits (``nonlin train``'s), or probabilities where its
    last layer is ``Softmax``; one output (two classes) is ``P(classes[1])`` through
    ``sigmoid(z) = 1 / (1 + exp(-z))``, or as it is after a ``Sigmoid`` layer.
    """
    out = np.asarray(model.predict(X, batch_size=CHUNK_ROWS), dtype=np.float64)
    if meta.get("multilabel") is True:  # P(positive label) (n, n_labels)
        from .cli_multilabel_model import probabilities

        return probabilities(model, out)
    if meta["task"] == "classification":
        last = type(output_layer(model.layers[-1])).__name__ if model.layers else ""
        if out.shape[1] == 1:
            p = out if last == "Sigmoid" else np.exp(-np.logaddexp(0.0, -out))
            return np.hstack([1.0 - p, p])
        return out if last == "Softmax" else softmax_(out)
    target = meta.get("target_preprocessing") or {"mean": [0.0], "scale": [1.0]}
    if "targets" in meta:  # several: (n, n_targets), each in its own units
        with np.errstate(over="ignore"):
            return out * np.asarray(target["scale"]) + np.asarray(target["mean"])
    with np.errstate(over="ignore"):  # beyond float64's range a prediction is inf
        return out[:, 0] * target["scale"][0] + target["mean"][0]


def describe_classes(classes: list[Any], limit: int = 10) -> str:
    """The first ``limit`` classes, each cut to 40 characters, control characters escaped
    (``printable``): ``a, b, ... (25 in all)``."""
    shown = ", ".join(cut(printable(str(c)), 40) for c in classes[:limit])
    return shown + (f", ... ({len(classes)} in all)" if len(classes) > limit else "")
