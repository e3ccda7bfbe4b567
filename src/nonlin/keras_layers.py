"""Keras' ``Activation``, ``Input`` and ``InputLayer``, as Keras users write them.

``Activation("relu")`` is the registry's activation layer itself, ``ReLU()``: model files
and summaries name the layer that runs (``re_lu (ReLU)``), and no second spelling of it
exists. ``Input(shape=(4,))`` (or ``InputLayer(shape=(4,))``) first in a ``Sequential``'s
list records the input width, as Keras' ``Sequential([Input(shape=(4,)), Dense(8)])``:
it is no layer of the model (``model.layers`` leaves it out, as Keras'), but
``model.input_shape``, ``summary()`` and ``build()`` know the width. Unlike Keras, the
weights are not drawn then: nonlin draws them from an explicit generator alone, at
``build(seed=0)`` or at the first ``fit(..., seed=0)`` (nonlin reads no global random
state). Rows are samples of ``n`` features, so ``shape`` is ``(n,)``; any other shape is
refused naming it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._quoting import quoted
from .core import Layer

__all__ = ["Activation", "Input", "InputLayer"]


def Activation(activation: str, *, name: str | None = None) -> Layer:  # noqa: N802 (Keras')
    """Keras' ``layers.Activation``: the activation layer of ``nonlin.registry.ACTIVATIONS``
    called ``activation`` (``Activation("relu")`` is ``ReLU()``, ``"linear"`` ``Identity()``).

    Parameters
    ----------
    activation : str
        A registry name: ``"relu"``, ``"softmax"``, ``"sigmoid"``, ``"tanh"``, ...
    name : str, optional
        The layer's name (Keras' ``name=``).

    Returns
    -------
    Layer
        A new layer of that class (its model file records the class: ``"ReLU"``).
    """
    from .registry import ACTIVATIONS

    if not isinstance(activation, str):  # a layer goes in the list itself
        raise TypeError(f"Expected a registry name (\"relu\", ...); an activation layer goes in "
                        f"the model's list itself (LeakyReLU(alpha=0.2), not Activation(...)). "
                        f"Received: activation={quoted(activation)}")
    if activation.lower() not in ACTIVATIONS:
        raise ValueError(f"Unknown activation. Expected one of: {', '.join(sorted(ACTIVATIONS))}. "
                         f"Received: activation={quoted(activation)}")
    layer: Layer = ACTIVATIONS[activation.lower()]()
    if name is not None:
        layer.name = name
    return layer


class InputLayer:
    """Keras' ``InputLayer(shape=(n,))``: the width ``n`` of the samples a ``Sequential``
    takes, given first in its list (see the module docstring); not a layer of the model.

    Parameters
    ----------
    shape : tuple of one int
        ``(n_features,)``, ``n_features`` a positive int (Keras' ``shape``, without the
        batch axis).
    batch_shape : tuple, optional
        Keras' ``(None, n_features)``, the same as ``shape=(n_features,)``.
    name : str, optional
        Taken, as Keras', and unused: the model has no input layer to name.
    **keras
        Keras' other keywords (``dtype``, ``batch_size``, ``sparse``, ...) are refused,
        saying nonlin's way where it has one.
    """

    def __init__(self, shape: Sequence[int] | None = None, *, batch_shape: Any = None,
                 name: str | None = None, **keras: Any) -> None:
        if keras:  # Keras' dtype=, batch_size=, sparse=, ...: Python's error, nonlin's way
            from ._keras_keywords import unexpected_keyword

            raise unexpected_keyword(type(self).__name__, keras)
        if batch_shape is not None:
            if shape is not None:
                raise TypeError("Expected shape= or batch_shape=, not both. Received: "
                                f"shape={quoted(shape)}, batch_shape={quoted(batch_shape)}")
            if not isinstance(batch_shape, tuple | list) or len(batch_shape) != 2:
                raise ValueError(f"Expected batch_shape=(None, n_features). Received: "
                                 f"batch_shape={quoted(batch_shape)}")
            shape = tuple(batch_shape[1:])
        if (not isinstance(shape, tuple | list) or len(shape) != 1
                or isinstance(shape[0], bool) or not isinstance(shape[0], int | np.integer)
                or shape[0] <= 0):
            raise ValueError(
                "Expected shape=(n_features,), one positive int: nonlin's rows are samples of "
                f"n_features values (a 1-D input per sample). Received: shape={quoted(shape)}")
        self.width = int(shape[0])
        self.name = name

    @property
    def shape(self) -> tuple[None, int]:
        """Keras' ``(None, n_features)``."""
        return (None, self.width)

    def __repr__(self) -> str:
        return f"InputLayer(shape=({self.width},))"


