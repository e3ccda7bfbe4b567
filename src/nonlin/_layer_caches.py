"""A layer's per-step caches: named once by its class, left out of pickles and copies.

A training forward caches what the layer's backward needs for one batch (its input, its
output, masks, statistics of the batch) and writes into buffers it reuses (``layer_buffer``,
``scratch``). None of it is the model: a class names these attributes once, in two class
attributes that subclasses extend (``nonlin.core.Layer`` reads the union over the classes
of the layer's MRO):

* ``_inputs``: the caches that may hold the layer's input itself, by reference (``Dense``'s
  ``_x``; the first layer's is a batch of the user's ``X``, or ``X`` itself);
* ``_caches``: the other caches and scratch buffers (outputs, masks, gradient buffers);
* ``_draws`` (optional): the caches kept while the layer's ``_frozen`` is True
  (``freeze_mask``: the dropout and noise layers' draws, which a frozen layer reuses).

``Layer.__getstate__`` (pickling, ``copy.copy``, ``copy.deepcopy``) gives each named cache
as None, as a layer that never trained holds it; the next training forward makes its
buffers again, and a ``backward`` before one says to call ``forward`` first. ``release``,
which ``fit``, ``train_on_batch`` and the estimators' fits run when they return, sets the
``_inputs`` of the model's layers to None, so a fitted model keeps no reference to the
user's data; the scratch buffers stay allocated for the next fit. A layer of your own names
its caches the same way (or keeps them, pickled with it: they are its own business).
"""

from __future__ import annotations

import copyreg
from typing import Any
from weakref import WeakKeyDictionary

from ._deferred_rng import made_state

# by class, weakly: a layer class made in a loop or a test is freed with its last layer
_NAMES: WeakKeyDictionary[type, frozenset[str]] = WeakKeyDictionary()
_INPUTS: WeakKeyDictionary[type, tuple[tuple[str, ...], tuple[str, ...]]] = WeakKeyDictionary()


def _names(listed: Any) -> tuple[str, ...]:
    """The names in a class's ``_inputs`` / ``_caches`` / ``_draws``: a str is one name, as in
    ``__slots__`` (``_inputs = "_x"``, or ``("_x")``); anything but names (``_inputs = None``,
    a method: a layer of one's own that uses the attribute otherwise) names none."""
    if isinstance(listed, str):
        return (listed,)
    if isinstance(listed, tuple | list | set | frozenset) and all(
            isinstance(name, str) for name in listed):
        return tuple(listed)
    return ()


def _union(cls: type, attribute: str) -> tuple[str, ...]:
    """The names ``attribute`` lists on ``cls`` and on each class of its MRO, once each."""
    names: dict[str, None] = {}
    for klass in cls.__mro__:
        names.update(dict.fromkeys(_names(vars(klass).get(attribute, ()))))
    return tuple(names)


def cache_names(cls: type) -> frozenset[str]:
    """Every cache the layers of class ``cls`` name (``_inputs`` and ``_caches``)."""
    names = _NAMES.get(cls)
    if names is None:
        names = _NAMES[cls] = frozenset(_union(cls, "_inputs") + _union(cls, "_caches"))
    return names


def input_names(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The caches of class ``cls`` that may hold the layer's input (``_inputs``): those kept
    in the layer's ``__dict__``, and those that are ``__slots__``."""
    names = _INPUTS.get(cls)
    if names is None:
        slots = copyreg._slotnames(cls)  # type: ignore[attr-defined]
        listed = _union(cls, "_inputs")
        names = _INPUTS[cls] = (tuple(name for name in listed if name not in slots),
                                tuple(name for name in listed if name in slots))
    return names


def state_without_caches(layer: Any) -> Any:
    """``layer.__dict__`` with each named cache set to None (a frozen layer's draws kept);
    for a class with ``__slots__``, Python's own ``(dict, slots)`` pair, the set slots too."""
    names = cache_names(type(layer))
    state = made_state(layer, layer.__dict__)  # a loaded model's generator made
    if state.get("_frozen") is True:
        names = names.difference(_union(type(layer), "_draws"))
    slots = copyreg._slotnames(type(layer))  # type: ignore[attr-defined]  # cached on the class
    if names.isdisjoint(state):
        state = dict(state)
    else:
        state = {key: None if key in names else value for key, value in state.items()}
    if not slots:
        return state
    return state, {key: None if key in names else getattr(layer, key)
                   for key in slots if hasattr(layer, key)}


def release(layers: Any) -> None:
    """Set the ``_inputs`` caches of ``layers`` (and of an activation a layer holds) to
    None: after a fit, nothing of the model points at the data it trained on. Two builtin
    calls a layer: ``train_on_batch`` runs it at every call."""
    for layer in layers:
        state = getattr(layer, "__dict__", None)
        if state is None:
            continue
        names = _INPUTS.get(type(layer))
        if names is None:
            names = input_names(type(layer))
        for name in names[0]:
            if name in state:
                state[name] = None
        for name in names[1]:  # __slots__ of a subclass
            if getattr(layer, name, None) is not None:
                setattr(layer, name, None)
        if "_activation" in state and state["_activation"] is not None:
            release((state["_activation"],))
