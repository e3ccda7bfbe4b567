"""``fit``'s validation data: ``fit_validation`` (``validation_data`` or the split) and
``stream_of`` (``validation_data`` as a batch source), and ``fit(validation_split=...)``'s
split, with a warning when it holds out one class.

As Keras does, the split takes the last rows, before any shuffling. Data sorted by class
then validates on the last class alone: ``val_loss`` and ``val_accuracy`` measure one
class, and ``EarlyStopping`` stops on them. ``split_checked`` warns, once per ``fit``,
when the held-out rows of hard classification targets (labels, one-hot rows, a column of
0s and 1s) are all of one class while the training rows hold others, and the chance of
that in a random order is below 1%. It compares one column of the targets (the labels,
or one one-hot column) per row, once: nothing per step. Regression and soft
targets are not checked.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._fit_keras_args import FitSteps
from ._source_kind import is_source
from ._stacklevel import user_stacklevel
from .data import Dataset, make_dataset
from .losses import BinaryCrossEntropy, CrossEntropy, Loss

_UNLIKELY = 0.01  # the chance of one class in every held-out row of a shuffled set


def split_checked(loss: Loss, train: Dataset, fraction: float) -> tuple[Dataset, Dataset]:
    """``train.split(fraction)``: (training rows, the last ``fraction`` as validation),
    warning when the validation rows are all of one class (see the module docstring)."""
    kept, held = train.split(fraction)
    label = _single_class(loss, held.y)
    if label is None:
        return kept, held
    same = _count_of_class(kept.y, label)
    n_val = len(held)
    share = (same + n_val) / (len(kept) + n_val)  # of that class, over all the rows
    if same < len(kept) and share ** n_val < _UNLIKELY:
        warnings.warn(
            f"validation_split={fraction} holds out the last {n_val} rows, all of class "
            f"{label!r}, while the training rows hold other classes: the split takes the last "
            "rows, before any shuffling (as Keras does), so data sorted by class validates on "
            "one class. Shuffle the data first (order = rng.permutation(len(X)); X, y = "
            "X[order], y[order]) or pass validation_data=(X_val, y_val)",
            UserWarning, stacklevel=user_stacklevel())
    return kept, held


def _single_class(loss: Loss, targets: np.ndarray) -> int | None:
    """The class of every row of ``targets`` when they are hard targets of one class (as
    ``data._hard_labels`` reads them), else None: one comparison per row, on one column."""
    if isinstance(loss, CrossEntropy) and targets.ndim == 1:  # int labels
        column, value = targets, targets[0]
        label = int(value)
    elif isinstance(loss, CrossEntropy):  # rows summing to 1: one-hot of one class if the
        label = int(np.argmax(targets[0]))  # first row's arg-max column is 1 in every row
        column, value = targets[:, label], 1
    elif isinstance(loss, BinaryCrossEntropy) and targets.shape[1] == 1:
        column, value = targets[:, 0], targets[0, 0]
        if value not in (0, 1):  # soft targets: not checked
            return None
        label = int(value)
    else:
        return None
    return label if np.all(column == value) else None


def _count_of_class(targets: np.ndarray, label: int | float) -> int:
    """The rows of ``targets`` of class ``label``: labels equal to it, one-hot rows with 1
    in its column, or a single 0/1 column equal to it."""
    if targets.ndim == 1:
        return int(np.count_nonzero(targets == label))
    column = targets[:, 0] if targets.shape[1] == 1 else targets[:, int(label)]
    return int(np.count_nonzero(column == (label if targets.shape[1] == 1 else 1)))


def fit_validation(model: Any, loss: Loss, train: Dataset, split: float,
                   data: Any) -> tuple[Dataset, Dataset | None]:
    """(training set, validation set or None): ``validation_data`` wins over ``split``."""
    if data is None:
        return split_checked(loss, train, split) if split > 0 else (train, None)
    if is_source(data):  # read at each validation (``stream_of``)
        return train, None
    if not isinstance(data, tuple | list) or len(data) not in (2, 3):
        what = type(data).__name__
        if isinstance(data, tuple | list):
            what += f" of {len(data)} item{'s' * (len(data) != 1)}"
        raise ValueError("Expected validation_data as (X_val, y_val), (X_val, y_val, weights) "
                         f"or a batch source. Received a {what}")
    weights = data[2] if len(data) == 3 else None
    return train, make_dataset(data[0], data[1], loss, model, sample_weight=weights, name="X_val",
                               by_batch=True)  # evaluated chunk by chunk


def stream_of(data: Any, steps: FitSteps) -> Any:
    """``validation_data`` as a batch source's stream (``_source_validation``), or None."""
    if not is_source(data):
        return None
    from ._source_validation import validation_stream

    return validation_stream(data, steps)
