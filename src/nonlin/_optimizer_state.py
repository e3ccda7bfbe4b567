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
