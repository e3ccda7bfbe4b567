"""A ``Param`` named for a message by the layer that holds it: ``layers[2] (Dense 'head').W``.

An optimizer steps a plain list of ``Param`` (``opt.step(model.parameters())``) and knows
no model; its errors about one parameter (a gradient of another shape, a value that is no
float: ``_misuse.check_binding``; a slot of a subclass made unlike it:
``_optimizer_checks.check_slots``) said ``params[i]``, which leaves the user counting
(``fit``'s refusal of a non-finite gradient names it by ``_overflow_detail``). The
name is worked out here, only when such an error is raised (nothing on the step): the layer
holding the parameter is looked up among the layers a live model built or holds as a copy
(``nonlin._layers_built``' weak tables), then its place in that model and the attribute
that holds it (``Dense``'s ``W``: Keras' ``kernel``). A parameter no model's layer holds (a
layer built by hand alone, a ``Param`` made by hand, the packed buffer an optimizer steps)
keeps ``params[i]`` and its ``name``.
Imported on an error's path only (not with ``nonlin``).
"""

from __future__ import annotations

from typing import Any

from ._layers_built import _BUILT_BY, _COPIED_INTO


def layer_label(model: Any, layer: Any) -> str:
    """``layers[i] (Dense 'head')``: ``layer`` by its place in ``model`` (none when it is no
    longer there, popped), its class and its name."""
    name = getattr(layer, "name", None)
    owner = f"{type(layer).__name__} {name!r}" if isinstance(name, str) else type(layer).__name__
    places = [i for i, other in enumerate(getattr(model, "layers", ())) if other is layer]
    return f"layers[{places[0]}] ({owner})" if places else f"a layer ({owner})"


def held_as(layer: Any, param: Any) -> str:
    """The attribute of ``layer`` that holds ``param`` (``W``), else the ``Param``'s name."""
    for key, value in getattr(layer, "__dict__", {}).items():
        if value is param:
            return key
    return str(getattr(param, "name", "") or "?")


def _holder(param: Any) -> tuple[Any, Any] | None:
    """(model, layer): a live model's layer whose ``parameters()`` hold ``param``, or None."""
    for table in (_BUILT_BY, _COPIED_INTO):
        for layer, ref in list(table.items()):
            model = ref()
            try:
                held = model is not None and any(p is param for p in layer.parameters())
            except Exception:  # a layer of one's own that cannot list its parameters now
                held = False
            if held:
                return model, layer
    return None


def param_label(params: Any, i: int) -> str:
    """``params[i]``, named: ``layers[2] (Dense 'head').W (params[2])`` where a live model's
    layer holds it, else ``params[2]`` as before."""
    found = _holder(params[i])
    if found is None:
        return f"params[{i}]"
    model, layer = found
    return f"{layer_label(model, layer)}.{held_as(layer, params[i])} (params[{i}])"


def binding_error(params: list[Any], i: int) -> Exception:
    """The error of ``params[i]`` for ``Optimizer.step`` (``check_binding``): a value that is
    no float (``TypeError``), a gradient that is no array of the value's shape. A parameter
    no model holds is named as before session 34: ``params[0] (W)``, ``params[0].grad (W)``."""
    from ._grad_slots import received_grad

    p, label = params[i], param_label(params, i)
    own = label == f"params[{i}]"  # no model's: its index and name
    if p.value.dtype.kind != "f":
        named = f"{label} ({p.name})" if own else label
        return TypeError(f"Expected floating-point parameters. Received {named} of dtype "
                         f"{p.value.dtype}")
    named = f"{label}.grad ({p.name})" if own else f"the grad of {label}"
    return ValueError(f"Expected {named} of shape {p.value.shape}, like its value. "
                      f"Received {received_grad(p.grad)}")
