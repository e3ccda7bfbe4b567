"""An optimizer's saved state: ``nonlin.optimizers.Optimizer``'s ``state_dict`` side.

``StateDict`` holds ``state_dict``, ``load_state_dict`` (checks in ``_optimizer_state``)
and ``_held_state``, what ``_trainable.check_optimizer`` compares with a model's
parameters; mixed into ``Optimizer``, which keeps the slots and the step.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._optimizer_state import HeldState, checked_slots


class StateDict:
    """Step count, learning rate and slots, saved and restored (see ``Optimizer``)."""

    iterations: int
    _slots_since: int
    _param_slots: dict[str, list[np.ndarray]]
    _owners: list[Any]

    if TYPE_CHECKING:  # defined by ``Optimizer``
        lr: Any

        def _reset(self) -> None: ...

        def _saved_slots(self) -> tuple[str, ...]: ...

        def _slot_layout(self) -> tuple[tuple[str, ...], tuple[str, ...]]: ...

        def _lay_out(self, names: tuple[str, ...], squares: tuple[str, ...]) -> None: ...

    def _held_state(self) -> HeldState | None:
        """What ``_trainable.check_optimizer`` compares with a model's parameters: the slots'
        names, the shapes of the parameters they are for, and those parameters when steps
        made them (``[]`` when ``load_state_dict`` put them in); None without slots (also
        in a subclass that skips ``__init__``: nonlin.sklearn's wrapper of another)."""
        slots = getattr(self, "_param_slots", None)
        if not slots or not any(slots.values()):
            return None
        shapes = [a.shape for a in next(iter(slots.values()))]
        return HeldState(tuple(slots), shapes, list(self._owners))

    def state_dict(self) -> dict[str, Any]:
        """Step count, learning rate and slot arrays (copies), under flat keys."""
        state: dict[str, Any] = {"iterations": int(self.iterations)}
        if self._slots_since:  # after a refused update (see step)
            state["slots_since"] = int(self._slots_since)
        if isinstance(self.lr, float):
            state["lr"] = self.lr
        elif hasattr(self.lr, "state_dict"):
            state.update({f"lr.{k}": v for k, v in self.lr.state_dict().items()})
        saved = self._saved_slots()  # not an average after use_ema was switched off
        for name, arrays in self._param_slots.items():
            for i, arr in enumerate(arrays if name in saved else ()):
                state[f"{name}.{i}"] = arr.copy()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state``, what ``state_dict`` returned (the slots are copied). The state
        of another kind of optimizer (other slots), NaN or infinite slot values and negative
        squared gradients are refused (``_optimizer_state``); slots made for parameters of
        other shapes are refused by the next ``step``."""
        self._load_state(state)

    def _load_state(self, state: dict[str, Any], *, finite: bool = True) -> None:
        """``load_state_dict``; ``finite=False`` keeps non-finite slots (``nonlin.sklearn``
        moving a diverged estimator's own state to a new buffer, as scikit-learn keeps it)."""
        iterations, slots = checked_slots(self, state, finite=finite)
        if "lr" in state:
            self.lr = float(state["lr"])
        lr_state = {k[3:]: v for k, v in state.items() if k.startswith("lr.")}
        if lr_state and hasattr(self.lr, "load_state_dict"):
            self.lr.load_state_dict(lr_state)
        self.iterations, self._slots_since = iterations, int(state.get("slots_since", 0))
        self._reset()
        # a state saved before any step has no arrays: none held (settings may choose them)
        self._param_slots = slots if any(slots.values()) else {}
        self._lay_out(*self._slot_layout())  # those taken (a setting may have changed since)
