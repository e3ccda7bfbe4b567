"""The check that a model's layers can be saved: each one's class is the one
``registry.LAYERS`` maps its name to, since loading rebuilds layers from that
allowlist alone, and each one's parameters and state arrays have names of their own,
since a file stores them by name (``"{layer index}.{name}"``). ``save`` runs it, and so
does ``fit`` for a ``ModelCheckpoint``, before the first epoch rather than at the first write.
"""

from __future__ import annotations

from typing import Any

from . import registry

__all__ = ["check_registered"]


def check_registered(model: Any) -> list[dict[str, Any]]:
    """The layer entries of ``model.get_config()``; a ``TypeError`` naming the first layer whose
    class ``registry.LAYERS`` does not map its name to (the loader rebuilds from it alone), or
    a ``ValueError`` naming the first layer with two arrays of one name (``_check_names``)."""
    items: list[dict[str, Any]] = model.get_config()["layers"]
    for i, (layer, item) in enumerate(zip(model.layers, items, strict=True)):
        if registry.LAYERS.get(item["class_name"]) is not type(layer):
            name = type(layer).__name__
            raise TypeError(
                f"Only layers registered in nonlin.registry.LAYERS can be saved. "
                f"Received: layers[{i}]={type(layer).__module__}.{name}; register a layer "
                f"of your own first (and in the process that loads the file): "
                f"nonlin.registry.LAYERS[{item['class_name']!r}] = {name}")
        _check_names(i, layer)
    return items


def _check_names(i: int, layer: Any) -> None:
    """Refuse two parameters (or a parameter and a state array) of one name in ``layer``:
    the file would hold one tensor ``"{i}.{name}"`` and load it into both. A layer of one's
    own whose ``Param(value)`` took the default name ``""`` twice loaded with every such
    parameter holding the last one's values."""
    from ._weights import layer_state  # imports the state checks: only when saving

    seen: set[str] = set()
    for name in [p.name for p in layer.parameters()] + list(layer_state(layer)):
        if name in seen:
            raise ValueError(
                f"Expected each parameter and state array of layers[{i}] "
                f"({type(layer).__name__}) to have a name of its own: a model file stores "
                f"each as '{i}.{{name}}'. Received two named {name!r}; name them, as Dense "
                "does: Param(value, name='W'), Param(value, name='b')")
        seen.add(name)
