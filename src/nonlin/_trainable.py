"""Frozen layers (Keras' ``layer.trainable = False``) where ``fit`` meets them.

A layer's ``trainable`` flag (``nonlin.core.Layer.trainable``) decides whether
``Sequential.parameters()`` lists its parameters, and so whether ``fit`` steps
them. ``Sequential.build`` packs every parameter into one flat buffer; once the
trainable set is another, ``fit_parameters`` packs that set anew (the frozen
ones keep their old buffer), so that the optimizer still steps one flat array.
A model with nothing frozen is not repacked, unless unpickled or copied (``copy.deepcopy``):
its parameters then own their arrays, which its next ``fit`` packs again, so that its
optimizer steps one flat array as the original's does (the same bits).

An optimizer's slots (Adam's moments, momentum) belong to the parameters they
were made for. When the flags changed between two fits that share one
optimizer, ``check_optimizer`` refuses it before anything changes, as Keras
asks for ``compile`` after a change of ``trainable``; an optimizer without
state (plain ``SGD``) carries on with the new set. What an optimizer holds is read
through its ``_held_state()`` (``_optimizer_state.HeldState``), not its private slots.
"""

from __future__ import annotations

from operator import is_not
from typing import Any

import numpy as np

from ._misuse import check_binding
from ._optimizer_state import HeldState
from .core import Param, pack_parameters


def set_trainable(layer: Any, value: Any) -> None:
    """``Layer.trainable = value``: a bool (or ``np.bool_``); False zeroes the gradients of
    the layer's parameters, so no stale gradient is left for an optimizer to step. A layer
    of one's own whose ``Param``s come from ``build`` has none before it (nor when a file's
    config rebuilds it): nothing to zero."""
    from .validation import check_bool

    owner = f"{type(layer).__name__} {getattr(layer, 'name', '')!r}"
    layer._trainable = check_bool("trainable", value, where=owner)
    if not value:
        try:
            params = layer.parameters()
        except AttributeError:  # not built yet
            return
        for param in params:  # a gradient set to None (PyTorch's habit): zeros
            if param.grad is None:
                param.grad = np.zeros_like(param.value)
            else:
                param.grad.fill(0)


def is_trainable(layer: Any) -> bool:
    """A layer's ``trainable`` flag (True for a protocol layer without one)."""
    return getattr(layer, "trainable", True) is not False


def trainable_parameters(layers: list[Any], params: list[Param]) -> list[Param]:
    """``params`` (the model's, layer by layer) less those of the frozen ``layers``."""
    frozen = {id(p) for layer in layers if not is_trainable(layer) for p in layer.parameters()}
    if not frozen:
        return list(params)
    return [p for p in params if id(p) not in frozen]


def live_parameters(model: Any) -> list[Param]:
    """``model.parameters()`` once ``model.layers`` is no longer the list ``build`` made
    (``pop``, ``add``, ``layers[i] = ...``, ``insert``): each layer's ``parameters()`` now,
    frozen layers left out, as PyTorch's ``model.parameters()`` and Keras'
    ``trainable_weights`` follow the layers held; ``[]`` before ``build``. Where they are
    ``build``'s list all the same (a layer without weights swapped), the fast path is back."""
    if model.n_features_in is None:
        return []
    layers = model.layers
    every = [p for layer in layers for p in layer.parameters()]
    edits = getattr(layers, "_edits", None)  # a LayerList's (nonlin._layer_names)
    if edits is not None and not _differ(every, model._params):
        model._params_of, model._params_edits = layers, edits
    return trainable_parameters(layers, every)


def _differ(a: list[Param], b: list[Param]) -> bool:
    return len(a) != len(b) or any(map(is_not, a, b))


