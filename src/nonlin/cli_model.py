"""The model file as the command line uses it: metadata, scaling and outputs.

A file written by ``nonlin train`` carries, next to the weights, the metadata
that turns raw CSV columns into predictions::

    {"task": "classification" | "regression",
     "feature_names": [...], "target": "species", "classes": [...],
     "preprocessing": {"type": "standardize", "mean": [...], "scale": [...]},
     "target_preprocessing": {"type": "standardize", "mean": [m], "scale": [s]},  # regression
     "training": {...}}

Features are standardized, ``x' = (x - mean) / scale``, in place. A classifier
outputs one logit per class (probabilities are their softmax); a regressor
outputs the standardized target, ``y = y' * scale + mean``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .cli_common import UsageError, check_input_file

CHUNK_ROWS = 16_384  # rows per block when a pass over the data needs a temporary
_STATS_ELEMENTS = 1 << 16  # float64 temporaries of column_stats: 512 KiB


def column_stats(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of each column, in float64, block by block.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    mean, scale : ndarrays of shape (n_features,)
        ``scale`` is the population standard deviation, with 1 where it is 0
        (a constant column is centred, not blown up), as scikit-learn does.
    """
    n, rows = X.shape[0], max(1, _STATS_ELEMENTS // max(1, X.shape[1]))
    total = np.zeros(X.shape[1])
    for start in range(0, n, rows):
        total += X[start : start + rows].sum(axis=0, dtype=np.float64)
    mean = total / n
    squares = np.zeros(X.shape[1])
    for start in range(0, n, rows):
        centred = X[start : start + rows] - mean
        squares += np.einsum("ij,ij->j", centred, centred)
    scale = np.sqrt(squares / n)
    scale[scale == 0] = 1.0
    return mean, scale


def standardize_(X: np.ndarray, mean: Any, scale: Any) -> np.ndarray:
    """``X <- (X - mean) / scale`` in place, in X's dtype; returns X."""
    X -= np.asarray(mean, dtype=X.dtype)
    X /= np.asarray(scale, dtype=X.dtype)
    return X


def softmax_(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits (n, k), in place: ``p_ij = exp(z_ij) / sum_j exp(z_ij)``."""
    z -= z.max(axis=1, keepdims=True)
    np.exp(z, out=z)
    z /= z.sum(axis=1, keepdims=True)
    return z


def load_model(path: str) -> tuple[Any, dict[str, Any]]:
    """Load a model file written by ``nonlin train``; returns the model and its metadata."""
    import nonlin

    check_input_file(path, "model file")
    model = nonlin.load(path)
    meta = dict(getattr(model, "metadata", None) or {})
    missing = [k for k in ("task", "feature_names", "preprocessing") if k not in meta]
    if missing:
        raise UsageError(
            f"{path}: this model file has no {', '.join(missing)} in its metadata; "
            "the command line needs a model written by 'nonlin train'"
        )
    if meta["task"] == "classification" and not meta.get("classes"):
        raise UsageError(f"{path}: classifier without class labels in its metadata")
    return model, meta


def prepare_features(X: np.ndarray, meta: dict[str, Any]) -> np.ndarray:
    """Apply the model's stored scaling to raw features, in place."""
    prep = meta["preprocessing"]
    if prep.get("type") != "standardize":
        raise UsageError(f"unknown preprocessing {prep.get('type')!r} in the model file")
    return standardize_(X, prep["mean"], prep["scale"])


def model_outputs(model: Any, meta: dict[str, Any], X: np.ndarray) -> np.ndarray:
    """Class probabilities (n, n_classes) or predicted values (n,), from scaled features."""
    out = np.asarray(model.predict(X, batch_size=CHUNK_ROWS), dtype=np.float64)
    if meta["task"] == "classification":
        return softmax_(out)
    target = meta.get("target_preprocessing") or {"mean": [0.0], "scale": [1.0]}
    return out[:, 0] * target["scale"][0] + target["mean"][0]


def describe_classes(classes: list[Any], limit: int = 10) -> str:
    shown = ", ".join(str(c) for c in classes[:limit])
    return shown + (f", ... ({len(classes)} in all)" if len(classes) > limit else "")
