"""Keras 3's moving average of the weights (``use_ema``), kept by ``Optimizer``.

After each step (the weights updated, ``iterations`` not yet counted), Keras 3's
``_update_model_variables_moving_average`` sets, for each trained weight ``w``::

    m = ema_momentum if iterations != 0 else 0
    average <- m * average + (1 - m) * w

in the weight's dtype (``m`` and ``1 - m`` rounded to it, as Keras' ``ops`` do), the
average starting at zeros (so after the first step it is that step's weights). Then,
with ``ema_overwrite_frequency`` N, when ``(iterations + 1) % N == 0`` the weights are
overwritten with the average (``_overwrite_model_variables_with_average_value``).
The average is an optimizer slot named ``"average"``: packed in one flat buffer with the
parameters, in ``state_dict`` (``"average.<i>"``), checkpoints and pickles. A refused
update (``Optimizer.step``) restarts the other slots but keeps the average, made of finite
weights only. One that starts after ``iterations > 0`` (a state without slots loaded)
starts at the weights of that moment rather than at zeros, which Keras' formula would
carry as a bias toward zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._quoting import quoted
from .core import Param
from .validation import check_bool, is_integer, is_real

_FACTORS: dict[tuple[float, np.dtype, bool], tuple[np.ndarray, np.ndarray]] = {}


def ema_options(use_ema: Any, ema_momentum: Any,
                ema_overwrite_frequency: Any) -> tuple[bool, float, int | None]:
    """The three settings, checked: a flag, a momentum in [0, 1] (``check_ema_momentum``),
    and None or an integer >= 0 (``check_ema_frequency``; 0, which Keras takes as "never",
    is None)."""
    use = check_bool("use_ema", use_ema)
    momentum = check_ema_momentum("ema_momentum", ema_momentum)
    return use, momentum, check_ema_frequency("ema_overwrite_frequency",
                                              ema_overwrite_frequency)


def check_ema_momentum(name: str, value: Any) -> float:
    """``value`` in [0, 1] (Keras' range; NaN refused), as a float."""
    if not is_real(value) or not 0 <= value <= 1:
        raise ValueError(f"Expected {name} in [0, 1]. Received: {name}={quoted(value)}")
    return float(value)


def check_ema_frequency(name: str, value: Any) -> int | None:
    """``value`` None or an integer >= 0, as an int, or None for 0 (Keras' "never")."""
    if value is not None and not (is_integer(value) and value >= 0):
        raise ValueError(f"Expected {name}, an integer >= 0 or None (0 or None: never "
                         f"overwrite). Received: {name}={quoted(value)}")
    return None if value is None or value == 0 else int(value)


def check_ema(optimizer: Any) -> None:
    """Before a step with ``use_ema``: ``ema_momentum`` and ``ema_overwrite_frequency``,
    which may have been set after construction, checked as ``ema_options`` checks them
    (a ``ValueError`` naming the value, the weights not yet stepped) and stored as it
    stores them (a float; an int, or None for 0). Cheap when they are already so."""
    momentum, freq = optimizer.ema_momentum, optimizer.ema_overwrite_frequency
    if (type(momentum) is not float or not 0.0 <= momentum <= 1.0
            or (freq is not None and (type(freq) is not int or freq < 1))):
        _, optimizer.ema_momentum, optimizer.ema_overwrite_frequency = ema_options(
            True, momentum, freq)


def ema_config(optimizer: Any) -> dict[str, Any]:
    """The settings that differ from the defaults, for ``get_config`` (none by default: the
    records of optimizers without an average stay as they were)."""
    config: dict[str, Any] = {}
    if optimizer.use_ema:
        config["use_ema"] = True
    if optimizer.ema_momentum != 0.99:
        config["ema_momentum"] = optimizer.ema_momentum
    if optimizer.ema_overwrite_frequency is not None:
        config["ema_overwrite_frequency"] = optimizer.ema_overwrite_frequency
    return config


def fresh_average(iterations: int, params: list[Param],
                  kept: list[np.ndarray] | None = None) -> list[np.ndarray]:
    """The average for new slots of ``params``: ``kept`` (a refused update's, shaped as
    ``params``), else zeros (Keras') before the first step, else the weights."""
    if kept is not None and [a.shape for a in kept] == [p.value.shape for p in params]:
        return kept
    return [np.zeros_like(p.value) if iterations == 0 else p.value.copy() for p in params]


def _factors(momentum: float, dtype: np.dtype, first: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(m, 1 - m)`` as read-only 0-d arrays of ``dtype``, ``1 - m`` subtracted in it."""
    key = (momentum, dtype, first)
    found = _FACTORS.get(key)
    if found is None:
        if len(_FACTORS) >= 64:  # one per momentum (a sweep's): emptied, never grows
            _FACTORS.clear()
        m = np.array(0.0 if first else momentum, dtype=dtype)
        c = np.array(1.0, dtype=dtype)
        np.subtract(c, m, out=c)  # 1 - m in dtype, as Keras' ops: not 1 - momentum rounded
        m.flags.writeable = c.flags.writeable = False
        found = _FACTORS[key] = (m, c)
    return found


def update_average(optimizer: Any, work: list[Param]) -> None:
    """One step's update of the average of ``work`` (the parameters stepped, or their flat
    one), in place, then the overwrite every ``ema_overwrite_frequency`` steps. The
    optimizer's scratch arrays, free once the update is applied, hold ``(1 - m) * w``."""
    try:
        averages, first = optimizer._slots["average"], optimizer.iterations == 0
    except KeyError:  # use_ema set to True on an optimizer whose slots were made without it
        made = ", ".join(optimizer._slots)  # none: SGD's without momentum
        raise ValueError(
            f"Expected use_ema=True given when {type(optimizer).__name__} is made (its slots "
            "are made at the first step). Received use_ema=True set after "
            + (f"its slots {made} were made" if made else "its first step (which made no "
               "slots)") + ": make a new optimizer") from None
    for p, average, tmp in zip(work, averages, optimizer._scratch, strict=True):
        m, c = _factors(optimizer.ema_momentum, average.dtype, first)
        np.multiply(average, m, out=average)
        np.multiply(p.value, c, out=tmp)
        np.add(average, tmp, out=average)
    freq = optimizer.ema_overwrite_frequency
    if freq is not None and (optimizer.iterations + 1) % freq == 0:
        for p, average in zip(work, averages, strict=True):
            np.copyto(p.value, average)


def require_ema(optimizer: Any, what: str) -> None:
    """A ``ValueError`` naming ``what`` unless ``optimizer`` keeps an average (``use_ema``)."""
    if not getattr(optimizer, "use_ema", False):
        received = (f"{type(optimizer).__name__} with use_ema=False" if optimizer is not None
                    else "no optimizer (model.optimizer is None: compile or fit first)")
        raise ValueError(f"Expected an optimizer with use_ema=True for {what}. "
                         f"Received {received}")


def held_average(optimizer: Any, params: list[Param], what: str) -> list[np.ndarray]:
    """The average's arrays for ``params`` (one per parameter; ``[]`` before the first
    step), refused for parameters it was not made for (``what`` names the caller)."""
    require_ema(optimizer, what)
    averages = optimizer._param_slots.get("average") or []
    shapes = [p.value.shape for p in params]
    if averages and [a.shape for a in averages] != shapes:
        raise ValueError(f"Expected parameters of the shapes of the average ({what}): "
                         f"{[a.shape for a in averages]}. Received shapes {shapes}")
    return averages


def overwrite_with_average(optimizer: Any, params: list[Param]) -> None:
    """Copy the average into the weights of ``params`` (nothing before the first step); while
    ``SwapEMAWeights`` holds the average in the model (``_ema_in_model``), it exchanges them
    back first, so the model ends with the average either way (Keras' callback copies it
    back into the optimizer after the last epoch instead, which a checkpoint written after
    it then lacks the weights for, and an early stop misses)."""
    if optimizer.__dict__.get("_ema_in_model"):
        swap_average(optimizer, params, into_model=False)
    averages = held_average(optimizer, params, "finalize_variable_values")
    for p, average in zip(params[: len(averages)], averages, strict=True):
        np.copyto(p.value, average)
        bump(p)


def weights_back(optimizer: Any, params: list[Param]) -> None:
    """Before ``fit`` trains: the weights back into the model where an exchange left the
    average in it (a crash between ``SwapEMAWeights``' two exchanges; a pickle taken then),
    so that training goes on from the weights, as it does between two validations."""
    if optimizer.__dict__.get("_ema_in_model"):
        swap_average(optimizer, params, into_model=False)


def swap_average(optimizer: Any, params: list[Param], *, into_model: bool) -> bool:
    """Exchange the weights of ``params`` and the average, bit for bit, noting on the optimizer
    whether the model now holds the average (``into_model``); False (nothing exchanged)
    before the first step, when there is no average yet."""
    averages = held_average(optimizer, params, "SwapEMAWeights")
    for p, average in zip(params[: len(averages)], averages, strict=True):
        weights = p.value.copy()
        np.copyto(p.value, average)
        np.copyto(average, weights)
        bump(p)
    if averages:
        optimizer._ema_in_model = into_model
    return bool(averages)


def bump(p: Any) -> None:
    """Count a change of ``p``'s weights in place, as ``Optimizer.step`` does: a training
    forward's backward at the former weights is refused (``nonlin._pass_weights``)."""
    if hasattr(p, "_version"):
        p._version += 1
