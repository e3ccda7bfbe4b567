"""What a training step changes besides the weights, kept so that a diverged step is undone.

``fit`` promises that after a ``DivergenceError`` the model is as after the last
finite step. The optimizer refuses a non-finite update before it reaches the
weights; the forward pass, though, has already moved the layers' non-trainable
state (``BatchNorm``'s running statistics) and drawn dropout masks from the
model's generator. ``StepSnapshot`` copies both before each step into
preallocated buffers (a few per-feature vectors and the generator's state) and
puts them back when the step is refused. A model with neither pays nothing:
``active`` is False and ``fit`` skips the calls.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._weights import layer_state
from .core import Sequential


class StepSnapshot:
    """The layer state and generator state of ``model`` from before the running step.

    Parameters
    ----------
    model : Sequential
        A built model; the layers with a non-empty ``get_state()`` (but not those
        whose class sets ``_fixed_state``: a training step leaves their state as it
        is) and, if a layer draws from a generator (has ``rng``), ``model.rng`` are kept.
    """

    def __init__(self, model: Sequential) -> None:
        self.stateful: list[tuple[Any, dict[str, np.ndarray]]] = []  # layers with get_state
        for layer in model.layers:
            # a state no training step changes (Normalization's adapted statistics) is left
            state = None if getattr(layer, "_fixed_state", False) else layer_state(layer)
            if state:
                self.stateful.append((layer, {k: np.array(v, copy=True) for k, v in state.items()}))
        draws = any(getattr(layer, "rng", None) is not None for layer in model.layers)
        self.rng: Any = model.rng if draws else None
        self._rng_state: Any = None
        self.active = bool(self.stateful) or self.rng is not None

    def save(self) -> None:
        """Copy the current state in (before a step)."""
        for layer, saved in self.stateful:
            for name, value in layer_state(layer).items():
                np.copyto(saved[name], value)
        if self.rng is not None:
            self._rng_state = _generator_state(self.rng)

    def state_finite(self) -> bool:
        """Whether every layer state array is finite (after a step's forward pass).

        One reduction per array: NaN and inf propagate into the sum; only a sum
        that overflows from finite values is checked entry by entry.
        """
        for layer, _ in self.stateful:
            for value in layer_state(layer).values():
                if not math.isfinite(float(np.add.reduce(value, axis=None))):
                    if not np.isfinite(value).all():
                        return False
        return True

    def restore(self) -> None:
        """Put back what ``save`` copied (a step was refused)."""
        for layer, saved in self.stateful:
            layer.set_state(saved)
        if self.rng is not None:
            _set_generator_state(self.rng, self._rng_state)


def _generator_state(rng: Any) -> Any:
    if isinstance(rng, np.random.Generator):
        return rng.bit_generator.state
    return rng.get_state()  # a legacy RandomState


def _set_generator_state(rng: Any, state: Any) -> None:
    if isinstance(rng, np.random.Generator):
        rng.bit_generator.state = state
    else:
        rng.set_state(state)
