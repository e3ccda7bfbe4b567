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

