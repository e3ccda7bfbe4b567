"""Field checks of a checkpoint's record beyond its JSON shape.

``nonlin._checkpoint_reader`` calls these on read so that a file that loads is
one that resumes: the generator state field by field (NumPy accepts, for
example, ``has_uint32 = 7`` and keeps it), the epoch against the history and
the step count, the optimizer's scalar state, and the constructor checks of the
optimizer and its learning-rate schedule named down to the field. Each fault is
a ``ModelFileError`` naming the file and the field (``checkpoint.rng.has_uint32``).
"""

from __future__ import annotations

import re
from typing import Any

from ._header import ModelFileError
from ._quoting import clipped, quoted

# the integer leaves of each allowlisted bit generator's state and their bounds [0, end);
# arrays are (length, bits) pairs
_U64, _U128 = 2**64, 2**128
_FLAGS = {"has_uint32": 2, "uinteger": 2**32}
_LAYOUTS: dict[str, dict[str, Any]] = {
    "PCG64": {"state": {"state": _U128, "inc": _U128}, **_FLAGS},
    "PCG64DXSM": {"state": {"state": _U128, "inc": _U128}, **_FLAGS},
    "MT19937": {"state": {"key": (624, 2**32), "pos": 625}},
    "Philox": {"state": {"counter": (4, _U64), "key": (2, _U64)}, "buffer": (4, _U64),
               "buffer_pos": 5, **_FLAGS},
    "SFC64": {"state": {"state": (4, _U64)}, **_FLAGS},
}
_RECEIVED = re.compile(r"Received: (\w+)=")


def fail(path: str, field: str, message: str) -> ModelFileError:
    """A fault in ``checkpoint.{field}`` of the file at ``path``."""
    return ModelFileError(path, message, f"checkpoint.{field}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_rng_state(state: Any, path: str, field: str) -> None:
    """The bit generator's name (allowlisted) and every integer of its state in range."""
    name = state.get("bit_generator") if isinstance(state, dict) else None
    if not isinstance(name, str) or name not in _LAYOUTS:
        raise fail(path, field, f"expected a bit generator in {sorted(_LAYOUTS)}")
    _check_leaves(state, {"bit_generator": None, **_LAYOUTS[name]}, path, field)


def _check_leaves(node: dict[str, Any], layout: dict[str, Any], path: str, field: str) -> None:
    if set(node) != set(layout):
        raise fail(path, field, f"expected the keys {sorted(layout)}")
    for key, bound in layout.items():
        value, where = node[key], f"{field}.{key}"
        if isinstance(bound, dict):
            if not isinstance(value, dict):
                raise fail(path, where, f"expected an object. Received: {quoted(value, 50)}")
            _check_leaves(value, bound, path, where)
        elif isinstance(bound, tuple):
            length, end = bound
            if not (isinstance(value, list) and len(value) == length
                    and all(_is_int(v) and 0 <= v < end for v in value)):
                raise fail(path, where, f"expected {length} integers in [0, {end})")
        elif bound is not None and not (_is_int(value) and 0 <= value < bound):
            raise fail(path, where, f"expected an integer in [0, {bound}). "
                                    f"Received: {quoted(value, 50)}")


def check_epoch(epoch: int, step: int, epochs: list[int], path: str) -> None:
    """``epoch`` completed epochs: the one after the history's last, or (no history) at most
    one per optimizer step; the history's epochs increasing."""
    if any(b <= a for a, b in zip(epochs, epochs[1:], strict=False)) or (epochs and epochs[0] < 0):
        raise fail(path, "history.epoch", "expected increasing epoch indices >= 0")
    if epochs and epoch != epochs[-1] + 1:
        raise fail(path, "epoch", f"expected {epochs[-1] + 1}, the epoch after the history's "
                                  f"last. Received: {epoch}")
    if not epochs and epoch > step:
        raise fail(path, "epoch", f"expected at most one epoch per optimizer step ({step}). "
                                  f"Received: {epoch}")


def check_scalars(scalars: dict[str, Any], path: str, own: tuple[str, ...] = ()) -> None:
    """The optimizer's ``iterations`` (an integer >= 0), ``lr`` (a positive number),
    ``slots_since`` (the step its slots restarted at, after a refused update) and the
    scalars ``own`` to its class (``Nadam``'s ``u_product``: numbers, not NaN, whose range
    its ``load_state_dict`` checks)."""
    extra = set(scalars) - {"iterations", "lr", "slots_since", *own}
    if extra or "iterations" not in scalars:
        names = ", ".join(repr(name) for name in ("iterations", "lr", "slots_since", *own))
        raise fail(path, "optimizer.scalars", f"expected {names} only. "
                                              f"Received: {quoted(sorted(scalars))}")
    for name in own:
        value = scalars.get(name, 0.0)
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise fail(path, f"optimizer.scalars.{name}",
                       f"expected a number. Received: {quoted(value, 50)}")
    iterations = scalars["iterations"]
    if not _is_int(iterations) or iterations < 0:
        raise fail(path, "optimizer.scalars.iterations",
                   f"expected an integer >= 0. Received: {quoted(iterations, 50)}")
    since = scalars.get("slots_since", 0)
    if not _is_int(since) or not 0 <= since <= iterations:
        raise fail(path, "optimizer.scalars.slots_since",
                   f"expected an integer in [0, {iterations}]. Received: {quoted(since, 50)}")
    if "lr" in scalars:
        lr = scalars["lr"]
        # >= 0, as the optimizers take it (0: no step)
        if isinstance(lr, bool) or not isinstance(lr, int | float) or not 0 <= lr < float("inf"):
            raise fail(path, "optimizer.scalars.lr",
                       f"expected a finite number >= 0. Received: {quoted(lr, 50)}")


def constructor_fault(path: str, field: str, exc: Exception) -> ModelFileError:
    """A constructor's ``ValueError``/``TypeError`` as a fault of the field it names."""
    message = clipped(str(exc), 300)
    named = _RECEIVED.search(message)
    return fail(path, f"{field}.{named.group(1)}" if named else field, message)
