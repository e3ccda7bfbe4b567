"""The checks of an optimizer's settings: ``lr``, a number in a range, a positive number
(the checks that ``_settings`` names: ``_optimizer_settings``); and the two cold branches of
``Optimizer.step`` (an empty list, a refused update), kept here so that ``step`` reads as its
update rule.

``nonlin.optimizers`` re-exports them under the same names (its subclasses import them
from there).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._misuse import params_error
from ._optimizer_contract import slots_name, updates_name
from ._quoting import quoted
from .core import Layer, Param
from .exceptions import NonFiniteUpdate
from .validation import is_real


def _check_lr(lr: Any) -> Any:
    if hasattr(lr, "get_config") and callable(lr) and not isinstance(lr, Layer):
        return lr  # a schedule (a layer is callable too, and has a config)
    if not is_real(lr) or not 0 <= lr < float("inf"):  # 0: no step (Keras, PyTorch take it)
        if isinstance(lr, list | tuple) and lr and all(isinstance(p, Param) for p in lr):
            raise TypeError("Expected a learning rate first, not the parameters: a nonlin "
                            "optimizer takes them at each step, opt.step(model.parameters()) "
                            "(PyTorch's take them at construction)")
        schedule = ("" if not callable(lr) or isinstance(lr, Layer) else
                    ", or a schedule: a subclass of nonlin.schedules.Schedule (its __call__(step) "
                    "and the get_config a file records; a plain function has none)")
        raise ValueError(f"Expected a finite learning rate >= 0{schedule}. "
                         f"Received: lr={quoted(lr)}")
    return float(lr)


def _check_range(name: str, value: Any, low: float, high: float, *, closed: bool = False) -> float:
    ok = is_real(value)
    ok = ok and (low <= value <= high if closed else low <= value < high)
    if not ok:
        bracket = "]" if closed else ")"
        raise ValueError(f"Expected {name} in [{low}, {high}{bracket}. "
                         f"Received: {name}={quoted(value)}")
    return float(value)


def _check_positive(name: str, value: Any) -> float:
    if not is_real(value) or not 0 < value < math.inf:
        raise ValueError(f"Expected a positive, finite number. Received: {name}={quoted(value)}")
    return float(value)


def unit_interval(name: str, value: Any) -> float:
    """``value`` in [0, 1) (a momentum, a decay rate), as a float."""
    return _check_range(name, value, 0.0, 1.0)


def non_negative(name: str, value: Any) -> float:
    """``value`` in [0, inf) (a weight decay, an initial accumulator value), as a float."""
    return _check_range(name, value, 0.0, math.inf)


def schedule_rate(schedule: Any, step: int, raw: Any) -> float:
    """``raw``, what ``schedule(step)`` gave other than a float, as a float: a schedule of
    one's own that returns no real number (an array of one value, a str, None, a bool) is a
    ``TypeError`` naming it and the step, not NumPy's conversion error nor a str read as a
    rate; a 0-d array (``np.where``'s) is read."""
    value = raw[()] if isinstance(raw, np.ndarray) and raw.ndim == 0 else raw
    if not is_real(value):
        raise TypeError(f"Expected a number (the learning rate) from the schedule {schedule!r}. "
                        f"Received {quoted(raw, 200)} at step {step}")
    return float(value)


def check_slots(optimizer: Any, params: list[Param]) -> None:
    """Refuse slots that ``build_slots`` (``_init_slots``) made unlike ``params`` (a subclass
    of one's own): each slot one array per parameter, of its shape and dtype, else a
    ``ValueError`` naming the optimizer, the slot and the parameter, before a step
    broadcasts into the weights. Slots other than those ``slot_names`` lists (one more is
    not in ``state_dict``, one fewer makes it fail) are a ``UserWarning`` (``_unlisted``)."""
    slots = optimizer._slots
    try:
        items = slots.items()
    except AttributeError:  # build_slots returned None (no return), or no dict
        raise TypeError(f"Expected {_made(optimizer)} to make a dict of slots, one list of "
                        f"arrays per slot name. Received {quoted(slots)}") from None
    if set(slots) != set(optimizer._slot_names):  # trains (as before session 25), but
        _unlisted(optimizer, tuple(slots))  # a checkpoint would not resume it: warned
    for name, arrays in items:
        if not isinstance(arrays, list) or len(arrays) != len(params):
            raise ValueError(f"Expected {_made(optimizer)} to make slot "
                             f"{name!r} a list of {len(params)} arrays, one per parameter. "
                             f"Received {quoted(arrays)}")
        for i, (array, p) in enumerate(zip(arrays, params, strict=True)):
            if np.shape(array) != p.value.shape or getattr(array, "dtype", None) != p.value.dtype:
                from ._param_names import param_label  # an error's path: named by its layer

                raise ValueError(
                    f"Expected {_made(optimizer)} to make slot {name!r} "
                    f"like its parameter, an array of shape {p.value.shape} and dtype "
                    f"{p.value.dtype} for {param_label(params, i)}. Received {_described(array)}")


def _unlisted(optimizer: Any, made: tuple[str, ...]) -> None:
    """Warn that the slots ``made`` are not those ``slot_names`` lists: ``state_dict`` saves
    those, so a checkpoint (``ModelCheckpoint``, ``BackupAndRestore``) would not resume."""
    import warnings

    from ._stacklevel import user_stacklevel

    names = tuple(optimizer._slot_names)
    warnings.warn(f"Expected {_made(optimizer)} to make the slots slot_names lists, "
                  f"{quoted(names)}, which state_dict saves (a checkpoint would not resume "
                  f"the others). Received {quoted(made)}: list each in slot_names",
                  UserWarning, stacklevel=user_stacklevel())


def check_deltas(optimizer: Any, params: list[Param], deltas: list[Any]) -> None:
    """Refuse what ``compute_updates`` (``_deltas``) returned (a subclass of one's own)
    unless it is one update per parameter of its shape: ``w + d`` would broadcast or drop
    one silently."""
    if not isinstance(deltas, list | tuple):  # a generator: no len(), and fit's finite check
        raise TypeError(f"Expected {_rule(optimizer)} to return a list of "
                        f"updates, one per parameter. Received {quoted(deltas)}")  # used it up
    if len(deltas) == len(params) and all(
            np.shape(d) == p.value.shape for d, p in zip(deltas, params, strict=True)):
        return
    shapes = [p.value.shape for p in params]
    raise ValueError(f"Expected {_rule(optimizer)} to return one update per "
                     f"parameter, of its shape: {quoted(shapes)}. Received "
                     f"{'; '.join(map(_described, deltas)) or 'none'}")


def _rule(optimizer: Any) -> str:
    """The update rule of ``optimizer``, for a message (``Adam._deltas``)."""
    return f"{type(optimizer).__name__}.{updates_name(optimizer)}"


def _made(optimizer: Any) -> str:
    """What made the slots of ``optimizer``, for a message (``Adagrad.build_slots``)."""
    return f"{type(optimizer).__name__}.{slots_name(optimizer)}"


def _described(value: Any) -> str:
    """An array as its shape and dtype, anything else as its ``repr``."""
    if isinstance(value, np.ndarray):
        return f"shape {value.shape}, dtype {value.dtype}"
    return quoted(value)


def nothing_to_step(optimizer: Any, params: Any) -> None:
    """``Optimizer.step`` on an empty ``params``: a model without trainable weights counts a
    step (Keras fits it); None, 0 or "" (no list of ``Param``) is ``params_error``'s."""
    error = params_error(params)
    if error is not None:
        raise error
    optimizer.iterations += 1


def refused_update(optimizer: Any, params: list[Param]) -> NonFiniteUpdate:
    """What ``Optimizer.step`` raises for a non-finite update, once the slots, which hold
    this step's non-finite values, are forgotten: they start afresh (usable with a lower
    lr), and Adam's bias correction counts from here (a schedule: from ``iterations``).
    A moving average (``use_ema``) is finite, of finite weights only: kept, bound again."""
    average = optimizer._slots.get("average") if optimizer.use_ema else None
    optimizer._reset()
    optimizer._slots_since = optimizer.iterations
    if average is not None:
        optimizer._ready(params, average)
    return NonFiniteUpdate("non-finite update")
