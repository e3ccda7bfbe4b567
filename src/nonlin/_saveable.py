"""The check that a model's layers can be saved: each one's class is the one
``registry.LAYERS`` maps its name to, since loading rebuilds layers from that
allowlist alone, and each one's parameters and state arrays have names of their own,
since a file stores them by name (``"{layer index}.{name}"``). ``save`` runs it, and so
does ``fit`` for a ``ModelCheckpoint``, before the first epoch rather than at the first write.
"""

from __future__ import annotations

import inspect
import json
import math
from typing import Any, cast
from weakref import WeakKeyDictionary

from . import registry
from ._header import MAX_LAYERS
from ._quoting import quoted
from ._saved_shapes import nonlins

__all__ = ["check_registered"]


def check_registered(model: Any) -> list[dict[str, Any]]:
    """The layer entries of ``model.get_config()``, a layer of one's own's as loading reads it
    back (``_as_loaded``; ``save`` builds such a layer from it); a ``TypeError`` naming the
    first layer whose class ``registry.LAYERS`` does not map its name to (the loader rebuilds
    from it alone), or a ``ValueError`` naming the first layer with two arrays of one name
    (``_check_names``), whose config its class refuses, or that its config would rebuild with
    another constructor argument (``_check_rebuilt``); a ``ValueError`` for more layers than a
    file holds (``MAX_LAYERS``)."""
    if len(model.layers) > MAX_LAYERS:  # loading refuses more
        raise ValueError(f"Expected at most {MAX_LAYERS:,} layers, the limit for a nonlin file. "
                         f"Received a model of {len(model.layers):,}")
    items: list[dict[str, Any]] = model.get_config()["layers"]
    for i, (layer, item) in enumerate(zip(model.layers, items, strict=True)):
        if registry.LAYERS.get(item["class_name"]) is not type(layer):
            raise TypeError(_unregistered(i, layer, item["class_name"]))
        if not nonlins(layer):  # a class of one's own: its
            item = items[i] = _as_loaded(item, i)  # config as the file holds it, to check
        _check_names(i, layer)
        _check_rebuilt(i, layer, item)
    return items


def _unregistered(i: int, layer: Any, key: str) -> str:
    """Why ``save`` refuses ``layers[i]``: its class is not ``registry.LAYERS[key]``, being
    unregistered or, under that name, another class: one defined again (a notebook's cell
    run again after the model was built holds a new class of the old name), or one of
    another module that shares its name (a user's ``Dense``, which registering would put
    in place of nonlin's)."""
    cls, known = type(layer), registry.LAYERS.get(key)
    name = f"{cls.__module__}.{cls.__name__}"
    if known is not None and _same_place(known, cls):
        return (f"Only layers registered in nonlin.registry.LAYERS can be saved, and "
                f"nonlin.registry.LAYERS[{key!r}] is another class {cls.__name__} than the one "
                f"layers[{i}] was made from (Received: layers[{i}]={name}): the class was "
                f"defined again (as by running its notebook cell again) after the layer was "
                f"made. Make the model again from the class registered, or register the "
                f"layer's own: nonlin.registry.LAYERS[{key!r}] = type(model.layers[{i}])")
    if known is not None:  # a name clash: registering this one would unseat the other
        return (f"Only layers registered in nonlin.registry.LAYERS can be saved, and "
                f"nonlin.registry.LAYERS[{key!r}] is {known.__module__}.{known.__qualname__}, "
                f"another class of the name that a file records layers[{i}] by. Received: "
                f"layers[{i}]={name}; give your class a name of its own and register it "
                f"under that name (and in the process that loads the file)")
    return (f"Only layers registered in nonlin.registry.LAYERS can be saved. "
            f"Received: layers[{i}]={name}; register a layer "
            f"of your own first (and in the process that loads the file): "
            f"nonlin.registry.LAYERS[{key!r}] = {cls.__name__}")


def _same_place(known: type, cls: type) -> bool:
    """Whether ``cls`` was made by the code that made ``known`` (its module and qualified
    name): defined again, not another class of the same name (a user's ``Dense``)."""
    return (known.__module__, known.__qualname__) == (cls.__module__, cls.__qualname__)


