"""Keras' ``layer.get_weights()`` and ``layer.set_weights(weights)``, on ``nonlin.Layer``.

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
or changed. A layer that is not built has nothing to set: ``RuntimeError``. Layers of
one's own that follow the protocol without deriving from ``nonlin.Layer`` need neither:
their model's ``get_weights`` and ``set_weights`` cover them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


class LayerWeights:
    """``get_weights`` and ``set_weights`` of one layer (Keras 3's ``Layer`` methods)."""

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the layer's weights, trainable or not: its parameters, then its state
        (``Dense``: ``[W, b]``, W of shape (in, units); ``BatchNorm``: ``[gamma, beta,
        moving_mean, moving_variance]``), as its model's ``get_weights()`` lists them;
        ``[]`` before the layer is built (or for a layer without weights)."""
        from ._weights import layer_layout

        return [value.copy() for _, value, _ in layer_layout(self)]

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
