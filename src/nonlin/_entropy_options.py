"""The options of the core cross-entropies beyond ``from_logits`` and ``reduction``.

``BinaryCrossEntropy`` takes Keras 3's ``label_smoothing`` and ``axis`` and PyTorch's
``pos_weight`` (``BCEWithLogitsLoss``); ``CrossEntropy`` takes ``label_smoothing`` and
``axis``, and refuses Keras 3's ``ignore_class``. Their constructors check them here
(``keep``), and keep on the loss only those that are not their defaults (the classes hold
the defaults: a loss without options has the attributes, the pickle, of before); ``get_config``
carries those alone (``entropy_options``), so the configs, model files and checkpoints of
losses without them stay as they were. ``BINARY_SETTINGS`` and ``CATEGORICAL_SETTINGS`` are
their checks of an option set after construction (``_loss_checks.check_settings``); and
``has_options`` tells ``fit``'s fused paths (``nonlin.objective``) and ``nonlin.sklearn``'s
``"log_loss"`` shortcut that the plain math no longer applies.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from ._loss_checks import _as_float, _unit_interval
from ._quoting import quoted
from .validation import is_real

PosWeight = float | tuple[float, ...] | None


def check_axis(axis: Any) -> None:
    """Keras' ``axis``: the outputs' axis of ``y_pred`` (n_samples, n_outputs), ``-1`` or ``1``;
    nonlin's losses reduce no other."""
    if isinstance(axis, bool) or not isinstance(axis, int | np.integer) or axis not in (-1, 1):
        raise ValueError("Expected axis=-1 (or 1): the outputs' axis of y_pred (n_samples, "
                         f"n_outputs), the only one nonlin's losses reduce. Received: "
                         f"axis={quoted(axis)}")


def refuse_ignore_class(ignore_class: Any) -> None:
    """Keras 3's ``ignore_class``, refused unless None (its default): its mean divides by the
    rows kept, batch by batch, where nonlin's divides by every row."""
    if ignore_class is not None:
        raise ValueError(
            f"Expected ignore_class=None: nonlin's cross-entropy has no ignored class. "
            f"Received: ignore_class={quoted(ignore_class)}. Give those rows sample_weight 0, "
            f"e.g. sample_weight=(y != {quoted(ignore_class)}); the mean then divides by every "
            "row where Keras' divides by the rows kept: for Keras' value use reduction='sum' "
            "and divide by their count")


def _weight(value: Any, name: str) -> float:
    if not is_real(value) or not 0 <= value or not _as_float(value) < float("inf"):
        raise ValueError(f"Expected finite numbers >= 0 in pos_weight. Received: "
                         f"{name}={quoted(value)}")
    return _as_float(value)


def check_pos_weight(value: Any) -> PosWeight:
    """PyTorch's ``pos_weight``: None, a finite number >= 0 (a float), or one per output, a
    non-empty list, tuple or 1-D array of them (a tuple of floats); a 0-d array is its number."""
    if value is None:
        return None
    if isinstance(value, list | tuple) or (isinstance(value, np.ndarray) and value.ndim != 0):
        values = list(value) if not isinstance(value, np.ndarray) else list(value.tolist())
        if not values or (isinstance(value, np.ndarray) and value.ndim != 1):
            raise ValueError("Expected pos_weight, a number or one per output (a non-empty "
                             f"list). Received: pos_weight={quoted(value)}")
        return tuple(_weight(v, f"pos_weight[{i}]") for i, v in enumerate(values))
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | np.ndarray):
        raise ValueError("Expected pos_weight, a finite number >= 0 or one per output (a "
                         f"list, tuple or 1-D array). Received: pos_weight={quoted(value)}")
    number = value[()] if isinstance(value, np.ndarray) else value  # 0-d: 3.0 of np.array(3.0)
    if not is_real(number) or not 0 <= number or not _as_float(number) < float("inf"):
        raise ValueError(f"Expected finite numbers >= 0 in pos_weight. Received: "
                         f"pos_weight={quoted(value)}")
    return _as_float(number)


def check_pos_weight_width(pos_weight: PosWeight, n_outputs: int) -> None:
    """Refuse a per-output ``pos_weight`` whose length is not ``n_outputs`` (the width of
    ``y_pred``; ``fit`` and a loaded file: of the model's output)."""
    if isinstance(pos_weight, tuple) and len(pos_weight) != n_outputs:
        raise ValueError(f"Expected one pos_weight per output: {n_outputs} values for the "
                         f"{n_outputs} outputs (y_pred's columns, the model's outputs). "
                         f"Received {len(pos_weight)}: pos_weight={list(pos_weight)}")


def entropy_options(loss: Any) -> dict[str, Any]:
    """The options of ``loss`` that are not their defaults, for its ``get_config``."""
    options: dict[str, Any] = {}
    if loss.label_smoothing:
        options["label_smoothing"] = loss.label_smoothing
    pos_weight = _pos_weight(loss)
    if pos_weight is not None:
        options["pos_weight"] = list(pos_weight) if isinstance(pos_weight, tuple) else pos_weight
    return options


def has_options(loss: Any) -> bool:
    """Whether a ``CrossEntropy`` or ``BinaryCrossEntropy`` has an option set (then ``fit``
    trains it through its own math, not the plain fused one)."""
    return bool(getattr(loss, "label_smoothing", 0.0)) or _pos_weight(loss) is not None


def _pos_weight(loss: Any) -> PosWeight:
    """``loss.pos_weight`` where its class has one (``BinaryCrossEntropy``); None for a class
    without (``CrossEntropy``, whose constructor refuses it), whatever is set on the loss."""
    return getattr(loss, "pos_weight", None) if hasattr(type(loss), "pos_weight") else None


def stored_pos_weight(name: str, value: Any) -> PosWeight:
    """``pos_weight`` as the loss holds it, set after construction: None, a number, or a tuple
    of one per output (the constructor makes one of a list or array)."""
    if not (value is None or isinstance(value, tuple) or is_real(value)):
        raise ValueError(f"Expected {name}, None, a finite number >= 0 or a tuple of them, one "
                         f"per output, on an existing loss (the constructor also takes a list "
                         f"or an array). Received: {name}={quoted(value)}")
    return check_pos_weight(value)


BINARY_SETTINGS = {"label_smoothing": _unit_interval, "pos_weight": stored_pos_weight}
CATEGORICAL_SETTINGS = {"label_smoothing": _unit_interval}


def keep(loss: Any, *, label_smoothing: Any, axis: Any, pos_weight: Any = None,
         ignore_class: Any = None) -> None:
    """Check a cross-entropy's options (``CrossEntropy`` passes no ``pos_weight``,
    ``BinaryCrossEntropy`` no ``ignore_class``) and set on ``loss`` those that are not
    their defaults."""
    smoothing = _unit_interval("label_smoothing", label_smoothing)
    weights = check_pos_weight(pos_weight)
    check_axis(axis)
    refuse_ignore_class(ignore_class)
    if smoothing:
        loss.label_smoothing = smoothing
    if weights is not None:
        loss.pos_weight = weights


class EntropyConfig:
    """The core cross-entropies' ``get_config``: ``from_logits``, the options set (none
    without them: the config of before), ``reduction``."""

    from_logits: bool
    reduction: str

    def get_config(self) -> dict[str, Any]:
        return {"from_logits": self.from_logits, **entropy_options(self),
                "reduction": self.reduction}
