"""The checks of ``Optimizer.load_state_dict`` on the slot arrays it is handed.

``_misuse.state_slots`` checks the form of the state (its keys, the step counts,
real numbers); ``checked_slots`` then refuses what the next step could not use:
a slot value that is NaN or infinite (Adam's ``m / (sqrt(v) + eps)`` would carry
it into the weights at once, as PyTorch and Keras would, silently) and, in a slot
of squared gradients (``Optimizer._squares``), a negative value (``sqrt(v)`` is NaN).
Messages name the slot, the parameter's index and the value received.
``HeldState`` is what ``_trainable`` reads of the slots an optimizer holds.

``Optimizer._load_state(state, finite=False)`` skips the first check:
``nonlin.sklearn`` moves an estimator's own state to a new flat buffer (after
unpickling, or after L-BFGS moved the network to float64), and the moments of a
diverged fit are NaN there as they are in scikit-learn, which trains on with them.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ._misuse import state_slots
from ._state_checks import _first_bad


class HeldState(NamedTuple):
    """The slots an optimizer holds (``Optimizer._held_state``), as ``_trainable`` reads them."""

    names: tuple[str, ...]  # the slots' names ("m", "v")
    shapes: list[tuple[int, ...]]  # the shapes of the parameters they are for
    owners: list[Any]  # the Params whose steps made them; [] when load_state_dict put them in


def checked_slots(optimizer: Any, state: Any, *, finite: bool = True
                  ) -> tuple[int, dict[str, list[np.ndarray]]]:
    """The step count and the slot arrays (copies) of ``state`` for ``optimizer``.

    Parameters
    ----------
    optimizer : Optimizer
        Whose ``_slot_names`` and ``_squares`` the state must fit.
    state : dict
        What ``optimizer.state_dict()`` returns: slot arrays under ``"<slot>.<index>"``.
    finite : bool, default True
        Refuse NaN and infinite slot values (``load_state_dict``); False keeps them.

    Returns
    -------
    (int, dict of str to list of ndarray)
        ``iterations`` and, for each slot, one array per parameter.
    """
    iterations, slots = state_slots(optimizer, state)
    shapes = {name: [a.shape for a in arrays] for name, arrays in slots.items()}
    first, made = next(iter(shapes.items()), ("", []))
    for name, found in shapes.items():  # else the next step would restart every slot
        if found != made:
            raise ValueError(f"Expected the arrays of every slot shaped as those of {first!r} "
                             f"(one per parameter): {made}. Received {name!r}: {found}")
    for name, arrays in slots.items():
        for i, value in enumerate(arrays):
            key = f"{name}.{i}"
            bad = ~np.isfinite(value) if finite else None
            if bad is not None and bad.any():
                raise ValueError(
                    f"Expected finite values in the slot {name!r} of parameter {i} "
                    f"(key {key!r}). Received {key}{_first_bad(value, bad)}")
            if name in optimizer._squares and (value < 0).any():  # sqrt(v) would be NaN
                raise ValueError(
                    f"Expected values >= 0 in the slot {name!r} (squared gradients) of "
                    f"parameter {i} (key {key!r}). "
                    f"Received {key}{_first_bad(value, value < 0)}")
    return iterations, slots


def load_file_state(optimizer: Any, state: dict[str, Any]) -> None:
    """``optimizer.load_state_dict(state)`` for a model file's or checkpoint's state, read
    with the settings saved with it: a slot that a setting switched off no longer uses
    (``Settings._makeable_slots``: SGD's ``velocity`` at ``momentum=0``, which code before
    session 22 saved) is kept unused, as it was in memory, where ``load_state_dict`` refuses
    it (an optimizer made without the setting, given another's state by hand?).

    Raises
    ------
    ValueError
        ``load_state_dict``'s; for a kept slot, one not numbered as the others (one array
        per parameter, from 0), or of NaN, infinite or (squared gradients) negative values.
    """
    names, squares = optimizer._makeable_slots()
    spare = [name for name in names if name not in optimizer._saved_slots()]
    kept: dict[str, dict[int, np.ndarray]] = {}
    rest = {}
    for key, value in state.items():
        name, _, index = key.rpartition(".") if isinstance(key, str) else ("", "", "")
        if name in spare and index.isascii() and index.isdigit():
            kept.setdefault(name, {})[int(index)] = np.array(value, copy=True)
        else:
            rest[key] = value
    optimizer.load_state_dict(rest)
    held = optimizer._param_slots  # {} when the state had no other slot (SGD's at momentum=0)
    count = len(next(iter(held.values()), None) or next(iter(kept.values()), {}))
    for name, arrays in kept.items():
        if sorted(arrays) != list(range(count)):
            raise ValueError(f"Expected {count} arrays of slot {name!r}, numbered from 0. "
                             f"Received {', '.join(f'{name}.{i}' for i in sorted(arrays))}")
        for i, value in arrays.items():
            bad = ~np.isfinite(value) | ((value < 0) if name in squares else False)
            if bad.any():
                raise ValueError(f"Expected finite values (>= 0 in squares) in the slot "
                                 f"{name!r} of parameter {i}. Received {name}.{i}"
                                 f"{_first_bad(value, bad)}")
        held[name] = [arrays[i] for i in range(count)]
