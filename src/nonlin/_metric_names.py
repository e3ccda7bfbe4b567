"""Keras 3's metric class names that ``nonlin.metrics.METRICS`` accepts, and the name each reads as.

``keras.metrics.get("MeanSquaredError")`` resolves a class name as well as a snake-case
one, and ``compile(metrics=["MeanSquaredError"])`` logs it under the name as written
(``History.history["MeanSquaredError"]``, ``"val_MeanSquaredError"``), as nonlin logs every
name. A class name here stands for the nonlin name beside it, with that name's behaviour
(``"BinaryAccuracy"`` thresholds logits at 0 as ``"binary_accuracy"`` does, ``"AUC"`` takes
logits when the loss does). Only classes whose nonlin metric computes the same thing are here.

nonlin's own metric class names resolve too (``"TopKAccuracy"``, the class of
``"top_k_accuracy"``), logged as written, where the name is not taken already
(``class_names``).

Left out on purpose: ``"Accuracy"`` reads as ``"accuracy"`` (names are matched in lower case
too), which is what Keras' ``compile`` does with it (it lower-cases the name before testing
for ``"accuracy"`` / ``"acc"``), not the exact-match ``keras.metrics.Accuracy`` class, which
nonlin does not have. So are the classes that need an argument (``PrecisionAtRecall``,
``RecallAtPrecision``, ``SensitivityAtSpecificity``, ``SpecificityAtSensitivity``, ``IoU``,
``MeanIoU``, ``OneHotIoU``, ``OneHotMeanIoU``): ``keras.metrics.get`` builds a class it names
without arguments, which fails for them (a ``TypeError``), so they are objects only.
"""

from __future__ import annotations

import functools
import re
import weakref

KERAS_CLASS_NAMES: dict[str, str] = {
    "MeanSquaredError": "mean_squared_error",
    "MeanAbsoluteError": "mean_absolute_error",
    "RootMeanSquaredError": "root_mean_squared_error",
    "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
    "R2Score": "r2_score",
    "Precision": "precision",
    "Recall": "recall",
    "AUC": "auc",
    "F1Score": "f1_score",
    "FBetaScore": "fbeta_score",
    "TruePositives": "true_positives",
    "FalsePositives": "false_positives",
    "TrueNegatives": "true_negatives",
    "FalseNegatives": "false_negatives",
    "BinaryIoU": "binary_io_u",
    "BinaryAccuracy": "binary_accuracy",
    "CategoricalAccuracy": "categorical_accuracy",
    "SparseCategoricalAccuracy": "sparse_categorical_accuracy",
    "TopKCategoricalAccuracy": "top_k_categorical_accuracy",
    "SparseTopKCategoricalAccuracy": "sparse_top_k_categorical_accuracy",
    # Keras' loss-like metrics (nonlin._loss_metric_names), each its own class here
    "BinaryCrossentropy": "binary_crossentropy",
    "CategoricalCrossentropy": "categorical_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "KLDivergence": "kl_divergence",
    "Poisson": "poisson",
    "MeanSquaredLogarithmicError": "mean_squared_logarithmic_error",
    "CosineSimilarity": "cosine_similarity",
    "LogCoshError": "log_cosh_error",
    "Hinge": "hinge",
    "SquaredHinge": "squared_hinge",
    "CategoricalHinge": "categorical_hinge",
}


@functools.lru_cache(maxsize=1024)  # a class name per layer: a model of 100 ReLUs asks 100 times
def snake_case(name: str) -> str:
    """Keras 3's ``to_snake_case`` (``keras.src.utils.naming``): ``"F1Score"`` -> ``"f1_score"``,
    ``"HTTPErrorRate"`` -> ``"http_error_rate"``; characters other than letters, digits and
    ``_`` dropped."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


_AUTO_NAMED: weakref.WeakSet[type] = weakref.WeakSet()  # classes class_default_name named


def class_default_name(cls: type, base: type) -> str | None:
    """The ``name`` a subclass of ``base`` (``Metric``) whose body sets none gets: its class
    name in snake case when no class between it and ``base`` sets one (Keras 3's
    ``auto_name``, without the ``_1`` its global counter adds to a second instance), else
    None (it keeps the nearest one set: a subclass of ``Accuracy`` logs ``"accuracy"``, as
    Keras' does). A name that this rule gave a class is not "set" for its subclasses: the
    caller sets ``cls.name`` to the name returned, and ``cls`` is recorded as named so."""
    for klass in cls.__mro__[1:]:
        if "name" in vars(klass) and klass not in _AUTO_NAMED:
            if klass is not base:
                return None
            _AUTO_NAMED.add(cls)
            return snake_case(cls.__name__)
    return None


def class_names(metrics: dict[str, type]) -> dict[str, type]:
    """The class names that ``metrics`` (name -> class) is to take as well: Keras'
    (``KERAS_CLASS_NAMES``), each for the class of the name it stands for, then the names of
    its own classes (``"TopKAccuracy"``), each for its class, unless taken already, exactly
    or in lower case (``"Accuracy"`` reads as ``"accuracy"``), or shared by two classes."""
    names = {keras: metrics[name] for keras, name in KERAS_CLASS_NAMES.items()}
    owners: dict[str, set[type]] = {}
    for cls in metrics.values():
        owners.setdefault(cls.__name__, set()).add(cls)
    taken = {*metrics, *names}
    names.update({name: next(iter(found)) for name, found in owners.items()
                  if len(found) == 1 and name not in taken and name.lower() not in taken})
    return names
