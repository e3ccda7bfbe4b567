"""The one registry: names to classes, used at the boundary only.

The command line, the scikit-learn estimators and the model-file loader turn
strings ("relu", "adam", "cross_entropy") into objects here, once; everything
inside the library passes objects. Loading a model file builds layers from
``LAYERS`` alone, so a file can never name code outside this allowlist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import nonlin  # the hints of loss and optimizer, read when the hints are (lazy modules)

from . import (
    activations,
    activations_hard,
    activations_smooth,
    layer_norm,
    layers,
    noise,
    normalization,
    prelu,
    preprocessing,
)
from ._layer_names import Named
from ._protocol_checks import takes_name
from ._quoting import quoted
from .core import Layer
from .initializers import INITIALIZERS  # noqa: F401 (one of the tables _KINDS names)

if TYPE_CHECKING:
    LOSSES: dict[str, type]  # these three: built on first use (__getattr__, below)
    OPTIMIZERS: dict[str, type]
    METRICS: dict[str, type]

LAYERS: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        layers.Dense,
        layers.Dropout,
        normalization.BatchNorm,
        layer_norm.LayerNormalization,
        preprocessing.Normalization,
        activations.Sigmoid,
        activations.Tanh,
        activations.ReLU,
        activations.LeakyReLU,
        activations.GELU,
        activations.Softmax,
        activations.Identity,
        activations.Exp,
        activations_smooth.SiLU,
        activations_smooth.ELU,
        activations_smooth.SELU,
        activations_smooth.Softplus,
        activations_smooth.Mish,
        activations_hard.ReLU6,
        activations_hard.HardSigmoid,
        activations_hard.HardSwish,
        activations_hard.Softsign,
        prelu.PReLU,
        noise.AlphaDropout,
        noise.GaussianDropout,
        noise.GaussianNoise,
    )
}
LAYERS["LayerNorm"] = layer_norm.LayerNormalization  # PyTorch's name; files record the class's

ACTIVATIONS: dict[str, type] = {
    "sigmoid": activations.Sigmoid,
    "logistic": activations.Sigmoid,
    "tanh": activations.Tanh,
    "relu": activations.ReLU,
    "leaky_relu": activations.LeakyReLU,
    "gelu": activations.GELU,
    "softmax": activations.Softmax,
    "identity": activations.Identity,
    "linear": activations.Identity,
    "exponential": activations.Exp,
    "exp": activations.Exp,
    "silu": activations_smooth.SiLU,
    "swish": activations_smooth.SiLU,
    "elu": activations_smooth.ELU,
    "selu": activations_smooth.SELU,
    "softplus": activations_smooth.Softplus,
    "mish": activations_smooth.Mish,
    "relu6": activations_hard.ReLU6,
    "hard_sigmoid": activations_hard.HardSigmoid,
    "hardsigmoid": activations_hard.HardSigmoid,  # PyTorch's spelling (F.hardsigmoid)
    "hard_silu": activations_hard.HardSwish,
    "hard_swish": activations_hard.HardSwish,
    "hardswish": activations_hard.HardSwish,  # PyTorch's spelling (F.hardswish)
    "softsign": activations_hard.Softsign,
}


def _losses() -> dict[str, type]:
    """Every loss name ``LOSSES`` accepts: the short names, then the class names.

    Returns
    -------
    dict of str to type
        The aliases of ``_loss_aliases`` followed by those of ``_loss_class_names``.
    """
    return {**_loss_aliases(), **_loss_class_names()}


def _loss_aliases() -> dict[str, type]:
    """The short, snake-case loss names (Keras' and PyTorch's spellings) and their classes.

    Returns
    -------
    dict of str to type
        ``"mse"``, ``"binary_crossentropy"``, ``"kld"`` and the like, in lookup order.
    """
    from . import losses, losses_extra, losses_margin, losses_more

    return {
        "mse": losses.MeanSquaredError,
        "mean_squared_error": losses.MeanSquaredError,
        "squared_error": losses.MeanSquaredError,
        "mae": losses.MeanAbsoluteError,
        "mean_absolute_error": losses.MeanAbsoluteError,
        "absolute_error": losses.MeanAbsoluteError,
        "huber": losses.Huber,
        "binary_crossentropy": losses.BinaryCrossEntropy,
        "binary_cross_entropy": losses.BinaryCrossEntropy,  # PyTorch's name, as cross_entropy
        "bce": losses.BinaryCrossEntropy,
        "cross_entropy": losses.CrossEntropy,
        "categorical_crossentropy": losses.CrossEntropy,
        "sparse_categorical_crossentropy": losses.CrossEntropy,  # labels or one-hot, both
        "poisson": losses_more.Poisson,
        "kl_divergence": losses_more.KLDivergence,  # Keras' names ("KLD" as "kld")
        "kld": losses_more.KLDivergence,
        "kullback_leibler_divergence": losses_more.KLDivergence,
        "log_cosh": losses_more.LogCosh,
        "logcosh": losses_more.LogCosh,
        "hinge": losses_margin.Hinge,
        "squared_hinge": losses_margin.SquaredHinge,
        "categorical_hinge": losses_margin.CategoricalHinge,
        "binary_focal_crossentropy": losses_extra.BinaryFocalCrossentropy,
        "categorical_focal_crossentropy": losses_extra.CategoricalFocalCrossentropy,
        "msle": losses_extra.MeanSquaredLogarithmicError,  # Keras' ("MSLE" as "msle")
        "mean_squared_logarithmic_error": losses_extra.MeanSquaredLogarithmicError,
        "mape": losses_extra.MeanAbsolutePercentageError,  # the loss; the metric in METRICS
        "mean_absolute_percentage_error": losses_extra.MeanAbsolutePercentageError,
        "cosine_similarity": losses_extra.CosineSimilarity,
    }


def _loss_class_names() -> dict[str, type]:
    """The loss class names, nonlin's and Keras' (``keras.losses.get("MeanSquaredError")``
    works too), and their classes.

    Returns
    -------
    dict of str to type
        Each class's ``__name__``, then Keras' and nonlin's other spellings.
    """
    from . import losses, losses_extra, losses_margin, losses_more

    return {
        **{cls.__name__: cls for cls in (losses.MeanSquaredError, losses.MeanAbsoluteError,
                                         losses.BinaryCrossEntropy, losses.CrossEntropy,
                                         losses_more.Poisson, losses_more.KLDivergence,
                                         losses_more.LogCosh, losses_margin.Hinge,
                                         losses_margin.SquaredHinge,
                                         losses_margin.CategoricalHinge,
                                         losses_extra.BinaryFocalCrossentropy,
                                         losses_extra.CategoricalFocalCrossentropy,
                                         losses_extra.MeanSquaredLogarithmicError,
                                         losses_extra.MeanAbsolutePercentageError,
                                         losses_extra.CosineSimilarity)},
        "BinaryCrossentropy": losses.BinaryCrossEntropy,
        "CategoricalCrossentropy": losses.CrossEntropy,
        "SparseCategoricalCrossentropy": losses.CrossEntropy,
        "BinaryFocalCrossEntropy": losses_extra.BinaryFocalCrossentropy,  # nonlin's spelling
        "CategoricalFocalCrossEntropy": losses_extra.CategoricalFocalCrossentropy,
    }


def _optimizers() -> dict[str, type]:
    from . import optimizers

    return {
        "sgd": optimizers.SGD,
        "adam": optimizers.Adam,
        "adamw": optimizers.AdamW,
        "rmsprop": optimizers.RMSprop,
        "adagrad": optimizers.Adagrad,
        "adamax": optimizers.Adamax,
        "nadam": optimizers.Nadam,
        "adadelta": optimizers.Adadelta,
        "lion": optimizers.Lion,
    }


def _metrics() -> dict[str, type]:
    from . import metrics

    return dict(metrics.METRICS)


# LOSSES, OPTIMIZERS and METRICS are built, importing their modules, on first use (PEP 562):
# loading a model file for inference needs LAYERS alone, not the training side
_DEFERRED: dict[str, Any] = {"LOSSES": _losses, "OPTIMIZERS": _optimizers, "METRICS": _metrics}


def _built(name: str) -> dict[str, Any]:  # the deferred table, built and kept in globals
    table = globals()[name] = _DEFERRED[name]()
    return table


if not TYPE_CHECKING:  # hidden from type checkers: the tables are declared above
    def __getattr__(name: str) -> dict[str, Any]:
        if name in _DEFERRED:
            return _built(name)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_DEFERRED})


_KINDS: dict[str, str] = {"layer": "LAYERS", "activation": "ACTIVATIONS", "loss": "LOSSES",
                          "optimizer": "OPTIMIZERS", "metric": "METRICS",
                          "initializer": "INITIALIZERS"}


def lookup(kind: str, name: str) -> Any:
    """The class (or function) registered as ``name`` among ``kind``.

    Raises ``ValueError`` listing the known names when ``name`` is unknown.
    """
    table_name = _KINDS[kind]
    table = globals()[table_name] if table_name in globals() else _built(table_name)
    exact = kind == "layer" or (isinstance(name, str) and name in table)  # "MeanAbsolute..."
    key = name if exact else str(name).lower()
    if not isinstance(name, str) or key not in table:
        names = [k for k in sorted(table) if k.islower()] or sorted(table)  # not class names
        more = " (or a class name: MeanSquaredError)" if kind == "loss" else ""
        raise ValueError(f"Unknown {kind} {quoted(name)}. Expected one of: "
                         f"{', '.join(names)}{more}")
    return table[key]


def activation(name: str, **kwargs: Any) -> Layer:
    """An activation layer from its name: ``activation("relu")`` -> ``ReLU()``."""
    return lookup("activation", name)(**kwargs)


def loss(name: str, **kwargs: Any) -> nonlin.losses.Loss:
    """A loss from its name: ``loss("cross_entropy", from_logits=True)``."""
    return lookup("loss", name)(**kwargs)


def optimizer(name: str, **kwargs: Any) -> nonlin.optimizers.Optimizer:
    """An optimizer from its name: ``optimizer("sgd", lr=0.1)``."""
    return lookup("optimizer", name)(**kwargs)


def layer_from_config(item: Any) -> Layer:
    """Build a layer from ``{"class_name": ..., "config": {...}}`` via ``LAYERS`` only; a
    ``"trainable"`` key (a bool, ``Sequential.get_config``'s for a frozen layer) sets the
    layer's flag, and a ``"name"`` its class's ``__init__`` does not take (or takes in
    ``**kwargs`` and drops) sets its name once built (``Sequential.get_config`` adds a name
    given to such a layer). A ``GELU``
    config without ``"approximate"`` (files and configs written
    before the exact form became the default) rebuilds the tanh form it meant."""
    if not isinstance(item, dict) or set(item) != {"class_name", "config"}:
        raise ValueError(
            "Expected a layer entry {'class_name': str, 'config': dict}. "
            f"Received: {quoted(item, 200)}"
        )
    cls = lookup("layer", item["class_name"])
    config = item["config"]
    if not isinstance(config, dict):
        raise ValueError(
            f"Expected a dict config for {item['class_name']}. Received: {quoted(config, 200)}"
        )
    config = dict(config)
    if cls is activations.GELU and "approximate" not in config:
        config["approximate"] = True  # saved before the exact form, the default now, existed
    trainable = config.pop("trainable", True)
    takes = takes_name(cls)
    name = (config.get("name") if takes else config.pop("name", None))
    try:
        layer = cls(**config)
        if trainable is not True:
            layer.trainable = trainable
        if name is not None and (not takes or isinstance(layer, Named) and layer._name is None):
            layer.name = name  # a layer of one's own whose __init__ takes no name, or drops it
    except TypeError as exc:
        raise ValueError(f"Invalid config for layer {item['class_name']}: {exc}") from None
    return layer
