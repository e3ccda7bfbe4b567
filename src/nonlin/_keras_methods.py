"""Keras 3's ``Sequential`` methods for a layer stack built one call at a time and trained
one batch at a time: ``add``, ``pop``, ``train_on_batch``, ``test_on_batch``,
``predict_on_batch``.

``KerasMethods`` is a mixin of ``nonlin.sequential.Sequential`` (as ``ModelState``): the
methods check their arguments and delegate, ``train_on_batch`` and ``test_on_batch`` to
``nonlin._on_batch``, which runs ``fit``'s own step and ``evaluate``'s own pass on one
batch. Where nonlin differs from Keras on purpose, the docstrings say so: a built model
whose layers change is refused until ``model.build(n_features, seed)`` draws its weights
again (Keras rebuilds lazily), since nonlin's ``build`` always takes a seed.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ._model_state import _BUILT_BY, _builder
from .core import LayerProtocol


def check_layer(layer: Any, where: str) -> None:
    """Refuse an object that is not a layer (a class instead of an instance: a hint)."""
    if isinstance(layer, type) or not isinstance(layer, LayerProtocol):
        hint = f"; create one: {layer.__name__}()" if isinstance(layer, type) else ""
        raise TypeError("Expected layers with build/forward/backward/parameters/get_config. "
                        f"Received: {where}={layer!r:.100}{hint}")


class KerasMethods:
    """``add``/``pop`` and the ``*_on_batch`` methods of a ``Sequential``."""

    layers: list[LayerProtocol]
    n_features_in: int | None
    _params: list[Any]
    _layers_edited: bool  # set by add/pop on a built model, cleared by build

    def _check_has_layers(self) -> None:
        """``build``'s first check: a model needs a layer (Keras' ``build`` refuses too)."""
        if not self.layers:
            raise ValueError("Expected at least one layer to build: call model.add(layer) "
                             "first. Received: layers=[]")

    def add(self, layer: LayerProtocol) -> None:
        """Keras' ``model.add(layer)``: put ``layer`` on top of the stack (``model.layers``).

        ``Sequential()`` then ``add`` for each layer is ``Sequential([...])``: the same
        config, and the same weights for the same ``build`` seed.

        Parameters
        ----------
        layer : layer instance
            Refused (``TypeError``) if it is not a layer, as by the constructor (Keras
            raises ``ValueError`` there); refused (``ValueError``) if it is in the model
            already: one object at two places would share its weights and its cached
            batch (Keras 3 lets the same instance in again, shared).

        Notes
        -----
        On a built model the layers are then no longer those ``build`` built: ``fit``,
        ``evaluate``, ``predict`` and the ``*_on_batch`` methods refuse to run until
        ``model.build(n_features, seed)`` builds every layer again, drawing all the weights
        anew. Keras instead rebuilds on the next call, keeping the weights of the layers
        already built; nonlin's ``build`` draws every layer from the seed, so it asks
        rather than re-initialize trained layers unseen.
        """
        check_layer(layer, "layer")
        for i, other in enumerate(self.layers):
            if other is layer:
                raise ValueError(f"Expected each layer once in a model. Received: layer="
                                 f"{layer!r:.100}, which is layers[{i}] already; create a new "
                                 "layer for each place")
        self.layers.append(layer)
        self._edited()
        params = layer.parameters()
        if self.n_features_in is not None and params and all(
                any(p is q for q in self._params) for p in params):
            self._mark_layer(layer)  # type: ignore[attr-defined]  # put back: this model's

    def pop(self) -> LayerProtocol:
        """Keras' ``model.pop()``: remove the top layer and return it.

        An empty model raises ``IndexError``, as Keras 3 (``list.pop``'s; ``tf.keras``
        2 raised ``TypeError``). On a built model the model must be built again before it
        runs (see ``add``); the layer returned is no longer this model's, so another model
        may build it.
        """
        if not self.layers:
            raise IndexError("Expected a layer to pop. Received: a model with no layers "
                             "(model.layers=[])")
        layer = self.layers.pop()
        self._edited()
        if _builder(layer) is self:
            with contextlib.suppress(TypeError, KeyError):
                del _BUILT_BY[layer]
        return layer

    def _edited(self) -> None:
        """Flag a built model's layer list as changed: ``predict`` then checks it."""
        if self.n_features_in is not None:
            self._layers_edited = True
