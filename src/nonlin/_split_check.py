"""``fit(validation_split=...)``'s split, with a warning when it holds out one class.

As Keras does, the split takes the last rows, before any shuffling. Data sorted by class
then validates on the last class alone: ``val_loss`` and ``val_accuracy`` measure one
class, and ``EarlyStopping`` stops on them. ``split_checked`` warns, once per ``fit``,
when the held-out rows of hard classification targets (labels, one-hot rows, a column of
0s and 1s) are all of one class while the training rows hold others, and the chance of
that in a random order is below 1%. It reads the validation rows' labels and one column
of the training targets (one comparison per row): nothing per step. Regression and soft
targets are not checked.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._stacklevel import user_stacklevel
from .data import Dataset, _hard_labels
from .losses import Loss

_UNLIKELY = 0.01  # the chance of one class in every held-out row of a shuffled set


def split_checked(loss: Loss, train: Dataset, fraction: float) -> tuple[Dataset, Dataset]:
    """``train.split(fraction)``: (training rows, the last ``fraction`` as validation),
    warning when the validation rows are all of one class (see the module docstring)."""
    kept, held = train.split(fraction)
    labels = _hard_labels(loss, held.y)
    if labels is None or np.any(labels != labels[0]):
        return kept, held
    label = labels[0].item()
    label = int(label) if float(label).is_integer() else label  # a 0/1 column: 0 or 1
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


def _count_of_class(targets: np.ndarray, label: int | float) -> int:
    """The rows of ``targets`` of class ``label``: labels equal to it, one-hot rows with 1
    in its column, or a single 0/1 column equal to it."""
    if targets.ndim == 1:
        return int(np.count_nonzero(targets == label))
    column = targets[:, 0] if targets.shape[1] == 1 else targets[:, int(label)]
    return int(np.count_nonzero(column == (label if targets.shape[1] == 1 else 1)))
