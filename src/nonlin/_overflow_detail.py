"""Which parameter a refused optimizer update (``Optimizer.step`` with ``check_finite``) is of.

Adam's ``v <- beta_2 v + (1 - beta_2) g^2`` (RMSprop's, Adagrad's and Adadelta's averages or
sums of squares alike) overflows to inf in float32 once a gradient entry passes
``sqrt(max)``, about 1.8e19, while the gradient itself is finite. Keras 3 computes the same
``square(g)`` and keeps the inf: the update ``m / (sqrt(inf) + eps)`` is 0 from then on and
the weight never moves again, silently; PyTorch's ``addcmul_`` takes ``((1 - beta_2) g) g``,
which overflows past ``sqrt(max / (1 - beta_2))`` (5.8e20 with the default 0.999) and then
keeps its inf as well. nonlin keeps its ``g * g`` (its bits: the update rules as the
formulas, in every run that does not overflow), and ``fit`` refuses such a step
(``DivergenceError``); ``describe`` says which parameter, which slot and why, for its message.
Imported lazily, on that error's path only: nothing per step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._finite import all_finite

PARAM = "\0param\0"  # where the caller puts the parameter's name (``fit``: "dense.W")


def _largest(g: np.ndarray) -> float:
    """The largest ``|g|`` (float64, 0 for an empty array)."""
    return float(np.max(np.abs(g), initial=0.0).astype(np.float64))


def describe(optimizer: Any) -> tuple[str, int | None]:
    """``(why, index)`` for the update ``optimizer`` just refused: ``why`` names the cause,
    with ``PARAM`` for the parameter, ``index`` that parameter's position in the list
    ``step`` was given; ``("", None)`` where no single parameter is the cause (an update
    that overflowed a weight, say: the learning rate's)."""
    owners = getattr(optimizer, "_owners", None) or []
    slots = getattr(optimizer, "_param_slots", None) or {}
    cls = type(optimizer).__name__
    squares = tuple(getattr(optimizer, "_squares", ()))
    hidden = tuple(getattr(optimizer, "_hidden_slots", ()))
    for i, p in enumerate(owners):
        g = getattr(p, "grad", None)
        if not isinstance(g, np.ndarray):
            continue
        if not all_finite(g):
            what = "NaN" if np.isnan(g).any() else "inf"
            return f"the gradient of {PARAM} holds {what} (the loss's or the data's)", i
        for name in (*squares, *hidden):
            if name not in slots or i >= len(slots[name]) or all_finite(slots[name][i]):
                continue
            info, big = np.finfo(g.dtype), _largest(g)
            if name not in squares:
                return f"{cls}'s slot {name!r} of {PARAM} overflowed in {g.dtype}", i
            cause = ("whose square passes" if big * big > float(info.max) else
                     "and the accumulated squares pass")
            return (f"{cls}'s {name!r} (its squared gradients) of {PARAM} overflowed to inf "
                    f"in {g.dtype}: a gradient entry of {big:.3g}, {cause} {g.dtype}'s "
                    f"largest, {float(info.max):.3g}, and an inf there would stop the weight "
                    "for good (as in Keras). Clip the gradients (clipnorm=1.0), scale the "
                    "data, or train in float64", i)
    return "", None


def named(error: Any, model: Any, params: list[Any]) -> str:
    """`` (why)`` for ``fit``'s message of a refused update: ``error``'s text with the
    parameter named ``"{layer name}.{Param name}"`` (``gradcheck``'s names); empty where the
    optimizer named no cause."""
    why, index = str(error), getattr(error, "index", None)
    if index is None or PARAM not in why:
        return ""
    from .gradcheck import _array_names

    return f" ({why.replace(PARAM, _array_names(model, params)[index])})"
