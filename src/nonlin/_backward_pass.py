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
too: ``remember`` copies the weights a training forward runs with, ``check_unchanged``
compares them at the backward (``nonlin._pass_weights`` says why, and what changed).
"""

from __future__ import annotations

from operator import is_not
from typing import Any

import numpy as np

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


def _arrays(params: list[Any]) -> list[np.ndarray]:
    """The arrays to copy: the one flat buffer ``params`` tile when packed, else each value."""
    base = params[0].value.base if params else None
    if isinstance(base, np.ndarray) and base.ndim == 1:
        size = 0
        for p in params:
            if p.value.base is not base:
                return [p.value for p in params]
            size += p.value.size
        if size == base.size:
            return [base]
    return [p.value for p in params]


def remember(model: Any) -> None:
    """Copy the weights a training forward of ``model`` runs with (``Sequential.forward``):
    every parameter of its layers now, frozen or not (a frozen ``Dense``'s backward reads its
    ``W`` too), ``build``'s list while the layers are those it built."""
    layers = model.layers
    if layers is model.__dict__.get("_params_of") and layers._edits == model._params_edits:
        params = list(model._params)
    else:
        params = [p for layer in model.layers for p in layer.parameters()]
    arrays = _arrays(params)
    kept = model.__dict__.get(WEIGHTS)
    copies = kept[3] if kept is not None else []
    if [(c.shape, c.dtype) for c in copies] != [(a.shape, a.dtype) for a in arrays]:
        copies = [np.empty_like(a) for a in arrays]
    for copy, array in zip(copies, arrays, strict=True):
        np.copyto(copy, array)
    model.__dict__[WEIGHTS] = (params, [p.value for p in params], arrays, copies)


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether ``a`` and ``b`` hold the same bits (NaN as NaN; -0.0 unlike 0.0)."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f" and a.itemsize in (2, 4, 8):
        kind = f"u{a.itemsize}"
        return bool(np.array_equal(a.view(kind), b.view(kind)))
    return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))


def check_unchanged(model: Any) -> None:
    """Refuse ``model``'s backward when a weight of its training forward changed since."""
    kept = model.__dict__.get(WEIGHTS)
    if kept is None:
        return
    params, values, arrays, copies = kept
    changed = any(map(is_not, [p.value for p in params], values))  # a value rebound
    for array, copy in zip(arrays, copies, strict=True):
        changed = changed or not same_bits(array, copy)
    if changed:
        from ._pass_weights import changed_message  # an error's path: imported there

        raise RuntimeError(changed_message(model, kept))
