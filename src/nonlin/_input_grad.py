"""``dL/dx`` through a chain of layers: ``Sequential.backward(input_grad=True)``.

``nonlin.core`` offers it too (its home before); ``gradcheck``'s ``check_input`` asks for it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ._quoting import quoted
from .core import Layer, LayerProtocol


def backward_to_input(layers: Sequence[LayerProtocol], grad_out: np.ndarray) -> np.ndarray:
    """``dL/dx`` through ``layers`` (``Sequential.backward(input_grad=True)``).

    The first layer, which a ``Sequential`` tells to skip its input gradient,
    computes it for this pass only.
    """
    first = layers[0]
    if isinstance(first, Layer):
        first.input_grad = True
    grad: np.ndarray | None = grad_out
    try:
        for layer in reversed(layers):  # None comes from the first layer only, the last here
            grad = layer.backward(grad)  # type: ignore[arg-type]
    finally:
        if isinstance(first, Layer):
            first.input_grad = False
    if grad is None:  # a protocol layer (no Layer base) is not told input_grad
        raise TypeError(
            f"Expected layers[0].backward to return dL/dx, the input gradient (asked for by "
            f"backward(input_grad=True), gradcheck's check_input). Received None from "
            f"{quoted(first)}: compute it, or call gradcheck with check_input=False")
    return grad
