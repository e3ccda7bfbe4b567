"""The arrays a model file stores, by tensor name, and their copy back into a model.

``model_arrays(model)`` names every stored array ``"{layer_index}.{name}"``: each layer's
parameters, then its ``get_state()`` (``layer_arrays``); ``nonlin.io`` writes them and
``nonlin._reader`` matches a file's tensors against them, then copies the file's arrays
into the built model (``_restore``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._header import ModelFileError
from ._quoting import clipped
from ._weights import layer_state
from .core import Sequential


# -- the model's arrays ------------------------------------------------------
def layer_arrays(layer: Any) -> dict[str, np.ndarray]:
    """The arrays a file stores for ``layer``: its parameters, then its ``get_state()``.

    ``get_state`` (optional in the layer protocol) returns non-trainable state
    such as ``BatchNorm`` running statistics, restored by ``set_state``.
    """
    arrays = {p.name: p.value for p in layer.parameters()}
    for name, value in layer_state(layer).items():
        if name in arrays:
            raise ValueError(f"Layer {layer!r} has a parameter and a state array named {name!r}")
        arrays[name] = value
    return arrays


def _restore(model: Sequential, arrays: dict[str, np.ndarray], path: str) -> None:
    """Copy the file's arrays into the parameters and ``set_state`` of each layer."""
    layer: Any  # the protocol's methods, and get_state / set_state where it has state
    for i, layer in enumerate(model.layers):
        for param in layer.parameters():
            np.copyto(param.value, arrays[f"{i}.{param.name}"])
        names = list(layer_state(layer))
        if not names:
            continue
        try:
            layer.set_state({name: arrays[f"{i}.{name}"].copy() for name in names})
        except Exception as exc:  # the layer's own checks (e.g. a negative variance)
            raise ModelFileError(path, clipped(str(exc), 300),
                                 f"architecture.layers[{i}]") from None


def model_arrays(model: Sequential) -> dict[str, np.ndarray]:
    """Every stored array of ``model`` by tensor name ``"{layer_index}.{name}"``."""
    return {
        f"{i}.{name}": value
        for i, layer in enumerate(model.layers)
        for name, value in layer_arrays(layer).items()
    }


def check_as_built(model: Sequential) -> None:
    """Refuse to save a parameter that loading would refuse: one whose value was replaced
    by hand (``layer.W.value = torch_weight.T``) with another dtype than the model's
    (float32 in a float64 model) or another shape than ``build`` gave it. Such a model may
    still predict, but the loader builds the architecture in the model's dtype and requires
    exactly its shapes and dtype (``nonlin._reader._match_tensors``). The shape built is
    the gradient's (``Param.grad``, made with the value at build); nothing is allocated.
    """
    for i, layer in enumerate(model.layers):
        for param in layer.parameters():
            value, built = np.asarray(param.value), param.grad
            if value.dtype != model.dtype or value.shape != built.shape:
                raise ValueError(
                    f"Expected tensor '{i}.{param.name}' of shape {built.shape} and dtype "
                    f"{model.dtype.name}, the model's as built. Received shape {value.shape}, "
                    f"dtype {value.dtype.name}: a file of it would not load. Give the layer a "
                    "weight of that shape in the model's dtype, "
                    f"value.astype({model.dtype.name!r})")