def fit_parameters(model: Any) -> list[Param]:
    """``model.parameters()``, packed into one flat buffer when the trainable set
    differs from the one packed last (``model._packed``; at first, the whole list
    ``build`` packed), or, packed no more, at the first call after the model was
    unpickled or copied (``ModelState.__setstate__``), whose arrays a pickle copies one by one."""
    params, every = model.parameters(), model._params
    packed = model.__dict__.get("_packed")
    mine = {id(p) for p in every}
    if packed is None or not all(id(p) in mine for p in packed):  # none, or a former build's
        packed = every
    copied = model.__dict__.pop("_copied", False)  # unpickled: each parameter its own arrays
    if _differ(params, packed) or (copied and _own_arrays(params)):
        pack_parameters(params)  # nothing for fewer than two: then stepped one by one
        model._packed = params
    return params


def _own_arrays(params: list[Param]) -> bool:
    """Whether ``params`` hold arrays of their own, as a pickle or ``copy.deepcopy`` leaves
    them (views of no array), not views of one flat buffer, which they then tile (packed
    since, by ``nonlin.sklearn``'s engine, say, in an order of its own: left as they are)."""
    return not any(isinstance(p.value.base, np.ndarray) for p in params)


def held_state(optimizer: Any) -> HeldState | None:
    """``optimizer._held_state()``: its slot names, the shapes they were made for and the
    parameters whose steps made them; None without slots or for an optimizer of one's own
    that is no ``Optimizer`` (nothing known about its state: nothing refused)."""
    held = getattr(optimizer, "_held_state", None)
    return held() if callable(held) else None


def made_for_others(model: Any, optimizer: Any) -> bool:
    """Whether ``optimizer``'s slots were made by steps on other parameters than
    ``model.parameters()`` (by identity, as ``check_optimizer`` and the first step compare):
    a flag changed since, a rebuilt or another model's. Slots loaded without a step since
    have no owners to compare; their shapes are all a file can check."""
    held = held_state(optimizer)
    return held is not None and bool(held.owners) and _differ(held.owners, model.parameters())


def check_optimizer(model: Any, optimizer: Any) -> None:
    """Refuse ``optimizer`` when its slots were made for another set of this model's
    parameters (a layer frozen or unfrozen since its last step), naming both counts, or for
    another model's (``check_binding``'s refusal, before ``fit`` changes anything)."""
    held = held_state(optimizer)
    if held is None:
        return  # no state: any parameters may take it
    names, made, owners = held
    params, every = model.parameters(), model._params
    if owners:
        mine = {id(p) for p in every}
        if not all(id(p) in mine for p in owners):  # another model's, or a former build's
            _refuse_now(optimizer, params)
            return
        if not _differ(owners, params):
            return
        before, why = len(owners), "the layers' trainable flags changed since that state was made"
    else:  # slots loaded (load_state_dict, a file's compile record)
        if made == [p.value.shape for p in params]:
            return
        frozen = len(params) < len(every)
        if not frozen and made != [p.value.shape for p in every]:
            _refuse_now(optimizer, params)  # another model's state
            return
        before, why = len(made), (
            f"that state, loaded, was made for shapes {_shapes(made)}, the trainable ones now "
            f"are {_shapes([p.value.shape for p in params])}: the layers' trainable flags, or "
            "the layers (pop, add, build), changed since")
    raise ValueError(
        f"Expected an optimizer for this model's {len(params)} trainable parameters. Received "
        f"{type(optimizer).__name__} holding state (slots {', '.join(names)}) for {before} "
        f"parameters: {why}. Compile "
        "again with a new optimizer, model.compile('adam', loss), or pass one to fit "
        "(optimizer=...), as Keras asks for compile after a change of trainable"
    )


def _shapes(shapes: list[Any]) -> str:
    return ", ".join(str(tuple(shape)) for shape in shapes)


def _refuse_now(optimizer: Any, params: list[Param]) -> None:
    """The first step's refusal of slots made for other parameters (``check_binding``),
    made before ``fit`` changes anything. Parameters none: no step, nothing to refuse."""
    if params:
        check_binding(optimizer, params, [p.value.shape for p in params])
