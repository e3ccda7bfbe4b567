"""Turning user inputs into what the training loop reads: checked X, targets, weights;
and the shuffling order of each epoch (``permutation``).

Nothing here copies ``X`` when it is already a contiguous array of the model's
dtype; targets and weights (small) are converted once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._batch_dtype import training_inputs
from ._finite import check_finite
from ._loss_checks import check_probability_rows
from ._quoting import quoted
from ._stacklevel import user_stacklevel
from .losses import BinaryCrossEntropy, CrossEntropy, Loss
from .losses_extra import check_fit_classes
from .losses_extra import check_fit_targets as check_extra_targets
from .losses_margin import CategoricalHinge
from .losses_margin import check_fit_targets as check_margin_targets
from .losses_more import check_fit_targets
from .validation import (
    as_dtype,
    check_labels,
    check_sample_weight,
    check_X,
    check_y,
    is_integer,
    is_real,
)


@dataclass
class Dataset:
    """Inputs, targets in the loss's form, and per-sample weights (or None).

    When class weights are merged into ``weight``, ``class_weighted`` is true and
    ``sample_weight`` keeps the user's sample weights alone (or None): rows that
    ``split`` holds out for validation take those, as in Keras.
    """

    X: np.ndarray
    y: np.ndarray
    weight: np.ndarray | None
    class_weighted: bool = False
    sample_weight: np.ndarray | None = None

    @property
    def labels(self) -> bool:
        return self.y.ndim == 1

    def __len__(self) -> int:
        return self.X.shape[0]

    def split(self, fraction: float) -> tuple[Dataset, Dataset]:
        """The last ``fraction`` of the rows as validation, as Keras does (no shuffling):
        the first ``floor(n_samples * (1 - fraction))`` rows train, the rest validate."""
        cut = math.floor(len(self) * (1.0 - fraction))
        if cut == 0 or cut == len(self):
            raise ValueError(
                f"validation_split={fraction} leaves {cut} training and "
                f"{len(self) - cut} validation samples out of {len(self)}; both need at least one"
            )
        w = self.weight
        val_w = self.sample_weight if self.class_weighted else w  # class weights: training only
        return (Dataset(self.X[:cut], self.y[:cut], None if w is None else w[:cut]),
                Dataset(self.X[cut:], self.y[cut:], None if val_w is None else val_w[cut:]))


def as_model_dtype(X: np.ndarray, dtype: np.dtype, name: str = "X") -> np.ndarray:
    """``X`` itself when it is C-contiguous in ``dtype``, else one converted copy
    (a finite value beyond ``dtype``'s range raises ``ValueError``)."""
    return as_dtype(X, dtype, name)


def prepare_targets(
    loss: Loss, y: np.ndarray, n_outputs: int, dtype: np.dtype, name: str = "y"
) -> np.ndarray:
    """Targets in the form the loss reads, checked against the model's output width.

    Cross-entropy: int64 labels (n_samples,) in ``[0, n_outputs)``, or rows of
    width ``n_outputs`` summing to 1. Binary cross-entropy (focal too): values in [0, 1].
    Everything else: (n_samples, n_outputs) in ``dtype``, in the range the loss takes
    (the ``check_fit_targets`` of ``losses_more``, ``losses_margin``, ``losses_extra``).
    """
    if isinstance(loss, CrossEntropy):
        check_fit_classes(loss, n_outputs)  # a per-class alpha: one per output
        if y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1 and n_outputs > 1):
            return check_labels(y, n_outputs)
        _check_width(y, n_outputs)
        check_probability_rows(y)  # the public calls run it too
        return as_model_dtype(y, dtype, name)
    if y.ndim == 1:
        if n_outputs > 1:  # (n,) is one column: labels for n_outputs columns need cross-entropy
            hint = ("one-hot rows (np.eye(n_classes)[y]) for this loss" if
                    isinstance(loss, CategoricalHinge) else "loss='cross_entropy'")
            raise ValueError(
                f"Expected targets with {n_outputs} columns for a model with {n_outputs} "
                f"outputs. Received shape {y.shape}; for class labels use {hint}, else give "
                "y one column per output"
            )
        y = y[:, None]
    _check_width(y, n_outputs)
    check_fit_classes(loss, n_outputs)  # a per-output pos_weight: one per output
    if isinstance(loss, BinaryCrossEntropy) and np.any((y < 0) | (y > 1)):
        bad = y[(y < 0) | (y > 1)][0].item()
        raise ValueError(f"Expected targets in [0, 1] for binary cross-entropy. Received {bad!r}")
    check_fit_targets(loss, y, name)  # Poisson's and KLDivergence's ranges
    check_margin_targets(loss, y, name)  # the hinges': -1 and 1 (or 0 and 1), one-hot rows
    check_extra_targets(loss, y, name)  # MeanSquaredLogarithmicError's: >= 0
    return as_model_dtype(y, dtype, name)


