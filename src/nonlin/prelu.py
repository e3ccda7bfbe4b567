"""``PReLU``: a rectifier whose negative slope is learned, one per feature (He et al., 2015).

The slope is a ``Param`` like ``Dense``'s weights: listed by ``parameters()``, stepped by
the optimizer, saved in model files and checkpoints (tensor ``"{i}.alpha"``), frozen by
``trainable = False``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._layer_inputs import cached
from ._layer_names import name_config, set_name
from ._misuse import allocating, input_error, layer_input
from ._quoting import quoted
from ._random_hints import RandomLike
from .activations import _zeros
from .core import Layer, Param, const, layer_buffer
from .validation import check_bool, is_real

_OTHER_NAMES = {  # Keras' and PyTorch's keywords, and nonlin's way to say the same
    "alpha_initializer": "nonlin's is init=, a float: PReLU(init=0.0) for Keras' 'zeros'",
    "num_parameters": "PReLU(shared=True) is PyTorch's nn.PReLU() (num_parameters=1); the "
                      "default, one slope per feature, is num_parameters=n_features",
    "shared_axes": "PReLU(shared=True) shares one slope across the features "
                   "(shared_axes=[1] for Keras' 2-D inputs)",
}


class PReLU(Layer):
    """Parametric ReLU: ``y = max(x, 0) + alpha * min(x, 0)``, ``alpha`` learned per feature.

    Shapes: ``x``, ``y`` and ``g = dL/dy`` (n_samples, n_features); ``alpha``
    (n_features,), or (1,) with ``shared=True``. Backward::

        dL/dx = g where x > 0, else alpha * g     dL/dalpha_j = sum_i g_ij * min(x_ij, 0)

    (a shared ``alpha`` sums over the features too). The slope at ``x = 0`` is ``alpha``,
    as PyTorch's. This is Keras 3's ``PReLU`` and PyTorch's ``nn.PReLU(num_parameters=
    n_features)``. A batch of another dtype is converted to the layer's, as ``Dense``
    converts it. Note that weight decay (``AdamW``) shrinks ``alpha`` too, as it would in
    PyTorch, whose docs advise against it for this parameter.

    Parameters
    ----------
    init : float, default 0.25
        The slopes' initial value, PyTorch's default (``init=0.25``). Keras' default
        ``alpha_initializer="zeros"`` is ``PReLU(init=0.0)``, a plain ReLU at first.
    shared : bool, default False
        One slope for every feature (PyTorch's default ``nn.PReLU()``, one parameter).
    name : str, optional
        The layer's name, as ``Dense``'s (Keras' ``name=``).
    **other
        Keras' and PyTorch's keywords (``alpha_initializer``, ``num_parameters``,
        ``shared_axes``) are refused with nonlin's way to say the same.
    """

    _inputs = ("_x",)  # nonlin._layer_caches
    _caches = ("_y", "_neg", "_part", "_grad_in")
    _x: np.ndarray  # the input (in the layer's dtype), cached by a training forward

    def __init__(self, init: float = 0.25, *, shared: bool = False, name: str | None = None,
                 **other: Any) -> None:
        if other:
            name = next(iter(other))
            hint = _OTHER_NAMES.get(name)
            raise TypeError(f"PReLU() got an unexpected keyword argument {quoted(name)}"
                            + (f" ({hint})" if hint else ""))
        if not is_real(init) or not math.isfinite(init):
            raise ValueError(f"Expected a finite init. Received: init={quoted(init)}")
        self.init, self.shared = float(init), check_bool("shared", shared)
        set_name(self, name)
        self.alpha: Param = None  # type: ignore[assignment]  # None until build

    def build(self, in_features: int, rng: RandomLike) -> int:
        self.in_features = in_features
        size = 1 if self.shared else in_features
        with allocating(self, (size,), "(in_features,)"):
            self.alpha = Param(np.full(size, self.init), "alpha")
        return in_features

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        try:
            alpha = self.alpha.value
            if x.dtype != alpha.dtype or x.ndim != 2 or x.shape[1] != self.in_features:
                x = layer_input(self, x, alpha.dtype, self.in_features)  # cast, as Dense does
        except AttributeError as error:  # alpha is None before build; x may be no array
            raise (input_error(self, x, built=self.alpha is not None) or error) from None
        y, negative = ((layer_buffer(self, name, x.shape, x.dtype) for name in ("_y", "_neg"))
                       if training else (np.empty_like(x), np.empty_like(x)))
        zeros = _zeros(x.shape, x.dtype)
        # NumPy's max and min return their second argument between equals: -0.0 stays -0.0
        np.minimum(zeros, x, out=negative)
        np.multiply(negative, alpha, out=negative)
        np.maximum(zeros, x, out=y)
        if training:
            self._x = x
        return np.add(y, negative, out=y)

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        x, grad_out = cached(self, "_x", grad_out)  # the training forward's input
        dtype = x.dtype
        part = layer_buffer(self, "_part", x.shape, dtype)
        if self._trainable:  # frozen: alpha's gradient stays zero
            np.minimum(_zeros(x.shape, dtype), x, out=part)
            np.multiply(grad_out, part, out=part)
            grad = self.alpha.grad
            if self.shared:
                grad[...] = np.add.reduce(part, axis=None)
            else:
                np.add.reduce(part, axis=0, out=grad)
        if not self.input_grad:
            return None
        slope = layer_buffer(self, "_grad_in", x.shape, dtype)
        np.greater(x, const(0.0, dtype), out=part)  # 1.0 where x > 0, else 0.0 (NaN too)
        np.subtract(const(1.0, dtype), part, out=slope)
        np.multiply(slope, self.alpha.value, out=slope)
        np.add(slope, part, out=slope)  # alpha + 0 or 0 + 1: exactly alpha or 1
        return np.multiply(grad_out, slope, out=slope)

    def parameters(self) -> list[Param]:
        return [] if self.alpha is None else [self.alpha]

    def get_config(self) -> dict[str, Any]:
        return {"init": self.init, "shared": self.shared, **name_config(self)}
