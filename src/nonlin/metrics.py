"""Metrics: ``metric(y_true, y_pred, sample_weight=None) -> float``, higher or lower is better.

``y_pred`` has shape (n_samples, n_outputs), as the model returns it. Classification metrics
take ``y_true`` as integer labels (n_samples,) or one-hot / 0-1 rows (n_samples, n_outputs).
Regression metrics average over samples and outputs; unlike the ``MeanSquaredError`` loss, the
``mse`` metric has no factor 1/2 (it matches scikit-learn's ``mean_squared_error``).

Accuracy metrics: ``_accuracy_metrics`` (on ``_mean_metrics``' base); ``AUC``, F-scores and
Keras 3's other confusion-count metrics: ``_auc_metric``, ``_fscore_metrics``, ``_confusion_index``;
MAE, MSE, RMSE, MAPE and R²: ``_regression_metrics``; Keras' loss-like ones:
``_loss_metric_names``. All are importable here.

``fit`` computes metrics on the outputs it already produces while training
(no extra forward pass), and on validation data. The built-in metrics stream,
as Keras' do: ``reset_state()``, then ``update_state(y_true, y_pred,
sample_weight=None)`` once per batch, then ``result()``, so ``fit`` keeps a few
running sums instead of every output of the epoch. ``update_state`` checks its
input as a call does; ``fit`` and ``evaluate``, which have checked their data,
stream (unweighted) through the unchecked ``_update_state``. A plain function
given as a metric cannot stream: ``fit`` then keeps the epoch's outputs and
calls it once at the end.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ._loss_checks import finite_rows
from ._metric_names import class_default_name, class_names
from ._quoting import quoted
from .core import Layer
from .validation import check_labels, check_rows, check_sample_weight


class Metric:
    """Base class. ``name`` is the key in ``History.history``; ``greater_is_better``
    (True, False, or None: not declared) tells ``EarlyStopping``,
    ``ReduceLROnPlateau`` and ``ModelCheckpoint`` with ``mode="auto"`` which way is
    better (Keras 3's ``_direction``); a plain function may carry it as an attribute.

    Subclasses define ``_compute(y_true, y_pred, w)`` over whole arrays and, to
    stream, ``result`` / ``reset_state`` and ``_update_state`` (what the public
    ``update_state`` calls once it has checked the batch), or ``update_state`` itself,
    which ``fit`` and ``evaluate`` then call (see ``streamed_update``).
    """

    name = "metric"
    greater_is_better: bool | None = None
    streams = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass setting no ``name`` is named after its class (``F1Score``: ``"f1_score"``)."""
        super().__init_subclass__(**kwargs)
        if "name" not in vars(cls) and (auto := class_default_name(cls, Metric)) is not None:
            cls.name = auto

    def __init__(self, name: str | None = None) -> None:
        """``name``: the key in ``History.history``, the class's ``name`` when None (Keras'
        ``Metric(name=...)``, so a subclass may call ``super().__init__(name=name)``)."""
        if name is not None:
            if not isinstance(name, str) or not name:
                raise TypeError(f"Expected a non-empty str name. Received: name={quoted(name)}")
            self.name = name

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add one batch, ``y_true`` and ``y_pred`` (n_samples, n_outputs), its rows
        weighed by ``sample_weight`` (n_samples,), to the running state; checked as
        ``__call__`` checks its input (a ``ValueError`` / ``TypeError`` naming it)."""
        y_pred = finite_rows(y_pred, "y_pred")
        self._update_state(*self._batch(finite_rows(y_true, "y_true"), y_pred, sample_weight))

    def _update_state(self, y_true: np.ndarray, y_pred: np.ndarray,
                      sample_weight: np.ndarray | None = None) -> None:
        """``update_state`` on a checked batch: ``y_true`` as ``_checked`` returns it,
        ``y_pred`` (n_samples, n_outputs), float64 weights or None."""
        raise NotImplementedError(f"{type(self).__name__} does not stream")

    def result(self) -> float:
        """The metric over every batch added since ``reset_state`` (NaN before any)."""
        raise NotImplementedError(f"{type(self).__name__} does not stream")

    def reset_state(self) -> None:
        """Forget the batches added so far."""

    def state_dict(self) -> dict[str, Any]:
        """The running state as numbers and lists of numbers (for checkpoints mid-epoch)."""
        raise NotImplementedError(f"{type(self).__name__} does not stream")

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state``, what ``state_dict`` returned."""
        raise NotImplementedError(f"{type(self).__name__} does not stream")

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        """The metric of ``y_pred`` against ``y_true``, rows weighed by ``sample_weight``;
        a NaN or infinity is a ``ValueError`` naming its index (``_call`` does not check)."""
        y_pred = finite_rows(y_pred, "y_pred")
        return self._call(finite_rows(y_true, "y_true"), y_pred, sample_weight)

    def _call(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> float:
        """``__call__`` without the check for NaN and infinities."""
        return self._compute(*self._batch(y_true, y_pred, sample_weight))

    def _batch(self, y_true: Any, y_pred: Any,
               sample_weight: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``(y_true, y_pred, w)`` checked (but not for NaN): ``y_true`` as ``_checked``
        returns it, ``y_pred`` (n_samples, n_outputs), ``w`` float64 (n_samples,) or None."""
        y_pred, y_true = check_rows(y_pred, "y_pred"), check_rows(y_true, "y_true")
        if y_pred.ndim == 1:
            y_pred = y_pred[:, None]
        if y_true.shape[:1] != y_pred.shape[:1]:
            raise ValueError(
                f"Expected y_true with one row per row of y_pred ({y_pred.shape[0]}). "
                f"Received y_true of shape {y_true.shape}"
            )
        w = check_sample_weight(sample_weight, y_pred.shape[0])
        w = None if w is None else w.astype(np.float64, copy=False)
        return self._checked(y_true, y_pred), y_pred, w

    def _checked(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """``y_true`` as this metric reads it (a direct call checks it; ``fit`` already has)."""
        return y_true

    def _class_labels(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        """Integer labels in ``[0, n_outputs)`` from labels (any integral dtype) or one-hot rows."""
        if y_true.ndim == 2 and y_true.shape[1] > 1:
            return y_true
        return check_labels(y_true, y_pred.shape[1], "y_true")

    def _compute(self, y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None) -> float:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        """``cls(**config)``: the metric that ``get_config`` described (Keras')."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


def streamed_update(metric: Metric) -> Callable[[np.ndarray, np.ndarray], None]:
    """How ``fit`` and ``evaluate`` add a batch they have checked to ``metric`` (decided
    once per pass): the unchecked ``_update_state``, or the metric's own ``update_state``
    where a subclass overrides it."""
    if type(metric).update_state is Metric.update_state:
        return metric._update_state
    return metric.update_state


from ._accuracy_metrics import Accuracy, BinaryAccuracy, TopKAccuracy  # noqa: E402
from ._auc_metric import AUC  # noqa: E402
from ._confusion_index import *  # noqa: E402, F403 (TruePositives, ..., IoU, OneHotMeanIoU)
from ._confusion_index import CONFUSION_METRICS, LOGIT_THRESHOLDED, Precision, Recall  # noqa: E402
from ._fscore_metrics import F1Score, FBetaScore  # noqa: E402
from ._function_metric import _FunctionMetric  # noqa: E402
from ._loss_metric_names import *  # noqa: E402, F403 (the loss-like metrics, LOSS_METRICS)
from ._regression_metrics import (  # noqa: E402
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    R2Score,
    RootMeanSquaredError,
)

METRICS: dict[str, type[Metric]] = {
    "accuracy": Accuracy,
    "acc": Accuracy,
    "categorical_accuracy": Accuracy,
    "sparse_categorical_accuracy": Accuracy,
    "binary_accuracy": BinaryAccuracy,
    "top_k_accuracy": TopKAccuracy,
    "top_k_categorical_accuracy": TopKAccuracy,
    "sparse_top_k_categorical_accuracy": TopKAccuracy,
    "mae": MeanAbsoluteError,
    "mean_absolute_error": MeanAbsoluteError,
    "mse": MeanSquaredError,
    "mean_squared_error": MeanSquaredError,
    "rmse": RootMeanSquaredError,
    "root_mean_squared_error": RootMeanSquaredError,
    "r2": R2Score,
    "r2_score": R2Score,
    "precision": Precision,
    "recall": Recall,
    "auc": AUC,
    "f1_score": F1Score,
    "fbeta_score": FBetaScore,  # Keras' default name for it
    "f_beta_score": FBetaScore,  # keras.metrics.get's snake case of FBetaScore
    "mape": MeanAbsolutePercentageError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError,
} | CONFUSION_METRICS | LOSS_METRICS  # noqa: F405 ("true_positives", "binary_crossentropy", ...)
# class names: Keras' ("MeanSquaredError", as the name it stands for), nonlin's ("TopKAccuracy")
METRICS.update(class_names(METRICS))

# Keys of fit's logs that a metric must not take (its validation value is "val_" + name).
_RESERVED = ("loss", "lr")


def get_metric(metric: Any, *, loss: Any = None, n_outputs: int | None = None) -> Metric:
    """Resolve a name or object to a ``Metric``.

    A name gives a new metric named exactly as written, as in Keras: ``metrics=["acc"]`` is
    logged as ``"acc"`` (and ``"val_acc"``); a ``Metric`` object keeps its own ``name``, a
    function is named after it. Keras' class names (``"MeanSquaredError"``) read as the names
    they stand for (``nonlin._metric_names``). ``"accuracy"`` and ``"acc"`` (in any case) follow
    the ``loss``, as in Keras: with binary cross-entropy (or ``n_outputs=1``) binary accuracy,
    thresholded at 0 when the loss takes logits; otherwise the arg-max accuracy, which
    ``"categorical_accuracy"`` and ``"sparse_categorical_accuracy"`` always are (both take
    labels or one-hot rows; with a single output column it is binary accuracy, thresholded as
    for ``"accuracy"``). ``"auc"`` and the cross-entropies (``"binary_crossentropy"``, ...) take
    logits when the loss does (``AUC(from_logits=True)``, as Keras advises); ``"precision"``,
    ``"recall"``, the counts (``"true_positives"``, ...) and ``"binary_io_u"`` threshold at 0
    under a binary cross-entropy from logits (or a hinge: ``LOGIT_THRESHOLDED``); after a softmax
    cross-entropy from logits they threshold the raw outputs: give them a ``Softmax`` output
    layer (fused with its loss, as ``fit`` does) or ``Precision(top_k=1)``. ``"f1_score"``,
    ``"fbeta_score"`` (macro) predict each row's arg-max, or, under a binary cross-entropy or
    hinge or with ``n_outputs=1``, entries > 0.5 (0: logits).
    """
    if isinstance(metric, Metric):
        return metric
    if isinstance(metric, str):
        return _from_name(metric, loss, n_outputs)
    if isinstance(metric, type) and issubclass(metric, Metric):  # not a function of (y, p)
        raise TypeError(f"Expected a Metric object. Received the class {metric.__name__}; "
                        f"create one: {metric.__name__}()")
    if callable(metric) and not isinstance(metric, Layer):  # layer(x) is no metric
        return _FunctionMetric(metric)
    raise TypeError(f"Expected a metric name, Metric or callable. Received: "
                    f"metric={quoted(metric)}")


def _from_name(name: str, loss: Any, n_outputs: int | None) -> Metric:
    key = name if name in METRICS else name.lower()
    if key not in METRICS:
        raise ValueError(
            f"Unknown metric {quoted(name)}. Expected one of: "
            f"{', '.join(sorted(n for n in METRICS if n == n.lower()))}"  # not class names
        )
    cls = METRICS[key]
    # the hinges take -1/1 (or 0/1) targets and predict the class ``score > 0``: scores,
    # read as logits (a threshold of 0), one independent binary target per output
    margin = type(loss).__name__ in ("Hinge", "SquaredHinge")
    from_logits = bool(getattr(loss, "from_logits", False)) or margin
    binary_loss = margin or type(loss).__name__ in ("BinaryCrossEntropy",
                                                    "BinaryFocalCrossentropy")
    metric: Metric
    if cls is Accuracy and (n_outputs == 1 or (binary_loss and key in ("accuracy", "acc"))):
        metric = BinaryAccuracy(0.0 if from_logits else 0.5)
    elif cls is BinaryAccuracy and from_logits:
        metric = BinaryAccuracy(0.0)
    elif cls is AUC:
        metric = AUC(from_logits=from_logits)
    elif cls in LOGIT_THRESHOLDED and from_logits and binary_loss:
        metric = LOGIT_THRESHOLDED[cls]()  # a threshold of 0: logit > 0 when sigmoid(logit) > 0.5
    elif cls in (F1Score, FBetaScore) and (binary_loss or n_outputs == 1):
        metric = cls(threshold=0.0 if from_logits else 0.5)  # not the arg-max of each row
    else:
        metric = loss_metric(cls, name, loss)  # noqa: F405 (cross-entropies: logits as the loss)
    metric.name = name
    return metric


def get_metrics(metrics: Any, *, loss: Any = None, n_outputs: int | None = None) -> list[Metric]:
    """``get_metric`` (``loss``, ``n_outputs``) over ``metrics`` or one name, one log key each.

    As in Keras 3, a name met again (``["mae", "mae"]``, two metrics named
    ``"mae"``, one object twice) is logged with a suffix, ``mae_1``, ``mae_2``,
    ... (the first one free); a user's object so renamed is copied, keeping its
    own name and state. A name ``"loss"``, ``"lr"`` or ``"val_..."`` would
    overwrite what ``fit`` logs itself: ``ValueError``, asking for a ``name=``.
    """
    if metrics is None:  # Keras' compile(metrics=None): none
        return []
    if isinstance(metrics, str) or not isinstance(metrics, Iterable):
        metrics = [metrics]
    resolved: dict[str, Metric] = {}
    for request in metrics:
        metric = get_metric(request, loss=loss, n_outputs=n_outputs)
        name = metric.name
        if not isinstance(name, str) or name in _RESERVED or name.startswith("val_"):
            raise ValueError(
                f"Expected a metric name other than {', '.join(_RESERVED)} or 'val_...' "
                f"(fit logs those keys itself). Received: {quoted(request)} named {quoted(name)}"
            )
        key, index = name, 1
        while key in resolved:
            key, index = f"{name}_{index}", index + 1
        if key != name:
            metric = copy.deepcopy(metric) if metric is request else metric
            metric.name = key
        resolved[key] = metric
    return list(resolved.values())

