"""Which parameter a refused optimizer update in ``fit`` is of (``DivergenceError``'s message).

Adam's ``v <- beta_2 v + (1 - beta_2) g^2`` (RMSprop's, Adagrad's and Adadelta's averages or
sums of squares alike: ``Optimizer._squares``) overflows to inf in float32 once a gradient
entry passes ``sqrt(max)``, about 1.8e19, while the gradient itself is finite. Keras 3
computes the same ``square(g)`` and keeps the inf: its RMSprop's and Adagrad's updates
``g / sqrt(inf)`` are 0 from then on, the weight stopped for good, silently; its Adam's (and
AdamW's) ``v += (g^2 - v)(1 - beta_2)`` gives an update of 0, then ``inf - inf``, NaN, at the
next step, and the weight turns NaN; PyTorch's ``addcmul_`` takes
``((1 - beta_2) g) g``, which overflows past ``sqrt(max / (1 - beta_2))`` (5.8e20 with the
default 0.999) and then keeps its inf as well. nonlin keeps its ``g * g`` (its bits: the
update rules as the formulas, in every run that does not overflow), and ``fit`` refuses such a
step (``check_finite``); ``named`` says which parameter and why, read from the gradients the
refused step left (the slots start afresh). Imported lazily, on that error's path only.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _why(optimizer: Any, params: list[Any]) -> tuple[str, int | None]:
    """``(why, index)``: the cause of the refused update, read from the gradients of
    ``params`` (the list ``step`` was given), with ``{param}`` for the parameter at
    ``index``; ``("", None)`` where no single gradient is the cause (an update that
    overflowed a weight, say: the learning rate's)."""
    cls = type(optimizer).__name__
    squares = tuple(name for name in getattr(optimizer, "_squares", ())
                    if name != "u")  # Adamax's u, max(beta_2 u, |g|): a norm, no square
    for i, p in enumerate(params):
        g = getattr(p, "grad", None)
        if not isinstance(g, np.ndarray) or g.dtype.kind != "f" or not g.size:
            continue
        if not np.isfinite(g).all():
            what = "NaN" if np.isnan(g).any() else "inf"
            return f"the gradient of {{param}} holds {what}", i
        big, largest = float(np.max(np.abs(g))), float(np.finfo(g.dtype).max)
        if squares and big > largest ** 0.5:
            return (f"{cls}'s {squares[0]!r} (its squared gradients) of {{param}} overflowed "
                    f"to inf in {g.dtype}: a gradient entry of {big:.3g}, whose square passes "
                    f"{g.dtype}'s largest, {largest:.3g}; an inf there would stop the weight "
                    "for good (PyTorch; Keras' RMSprop and Adagrad) or turn it NaN a step "
                    "later (Keras' Adam). Clip the gradients (clipnorm=1.0), scale the data, "
                    "or train in float64", i)
    return "", None


def named(optimizer: Any, model: Any, params: list[Any] | None) -> str:
    """`` (why)`` for ``fit``'s message of a refused update: the cause with the parameter
    named ``"{layer name}.{Param name}"`` (``gradcheck``'s names); empty where no gradient
    of ``params`` (the model's, as ``fit`` steps them) is the cause."""
    if not params:
        return ""
    why, index = _why(optimizer, params)
    if index is None:
        return ""
    from .gradcheck import _array_names

    return " (" + why.replace("{param}", _array_names(model, params)[index]) + ")"
