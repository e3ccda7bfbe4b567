"""The refusal of a backward whose weights were stepped since its training forward.

A layer's ``backward`` differentiates the batch its training forward cached, and reads the
weights as they are when it runs (``Dense``: ``dL/dx = dL/dy W^T``). An optimizer step
between ``model.forward(x, training=True)`` and ``model.backward(g)`` would mix the new
weights with the activations of the old ones: a gradient of neither, silently. PyTorch
refuses the same order ("one of the variables needed for gradient computation has been
modified by an inplace operation") from a version counter that each in-place operation on a
tensor bumps. NumPy arrays have none, so each ``Param`` keeps its own ``_version``, which
every nonlin optimizer's ``step`` bumps (``Optimizer.step``, ``SGD``'s fast path, and so every
subclass that ends in them) as do ``finalize_variable_values`` and ``SwapEMAWeights`` (which
write the average into the weights). ``Sequential.forward`` with ``training=True`` notes the
versions and the value arrays it ran with (``nonlin._backward_pass.remember``) and
``Sequential.backward`` compares them (``check_unchanged`` there, also for ``backward(
input_grad=True)`` after the backward); a value rebound (``p.value = ...``) counts as changed
too. That is a few integer and identity comparisons per pass, nothing per weight, no copy.

What it cannot see: an edit of a weight array in place by hand (``W.value *= 2``,
``p.value -= lr * p.grad``, ``np.copyto(p.value, w)``) or through a view of it
(``model.weights``' arrays), and a ``step`` of one's own optimizer that does not call
``Optimizer.step`` (PyTorch counts every in-place operation on a tensor; a NumPy array has
no hook for it). Bump ``p._version`` there, or run the training forward again after such an
edit. ``set_weights`` forgets the pass instead (its backward is then refused as stale).

This module, imported on the error's path only (``nonlin xor`` runs such a loop: no module
more at its start), says what changed. ``fit`` pays one integer increment per parameter and
step, no call: its steps run the layers directly, not ``Sequential.forward``.
"""

from __future__ import annotations

from typing import Any


def _changed_param(kept: tuple[Any, ...]) -> Any:
    """The first parameter of ``kept`` that was stepped (its version moved) or rebound."""
    params, values, counts = kept
    for p, v, n in zip(params, values, counts, strict=True):
        if p.value is not v or getattr(p, "_version", 0) != n:
            return p
    return params[0]


def changed_message(model: Any, kept: tuple[Any, ...]) -> str:
    from ._param_names import held_as, layer_label

    param = _changed_param(kept)
    where = f"params ({getattr(param, 'name', '')})"
    for layer in model.layers:
        try:
            held = any(p is param for p in layer.parameters())
        except Exception:  # a layer of one's own that cannot list them now: not this error's
            held = False
        if held:
            where = f"{layer_label(model, layer)}.{held_as(layer, param)}"
            break
    return (
        "Expected the weights of the training forward at its backward. Received "
        f"{where} changed in place since model.forward(x, training=True): an optimizer "
        "step (opt.step(model.parameters())) between the forward and its backward, or its "
        "value rebound (p.value = ...). The backward would mix the new weights with the "
        "activations cached at the old ones, the gradient of neither (PyTorch refuses this "
        "too: one of the variables needed for gradient computation has been modified by an "
        "inplace operation). Step after the backward (forward, loss, backward, then "
        "opt.step), or run the training forward again to take the gradient at the new weights")