def _as_loaded(item: dict[str, Any], i: int) -> dict[str, Any]:
    """``item`` as loading reads it back from the file's JSON: a tuple comes back a list, a
    NumPy number or array a Python number or list (``ValueError`` for what JSON cannot hold,
    as writing it would raise)."""
    from ._metadata import to_json_text

    return cast(dict[str, Any], json.loads(to_json_text(item, f"architecture.layers[{i}]")))


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


_PLAIN = (bool, int, float, str, type(None))
_UNREAD = object()  # an attribute that could not be read: not compared


def _same(a: Any, b: Any) -> bool:
    """Whether two plain values (numbers, text, None, lists or tuples of them) are equal;
    numbers by value (``2`` and ``2.0``, a float and a NumPy float), a NaN equals a NaN, a
    bool only a bool. Anything else counts as equal: it is not compared."""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(map(_same, a, b))
    if not (isinstance(a, _PLAIN) and isinstance(b, _PLAIN)):
        return True
    nan = isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b)
    numbers = isinstance(a, int | float) and isinstance(b, int | float)
    kinds = (isinstance(a, bool) is isinstance(b, bool)) if numbers else type(a) is type(b)
    return nan or (kinds and a == b)


def _attribute(layer: Any, name: str) -> Any:
    """``layer.name``, ``None`` where missing, ``_UNREAD`` where reading it raised (a
    property that needs ``build``, on the unbuilt layer the config rebuilds)."""
    try:
        return getattr(layer, name, None)
    except Exception:
        return _UNREAD


# by class (a layer's, an optimizer's or a schedule's): its __init__'s named arguments; weakly,
# as _layer_caches' tables, so a class made in a loop or a notebook cell is freed after use
_ARGUMENTS: WeakKeyDictionary[type, tuple[str, ...]] = WeakKeyDictionary()


def _arguments(cls: type) -> tuple[str, ...]:
    """The arguments ``cls.__init__`` takes by name, ``self``, ``name``, ``*args`` and
    ``**kwargs`` left out; read once per class (``inspect.signature`` costs ~100 calls)."""
    names = _ARGUMENTS.get(cls)
    if names is None:
        parameters = inspect.signature(cls.__init__).parameters.values()  # type: ignore[misc]
        names = _ARGUMENTS[cls] = tuple(
            p.name for p in parameters if p.name not in ("self", "name")
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))
    return names


def _check_rebuilt(i: int, layer: Any, item: dict[str, Any]) -> None:
    """Refuse a layer that its config would rebuild with another constructor argument, as
    loading rebuilds it (``cls(**config)``): each ``__init__`` parameter the config leaves
    out and the layer keeps as an attribute of that name, holding a plain value, must come
    back the same (the default). A layer of one's own with ``__init__(self, k=2.0)`` and no
    ``get_config`` (``Layer``'s records no argument) saved ``k=3.0`` and loaded with
    ``k=2.0``, predicting differently. An argument the config holds is the layer's to give:
    ``units=None`` that ``build`` resolves, or ``seed=None`` where ``__init__`` draws one,
    rebuild as they were made."""
    try:
        rebuilt = registry.layer_from_config(item)
    except ValueError as exc:  # the class refuses its own config
        raise ValueError(f"layers[{i}] cannot be saved: {exc}") from None
    for name in _arguments(type(layer)):
        if name in item["config"]:
            continue
        given, back = _attribute(layer, name), _attribute(rebuilt, name)
        if given is not _UNREAD and back is not _UNREAD and not _same(given, back):
            cls = type(layer).__name__
            raise ValueError(
                f"Expected layers[{i}] ({cls}) to come back from its get_config() as loading "
                f"rebuilds it, {cls}(**config). Received config {quoted(item['config'], 200)}, "
                f"which rebuilds it with {name}={quoted(back)}, not {quoted(given)}: return "
                f"every constructor argument from get_config, def get_config(self): return "
                f"{{{name!r}: self.{name}, ..., **super().get_config()}}")
