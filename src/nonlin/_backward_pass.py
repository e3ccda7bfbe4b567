"""One ``Sequential.backward`` per training pass: the refusal of a backward with none.

Each layer's ``backward`` differentiates the batch its last *training* forward cached; an
inference pass (``model(x)``, ``model.forward(x)``, ``predict``) caches nothing, so
``model.forward(x, training=True)`` (or ``model(x, training=True)``) marks the model's
pass as waiting for its backward (``MARK``), and ``Sequential.backward`` takes the mark. A
backward without one, after ``fit``, ``train_on_batch`` or an earlier backward of the same
pass, would take its gradient at that earlier batch and at the weights as they were then
(an optimizer step has moved them since), silently: PyTorch's habit ``out = model(xb)``,
inference here, followed by ``backward`` (PyTorch's ``backward`` refuses a second pass
through one graph too). ``fit``'s steps run the layers directly and need no mark.

``backward(input_grad=True)`` (``dL/dx``, which also writes every ``Param.grad``) takes a
waiting mark as well, or follows the backward that took it (``TAKEN``) until the next
inference pass: after a loop's last step, ``out = model(x)`` then ``backward(g,
input_grad=True)`` would be the input gradient of the loop's last batch, not of ``x``.

The pass is forgotten (``drop``) where its caches or its weights are no longer those of
the model: ``fit``, ``train_on_batch`` and the estimators' fits (which also run training
forwards of their own), ``gradcheck`` (whose forwards overwrite the caches), ``build``
(new parameters), ``set_weights``, and a copy or pickle (which holds no caches). A backward
whose weights changed in place since its forward (an optimizer step between them) is refused
too: ``remember`` notes the versions of the weights a training forward runs with,
``check_unchanged`` compares them at the backward (``nonlin._pass_weights``: why, and what
it cannot see).
"""

from __future__ import annotations

from operator import is_not
from typing import Any

MARK = "_backward_pending"  # in the model's __dict__ from a training forward to its backward
TAKEN = "_backward_taken"  # from that backward to the next inference pass: input_grad=True
WEIGHTS = "_pass_weights"  # the weights that pass ran with: a backward checks them unchanged
KEYS = (MARK, TAKEN, WEIGHTS)


def drop(model: Any) -> None:
    """Forget ``model``'s training pass: no backward, nor ``input_grad=True``, may follow."""
    state = model.__dict__
    for key in KEYS:  # and the copy of its weights (nonlin._pass_weights)
        state.pop(key, None)


def stale_backward_error(grad_out: Any, input_grad: bool = False,
                         own_forward: str | None = None) -> RuntimeError:
    """The ``RuntimeError`` of a backward with no training forward waiting for it
    (``own_forward``: the name of a subclass whose ``forward`` overrides ``Sequential``'s)."""
    shape = getattr(grad_out, "shape", None)
    received = f" of grad_out of shape {shape}" if shape is not None else ""
    kind = "backward(input_grad=True)" if input_grad else "backward"
    taken = ("; input_grad=True may follow a backward only until the next inference pass"
             if input_grad else "")
    if own_forward is not None:
        taken += (f"; {own_forward}.forward overrides Sequential.forward: it marks its training "
                  "pass by calling super().forward(x, training=True), or its class overrides "
                  "backward too")
    return RuntimeError(
        "Expected a training forward before each backward: model(x, training=True) or "
        f"model.forward(x, training=True). Received a {kind}{received} with none waiting "
        "(none yet, or its backward ran already; fit, train_on_batch, gradcheck, build and "
        "set_weights leave none): an inference pass (model(x), model.forward(x), predict) "
        "caches nothing, so this gradient would be taken at an earlier batch and the "
        "weights as they were then. Run the training pass before each backward (one "
        "backward per pass; for several losses, add their gradients and call backward "
        f"once){taken}")


def remember(model: Any) -> None:
    """Note the weights a training forward of ``model`` runs with (``Sequential.forward``):
    every parameter of its layers now, frozen or not (a frozen ``Dense``'s backward reads its
    ``W`` too); of each its value (the array itself) and its ``_version``, the steps taken on
    it. Nothing is copied. The layers' parameters are no longer those ``build`` made while the
    list is unedited (a layer built again, ``layer.W = Param(...)``): ``model.parameters()``
    would give the former ones, so this is refused as ``fit`` refuses it."""
    layers = model.layers
    params = [p for layer in layers for p in layer.parameters()]
    if layers is model.__dict__.get("_params_of") and layers._edits == model._params_edits and (
            len(params) != len(model._params) or any(map(is_not, params, model._params))):
        from ._layers_built import check_layers_as_built  # an error's path

        check_layers_as_built(model)  # a layer built again or a Param rebound by hand: as fit
    model.__dict__[WEIGHTS] = (params, [p.value for p in params], versions(params))


def versions(params: list[Any]) -> list[int]:
    """Each parameter's ``_version`` (0 for a ``Param``-like object without one)."""
    return [getattr(p, "_version", 0) for p in params]


def check_unchanged(model: Any) -> None:
    """Refuse ``model``'s backward when a weight of its training forward was stepped since
    (its ``_version`` moved) or rebound (``p.value = ...``): a few identity and integer
    comparisons, nothing per element."""
    kept = model.__dict__.get(WEIGHTS)
    if kept is None:
        return
    params, values, counts = kept
    if any(map(is_not, [p.value for p in params], values)) or versions(params) != counts:
        from ._pass_weights import changed_message  # an error's path: imported there

        raise RuntimeError(changed_message(model, kept))
