"""Keras 3's ``Dense`` arguments: ``activation``, ``use_bias``, ``kernel_initializer``,
``kernel_regularizer``, turned into nonlin's (``nonlin.layers.Dense`` calls ``dense_args``).

``activation`` is one of nonlin's activation layers, held by the ``Dense`` (one layer in
``model.layers``, as in Keras): a registry name (``"relu"``; ``"linear"``, ``"identity"``
and None are no activation), an activation layer object (copied from its config, so two
layers never share buffers) or, read back from a model file, the registry entry
``{"class_name": "LeakyReLU", "config": {...}}`` of a non-default one. Anything else is
refused naming it: a file names classes of ``nonlin.registry.ACTIVATIONS`` only.

The fused output paths (``nonlin.objective``, ``nonlin.evaluation``) see a final
``Dense(k, activation="softmax")`` as ``[Dense(k), Softmax()]``: ``output_layer`` gives its
activation, ``fused_head`` the layers before it, the ``Dense`` wrapped in ``DenseLogits``
(its affine map alone, ``logits=True``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np

from . import layers as _layers  # partly imported here (layers imports us): read at call time
from ._deferred_rng import DeferredRng
from ._layer_names import name_config
from ._quoting import quoted
from .initializers import DEFAULT, INITIALIZERS, initializer_name, is_custom
from .initializers_keras import keras_initializer
from .regularizers import l2_factor
from .validation import is_real

# Keras' defaults of the Dense keywords nonlin has no use for: taken (a Keras config
# holds them), any other value refused by _keras_keywords' hints
KERAS_DEFAULTS: dict[str, Any] = {"bias_initializer": "zeros", "bias_regularizer": None,
                                  "activity_regularizer": None, "kernel_constraint": None,
                                  "bias_constraint": None, "quantization_config": None}


def _zeros(init: Any) -> bool:
    """Whether ``init`` is Keras' zero initializer: ``"zeros"`` (``"Zeros"``, ``"zero"``),
    ``Zeros`` or ``Zeros()``, or its config entry (Keras 3's ``Dense.get_config`` writes
    ``{"module": "keras.initializers", "class_name": "Zeros", "config": {}, ...}``)."""
    from .initializers_keras import Zeros, from_entry

    if isinstance(init, str):
        return init in ("zeros", "Zeros", "zero")
    if isinstance(init, dict):
        try:
            init = from_entry(init)
        except ValueError:  # refused below, naming bias_initializer
            return False
    return init is Zeros or type(init) is Zeros


def _both(keras: str, ours: str) -> TypeError:
    return TypeError(f"Expected one of {keras}= (Keras' name) and {ours}= (nonlin's). "
                     f"Received both: give {ours}= alone")


def dense_args(bias: Any, init: Any, l2: Any, keras: dict[str, Any]) -> tuple[Any, Any, float]:
    """nonlin's ``(bias, init, l2)`` from them and Keras' ``use_bias``,
    ``kernel_initializer``, ``kernel_regularizer`` (popped from ``keras``; one given
    with nonlin's name away from its default: ``TypeError`` naming both)."""
    if keras.get("use_bias") is not None:
        if bias is not True:
            raise _both("use_bias", "bias")
        bias = keras.pop("use_bias")
    if keras.get("kernel_initializer") is not None:
        if init != DEFAULT:
            raise _both("kernel_initializer", "init")
        init = keras.pop("kernel_initializer")
    if keras.get("kernel_regularizer") is not None:
        if l2 != 0.0:
            raise _both("kernel_regularizer", "l2")
        l2 = l2_factor(keras.pop("kernel_regularizer"))
    for name in ("use_bias", "kernel_initializer", "kernel_regularizer"):
        keras.pop(name, None)  # None: Keras' "not given" (its config writes null)
    for name, value in KERAS_DEFAULTS.items():
        given = keras.get(name, ...)
        if given is None if value is None else _zeros(given):
            del keras[name]
    if not is_real(l2) or not 0 <= l2 < float("inf"):
        raise ValueError(f"Expected a finite l2 >= 0. Received: l2={quoted(l2)}")
    return bias, init, float(l2)


def resolve_init(init: Any, layer_type: type) -> tuple[Callable[..., np.ndarray], str | None]:
    """The initializer function for ``init`` (a name or a callable) and the custom name a
    config recorded (``"custom:f"``, whose weights come from a file), else None. A Keras
    class or config entry gives its object (``nonlin.initializers_keras``)."""
    made = keras_initializer(INITIALIZERS.get(init, init) if isinstance(init, str) else init)
    if made is not None:
        return made, None
    if isinstance(init, str) and is_custom(init):
        return INITIALIZERS[DEFAULT], init
    if isinstance(init, str):
        if init not in INITIALIZERS:
            raise ValueError(f"Unknown initializer. Expected one of {sorted(INITIALIZERS)}. "
                             f"Received: init={quoted(init)}")
        return INITIALIZERS[init], None
    if not callable(init) or isinstance(init, layer_type):  # a layer is callable too
        raise TypeError(f"Expected a str or callable init. Received: init={quoted(init)}")
    return init, None


def drawn_weights(dense: Any, rng: Any, in_features: int) -> np.ndarray:
    """``dense.init(rng, in_features, units)`` as a new float64 array (one the function
    keeps, or returns again, is not trained in place), checked: finite, of that shape."""
    from ._misuse import allocating
    shape = (in_features, dense.units)
    if type(rng) is DeferredRng:  # a model read from a file: its weights replace these
        return rng.allocated(dense, shape)  # its draw noted, made if the generator is
    from ._init_draws import own_draws  # imports numpy.random
    with allocating(dense, shape, "(in_features, units)"):
        W = np.array(own_draws(dense.init, rng, in_features, dense.units), dtype=float)
    if W.shape != shape or not np.isfinite(W).all():
        what = f"shape {W.shape}" if W.shape != shape else "NaN or inf"
        raise ValueError(f"Expected init to return finite weights of shape (fan_in, fan_out) = "
                         f"{shape}. Received {what} from init={quoted(dense.init)}")
    return W


def _activations() -> dict[str, type]:
    from .registry import ACTIVATIONS

    return ACTIVATIONS


def _canonical(cls: type) -> str:
    """The first registry name of an activation class (``Sigmoid`` -> ``"sigmoid"``)."""
    return next(name for name, kind in _activations().items() if kind is cls)


def _settings(activation: Any) -> dict[str, Any]:
    """An activation layer's config, its name left out (a ``Dense``'s own is recorded)."""
    return {k: v for k, v in activation.get_config().items() if k != "name"}


_DEFAULTS: dict[type, dict[str, Any]] = {}  # by activation class: _settings of cls(), compared


def _default_settings(cls: type) -> dict[str, Any]:
    """``_settings(cls())``, made once per class (every ``Dense.get_config`` compares)."""
    found = _DEFAULTS.get(cls)
    if found is None:
        found = _DEFAULTS[cls] = _settings(cls())
    return found


def resolve_activation(activation: Any) -> tuple[Any, str | dict[str, Any] | None]:
    """The activation layer a ``Dense`` applies (None: none) and its config entry."""
    from .activations import Identity

    table = _activations()
    if activation is None:
        return None, None
    if isinstance(activation, str):
        cls = table.get(activation.lower())
        if cls is None:
            raise ValueError(f"Unknown activation. Expected None or one of: "
                             f"{', '.join(sorted(table))}. "
                             f"Received: activation={quoted(activation)}")
        return (None, None) if cls is Identity else (cls(), activation.lower())
    if isinstance(activation, dict):  # a file's entry of a non-default activation
        from .registry import layer_from_config

        kind = activation.get("class_name")
        if (set(activation) != {"class_name", "config"} or not isinstance(kind, str)
                or kind not in {cls.__name__ for cls in table.values()}):
            raise ValueError(f"Expected an activation of nonlin.registry.ACTIVATIONS "
                             f"({', '.join(sorted({c.__name__ for c in table.values()}))}). "
                             f"Received: activation={quoted(activation, 200)}")
        activation = layer_from_config(activation)
    if type(activation) not in set(table.values()):
        kind = type(activation).__name__
        hint = (f"; a {kind} is a layer of the model's list, after the Dense: "
                f"[Dense(k), {kind}(...)]" if hasattr(activation, "backward") else "")
        raise TypeError("Expected activation= a name (\"relu\", \"softmax\", ...), one of "
                        "nonlin's activation layers (ReLU(), LeakyReLU(alpha=0.2), ...) or None. "
                        f"Received: activation={quoted(activation)}{hint}")
    if type(activation) is Identity:
        return None, None
    config = _settings(activation)
    layer = type(activation)(**config)  # its own buffers: never shared with another layer
    if config == _default_settings(type(activation)):
        return layer, _canonical(type(activation))
    return layer, {"class_name": type(activation).__name__, "config": config}


class ActivationSlot:
    """``Dense.activation`` (Keras' ``layer.activation``): the activation layer applied to
    ``x @ W + b``, or None. Set after construction, it is taken as ``Dense(activation=...)``
    takes it (checked, copied, recorded by the config; built in the layer's width and dtype
    when the layer is built). The hot path reads ``_activation``. ``use_bias``: Keras' name
    for ``bias``, read-only. ``cast_state`` casts the activation with the layer;
    ``get_config`` is the ``Dense``'s (the activation recorded only when set)."""

    _activation: Any = None  # class default: a Dense pickled before it existed
    _activation_config: str | dict[str, Any] | None = None
    units: int  # the Dense's (annotations only: set by Dense.__init__)
    bias: bool
    init: Callable[..., np.ndarray]
    l2: float

    @property
    def activation(self) -> Any:
        """The activation layer the ``Dense`` applies, or None."""
        return self._activation

    @activation.setter
    def activation(self, value: Any) -> None:
        layer, entry = resolve_activation(value)
        if layer is not None and getattr(self, "W", None) is not None:  # built: as build does
            layer.build(self.units, None)
            if getattr(self, "_dtype", None) is not None:
                layer.cast_state(self._dtype)  # type: ignore[attr-defined]
        self._activation, self._activation_config = layer, entry

    @property
    def use_bias(self) -> bool:
        """Keras' name for ``bias`` (whether the layer adds ``b``), read-only: the bias is
        made at construction, ``Dense(units, bias=False)`` (or ``use_bias=False``)."""
        return bool(self.bias)

    @use_bias.setter
    def use_bias(self, value: Any) -> None:
        raise AttributeError(f"Expected use_bias (Keras' name for bias) given at construction, "
                             f"Dense(units, use_bias=...): the bias is made then. Received: "
                             f"use_bias={quoted(value)} set on a Dense")

    def activation_entry(self) -> str | dict[str, Any] | None:
        """The config's ``"activation"``: a name, or a new ``{"class_name", "config"}``; the
        one given, unless a setting of the activation changed since (``dense.activation.alpha
        = 0.9``): then its config now, which it computes with (a file of the given one loaded
        to predict otherwise)."""
        entry, layer = self._activation_config, self._activation
        if layer is not None:
            now = _settings(layer)
            if now != (entry["config"] if isinstance(entry, dict)
                       else _default_settings(type(layer))):
                return {"class_name": type(layer).__name__, "config": now}
        return entry if not isinstance(entry, dict) else copy.deepcopy(entry)

    def cast_state(self, dtype: np.dtype) -> None:
        super().cast_state(dtype)  # type: ignore[misc]  # Layer's
        if self._activation is not None:  # computes in the model's dtype, as a layer would
            self._activation.cast_state(dtype)

    def get_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "units": self.units, "bias": self.bias,
            "init": getattr(self, "_init_name", None) or initializer_name(self.init),
        }
        if self.l2:
            config["l2"] = self.l2
        if self._activation is not None:  # only when set: older files stay byte for byte
            config["activation"] = self.activation_entry()
        return {**config, **name_config(self)}

    def __setstate__(self, state: Any) -> None:
        state, slots = state if isinstance(state, tuple) else (state, None)  # with __slots__
        if "activation" in state:  # pickled while it was a plain attribute (s21's first form)
            state = {**state, "_activation": state["activation"]}
            del state["activation"]
        self.__dict__.update(state)
        for name, value in (slots or {}).items():
            setattr(self, name, value)


def output_layer(layer: Any) -> Any:
    """What gives a model's outputs when ``layer`` is its last: an activated ``Dense``'s
    activation, else ``layer`` itself (``objective.fused_kind``, the output warnings)."""
    if isinstance(layer, _layers.Dense) and layer._activation is not None:  # no property call
        return layer._activation
    return layer


def fused_head(layers: Any) -> list[Any]:
    """The layers before the output activation that a fused path leaves out: all but the
    last, or all, the last (an activated ``Dense``) as its affine map alone."""
    last = layers[-1]
    if output_layer(last) is last:
        return list(layers[:-1])
    return [*layers[:-1], DenseLogits(last)]


class DenseLogits:
    """A ``Dense``'s affine map ``z = x @ W + b`` alone (its activation left to a fused
    output path): ``forward`` and ``backward`` of the ``Dense`` with ``logits=True``."""

    def __init__(self, dense: Any) -> None:
        self.dense = dense

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return self.dense.forward(x, training=training, logits=True)

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        return self.dense.backward(grad_out, logits=True)
