"""Keras' weight regularizers, for ``Dense(kernel_regularizer=...)``: ``L2`` alone.

``nonlin.regularizers.L2(l2=0.01)`` is Keras 3's ``keras.regularizers.L2``: the penalty
``l2 * sum(W**2)`` added to the training loss, the very term of ``Dense(l2=...)`` (the
same formula, Keras' convention), so ``Dense(8, kernel_regularizer=L2(0.001))`` is
``Dense(8, l2=0.001)`` and its config records ``"l2": 0.001``. Keras' string ``"l2"``
takes Keras' default factor, 0.01. The L1 and L1L2 regularizers (and their strings
``"l1"``, ``"l1_l2"``) are not built in: they are refused naming them.

Non-goals: regularizers of biases or activity, ``get_config`` round trips of this
object of its own (a model file records the layer's ``l2``; Keras' entry of an ``L2`` is read).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ._quoting import quoted
from .validation import is_real

__all__ = ["L2", "l2", "l2_factor"]

_DEFAULT = 0.01  # Keras' default factor, of L2() and of the string "l2"


class L2:
    """``l2 * sum(W**2)`` on a ``Dense`` layer's weights (Keras' ``regularizers.L2``).

    Parameters
    ----------
    l2 : float, default 0.01
        The factor, finite and >= 0 (Keras' default 0.01).
    """

    def __init__(self, l2: float = _DEFAULT) -> None:
        if not is_real(l2) or not math.isfinite(l2) or l2 < 0:
            raise ValueError(f"Expected a finite l2 >= 0. Received: l2={quoted(l2)}")
        self.l2 = float(l2)

    def __call__(self, W: Any) -> float:
        """The penalty ``l2 * sum(W**2)`` of a weight array ``W`` of any shape."""
        import numpy as np

        w = np.asarray(W, dtype=float).reshape(-1)
        return self.l2 * float(np.dot(w, w))

    def get_config(self) -> dict[str, float]:
        return {"l2": self.l2}

    def __repr__(self) -> str:
        return f"L2(l2={self.l2!r})"


l2 = L2  # Keras' lowercase alias: regularizers.l2(1e-4)

_REFUSED = {"l1": "L1", "l1_l2": "L1L2", "l1l2": "L1L2", "L1": "L1", "L1L2": "L1L2"}


def _from_entry(entry: dict[str, Any]) -> Any:
    """The ``L2`` of Keras' config entry ``{"class_name": "L2", "config": {"l2": x}}``
    (``"module": "keras.regularizers"``, ``"registered_name": None`` as Keras 3 writes it),
    else the class name it gives (refused by ``l2_factor``), else None."""
    keras = {"module": "keras.regularizers", "registered_name": None}
    kind, config = entry.get("class_name"), entry.get("config")
    if (not {"class_name", "config"} <= set(entry) <= {"class_name", "config", *keras}
            or any(entry[key] != keras[key] for key in keras if key in entry)):
        return None
    if kind == "L2" and isinstance(config, dict) and set(config) == {"l2"}:
        try:
            return L2(config["l2"])
        except ValueError as error:
            raise ValueError(f"{error} in kernel_regularizer={quoted(entry)}") from None
    return kind if isinstance(kind, str) else None


def l2_factor(regularizer: Any) -> float:
    """The ``l2`` factor of Keras' ``kernel_regularizer``: ``"l2"`` (0.01), an ``L2`` or
    its config entry (Keras' ``{"class_name": "L2", "config": {"l2": x}}``), or None (0);
    L1 and L1L2, as strings, Keras objects or entries, are refused naming them."""
    if regularizer is None:
        return 0.0
    read = _from_entry(regularizer) if isinstance(regularizer, dict) else regularizer
    if isinstance(read, L2):
        return read.l2
    if isinstance(read, str) and read.lower() == "l2" and read is regularizer:
        return _DEFAULT
    kind = read if isinstance(read, str) else type(read).__name__
    if kind in _REFUSED or (isinstance(kind, str) and kind.lower() in _REFUSED):
        name = _REFUSED.get(kind) or _REFUSED[kind.lower()]
        raise ValueError(
            f"Expected kernel_regularizer='l2', nonlin.regularizers.L2(l2=...) or None: the "
            f"{name} regularizer is not built in (nonlin penalizes l2 * sum(W**2) alone). "
            f"Received: kernel_regularizer={quoted(regularizer)}")
    raise TypeError(
        "Expected kernel_regularizer='l2', nonlin.regularizers.L2(l2=...) or None. "
        f"Received: kernel_regularizer={quoted(regularizer)}")


if not TYPE_CHECKING:  # hidden from type checkers, which would take every name as Any

    def __getattr__(name: str) -> Any:
        """Keras' ``regularizers.L1``, ``L1L2`` (``l1``, ``l1_l2``): Python's error, saying
        they are not built in."""
        if name in _REFUSED:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}: the "
                                 f"{_REFUSED[name]} regularizer is not built in (L2 alone: "
                                 "l2 * sum(W**2))")
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