def check_two_classes(loss: Loss, targets: np.ndarray, stacklevel: int = 2) -> None:
    """Warn when hard classification targets hold a single class.

    A model trained on one class only learns to predict it. That is a warning,
    not an error: Keras and PyTorch train on such data too, and updating a
    trained model on one class (an online update) is sound, so ``fit`` calls
    this only for a model that has not been trained. Soft targets (probability
    rows that are not one-hot, binary targets other than 0 and 1: distillation,
    label smoothing) are not checked. Runs once per ``fit``, never per step.
    """
    labels = _hard_labels(loss, targets)
    if labels is None or not labels.size or np.any(labels != labels[0]):
        return
    import warnings

    label = labels[0].item()
    warnings.warn(
        f"Received only class {quoted(label)} in y: a classifier trained on one class learns to "
        f"predict class {quoted(label)} only. Give samples of at least 2 classes (fit does not "
        "warn when it updates a model trained before)",
        UserWarning, stacklevel=stacklevel + 1,
    )


def _hard_labels(loss: Loss, targets: np.ndarray) -> np.ndarray | None:
    """The class of each row when ``targets`` are hard labels of a (binary) cross-entropy:
    labels, one-hot rows, or one column of 0s and 1s; None for soft or other targets."""
    if isinstance(loss, CrossEntropy):
        if targets.ndim == 1:
            return targets
        one_hot = np.all((targets == 0) | (targets == 1))  # rows sum to 1 (checked)
        return targets.argmax(axis=1) if one_hot else None
    if isinstance(loss, BinaryCrossEntropy) and targets.shape[1] == 1:
        column = targets[:, 0]
        return column if np.all((column == 0) | (column == 1)) else None
    return None


def _check_width(y: np.ndarray, n_outputs: int) -> None:
    if y.shape[1] != n_outputs:
        hint = _one_hot_hint(y) if n_outputs == 1 and y.shape[1] > 1 else ""
        raise ValueError(
            f"Expected targets with {n_outputs} column{'s' * (n_outputs != 1)} for a model "
            f"with {n_outputs} output{'s' * (n_outputs != 1)}. "
            f"Received shape {y.shape}{hint}"
        )


def _one_hot_hint(y: np.ndarray) -> str:
    """What to do with one-hot rows given to a model of one output; none for other rows
    (several regression targets)."""
    k = y.shape[1]
    if y.dtype.kind not in "biuf" or not np.all(((y == 0) | (y == 1)).all(axis=1)
                                                & (y.sum(axis=1) == 1)):
        return ""
    return (f"; for one-hot rows of {k} classes use Dense({k}) + Softmax() with "
            "loss='cross_entropy'" + (" (or y.argmax(axis=1) for one Sigmoid output)"
                                      if k == 2 else ""))


