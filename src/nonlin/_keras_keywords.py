"""Keras 3's layer keywords that nonlin's layers take otherwise, or not at all: the
``TypeError`` says nonlin's way, after Python's own "got an unexpected keyword argument".

Every Keras 3 layer takes the base layer's ``trainable`` and ``dtype``; ``Dropout`` and
``AlphaDropout`` take ``noise_shape`` and ``seed``, ``GaussianDropout`` and
``GaussianNoise`` ``seed``; ``ReLU`` takes ``max_value``, ``negative_slope`` and
``threshold``; ``BatchNormalization`` ``center``, ``scale`` and the initializers,
regularizers and constraints of its weights. ``Dense``'s and ``LeakyReLU``'s own keywords
live in ``nonlin._misuse`` (``keras_keywords``), which falls back on these.

``layer_from_config`` is ``Layer.from_config``: Keras' way back from a layer's config.
"""

from __future__ import annotations

from typing import Any

from ._quoting import quoted

_SEED = ("each draw comes from the model's generator: model.build(n_features, seed=0) or "
         "fit(..., seed=0) gives the same draws for the same seed")
_COMMON = {
    "trainable": "create the layer, then set layer.trainable = False (Keras' trainable=False)",
    "dtype": ("a model computes in one dtype: model.build(n_features, seed, "
              "dtype=np.float32) (float64 by default)"),
}
_DROPOUT = {"seed": _SEED, "noise_shape": "not supported: each entry gets a draw of its own"}
_INPUT = {"batch_size": "the batch size is fit's batch_size= (an Input fixes none)",
          "input_shape": "Keras 3's (and nonlin's) name is shape=(n_features,)",
          "batch_input_shape": "Keras 3's (and nonlin's) name is batch_shape=(None, n_features)"}
_HINTS: dict[str, dict[str, str]] = {
    "Dropout": _DROPOUT,
    "AlphaDropout": _DROPOUT,
    "GaussianDropout": {"seed": _SEED},
    "GaussianNoise": {"seed": _SEED},
    "ReLU": {
        "max_value": "ReLU6() is Keras' ReLU(max_value=6); other caps are not built in",
        "negative_slope": "LeakyReLU(alpha=0.1) is Keras' ReLU(negative_slope=0.1)",
        "threshold": "not supported: ReLU() is Keras' ReLU(threshold=0.0)",
    },
    "BatchNorm": {
        "center": "not supported: BatchNorm always learns beta (Keras' center=True)",
        "scale": "not supported: BatchNorm always learns gamma (Keras' scale=True)",
        "eps": "nonlin's (and Keras') name is epsilon=",
    },
    "Input": _INPUT,
    "InputLayer": _INPUT,
    "Dense": {
        "bias_initializer": "biases start at zero (Keras' default, bias_initializer='zeros')",
        "bias_regularizer": "not supported: l2= penalizes the weights W alone",
        "activity_regularizer": "not supported",
        "kernel_constraint": "not supported",
        "bias_constraint": "not supported",
    },
}


def keyword_hint(layer: str, name: str) -> str | None:
    """nonlin's way for Keras' keyword ``name`` given to ``layer`` (a class name), if any."""
    return _HINTS.get(layer, {}).get(name) or _COMMON.get(name)


def unexpected_keyword(layer: str, keywords: dict[str, Any]) -> TypeError:
    """Python's ``TypeError`` for the first of ``keywords`` given to ``layer`` (its class
    name), nonlin's way added when the keyword is Keras 3's."""
    name = next(iter(keywords))
    hint = keyword_hint(layer, name)
    return TypeError(f"{layer}() got an unexpected keyword argument {quoted(name)}"
                     + (f": {hint}" if hint else ""))


_POLICIES = ("DTypePolicy", "FloatDTypePolicy")  # Keras 3's class names of a dtype policy
_FLOATS = ("float32", "float64")


def _keras_dtype(dtype: Any) -> None:
    """Refuse a Keras 3 layer config's ``"dtype"`` unless float32 or float64 (a name, or
    its ``DTypePolicy`` entry): nonlin's model computes in one dtype, ``build(n,
    dtype=...)``'s."""
    entry = {"module": "keras", "registered_name": None}
    if isinstance(dtype, dict) and set(dtype) == {"class_name", "config", *entry}:
        if (dtype["class_name"] in _POLICIES and isinstance(dtype["config"], dict)
                and set(dtype["config"]) == {"name"}
                and all(dtype[key] == value for key, value in entry.items())):
            dtype = dtype["config"]["name"]
    if dtype is None or isinstance(dtype, str) and dtype in _FLOATS:
        return
    raise ValueError(f"Expected a layer config's dtype None, 'float32' or 'float64' (or "
                     f"Keras' DTypePolicy of one): the model computes in one dtype, "
                     f"model.build(n_features, seed, dtype=np.float32). Received: "
                     f"dtype={quoted(dtype, 200)}")


def layer_from_config(cls: type, config: dict[str, Any]) -> Any:
    """``cls(**config)``, the ``"trainable"`` key (Keras 3's layer config has it, as has
    ``Sequential.get_config``'s for a frozen layer) set as the flag after (Keras'
    ``Layer.from_config``). Keras 3's ``"dtype"`` (float32 or float64, ``_keras_dtype``)
    is left to the model, whose dtype every layer computes in."""
    if not isinstance(config, dict):
        raise TypeError(f"Expected a dict config. Received: config={quoted(config)}")
    if "dtype" in config:
        _keras_dtype(config["dtype"])
    layer = cls(**{k: v for k, v in config.items() if k not in ("trainable", "dtype")})
    if "trainable" in config:
        layer.trainable = config["trainable"]
    return layer
