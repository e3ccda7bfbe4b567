"""An optimizer pickled and copied: ``nonlin.optimizers.Optimizer``'s ``__getstate__`` side.

``Pickling`` holds ``__getstate__`` and ``__setstate__``, mixed into ``Optimizer``: what a
pickle or ``copy`` keeps of it (settings, step counts, owners, per-parameter slots) and
what it leaves for the next step's ``_ready`` to make again (the binding, the flat slots,
the scratch arrays). Optimizer's step and slots stay in ``nonlin.optimizers``.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Pickling:
    """``__getstate__`` / ``__setstate__`` of ``Optimizer`` (see there)."""

    _slots: dict[str, list[np.ndarray]]
    _param_slots: dict[str, list[np.ndarray]]
    _scratch: list[np.ndarray]
    _bound: list[np.ndarray]
    _grads: list[np.ndarray]

    def __getstate__(self) -> dict[str, Any]:
        """Pickling and ``copy``: the settings, step counts, owners and one array per
        parameter and slot (``_param_slots``), not the binding to the parameters' arrays,
        which the copies' arrays no longer share (an unpickled model's are no views of one
        flat buffer; kept, a copy would step a copy of the old flat buffer, which no layer
        reads): its next step binds them again (``_ready``), keeping the slots. Neither the
        flat slots (``_slots`` when packed: the same numbers as ``_param_slots``), nor the
        flat parameter stepped (``_work``), nor the scratch arrays, which ``_ready`` makes
        (``SGD``'s Nesterov buffers, ``_ahead``: its step)."""
        state = {key: value for key, value in self.__dict__.items()
                 if key not in ("_slots", "_work", "_scratch", "_spare", "_ahead")}
        return {**state, "_bound": [], "_grads": []}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """``__getstate__``'s dict back, without a binding also where a pickle written before
        ``__getstate__`` holds one (its arrays, by pickle's memo, the loaded layers' own,
        would pass as bound: the step would go to the old flat buffer's copy). The slots
        are the per-parameter ones until the next step packs them again (a pickle written
        before ``__getstate__`` left the flat ones out has both, the same numbers, and its
        scratch arrays, which ``_ready`` replaces)."""
        self.__dict__.update(state)
        self._bound, self._grads = [], []
        if "_slots" not in state and "_param_slots" in state:  # today's: _ready makes the rest
            self._slots, self._scratch = self._param_slots, []
