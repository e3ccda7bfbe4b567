"""A model's weights as Keras lists them: every layer's, trainable or not, in turn.

``Sequential.get_weights()`` gives, layer by layer, the layer's parameters (its
``Param`` values: ``W``, ``b``; ``gamma``, ``beta``), then its non-trainable state
(``get_state()``: ``BatchNorm``'s ``moving_mean``, ``moving_variance``). That is
Keras' ``model.get_weights()`` order (a model file names its tensors
``{layer}.{name}`` as here, but stores them in its own order), and a copy
through ``b.set_weights(a.get_weights())`` predicts as ``a`` does. A frozen
layer's weights are there too. ``set_weights`` checks the whole list (count,
shapes, finite values within the dtype, the layers' own state checks) before it
copies anything in. ``parameter_layout`` is the parameters alone,
which ``EarlyStopping`` keeps (with the state beside them). One layer's part,
``layer_layout``, is ``Layer.get_weights``; ``set_layer_weights`` (``Layer.set_weights``)
shares ``checked`` and ``copy_in`` with ``set_weights``, its messages naming the layer.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from functools import partial
from typing import Any, cast

import numpy as np

from ._state_checks import checked_array, set_layer_states

Entry = tuple[str, np.ndarray, bool]  # "{layer index}.{name}", the live array, a parameter?


def layer_state(layer: Any) -> dict[str, np.ndarray]:
    """The arrays of ``layer.get_state()`` themselves, not copied: ``layer._live_state()``
    where the layer has one (nonlin's, whose ``get_state`` returns copies of it), else
    ``layer.get_state()``, or ``{}`` for a layer without one (optional in the protocol).

    A subclass that overrides ``get_state`` but not ``_live_state`` (a ``BatchNorm`` of
    one's own with another entry) is read through its ``get_state``, what it says its
    state is: ``_live_state`` stands for ``get_state`` only in the class that pairs them.
    """
    live = getattr(layer, "_live_state", None)
    if callable(live) and not _own_get_state(layer):
        return cast(dict[str, np.ndarray], live())
    get_state = getattr(layer, "get_state", None)
    return get_state() if callable(get_state) else {}


# by layer class, weakly: its own get_state? Read at every step (StepSnapshot), so keyed by
# id(cls), a plain dict's lookup (a WeakKeyDictionary's get is a Python call and two more);
# each entry goes with its class (_forget, the callback of a weak reference to it, which runs
# before the class's memory, and so its id, can be reused): a layer class made in a loop or a
# notebook cell is freed with its last layer, as _layer_caches' tables let it be
_OVERRIDES: dict[int, bool] = {}
_CLASSES: dict[int, weakref.ref[type]] = {}


def _own_get_state(layer: Any) -> bool:
    """Whether ``layer``'s ``get_state`` comes from below the class that defines its
    ``_live_state`` (or from the instance): then it, not ``_live_state``, is the state."""
    cls = type(layer)
    found = _OVERRIDES.get(id(cls))
    if found is None:
        found = _remember(cls)
    if found:
        return True
    try:  # not getattr(layer, "__dict__", ()): the call that id() takes back
        return "get_state" in layer.__dict__
    except AttributeError:  # __slots__ throughout: no attribute of the instance's own
        return False


def _remember(cls: type) -> bool:
    """``_own_get_state``'s answer for the class ``cls``, found once (its methods' owners,
    nearest first) and kept while ``cls`` lives."""
    owners = [c for c in cls.__mro__ if "get_state" in vars(c) or "_live_state" in vars(c)]
    found = bool(owners) and "_live_state" not in vars(owners[0])
    key = id(cls)
    _CLASSES[key] = weakref.ref(cls, partial(_forget, key))
    _OVERRIDES[key] = found
    return found


def _forget(key: int, _: object) -> None:
    """The class of id ``key`` is being freed (its weak reference's callback)."""
    _OVERRIDES.pop(key, None)
    _CLASSES.pop(key, None)


def layer_layout(layer: Any, prefix: str = "") -> list[Entry]:
    """Every weight of one ``layer`` in ``get_weights`` order (its parameters, then its
    state), named ``{prefix}{name}``: a model's part of ``layout``, and ``Layer.get_weights``."""
    return ([(f"{prefix}{p.name}", p.value, True) for p in layer.parameters()]
            + [(f"{prefix}{name}", value, False) for name, value in layer_state(layer).items()])


def layout(model: Any) -> list[Entry]:
    """Every weight of ``model`` in ``get_weights`` order: its layers' ``layer_layout``."""
    entries: list[Entry] = []
    for i, layer in enumerate(model.layers):
        entries += layer_layout(layer, f"{i}.")
    return entries


def parameter_layout(model: Any) -> list[Entry]:
    """The parameters alone (``model._params``, every layer's, frozen or not)."""
    names = {id(p): f"{i}.{p.name}" for i, layer in enumerate(model.layers)
             for p in layer.parameters()}
    return [(names.get(id(p), p.name), p.value, True) for p in model._params]


def _shown(entries: list[Entry]) -> str:
    shown = [f"{name} {value.shape}" for name, value, _ in entries[:12]]
    return ", ".join(shown) + (f", ... and {len(entries) - 12} more" if len(entries) > 12 else "")


def checked(entries: list[Entry], weights: Any, owner: str = "") -> list[np.ndarray]:
    """``weights`` as arrays of the entries' shapes and dtypes, or the error naming the
    first that does not fit (by its index and name; ``owner``, a layer's own list: the
    layer, ``Dense 'dense'``)."""
    of, whose, order = ((f" of {owner}", "its", "its parameters then its state") if owner
                        else ("", "the layers'", "layer by layer, each layer's parameters "
                              "then its state"))
    if not isinstance(weights, list | tuple):
        raise TypeError(f"Expected a list of arrays (get_weights() order){of}. "
                        f"Received: {type(weights).__name__}")
    if len(weights) != len(entries):
        n_params = sum(is_param for _, _, is_param in entries)
        hint = (f" ({len(weights)} is the number of parameters alone: the list lacks {whose} "
                "state, which follows each layer's parameters)"
                if len(weights) == n_params else "")
        raise ValueError(f"Expected {len(entries)} arrays{of}. Received {len(weights)} arrays"
                         f"{hint}. get_weights() order, {order}: "
                         f"{_shown(entries) or 'none'}")
    arrays = [np.asarray(w) for w in weights]
    return [checked_array(w, target, f"weights[{i}]", label=f"weights[{i}] ({name}{of})",
                          wanted=("finite real numbers", "finite real numbers"))
            for i, ((name, target, _), w) in enumerate(zip(entries, arrays, strict=True))]


def copy_in(entries: list[Entry], arrays: list[np.ndarray],
            set_states: Callable[[dict[str, np.ndarray]], None]) -> None:
    """Copy the checked ``arrays`` into the ``entries``: the state first, through
    ``set_states`` (the layers' own checks, a variance >= 0: all set, or none), then the
    parameters. The part ``set_weights`` and ``Layer.set_weights`` share."""
    state = {name: w for (name, _, is_param), w in zip(entries, arrays, strict=True)
             if not is_param}
    if state:
        set_states(state)
    for (_, target, is_param), w in zip(entries, arrays, strict=True):
        if is_param:
            np.copyto(target, w, casting="unsafe")


def set_weights(model: Any, weights: Any) -> None:
    """Copy ``weights`` (``get_weights`` order) in: all of them, or nothing."""
    entries = layout(model)
    copy_in(entries, checked(entries, weights), lambda state: set_layer_states(
        model.layers, state, model.get_state(), caller="set_weights"))


def set_layer_weights(layer: Any, weights: Any) -> None:
    """Copy ``weights`` (``layer.get_weights()`` order) into one built ``layer``: checked
    as ``set_weights`` checks a model's (the messages name the layer), all or nothing."""
    owner = f"{type(layer).__name__} {getattr(layer, 'name', '')!r}"
    entries = layer_layout(layer, "0.")  # the key of a model of this layer alone
    named = [(name[2:], value, is_param) for name, value, is_param in entries]
    arrays = checked(named, weights, owner)
    copy_in(entries, arrays, lambda state: set_layer_states(
        [layer], state, {name: value.copy() for name, value, is_param in entries
                         if not is_param}, caller="set_weights", owner=owner))
