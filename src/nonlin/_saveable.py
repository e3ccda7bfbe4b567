"""The check that a model's layers can be saved: each one's class is the one
``registry.LAYERS`` maps its name to, since loading rebuilds layers from that
allowlist alone. ``save`` runs it, and so does ``fit`` for a ``ModelCheckpoint``,
before the first epoch rather than at the first write.
"""

from __future__ import annotations

from typing import Any

from . import registry

__all__ = ["check_registered"]


def check_registered(model: Any) -> list[dict[str, Any]]:
    """The layer entries of ``model.get_config()``; a ``TypeError`` naming the first layer whose
    class ``registry.LAYERS`` does not map its name to (the loader rebuilds from it alone)."""
    items: list[dict[str, Any]] = model.get_config()["layers"]
    for i, (layer, item) in enumerate(zip(model.layers, items, strict=True)):
        if registry.LAYERS.get(item["class_name"]) is not type(layer):
            name = type(layer).__name__
            raise TypeError(
                f"Only layers registered in nonlin.registry.LAYERS can be saved. "
                f"Received: layers[{i}]={type(layer).__module__}.{name}; register a layer "
                f"of your own first (and in the process that loads the file): "
                f"nonlin.registry.LAYERS[{item['class_name']!r}] = {name}")
    return items
