"""Keras 3's intersection-over-union metrics: ``IoU``, ``BinaryIoU``, ``MeanIoU``, ``OneHotIoU``
and ``OneHotMeanIoU`` (``keras.src.metrics.iou_metrics``), streamed.

Each batch adds its (weighted) confusion matrix ``cm[true class, predicted class]`` to a
float64 ``(num_classes, num_classes)`` total (Keras' ``total_confusion_matrix``);
``result()`` is, over the target classes ``c``::

    iou_c = cm[c, c] / (sum_i cm[i, c] + sum_j cm[c, j] - cm[c, c] + eps)
    result = sum_c iou_c / (number of target classes with a denominator > 1e-9 + eps)

with Keras' ``eps = 1e-7``: a class that never appears (neither true nor predicted) adds 0
and is not counted. Re-exported by ``nonlin.metrics``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._confusion_metrics import ConfusionMetric, check_name, truth
from ._iou_checks import checked_num_classes, class_ids, target_ids
from ._metric_sizes import config_size
from ._quoting import quoted
from ._scratch import buffer
from .validation import check_bool, is_integer, is_real

EPSILON = 1e-7  # Keras' backend.epsilon()
_SCORES = "; a classifier's scores need sparse_y_pred=False: their arg-max"


class IoU(ConfusionMetric):
    """Intersection over union of the target classes, averaged (Keras 3's ``IoU``).

    Parameters
    ----------
    num_classes : int in [1, 4096]
        The classes ``0 ... num_classes - 1``; the confusion matrix is square of that size
        (a larger one, more than a model file holds, is refused before anything is allocated).
    target_class_ids : list of int
        The classes averaged (one: that class's IoU); a class named twice counts twice, as
        in Keras. At most 4096 ids (``MAX_CLASSES``), counted before any is checked.
    name : str, optional
        ``"io_u"`` by default (Keras' snake case of the class name).
    ignore_class : int, optional
        Entries whose true class is this one are left out (a "void" class, e.g. 255).
    sparse_y_true : bool, default True
        ``y_true`` holds class ids (flattened); False: the arg-max of each row.
    sparse_y_pred : bool, default True
        ``y_pred`` holds class ids (flattened); False: the arg-max of each row (scores).
    axis : int, default -1
        The class axis; only -1 (nonlin's rows are (n_samples, n_classes)).

    Notes
    -----
    Class ids must be integers in ``[0, num_classes)`` (Keras truncates fractions and
    fails, or drops, out-of-range ones): anything else is a ``ValueError``. nonlin
    addition: with ``sparse_y_true=False``, a ``y_true`` of one column (class labels)
    against several ``y_pred`` columns reads as labels, not the arg-max of one column (0).
    ``sample_weight`` (n_samples,) weighs each row's entries.
    """

    greater_is_better = True  # Keras' _direction "up"
    _KEYS = ("total_confusion_matrix",)

    def __init__(self, num_classes: int, target_class_ids: list[int] | tuple[int, ...],
                 name: str | None = None, ignore_class: int | None = None,
                 sparse_y_true: bool = True, sparse_y_pred: bool = True,
                 axis: int = -1) -> None:
        if ignore_class is not None and not is_integer(ignore_class):
            raise ValueError(f"Expected an integer ignore_class or None. "
                             f"Received: ignore_class={quoted(ignore_class)}")
        if not is_integer(axis) or axis != -1:
            raise ValueError(f"Expected axis=-1, the class axis of (n_samples, n_classes) "
                             f"rows. Received: axis={quoted(axis)}")
        self.num_classes = checked_num_classes(num_classes)
        self.target_class_ids = target_ids(target_class_ids, self.num_classes)
        self.ignore_class = None if ignore_class is None else int(ignore_class)
        self.sparse_y_true = check_bool("sparse_y_true", sparse_y_true)
        self.sparse_y_pred = check_bool("sparse_y_pred", sparse_y_pred)
        self.axis = -1
        self.name = check_name(name, type(self).name)
        self.reset_state()

    def _shape(self) -> tuple[int, ...]:
        return (self.num_classes, self.num_classes)

    @classmethod
    def _config_shape(cls, config: dict[str, Any], n_outputs: int = 0) -> tuple[int, ...]:
        return (config_size(config, "num_classes"),) * 2

    def _checked(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        return y_true  # checked as it is counted (fit does not call this)

    def _classes(self, y_true: np.ndarray,
                 y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """Flat true classes (raw), a mask of ignored entries (or None), predicted classes."""
        n, k = y_pred.shape
        pred = y_pred.reshape(-1) if self.sparse_y_pred else np.argmax(y_pred, axis=1)
        labels = y_true.ndim == 1 or y_true.shape[1:] == (1,)
        if self.sparse_y_true or (labels and k > 1):
            true = y_true.reshape(-1)
        else:
            true = np.argmax(y_true.reshape(n, -1), axis=1)
        if true.size != pred.size:
            hint = _SCORES if self.sparse_y_pred and k > 1 else ""
            raise ValueError(
                f"Expected y_true with {pred.size} class ids, one per predicted class "
                f"(sparse_y_true={self.sparse_y_true}, sparse_y_pred={self.sparse_y_pred}, "
                f"y_pred of shape {y_pred.shape}{hint}). Received y_true of shape {y_true.shape}")
        ignored = None if self.ignore_class is None else true == self.ignore_class
        return true, ignored, pred

    def _cells(self, y_true: np.ndarray, y_pred: np.ndarray,
               w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        """Flat cells ``true * num_classes + predicted`` of the batch's entries and their
        weights (None: 1 each); ignored entries dropped (weighted: Keras' weight 0)."""
        true, ignored, pred = self._classes(y_true, y_pred)
        c = self.num_classes
        what = "y_true" if self.sparse_y_true else "y_true (its arg-max)"
        true = class_ids(true, c, what, ignored)
        pred = class_ids(pred, c, "y_pred" if self.sparse_y_pred else "y_pred's arg-max",
                          ignored, _SCORES if self.sparse_y_pred else "")
        cells = true * c + pred
        weights = None if w is None else np.repeat(w, true.size // w.size)
        if ignored is not None:
            if weights is None:
                return cells[~ignored], None
            weights = np.where(ignored, 0.0, weights)
        return cells, weights

    def _counts(self, y_true: np.ndarray, y_pred: np.ndarray,
                w: np.ndarray | None) -> tuple[np.ndarray]:
        """The batch's weighted confusion matrix, (num_classes, num_classes)."""
        cells, weights = self._cells(y_true, y_pred, w)
        c = self.num_classes
        cm = np.bincount(cells, weights=weights, minlength=c * c)
        return (cm.astype(np.float64, copy=False).reshape(c, c),)

    def _update_state(self, y_true: np.ndarray, y_pred: np.ndarray,
                      sample_weight: np.ndarray | None = None) -> None:
        """Add one batch; a few unweighted entries one by one into the total, rather than
        through a (num_classes, num_classes) matrix per batch (134 MB for 4,096 classes)."""
        total = self._state["total_confusion_matrix"]
        cells, weights = self._cells(y_true, y_pred, sample_weight)
        if weights is None and cells.size * 64 < total.size:  # integer counts: exact
            np.add.at(total, np.divmod(cells, self.num_classes), 1.0)
            return
        total += np.bincount(cells, weights=weights, minlength=total.size).reshape(total.shape)

    def _result(self, *counts: np.ndarray) -> float:
        cm = counts[0]
        tp = np.diag(cm)
        denominator = (np.sum(cm, axis=0) + np.sum(cm, axis=1) - tp)[self.target_class_ids]
        valid = float(np.sum(denominator > 1e-9))
        iou = tp[self.target_class_ids] / (denominator + EPSILON)
        return float(np.sum(iou) / (valid + EPSILON))

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "num_classes": self.num_classes,
                "target_class_ids": list(self.target_class_ids),
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}

    def __repr__(self) -> str:
        config = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({config})"


class BinaryIoU(IoU):
    """IoU of class 0 and/or 1 of thresholded predictions (Keras 3's ``BinaryIoU``).

    Each entry predicts class 1 where ``p >= threshold``, else 0; its true class is 1
    where ``y > 0`` (0/1 targets; a hinge's -1 is class 0) or, with several outputs,
    integer labels one-hot encoded, as for ``Precision``. Every entry counts.

    Parameters
    ----------
    target_class_ids : list of int, default (0, 1)
        ``[0]``, ``[1]`` or ``[0, 1]`` (the mean of both IoUs).
    threshold : float, default 0.5
        0 for logits (any finite number, as Keras takes it).
    name : str, optional
        ``"binary_io_u"`` by default.
    """

    def __init__(self, target_class_ids: list[int] | tuple[int, ...] = (0, 1),
                 threshold: float = 0.5, name: str | None = None) -> None:
        if not (is_real(threshold) and math.isfinite(threshold)):
            raise ValueError(f"Expected a finite threshold (0.5; 0 for logits). "
                             f"Received: threshold={quoted(threshold)}")
        super().__init__(2, target_class_ids, name)
        self.threshold = float(threshold)

    _checked = ConfusionMetric._checked  # y_true of y_pred's shape, or class labels
    _update_state = ConfusionMetric._update_state  # its own _counts: a 2 x 2 matrix

    @classmethod
    def _config_shape(cls, config: dict[str, Any], n_outputs: int = 0) -> tuple[int, ...]:
        return (2, 2)

    def _counts(self, y_true: np.ndarray, y_pred: np.ndarray,
                w: np.ndarray | None) -> tuple[np.ndarray]:
        """The batch's (weighted) 2 x 2 ``cm[true, predicted]``; unweighted (``fit``'s), from
        counts over ``fit``'s scratch buffers: no array of batch size per step."""
        if w is not None:
            true = truth(y_true, y_pred).astype(np.intp).reshape(-1)
            pred = np.greater_equal(y_pred, self.threshold).astype(np.intp).reshape(-1)
            cm = np.bincount(true * 2 + pred, weights=np.repeat(w, y_pred.shape[1]),
                             minlength=4)
            return (cm.astype(np.float64, copy=False).reshape(2, 2),)
        predicted = np.greater_equal(y_pred, self.threshold,
                                     out=buffer("predicted", y_pred.shape, bool))
        actual = truth(y_true, y_pred)
        tp = np.count_nonzero(np.logical_and(predicted, actual,
                                             out=buffer("both", actual.shape, bool)))
        guessed, positive = np.count_nonzero(predicted), np.count_nonzero(actual)
        return (np.array([[y_pred.size - guessed - positive + tp, guessed - tp],
                          [positive - tp, tp]], dtype=np.float64),)

    def get_config(self) -> dict[str, Any]:
        return {"target_class_ids": list(self.target_class_ids), "threshold": self.threshold,
                "name": self.name}


class MeanIoU(IoU):
    """The mean IoU over every class (Keras 3's ``MeanIoU``): ``IoU`` with
    ``target_class_ids = range(num_classes)``; arguments as ``IoU``'s, ``name``
    ``"mean_io_u"`` by default."""

    def __init__(self, num_classes: int, name: str | None = None,
                 ignore_class: int | None = None, sparse_y_true: bool = True,
                 sparse_y_pred: bool = True, axis: int = -1) -> None:
        classes = list(range(checked_num_classes(num_classes)))
        super().__init__(num_classes, classes, name, ignore_class, sparse_y_true,
                         sparse_y_pred, axis)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["target_class_ids"]
        return config


class OneHotIoU(IoU):
    """``IoU`` of one-hot ``y_true`` (its arg-max; Keras 3's ``OneHotIoU``): arguments as
    ``IoU``'s without ``sparse_y_true`` (False), ``sparse_y_pred`` False by default
    (the arg-max of the scores). ``name``: ``"one_hot_io_u"`` by default."""

    def __init__(self, num_classes: int, target_class_ids: list[int] | tuple[int, ...],
                 name: str | None = None, ignore_class: int | None = None,
                 sparse_y_pred: bool = False, axis: int = -1) -> None:
        super().__init__(num_classes, target_class_ids, name, ignore_class, False,
                         sparse_y_pred, axis)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["sparse_y_true"]
        return config


class OneHotMeanIoU(MeanIoU):
    """``MeanIoU`` of one-hot ``y_true`` (Keras 3's ``OneHotMeanIoU``): arguments as
    ``MeanIoU``'s without ``sparse_y_true``; ``sparse_y_pred`` False by default.
    ``name``: ``"one_hot_mean_io_u"`` by default."""

    def __init__(self, num_classes: int, name: str | None = None,
                 ignore_class: int | None = None, sparse_y_pred: bool = False,
                 axis: int = -1) -> None:
        super().__init__(num_classes, name, ignore_class, False, sparse_y_pred, axis)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["sparse_y_true"]
        return config
