"""Input checks for targets, rows and sample weights, and class labels.

``check_y``, ``check_rows``, ``check_sample_weight`` and ``check_labels`` of
``nonlin.validation``, which re-exports them: the checks ``fit``, ``evaluate``,
the losses and the metrics make besides ``X``'s, out of what ``import nonlin``
loads. Each raises ``ValueError`` or ``TypeError`` naming what it expected and
what it received.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._finite import check_finite, in_polars_words
from ._frames import stacked_hint
from .validation import _as_array


def check_y(y: Any, n_samples: int, name: str = "y", of: str = "X") -> np.ndarray:
    """``y`` as a 1-D or 2-D real array with ``n_samples`` rows (one per sample of ``of``,
    the inputs' name), finite."""
    if y is None and name == "y":  # fit(x), evaluate(x) on arrays, train_on_batch(x, None)
        raise TypeError("Expected a real numeric array for y. Received: None (fit and "
                        "evaluate leave y out only when x is a batch source of (x, y) batches)")
    arr = _as_array(y, name)
    if arr.ndim not in (1, 2):
        raise ValueError(f"Expected a 1-D or 2-D array for {name}. Received shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise ValueError(
            f"Expected {name} with {n_samples} rows, one per sample of {of}. "
            f"Received {arr.shape[0]} rows (shape {arr.shape}){stacked_hint(arr, n_samples, name)}"
        )
    if arr.ndim == 2 and arr.shape[1] == 0:
        raise ValueError(f"Expected at least one column in {name}. Received shape {arr.shape}")
    try:
        check_finite(arr, name, data=True)
    except ValueError as error:  # a polars null: polars' fill_null
        raise in_polars_words(error, y) from None
    return arr


def check_rows(value: Any, name: str) -> np.ndarray:
    """``value`` as a real numeric 1-D or 2-D array with at least one row (not checked finite)."""
    arr = _as_array(value, name)
    if arr.ndim not in (1, 2) or arr.shape[0] == 0:
        raise ValueError(
            f"Expected a 1-D or 2-D array with at least one row for {name}. "
            f"Received shape {arr.shape}"
        )
    return arr


def check_sample_weight(
    sample_weight: Any, n_samples: int, name: str = "sample_weight", *, negative: bool = False
) -> np.ndarray | None:
    """Finite, non-negative weights of shape (n_samples,), or None (``negative``: any sign)."""
    if sample_weight is None:
        return None
    w = _as_array(sample_weight, name)
    if w.shape != (n_samples,):
        raise ValueError(
            f"Expected {name} of shape ({n_samples},), one weight per sample. "
            f"Received shape {w.shape}"
        )
    check_finite(w, name)
    if not negative and np.any(w < 0):
        raise ValueError(f"Expected non-negative sample weights. Received {w[w < 0][0].item()}")
    return w


def _one_output_hint(n_classes: int) -> str:
    """What to do when class labels meet a single output: it holds one class, so a
    two-class problem needs binary cross-entropy or two softmax outputs."""
    if n_classes != 1:
        return ""
    return ("; a single output holds one class: for labels 0 and 1 use a Sigmoid output "
            "with loss='binary_crossentropy', or Dense(n_classes) + Softmax() with "
            "loss='cross_entropy'")


def check_labels(y: np.ndarray, n_classes: int, name: str = "y") -> np.ndarray:
    """Integer class labels in ``[0, n_classes)``, shape (n_samples,).

    Native signed integer labels (and unsigned ones narrower than 64 bits) come
    back as they are (a view: no copy of a large label column); floats of any
    width holding integers, booleans, uint64 and byte-swapped integers are
    converted to intp (int64; int32 on 32-bit platforms), as Keras and scikit-learn do.
    """
    labels = y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y
    if labels.ndim != 1:
        raise ValueError(f"Expected 1-D class labels for {name}. Received shape {y.shape}")
    kind = labels.dtype.kind
    if kind == "f":
        fractional = labels != np.round(labels)
        if np.any(fractional):
            i = int(np.argmax(fractional))
            raise ValueError(
                f"Expected integer class labels in {name}. "
                f"Received {name}[{i}]={labels[i].item()!r}"
            )
    elif kind not in "iub":
        raise TypeError(f"Expected integer class labels. Received dtype {labels.dtype}")
    bad = (labels < 0) | (labels >= n_classes)
    if np.any(bad):
        raise ValueError(
            f"Expected class labels in [0, {n_classes}) for a model with {n_classes} "
            f"output{'s' if n_classes != 1 else ''}. Received label {labels[bad][0].item()!r}"
            f"{_one_output_hint(n_classes)}"
        )
    if labels.dtype.isnative and (kind == "i" or (kind == "u" and labels.dtype.itemsize < 8)):
        return labels  # uint64 is converted: it does not mix with int64 indices
    return labels.astype(np.intp)  # int64; int32 on 32-bit platforms, whose indices it is
