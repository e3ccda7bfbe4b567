"""The flat ``Param`` that packed parameters tile: what optimizers step in one go.

``flat_parameter`` finds the two buffers ``core.pack_parameters`` made (values and
gradients) behind a list of ``Param``, checking that the list still tiles them, in
order; re-exported by ``nonlin.core``.
"""

from __future__ import annotations

import numpy as np

from .core import Param


def flat_parameter(params: list[Param]) -> Param | None:
    """The ``Param`` spanning the flat buffers that ``params`` tile, in order, or None.

    None unless ``pack_parameters(params)`` made them and none has been rebound
    since (assigning a new array to ``Param.value`` breaks the sharing).
    """
    if len(params) < 2:
        return None
    value, grad = params[0].value.base, params[0].grad.base
    if not (isinstance(value, np.ndarray) and isinstance(grad, np.ndarray)):
        return None  # own data, or an unpickled array's bytes
    if value.ndim != 1 or grad.shape != value.shape:
        return None
    origin = (_address(value), _address(grad))
    offset = 0
    for p in params:
        if p.value.base is not value or p.grad.base is not grad:
            return None
        if (_address(p.value) - origin[0], _address(p.grad) - origin[1]) != (offset, offset):
            return None
        offset += p.value.nbytes
    if offset != value.nbytes:
        return None
    flat = Param.__new__(Param)
    flat.value, flat.grad, flat.name, flat._version = value, grad, "flat", 0
    return flat


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]
