"""The names of Keras 3's loss-like metrics (``nonlin._loss_metrics``, ``_loss_metrics_more``)
and how a name given to ``compile`` follows the loss: ``LOSS_METRICS``, ``loss_metric``.

``LOSS_METRICS`` holds the snake-case names ``keras.metrics.get`` takes for these classes
(``ALL_OBJECTS_DICT``: each class name in snake case, and the aliases ``"bce"`` and
``"msle"``; their upper-case spellings ``"BCE"`` and ``"MSLE"`` resolve as every name does,
in lower case too), and a few more that name the same quantity: the default name of
``LogCoshError``, ``"logcosh"``, and Keras 3's function name ``"log_cosh"``; ``"kld"`` and
``"kullback_leibler_divergence"`` (Keras' legacy aliases, which ``nonlin``'s loss table
takes for ``KLDivergence`` too). Their class names are in ``_metric_names.KERAS_CLASS_NAMES``.
``nonlin.metrics`` re-exports the classes (``__all__``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._loss_metrics import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
)
from ._loss_metrics_more import (
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    LogCoshError,
    MeanSquaredLogarithmicError,
    SquaredHinge,
)
from ._metric_base import Metric
from ._quoting import quoted

__all__ = ["BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
           "KLDivergence", "Poisson", "MeanSquaredLogarithmicError", "CosineSimilarity",
           "LogCoshError", "Hinge", "SquaredHinge", "CategoricalHinge", "LOSS_METRICS",
           "loss_metric"]

LOSS_METRICS: dict[str, type[Metric]] = {
    "binary_crossentropy": BinaryCrossentropy,
    "bce": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "kl_divergence": KLDivergence,
    "kld": KLDivergence,
    "kullback_leibler_divergence": KLDivergence,
    "poisson": Poisson,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError,
    "msle": MeanSquaredLogarithmicError,
    "cosine_similarity": CosineSimilarity,
    "log_cosh_error": LogCoshError,
    "logcosh": LogCoshError,
    "log_cosh": LogCoshError,
    "hinge": Hinge,
    "squared_hinge": SquaredHinge,
    "categorical_hinge": CategoricalHinge,
}

# the losses whose from_logits=True takes sigmoid logits, and softmax logits
_SIGMOID = ("BinaryCrossEntropy", "BinaryFocalCrossentropy")
_SOFTMAX = ("CrossEntropy", "CategoricalFocalCrossentropy")


def loss_metric(cls: type[Metric], name: str, loss: Any) -> Metric:
    """A new ``cls`` for the metric name ``name`` under ``loss``: the cross-entropies read
    the model's outputs as the loss does, so under a loss with ``from_logits=True`` they
    take logits too (``BinaryCrossentropy(from_logits=True)``, the cross-entropy of the
    probabilities ``sigmoid(z)``); every other class as ``cls()``.

    Raises ``ValueError`` for a cross-entropy of the other kind under a loss taking logits
    (``"binary_crossentropy"`` under ``CrossEntropy(from_logits=True)``: its logits are
    a softmax's, not a sigmoid's).
    """
    if not (issubclass(cls, BinaryCrossentropy | CategoricalCrossentropy)
            and _takes_logits(loss)):
        return cls()
    kinds = _SIGMOID if issubclass(cls, BinaryCrossentropy) else _SOFTMAX
    if not any(klass.__name__ in kinds for klass in type(loss).__mro__):
        activation = "sigmoid" if issubclass(cls, BinaryCrossentropy) else "softmax"
        raise ValueError(
            f"Expected a loss taking probabilities, or {activation} logits "
            f"({' or '.join(kinds)}), for the metric {quoted(name)}. Received "
            f"{type(loss).__name__}(from_logits=True), whose logits are not a {activation}'s: "
            f"give a metric object, {cls.__name__}(from_logits=...), or end the model with its "
            "activation layer and pass the loss from_logits=False")
    return cls(from_logits=True)


def _takes_logits(loss: Any) -> bool:
    """Whether ``loss.from_logits`` is true as a flag: ``True`` or ``np.True_`` (which
    ``check_bool`` takes, also set on an existing loss, and the loss's math reads as
    true), not any other truthy value of a loss of one's own."""
    flag = getattr(loss, "from_logits", False)
    return isinstance(flag, bool | np.bool_) and bool(flag)
