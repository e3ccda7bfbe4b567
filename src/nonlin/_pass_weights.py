"""The refusal of a backward whose weights changed since its training forward.

A layer's ``backward`` differentiates the batch its training forward cached, and reads the
weights as they are when it runs (``Dense``: ``dL/dx = dL/dy W^T``). An optimizer step (or an
edit by hand, ``p.value -= lr * p.grad``) between ``model.forward(x, training=True)`` and
``model.backward(g)`` would mix the new weights with the activations of the old ones: a
gradient of neither, silently. PyTorch refuses the same order ("one of the variables needed
for gradient computation has been modified by an inplace operation"), from a version counter
each in-place operation on a tensor bumps; NumPy arrays have none, so ``Sequential.forward``
with ``training=True`` copies the weights it ran with (``nonlin._backward_pass.remember``:
into buffers kept from the pass before, one copy of the flat buffer when the parameters are
packed) and ``Sequential.backward`` compares them bit for bit (``check_unchanged`` there, also
for ``backward(input_grad=True)`` after the backward); this module, imported on that error's
path only (``nonlin xor`` runs such a loop: no module more at its start), says what changed.
A parameter rebound to another array (``p.value = ...``) counts as changed too.

This costs the hand-written loop one copy of the weights per training forward and one
comparison per backward, and ``fit`` nothing: its steps run the layers directly, not
``Sequential.forward``. A layer driven by hand alone (``layer.forward``, ``layer.backward``)
is not checked: that is ``fit``'s own path. The copies are dropped with the pass
(``nonlin._backward_pass.drop``: ``build``, ``fit``, ``set_weights``, a copy or pickle).
"""

from __future__ import annotations

from typing import Any

from ._backward_pass import same_bits


def _changed_param(kept: tuple[Any, ...]) -> Any:
    """The first parameter of ``kept`` whose value changed (rebound, or its bits)."""
    params, values, arrays, copies = kept
    flat = len(arrays) == 1 and len(params) > 1
    for p, v, i in zip(params, values, range(len(params)), strict=True):
        if p.value is not v:
            return p
        if flat:
            start = (v.__array_interface__["data"][0]
                     - arrays[0].__array_interface__["data"][0]) // v.itemsize
            before = copies[0][start:start + v.size].reshape(v.shape)
        else:
            before = copies[i]
        if not same_bits(v, before):
            return p
    return params[0]


def changed_message(model: Any, kept: tuple[Any, ...]) -> str:
    from ._param_names import held_as, layer_label

    param = _changed_param(kept)
    where = f"params ({getattr(param, 'name', '')})"
    for layer in model.layers:
        if any(p is param for p in layer.parameters()):
            where = f"{layer_label(model, layer)}.{held_as(layer, param)}"
            break
    return (
        "Expected the weights of the training forward at its backward. Received "
        f"{where} changed in place since model.forward(x, training=True): an optimizer "
        "step (opt.step(model.parameters())) or an edit by hand between the forward and "
        "its backward. The backward would mix the new weights with the activations cached "
        "at the old ones, the gradient of neither (PyTorch refuses this too: one of the "
        "variables needed for gradient computation has been modified by an inplace "
        "operation). Step after the backward (forward, loss, backward, then opt.step), or "
        "run the training forward again to take the gradient at the new weights")