def Input(shape: Sequence[int] | None = None, *, batch_shape: Any = None,  # noqa: N802
          name: str | None = None, **keras: Any) -> InputLayer:
    """Keras' ``keras.Input(shape=(n,))``: an ``InputLayer`` for the first place of a
    ``Sequential``'s list (Keras returns a symbolic tensor; nonlin has no functional API).

    Parameters
    ----------
    shape : tuple of one int
        ``(n_features,)``, as ``InputLayer``'s.
    batch_shape : tuple, optional
        Keras' ``(None, n_features)``, the same.
    name : str, optional
        Taken and unused, as ``InputLayer``'s.
    **keras
        Keras' other keywords (``dtype``, ``batch_size``, ``sparse``, ...) are refused,
        saying nonlin's way where it has one.
    """
    if keras:
        from ._keras_keywords import unexpected_keyword

        raise unexpected_keyword("Input", keras)
    return InputLayer(shape, batch_shape=batch_shape, name=name)


def split_input(layers: list[Any]) -> tuple[int | None, list[Any]]:
    """(the width an ``InputLayer`` first in ``layers`` gives, or None; the layers after
    it). An ``InputLayer`` anywhere else is refused naming its place."""
    width = None
    if layers and isinstance(layers[0], InputLayer):
        width, layers = layers[0].width, layers[1:]
    for i, item in enumerate(layers):
        if isinstance(item, InputLayer):
            raise ValueError(f"Expected an Input only first in the list of layers. Received "
                             f"{item!r} at layers[{i + (width is not None)}]")
    return width, layers


def input_width(model: Any, n_features: Any) -> int:
    """``build``'s width: ``n_features``, else the one the model's ``Input`` recorded; the
    two must agree (``ValueError``); neither: ``TypeError``."""
    from .validation import check_n_features

    recorded = model.__dict__.get("_input_width")
    if n_features is None:
        if recorded is None:
            raise TypeError("Expected an int n_features (model.build(n_features, seed)), or an "
                            "Input(shape=(n_features,)) first in the model's layers. Received: "
                            "n_features=None")
        return int(recorded)
    check_n_features(n_features)
    if recorded is not None and int(n_features) != recorded:
        raise ValueError(f"Expected inputs of {recorded} features, the model's "
                         f"Input(shape=({recorded},)). Received: n_features={n_features}")
    return int(n_features)


def keras_input_shape(n_features: Any, input_shape: Any) -> Any:
    """``build(input_shape=...)``'s width: ``n`` of a Keras shape ``(None, n)`` or ``(n,)``
    (a list too), or ``input_shape`` itself (an int, checked by ``input_width``); a
    ``TypeError`` when ``n_features`` is given too, a ``ValueError`` for another shape."""
    if n_features is not None:
        raise TypeError(f"Expected n_features or input_shape (Keras' name), not both. Received: "
                        f"n_features={quoted(n_features)}, input_shape={quoted(input_shape)}")
    if not isinstance(input_shape, tuple | list):
        return input_shape
    shape = tuple(input_shape)
    if len(shape) == 2 and shape[0] is None:
        shape = shape[1:]
    if len(shape) != 1 or shape[0] is None:
        raise ValueError(f"Expected input_shape=(None, n_features) or (n_features,): rows of "
                         f"n_features values. Received: input_shape={quoted(input_shape)}")
    return shape[0]


def input_entry(model: Any) -> dict[str, list[Any]]:
    """``get_config``'s Keras 3 key ``"build_input_shape": [None, n]`` of an unbuilt model
    whose ``Input`` gave its width (a built one records ``n_features_in``), else none."""
    width = model.__dict__.get("_input_width")
    if width is None or model.__dict__.get("n_features_in") is not None:
        return {}
    return {"build_input_shape": [None, int(width)]}


def input_from_config(config: dict[str, Any]) -> list[Any]:
    """The ``Input`` a config's ``"build_input_shape"`` describes (``[None, n]``), as a
    list to put first in the layers, or an empty list."""
    shape = config.get("build_input_shape")
    return [] if shape is None else [InputLayer(batch_shape=shape)]
