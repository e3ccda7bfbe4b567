"""The error for a ``Param.grad`` that is no array of its value's shape, named by layer and
parameter: set to None (PyTorch's ``optimizer.zero_grad()`` does so by default,
``set_to_none=True``) or replaced by another array. ``backward`` writes each gradient in
place (``fit`` packs them into one buffer) and an optimizer steps by it, so None is refused
where it is met (a cold branch, an ``except`` around the write that failed), not silently
made anew: a gradient written elsewhere would leave ``fit``'s packed buffer behind.
"""

from __future__ import annotations

from typing import Any

import numpy as np

NONE_HINT = ("; backward writes each Param.grad in place, so zero it (p.grad[...] = 0) "
             "rather than set it to None (PyTorch's zero_grad(set_to_none=True)): nonlin's "
             "backward replaces the values, nothing needs zeroing")


def received_grad(grad: Any) -> str:
    """What a ``Param.grad`` holds, for a message: ``None`` (with ``NONE_HINT``), ``shape
    (7,)`` or the type's name."""
    if grad is None:
        return f"None{NONE_HINT}"
    if isinstance(grad, np.ndarray):
        return f"shape {grad.shape}"
    return type(grad).__name__


def check_layer_grads(layer: Any, where: str = "backward") -> None:
    """Refuse, naming ``layer`` (class and name) and the parameter, a parameter whose
    ``grad`` is no array of its value's shape (``where`` writes into it); none for a frozen
    layer (``trainable`` False), whose gradients ``backward`` leaves alone."""
    if not getattr(layer, "trainable", True):
        return
    for param in layer.parameters():
        grad = param.grad
        if not (isinstance(grad, np.ndarray) and grad.shape == param.value.shape):
            owner = f"{type(layer).__name__} {getattr(layer, 'name', '')!r}"
            raise ValueError(f"Expected {param.name}.grad of {owner} as an array of shape "
                             f"{param.value.shape}, like its value, which {where} writes "
                             f"into. Received {received_grad(grad)}")
