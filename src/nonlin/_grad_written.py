"""The check that each layer's ``backward`` writes every gradient it owes, on ``fit``'s first step.

The layer protocol has ``backward`` replace each ``Param.grad`` with ``dL/dtheta``. A layer
of one's own that forgets one (or adds to it, PyTorch's ``+=``) trains on a stale gradient
without a word: the zeros ``Param`` starts with, or every step's sum. Before the first
backward of a fit, ``mark`` fills the trainable parameters' gradients with a NaN of a payload
no arithmetic produces (a NaN computed from numbers has the default payload; one added to
keeps this one's), and ``check`` names the first parameter that still holds it.
A ``backward`` that zeroes with ``grad *= 0`` before adding is refused too: a NaN times 0
keeps its payload, so it looks like ``+=`` onto the mark. A huge finite mark, which ``*= 0``
clears, would let a stale ``+=`` through once scaled or clipped (an infinity times 0 is a
NaN): the message says to start from ``fill(0)`` instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ._quoting import quoted

_MARKS: dict[np.dtype, np.ndarray] = {
    np.dtype(np.float64): np.array(0x7FF8DEADBEEF0BAD, np.uint64),
    np.dtype(np.float32): np.array(0x7FCDBEEF, np.uint32),
}

class UnwrittenGradient(RuntimeError):
    """``check``'s refusal: ``fit`` puts back what the refused step's forward moved (the
    layers' running statistics, the model's generator), as after a ``DivergenceError``."""


Marked = list[tuple[int, Any, int, Any]]  # layer index, layer, index in parameters(), Param


def mark(layers: Sequence[Any], done: dict[int, Any]) -> Marked:
    """Fill the gradient of each trainable parameter of ``layers`` with the mark, but for
    those ``done`` holds (by ``id``: checked by an earlier step, ``written``)."""
    marked: Marked = []
    for i, layer in enumerate(layers):
        parameters = getattr(layer, "parameters", None)  # fit's fused output head has none
        if not getattr(layer, "trainable", True) or not callable(parameters):
            continue
        for j, param in enumerate(parameters()):
            if done.get(id(param)) is param:
                continue
            grad = param.grad
            if isinstance(grad, np.ndarray) and grad.dtype in _MARKS:
                grad.view(_MARKS[grad.dtype].dtype)[...] = _MARKS[grad.dtype]
                marked.append((i, layer, j, param))
    return marked


def check(marked: Marked) -> None:
    """Raise naming the first parameter whose gradient ``backward`` left holding the mark."""
    for i, layer, j, param in marked:
        grad = param.grad
        if not isinstance(grad, np.ndarray) or grad.dtype not in _MARKS:
            continue  # replaced by another object: what fit does with it is checked there
        left = grad.view(_MARKS[grad.dtype].dtype) == _MARKS[grad.dtype]
        if np.any(left):
            _unmark(marked)
            cls = type(layer).__name__
            name = f"Param {quoted(param.name)}" if param.name else f"parameters()[{j}]"
            raise UnwrittenGradient(
                f"Expected layers[{i}] ({cls}).backward to write the gradient of each of its "
                f"parameters into its Param.grad, replacing it (param.grad[...] = dL_dparam or "
                f"np.copyto(param.grad, dL_dparam)). Received {name} of {cls} left unwritten "
                f"(or added to, +=) in {np.count_nonzero(left)} of {left.size} entries: fit "
                "would train it on a stale gradient. Write every entry at each backward, zeros "
                "where the gradient is zero (a masked weight: np.multiply(dW, mask, "
                "out=param.grad)); to add up parts with +=, start from param.grad.fill(0) "
                "(param.grad *= 0 keeps a NaN or an infinity there)")


def _unmark(marked: Marked) -> None:
    """Zero what still holds the mark (the gradients ``Param`` starts with), as the step is
    refused: no marked NaN is left for a later step or check to meet."""
    for _, _, _, param in marked:
        grad = param.grad
        if isinstance(grad, np.ndarray) and grad.dtype in _MARKS:
            grad[grad.view(_MARKS[grad.dtype].dtype) == _MARKS[grad.dtype]] = 0


def written(layers: Sequence[Any], marked: Marked, done: dict[int, Any]) -> dict[int, Any]:
    """``done`` with the parameters ``check`` passed added, kept to those of ``layers``
    (a parameter of a layer popped since is not held on to): the record that spares each
    later ``train_on_batch`` call (a step of its own) the mark, a pass over every weight."""
    done = done | {id(param): param for _, _, _, param in marked}
    kept = {id(param) for layer in layers
            for param in (layer.parameters() if callable(getattr(layer, "parameters", None))
                          else ())}
    return {key: param for key, param in done.items() if key in kept}


def checked_backward(layers: Sequence[Any], grad: np.ndarray,
                     shapes: list[tuple[int, ...]]) -> None:
    """The first step's backward through ``layers``, each one's ``dL/dx`` checked against
    ``shapes``, its input's in that step's forward: a layer of one's own returning another
    shape is a ``ValueError`` naming it, not the next layer's error or a silent broadcast.
    The first layer's is not read (it may return None)."""
    for i in range(len(layers) - 1, -1, -1):
        grad = layers[i].backward(grad)
        if i and np.shape(grad) != shapes[i]:
            what = f"shape {np.shape(grad)}" if isinstance(grad, np.ndarray) else quoted(grad)
            raise ValueError(f"Expected layers[{i}].backward ({type(layers[i]).__name__}) to "
                             f"return dL/dx shaped like its input, {shapes[i]}. Received {what}")


def first_backward(objective: Any, grad: np.ndarray) -> None:
    """``Objective.backward`` on a fit's first step: ``mark`` every trainable ``Param.grad``,
    run the layers' backward with each ``dL/dx``'s shape checked (``checked_backward``),
    then ``check`` that every mark was written over; later steps skip all of it."""
    layers, state = objective.layers, objective.model.__dict__
    marked = mark(layers, state.get("_grads_written", {}))
    checked_backward(layers, grad, objective._shapes)
    objective._unchecked = False
    check(marked)
    if marked:  # written, once per parameter
        state["_grads_written"] = written(layers, marked, state.get("_grads_written", {}))
