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


def _written_into(grad: Any, value: np.ndarray, exact: bool) -> bool:
    """Whether ``backward`` can write into ``grad``: an array of ``value``'s shape; ``exact``
    (the weights, ``np.dot``'s ``out=``), writable and of its dtype too (its order left to
    ``np.dot``'s refusal: ``matmul`` takes a large one of any order)."""
    return (isinstance(grad, np.ndarray) and grad.shape == value.shape and (
        not exact or (grad.dtype == value.dtype and grad.flags.writeable)))


def _received(grad: Any) -> str:
    """``received_grad``, with an array's dtype, and read-only when it is."""
    if not isinstance(grad, np.ndarray):
        return received_grad(grad)
    return f"shape {grad.shape}, dtype {grad.dtype}{'' if grad.flags.writeable else ', read-only'}"


def check_layer_grads(layer: Any, where: str = "backward") -> None:
    """Refuse, naming ``layer`` (class and name) and the parameter, a parameter whose
    ``grad`` is no array ``where`` can write into (of its value's shape; the weights' ``W``,
    which ``np.dot`` writes, also writable and of its dtype: ``p.grad = np.zeros(p.value.shape)``
    is float64 in a float32 model); none for
    a frozen layer (``trainable`` False), whose gradients ``backward`` leaves alone."""
    if not getattr(layer, "trainable", True):
        return
    weights = getattr(layer, "W", None)
    for param in layer.parameters():
        grad, value = param.grad, param.value
        if not _written_into(grad, value, param is weights):
            owner = f"{type(layer).__name__} {getattr(layer, 'name', '')!r}"
            raise ValueError(f"Expected {param.name}.grad of {owner} as an array of shape "
                             f"{value.shape} and dtype {value.dtype}, like its value (writable), "
                             f"which {where} writes into. Received "
                             f"{_received(grad)}")
