"""Inference-mode passes over data: batched prediction, loss and metrics.

``evaluate`` (behind ``Sequential.evaluate``) and the validation pass of
``fit`` go through ``evaluate_dataset``: rows pass through the model a chunk
at a time, the loss and the streaming metrics add up chunk by chunk, so only
one chunk's outputs are held. Names given as strings ("cross_entropy",
"accuracy") are resolved here, once, through the registry.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .core import Sequential
from .data import Dataset, make_dataset
from .losses import Loss
from .metrics import Metric, get_metrics
from .validation import check_positive_int

_EVAL_BATCH = 1024


def resolve_loss(loss: Any) -> Loss:
    """A ``Loss`` for a loss object or a registry name such as ``"cross_entropy"``."""
    from .registry import loss as loss_from_name

    if isinstance(loss, str):
        return loss_from_name(loss)
    if not isinstance(loss, Loss):
        raise TypeError(f"Expected a Loss or a loss name. Received: loss={loss!r}")
    return loss


def resolve_metrics(metrics: Iterable[Any], loss: Loss, model: Sequential) -> list[Metric]:
    """Metric objects for names, objects or functions (``"accuracy"`` follows the loss),
    each keyed by the name given (see ``metrics.get_metrics``)."""
    return get_metrics(metrics, loss=loss, n_outputs=model.n_outputs)


def penalty(model: Sequential) -> float:
    """Sum of the layers' regularization terms (e.g. ``l2 * sum(W**2)`` of ``Dense``)."""
    return sum(layer.penalty() for layer in model.layers if hasattr(layer, "penalty"))


def predict_unchecked(model: Sequential, X: np.ndarray, batch_size: int) -> np.ndarray:
    """Inference outputs for an already checked ``X`` in the model's dtype, batch by batch."""
    if batch_size >= X.shape[0]:
        return model.forward(X)
    out = np.empty((X.shape[0], model.n_outputs), dtype=model.dtype)
    for start in range(0, X.shape[0], batch_size):
        out[start : start + batch_size] = model.forward(X[start : start + batch_size])
    return out


def evaluate_dataset(model: Sequential, loss: Loss, data: Dataset, metrics: list[Metric],
                     batch_size: int | None = None) -> dict[str, float]:
    """Loss (plus regularization) and metrics of ``model`` on a prepared dataset.

    Rows go through the model ``batch_size`` at a time (1,024 by default); the
    loss and the streaming metrics add up chunk by chunk, so only a chunk's
    outputs are held, unless a metric cannot stream or the loss overrides
    ``_value``.
    """
    batch_size = batch_size or _EVAL_BATCH
    n, X, y, w = len(data), data.X, data.y, data.weight
    # a loss that defines its own _value (not a sum of sample losses) sees every row at once
    adds_up = type(loss)._value is Loss._value
    if n <= batch_size or not adds_up or not all(m.streams for m in metrics):
        out = predict_unchecked(model, X, batch_size)
        results = {"loss": loss._value(y, out, w) + penalty(model)}
        results.update({m.name: m(y, out) for m in metrics})
        return results
    for metric in metrics:
        metric.reset_state()
    total = 0.0
    for start in range(0, n, batch_size):
        rows = slice(start, start + batch_size)
        out = model.forward(X[rows])
        total += loss._sum(y[rows], out, None if w is None else w[rows])
        for metric in metrics:
            metric.update_state(y[rows], out)
    value = total / n if getattr(loss, "reduction", "mean") == "mean" else total
    results = {"loss": value + penalty(model)}
    results.update({m.name: m.result() for m in metrics})
    return results


def evaluate(model: Sequential, X: Any, y: Any, *, loss: Any = None, metrics: Iterable[Any] = (),
             batch_size: int | None = None, sample_weight: Any = None) -> dict[str, float]:
    """Loss and metrics on ``(X, y)``; see ``Sequential.evaluate``."""
    model._require_built()
    if loss is None:
        loss = getattr(model, "loss", None)
        if loss is None:
            raise ValueError("Expected a loss: pass loss=... or fit the model first")
    loss = resolve_loss(loss)
    if batch_size is not None:
        batch_size = check_positive_int("batch_size", batch_size)
    data = make_dataset(X, y, loss, model, sample_weight=sample_weight)
    return evaluate_dataset(model, loss, data, resolve_metrics(metrics, loss, model), batch_size)