def class_weights_for(
    class_weight: Any, y: np.ndarray, n_outputs: int, dtype: Any = np.float64
) -> np.ndarray | None:
    """Per-sample weights ``class_weight[label]`` (labels or one-hot/0-1 targets), float64.

    As in Keras, a class missing from ``class_weight`` weighs 1 and a key that
    names no class of the model (say 5 for two outputs) is ignored; every key
    must still be an integer and every weight finite, >= 0 and within ``dtype``'s range.
    """
    if class_weight is None:
        return None
    if not isinstance(class_weight, dict):
        hint = ("; as in Keras, 'balanced' is no option here: pass the weights it stands for, "
                "dict(enumerate(len(y) / (n_classes * np.bincount(y)))) (with "
                "sample_weight=w, the weighted counts c = np.bincount(y, weights=w): "
                "c.sum() / (n_classes * c)), or use "
                "nonlin.sklearn.MLPClassifier(class_weight='balanced')"
                if isinstance(class_weight, str) and class_weight == "balanced" else "")
        raise TypeError(f"Expected a dict {{class: weight}}. Received: "
                        f"class_weight={quoted(class_weight)}{hint}")
    n_classes = max(n_outputs, 2)
    table = np.ones(n_classes)
    for key, value in class_weight.items():
        if not is_integer(key):
            raise ValueError(f"Expected integer class indices. Received key {quoted(key)}")
        if not is_real(value) or not 0 <= value < float("inf"):
            raise ValueError(
                f"Expected finite weights >= 0. Received class_weight[{key}]={quoted(value)}"
            )
        if 0 <= key < n_classes:  # another key weighs no sample (Keras ignores it)
            table[key] = float(value)
    as_model_dtype(table, dtype, "class_weight")  # beyond float32's: named by its class
    if y.ndim == 1:
        labels = y
    elif y.shape[1] == 1:
        outside = (y[:, 0] < 0) | (y[:, 0] > 1)
        if np.any(outside):  # a regression target: no class to weight
            i = int(np.argmax(outside))
            raise ValueError("Expected targets in [0, 1] with class_weight for one output "
                             f"(class 1 where y > 0.5). Received y[{i}]={y[i, 0].item()!r}")
        labels = (y[:, 0] > 0.5).astype(np.int64)
    else:
        from ._class_weight_rows import warn_multilabel_rows  # lazily: 2-D targets only
        warn_multilabel_rows(y)
        labels = y.argmax(axis=1)
    return table[labels]


def make_dataset(
    X: Any, y: Any, loss: Loss, model: Any, *, sample_weight: Any = None,
    class_weight: Any = None, name: str = "x", warn_one_class: bool = False,
    convert_X: bool = True, by_batch: bool = False,
) -> Dataset:
    """Check and convert one (X, y[, sample_weight]) triple for ``model``.

    With ``convert_X=False`` the checked ``X`` stays in its own dtype and layout:
    ``evaluate`` converts it a chunk at a time (no converted copy of all of it).
    With ``by_batch`` (``fit``'s training data) a large or memory-mapped float64 ``X``
    for a float32 model stays float64, converted batch by batch (``nonlin._batch_dtype``).

    ``name`` is "x" for the data of fit and evaluate (their parameter), "X_val" for fit's
    ``validation_data`` (messages say which). With ``warn_one_class`` (the training
    data of a model not trained before), hard labels of a single class warn
    (``check_two_classes``), naming the caller of ``Sequential.fit``.
    """
    y_name = "y" if name == "x" else f"{name} targets"
    w_name = "sample_weight" if name == "x" else f"{name} sample_weight (validation_data[2])"
    X = check_X(X, name, n_features=model.n_features_in)
    y = check_y(y, X.shape[0], y_name, of=name)
    targets = prepare_targets(loss, y, model.n_outputs, model.dtype, y_name)
    if warn_one_class:  # at the user's call of fit, however deep inside nonlin this is
        check_two_classes(loss, targets, stacklevel=user_stacklevel())
    # a loss with ``negative_weights = True`` (scikit-learn's objective) takes any sign
    own = check_sample_weight(sample_weight, X.shape[0], w_name,
                              negative=getattr(loss, "negative_weights", False))
    per_class = class_weights_for(class_weight, targets, model.n_outputs, model.dtype)
    weight, weight_name = (own, w_name) if per_class is None else (per_class, "class_weight")
    if per_class is not None and own is not None:  # the product may overflow: name both
        weight_name = f"{w_name} * class_weight"
        with np.errstate(over="ignore"):
            weight = own * per_class
        check_finite(weight, weight_name)
    if weight is not None:
        weight = as_model_dtype(weight, model.dtype, weight_name)
    if per_class is not None and own is not None:  # for rows held out by Dataset.split
        own = as_model_dtype(own, model.dtype, w_name)
    if convert_X:
        X = training_inputs(X, model.dtype, name) if by_batch else as_dtype(X, model.dtype, name)
    return Dataset(X, targets, weight,
                   class_weighted=per_class is not None,
                   sample_weight=None if per_class is None else own)


def permutation(rng: Any, n: int) -> np.ndarray:
    """``rng.permutation(n)``, as int32 when ``rng`` is a ``Generator`` and ``n`` fits
    (half the memory; ``Generator.shuffle`` draws the same numbers, so the order and
    the generator's state are bit-identical to ``permutation``'s)."""
    if type(rng) is np.random.Generator and n < 2**31:
        order = np.arange(n, dtype=np.int32)
        rng.shuffle(order)
        return order
    return rng.permutation(n)
