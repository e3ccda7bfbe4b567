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
(new parameters), ``set_weights``, and a copy or pickle (which holds no caches).
"""

from __future__ import annotations

from typing import Any

MARK = "_backward_pending"  # in the model's __dict__ from a training forward to its backward
TAKEN = "_backward_taken"  # from that backward to the next inference pass: input_grad=True
KEYS = (MARK, TAKEN)


def drop(model: Any) -> None:
    """Forget ``model``'s training pass: no backward, nor ``input_grad=True``, may follow."""
    state = model.__dict__
    state.pop(MARK, None)
    state.pop(TAKEN, None)


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
