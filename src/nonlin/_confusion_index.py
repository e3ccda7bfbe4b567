"""Keras 3's other confusion-based metrics, as ``nonlin.metrics`` imports and registers them.

``from ._confusion_index import *`` in ``nonlin.metrics`` re-exports ``Precision`` and
``Recall`` with the counts (``_count_metrics``), the metrics at a recall, precision,
sensitivity or specificity (``_at_metrics``) and the IoU family (``_iou_metrics``).

``CONFUSION_METRICS``: the names ``keras.metrics.get`` takes for them and builds without
arguments (Keras' snake case of each class name: ``"true_positives"``, ``"binary_io_u"``);
``_metric_names.KERAS_CLASS_NAMES`` adds the class names. The others need an argument
(``PrecisionAtRecall(recall)``, ``IoU(num_classes, target_class_ids)``, ...): Keras' ``get``
fails on their names (``TypeError``: a required argument missing), so they are not names
here; give them as objects. ``LOGIT_THRESHOLDED``: how ``get_metric`` builds a metric of a
name under a binary loss that takes logits (or a hinge): a threshold of 0 on the scores.
"""

from __future__ import annotations

from collections.abc import Callable

from ._at_metrics import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from ._confusion_metrics import Precision, Recall
from ._count_metrics import FalseNegatives, FalsePositives, TrueNegatives, TruePositives
from ._iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from ._metric_base import Metric

__all__ = [
    "Precision", "Recall", "TruePositives", "FalsePositives", "TrueNegatives",
    "FalseNegatives", "PrecisionAtRecall", "RecallAtPrecision", "SensitivityAtSpecificity",
    "SpecificityAtSensitivity", "IoU", "BinaryIoU", "MeanIoU", "OneHotIoU", "OneHotMeanIoU",
    "CONFUSION_METRICS", "LOGIT_THRESHOLDED", "OBJECTS_ONLY",
]

CONFUSION_METRICS: dict[str, type[Metric]] = {
    "true_positives": TruePositives,
    "false_positives": FalsePositives,
    "true_negatives": TrueNegatives,
    "false_negatives": FalseNegatives,
    "binary_io_u": BinaryIoU,
}

LOGIT_THRESHOLDED: dict[type[Metric], Callable[[], Metric]] = {
    Precision: lambda: Precision(thresholds=0.0),  # logit > 0 exactly when sigmoid > 0.5
    Recall: lambda: Recall(thresholds=0.0),
    TruePositives: lambda: TruePositives(thresholds=0.0),
    FalsePositives: lambda: FalsePositives(thresholds=0.0),
    TrueNegatives: lambda: TrueNegatives(thresholds=0.0),
    FalseNegatives: lambda: FalseNegatives(thresholds=0.0),
    BinaryIoU: lambda: BinaryIoU(threshold=0.0),  # logit >= 0 exactly when sigmoid >= 0.5
}

# the classes no name stands for (an argument is required): a model file's compile record
# still keeps them, by class name and config (nonlin._compile_entries)
OBJECTS_ONLY: tuple[type[Metric], ...] = (
    PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity,
    IoU, MeanIoU, OneHotIoU, OneHotMeanIoU)
