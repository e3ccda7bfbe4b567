"""Metrics: ``metric(y_true, y_pred, sample_weight=None) -> float``, higher or lower is better.

``y_pred`` has shape (n_samples, n_outputs), as the model returns it. Classification metrics
take ``y_true`` as integer labels (n_samples,) or one-hot / 0-1 rows (n_samples, n_outputs).
Regression metrics average over samples and outputs; unlike the ``MeanSquaredError`` loss, the
``mse`` metric has no factor 1/2 (it matches scikit-learn's ``mean_squared_error``).

Accuracy metrics: ``_accuracy_metrics`` (on ``_mean_metrics``' base); ``AUC``, F-scores and
Keras 3's other confusion-count metrics: ``_auc_metric``, ``_fscore_metrics``, ``_confusion_index``;
MAE, MSE, RMSE, MAPE and R²: ``_regression_metrics``; Keras' loss-like ones:
``_loss_metric_names``. All are importable here, with ``Metric`` (``_metric_base``, which
each of those modules imports: any of them imports first in a fresh process).

``fit`` computes metrics on the outputs it already produces while training
(no extra forward pass), and on validation data. The built-in metrics stream,
as Keras' do: ``reset_state()``, then ``update_state(y_true, y_pred,
sample_weight=None)`` once per batch, then ``result()``, so ``fit`` keeps a few
running sums instead of every output of the epoch. ``update_state`` checks its
input as a call does; ``fit`` and ``evaluate``, which have checked their data,
stream (unweighted) through the unchecked ``_update_state``. A plain function
given as a metric cannot stream: ``fit`` then keeps the epoch's outputs and
calls it on them at the epoch's end (and at the progress bar's refreshes, on the
rows so far); when a callback reads the batch-end logs, also on each batch's rows
(their row-weighted mean is the log: ``_epoch_logs``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from typing import Any

# ``X as X``: offered from here (re-exported for type checkers, mypy --strict's rule)
from ._accuracy_metrics import Accuracy as Accuracy
from ._accuracy_metrics import BinaryAccuracy as BinaryAccuracy
from ._accuracy_metrics import TopKAccuracy as TopKAccuracy
from ._auc_metric import AUC as AUC
from ._confusion_index import *  # noqa: F403 (TruePositives, ..., IoU, OneHotMeanIoU)
from ._confusion_index import CONFUSION_METRICS, LOGIT_THRESHOLDED, Precision, Recall
from ._fscore_metrics import F1Score as F1Score
from ._fscore_metrics import FBetaScore as FBetaScore
from ._function_metric import _FunctionMetric
from ._loss_metric_names import *  # noqa: F403 (the loss-like metrics, LOSS_METRICS)
from ._metric_base import Metric as Metric
from ._metric_base import streamed_update as streamed_update  # re-exported (fit, evaluate)
from ._metric_names import class_names
from ._quoting import quoted
from ._regression_metrics import MeanAbsoluteError as MeanAbsoluteError
from ._regression_metrics import MeanAbsolutePercentageError as MeanAbsolutePercentageError
from ._regression_metrics import MeanSquaredError as MeanSquaredError
from ._regression_metrics import R2Score as R2Score
from ._regression_metrics import RootMeanSquaredError as RootMeanSquaredError
from .core import Layer

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


def get_metrics(metrics: Any, *, loss: Any = None, n_outputs: int | None = None,
                owned: bool = False) -> list[Metric]:
    """``get_metric`` (``loss``, ``n_outputs``) over ``metrics`` or one name, one log key each.

    As in Keras 3, a name met again (``["mae", "mae"]``, two metrics named
    ``"mae"``, one object twice) is logged with a suffix, ``mae_1``, ``mae_2``,
    ... (the first one free); a user's object so renamed is copied, keeping its
    own name and state. ``owned``: the objects are the caller's own, made from configs
    (``nonlin.load``'s), renamed in place, not copied (64 metrics of 2 MiB: 126 MiB of
    copies at each ``fit``). A name ``"loss"``, ``"lr"`` or ``"val_..."`` would
    overwrite what ``fit`` logs itself: ``ValueError``, asking for a ``name=``.
    """
    if metrics is None or (isinstance(metrics, (list, tuple)) and not metrics):  # none
        return []
    if isinstance(metrics, str) or not isinstance(metrics, Iterable):
        metrics = [metrics]
    resolved: dict[str, Metric] = {}
    tried: dict[str, int] = {}  # by name: the suffixes below this are taken (n names: n steps)
    for request, metric in _expanded(metrics, loss, n_outputs):
        name = metric.name
        if not isinstance(name, str) or name in _RESERVED or name.startswith("val_"):
            raise ValueError(
                f"Expected a metric name other than {', '.join(_RESERVED)} or 'val_...' "
                f"(fit logs those keys itself). Received: {quoted(request)} named {quoted(name)}"
            )
        key, index = name, tried.get(name, 1)
        while key in resolved:
            key, index = f"{name}_{index}", index + 1
        tried[name] = index
        if key != name:
            metric = copy.deepcopy(metric) if metric is request and not owned else metric
            metric.name = key
        resolved[key] = metric
    return list(resolved.values())


def _expanded(metrics: Iterable[Any], loss: Any,
              n_outputs: int | None) -> Iterator[tuple[Any, Metric]]:
    """``(request, get_metric(request))`` of each request; an F-score of one score per
    class (``average=None`` without ``class_id``) as one metric per class
    (``FBetaScore.per_class``) where the number of outputs is known."""
    for request in metrics:
        metric = get_metric(request, loss=loss, n_outputs=n_outputs)
        if (n_outputs and isinstance(metric, FBetaScore) and metric.average is None
                and metric.class_id is None):
            yield from ((request, one) for one in metric.per_class(n_outputs))
        else:
            yield request, metric

