"""Keras 3's weights of one layer, on ``nonlin.Layer``: ``get_weights()``,
``set_weights(weights)``, ``weights``, ``trainable_weights``, ``non_trainable_weights``
(and their Keras 3 aliases ``variables``, ``trainable_variables``,
``non_trainable_variables``) and ``count_params()``.

``LayerWeights`` is a mixin of ``nonlin.core.Layer``. A layer's weights are its part
of its model's ``get_weights()`` (``nonlin._weights.layer_layout``): its parameters
(``Param`` values: ``Dense``'s ``W``, ``b``), then its non-trainable state
(``BatchNorm``'s ``moving_mean``, ``moving_variance``; an adapted ``Normalization``'s
``mean``, ``variance``), frozen or not, so ``model.get_weights()`` is its layers' lists
put end to end, as in Keras 3 (trainable variables, then the others). ``get_weights``
gives copies (``[]`` before build, as Keras'); ``set_weights`` copies the values in,
checked first as ``Sequential.set_weights`` checks them (``_weights.checked``: the
count, each shape, finite real values within the layer's dtype, a variance >= 0), the
messages naming the layer, the weight and both shapes; nothing the user gave is kept
or changed. A layer that is not built has nothing to set: ``RuntimeError``.

The ``*weights`` lists hold the live arrays, not copies, as the model's do
(``nonlin._container``, which puts its layers' lists end to end: ``weights_of`` and
the two below): writing into one in place changes the layer, ``fit`` updates them in
place, and ``build`` makes new ones (so does a ``fit`` after the ``trainable`` flags
changed, which packs the parameters anew: take the lists again after either). A frozen
layer (``trainable = False``) lists its parameters among its non-trainable weights, as
Keras 3 does. nonlin's layers hold no metric or seed-generator state (a ``Dropout``'s
generator is no weight), so the ``*variables`` lists are the ``*weights`` lists. Layers
of one's own that follow the protocol without deriving from ``nonlin.Layer`` need none
of this: their model's methods and lists cover them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def weights_of(layer: Any) -> list[np.ndarray]:
    """Every weight of ``layer`` (any protocol layer), the live arrays, ``get_weights()``'s
    order: its parameters, then its state. ``[]`` before build."""
    from ._weights import layer_layout

    return [value for _, value, _ in layer_layout(layer)]


def trainable_weights_of(layer: Any) -> list[np.ndarray]:
    """The live arrays of ``layer.parameters()``, what ``fit`` updates: ``[]`` for a frozen
    layer (``trainable`` False) or one without parameters."""
    if getattr(layer, "trainable", True) is False:
        return []
    return [p.value for p in layer.parameters()]


def non_trainable_weights_of(layer: Any) -> list[np.ndarray]:
    """The live arrays of ``weights_of(layer)`` that ``trainable_weights_of`` leaves out (the
    state; a frozen layer's parameters too), in ``weights_of``' order."""
    trained = {id(w) for w in trainable_weights_of(layer)}
    return [w for w in weights_of(layer) if id(w) not in trained]


class LayerWeights:
    """Keras 3's ``Layer`` weights: ``get_weights``, ``set_weights``, the ``*weights`` and
    ``*variables`` lists and ``count_params``."""

    @property
    def weights(self) -> list[np.ndarray]:
        """Keras' ``layer.weights``: every weight, the live arrays (not copies), in
        ``get_weights()`` order; ``[]`` before build (or for a layer without weights)."""
        return weights_of(self)

    @property
    def trainable_weights(self) -> list[np.ndarray]:
        """Keras' ``layer.trainable_weights``: the live arrays of ``parameters()``, which
        ``fit`` updates; ``[]`` when the layer is frozen (``trainable = False``)."""
        return trainable_weights_of(self)

    @property
    def non_trainable_weights(self) -> list[np.ndarray]:
        """Keras' ``layer.non_trainable_weights``: the live arrays of ``weights`` that
        ``trainable_weights`` leaves out (``BatchNorm``'s moving statistics, an adapted
        ``Normalization``'s mean and variance; all of a frozen layer's weights)."""
        return non_trainable_weights_of(self)

    # Keras 3's names for the same lists (its variables add metric and seed state)
    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def count_params(self) -> int:
        """The number of values in ``weights``, trainable or not (Keras'); ``ValueError``
        before the layer is built, as Keras 3 raises."""
        entries = weights_of(self)
        if not entries and getattr(self, "in_features", None) is None:
            raise ValueError(
                f"You tried to call count_params on layer {getattr(self, 'name', '')!r} "
                f"({type(self).__name__}), but the layer isn't built. Build the model that "
                "holds it (model.build(n_features, seed) or fit), or the layer itself "
                "(layer.build(in_features, rng))")
        return sum(w.size for w in entries)

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the layer's weights, trainable or not: its parameters, then its state
        (``Dense``: ``[W, b]``, W of shape (in, units); ``BatchNorm``: ``[gamma, beta,
        moving_mean, moving_variance]``), as its model's ``get_weights()`` lists them;
        ``[]`` before the layer is built (or for a layer without weights)."""
        return [value.copy() for value in weights_of(self)]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Overwrite the layer's weights in place from a list in ``get_weights()`` order
        (another layer's ``get_weights()``: transfer learning), converted to the layer's
        dtype. Everything is checked before anything is copied (the count, each shape,
        finite values, a variance >= 0), the ``ValueError`` naming the layer, the weight
        and both shapes: a refused list changes nothing. ``RuntimeError`` before build."""
        from ._backward_pass import drop
        from ._layers_built import holder
        from ._misuse import not_built
        from ._weights import layer_layout, set_layer_weights

        if not layer_layout(self) and getattr(self, "in_features", None) is None:
            raise not_built(self)
        set_layer_weights(self, weights)
        model = holder(self)
        if model is not None:  # a training pass of the former weights: no backward of it
            drop(model)
