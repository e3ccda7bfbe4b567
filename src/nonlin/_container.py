"""A ``Sequential`` read as a list of its layers (PyTorch's ``nn.Sequential`` habits) and
its weights read as Keras 3 lists them (``weights``, ``trainable_weights``,
``non_trainable_weights``), and Keras' ``input_shape`` and ``output_shape``.

``ContainerMethods`` is a mixin of ``nonlin.sequential.Sequential``: ``len(model)``,
``model[i]`` (``model[-1]`` the top layer) and ``for layer in model`` read
``model.layers``; PyTorch's ``model.zero_grad()``, ``train()``, ``eval()``,
``state_dict()`` and the like raise ``AttributeError`` saying nonlin's way
(``nonlin._torch_habits``). A slice is refused, where PyTorch returns a new ``Sequential`` of the
same modules: nonlin's layers are built, with their weights, by the one model that
holds them, so a second model of the same layer objects could not be built while the
first is in use; ``model.layers[a:b]`` gives them as a list.

The ``*weights`` lists hold the live arrays (not copies, as Keras' variables are the
model's own): writing into one in place (``w[...] = 0``) changes the model, and ``fit``
updates them in place. ``build`` makes new arrays: take the lists again after it. Each
is its layers' lists end to end (``nonlin._layer_weights``, where ``layer.weights`` and
the like are defined); Keras 3's ``variables``, ``trainable_variables`` and
``non_trainable_variables`` name the same lists.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from ._keras_habits import MODEL_HABITS as KERAS_MODEL_HABITS
from ._layer_weights import trainable_weights_of, weights_of
from ._quoting import quoted
from ._torch_habits import MODEL_HABITS, habit_error
from .core import Layer


class ContainerMethods:
    """``__len__``, ``__getitem__``, ``__iter__`` and Keras' ``*weights`` lists.

    ``model.layers``, ``model[i]`` and ``for layer in model`` are typed ``Layer`` (every
    nonlin layer), so that a type checker takes ``model.layers[0].set_weights(w)`` and
    ``model[0].weights``; a layer of one's own that only follows ``LayerProtocol`` is
    held too, without ``Layer``'s Keras methods (its model's cover it)."""

    layers: list[Layer]  # typed as nonlin's layers (see _container.ContainerMethods)
    _name: str | None

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self.layers)
        named = "" if self._name is None else f", name={self._name!r}"
        return f"Sequential([{inner}]{named})"

    def __len__(self) -> int:
        """The number of layers, ``len(model.layers)`` (PyTorch's ``len(nn.Sequential)``)."""
        return len(self.layers)

    def __iter__(self) -> Iterator[Layer]:
        """The layers, bottom to top (PyTorch's iteration over an ``nn.Sequential``)."""
        return iter(self.layers)

    def __getitem__(self, index: int) -> Layer:
        """``model[i]``: the layer at ``i`` (negative from the top, as a list), the layer
        object itself. A slice raises ``TypeError``: see the module docstring."""
        if isinstance(index, slice):
            raise TypeError(
                "Expected an integer layer index. Received a slice: a nonlin layer belongs to "
                "the one model that builds it, so a new Sequential of these layers could not "
                "be built; model.layers[a:b] lists them, and Sequential([...]) of new layers "
                "with set_weights copies them")
        if isinstance(index, bool):
            raise TypeError(f"Expected an integer layer index. Received: {quoted(index)}")
        try:
            i = operator.index(index)
        except TypeError:
            raise TypeError(f"Expected an integer layer index. Received: {quoted(index)}") from None
        if not -len(self.layers) <= i < len(self.layers):
            raise IndexError(f"Expected a layer index in [{-len(self.layers)}, "
                             f"{len(self.layers) - 1}] for a model of {len(self.layers)} layers. "
                             f"Received: {i}")
        return self.layers[i]

    if not TYPE_CHECKING:  # hidden from mypy, which would take every name as an attribute

        def __getattr__(self, name: str) -> Any:
            """Only for a name not found: PyTorch's ``model.zero_grad()``, ``train()``,
            ``eval()``, ``state_dict()``, ..., Keras' ``save_weights`` and ``load_weights``
            raise ``AttributeError`` with nonlin's way."""
            habits = {**MODEL_HABITS, **KERAS_MODEL_HABITS}  # model.zero_grad, save_weights
            raise habit_error(f"{type(self).__name__!r} object", name, habits)

    @property
    def weights(self) -> list[np.ndarray]:
        """Keras' ``model.weights``: every weight, the live arrays, in ``get_weights()``
        order: its layers' ``weights`` end to end (each layer's parameters then its
        state). ``[]`` before ``build``."""
        return self._joined(weights_of)

    @property
    def trainable_weights(self) -> list[np.ndarray]:
        """Keras' ``model.trainable_weights``: the live arrays of ``parameters()``, what
        ``fit`` updates (a frozen layer's are left out): its layers' ``trainable_weights``
        end to end, less any a frozen layer shares (as ``parameters()`` leaves them out).
        ``[]`` before ``build``."""
        frozen = {id(p.value) for layer in self.layers
                  if getattr(layer, "trainable", True) is False for p in layer.parameters()}
        return [w for w in self._joined(trainable_weights_of) if id(w) not in frozen]

    @property
    def non_trainable_weights(self) -> list[np.ndarray]:
        """Keras' ``model.non_trainable_weights``: the live arrays of ``weights`` that
        ``trainable_weights`` leaves out (a frozen layer's parameters, ``BatchNorm``'s
        moving statistics), in ``weights``' order: its layers' ``non_trainable_weights``
        end to end (and a trainable layer's weight that a frozen one shares). ``[]`` before
        ``build``."""
        trained = {id(w) for w in self.trainable_weights}
        return [w for w in self.weights if id(w) not in trained]

    # Keras 3's names for the same lists (its variables add metric and seed state)
    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def _joined(self, of: Callable[[Any], list[np.ndarray]]) -> list[np.ndarray]:
        """The lists ``of`` gives for each layer, end to end; ``[]`` before ``build``."""
        return [w for layer in self.layers for w in of(layer)] if self._is_built() else []

    @property
    def input_shape(self) -> tuple[None, int]:
        """Keras 3's ``model.input_shape``: ``(None, n_features_in)`` once built, or the width
        of its ``Input(shape=(n,))``; else ``AttributeError`` (``__getattr__`` says why), as
        Keras' model without its input."""
        if not self._is_built():
            if self.__dict__.get("_input_width") is not None:
                return (None, self.__dict__["_input_width"])
            raise AttributeError("input_shape")  # __getattr__'s message (the habits') follows
        return (None, int(self.n_features_in))  # type: ignore[attr-defined]

    @property
    def output_shape(self) -> tuple[None, int]:
        """Keras 3's ``model.output_shape``: ``(None, n_outputs)``, the top layer's width, for
        the layers ``build`` built (``AttributeError`` before, or after ``add``/``pop``)."""
        if not self._is_built() or self.__dict__.get("_layers_edited"):
            raise AttributeError("output_shape")
        return (None, int(self.n_outputs))  # type: ignore[attr-defined]

    def _is_built(self) -> bool:
        return getattr(self, "n_features_in", None) is not None

