"""One ``Sequential.backward`` per training pass: the refusal of a backward with none.

Each layer's ``backward`` differentiates the batch its last *training* forward cached; an
inference pass (``model(x)``, ``model.forward(x)``, ``predict``) caches nothing, so
``model.forward(x, training=True)`` (or ``model(x, training=True)``) marks the model's
pass as waiting for its backward, and ``Sequential.backward`` takes the mark. A backward
without one, after ``fit``, ``train_on_batch`` or an earlier backward of the same pass,
would take its gradient at that earlier batch and at the weights as they were then (an
optimizer step has moved them since), silently: PyTorch's habit ``out = model(xb)``,
inference here, followed by ``backward`` (PyTorch's ``backward`` refuses a second pass
through one graph too). ``fit``'s steps run the layers directly and need no mark.
"""

from __future__ import annotations

from typing import Any

MARK = "_backward_pending"  # in the model's __dict__ from a training forward to its backward


def stale_backward_error(grad_out: Any) -> RuntimeError:
    """The ``RuntimeError`` of a backward with no training forward waiting for it."""
    shape = getattr(grad_out, "shape", None)
    received = f" of grad_out of shape {shape}" if shape is not None else ""
    return RuntimeError(
        "Expected a training forward before each backward: model(x, training=True) or "
        f"model.forward(x, training=True). Received a backward{received} with none waiting "
        "(none yet, or its backward ran already; fit and train_on_batch leave none): an "
        "inference pass (model(x), model.forward(x), predict) caches nothing, so this "
        "gradient would be taken at an earlier batch and the weights as they were then. Run "
        "the training pass before each backward (one backward per pass; for several losses, "
        "add their gradients and call backward once)")
