"""Errors raised by training."""

from __future__ import annotations


class DivergenceError(FloatingPointError):
    """Training produced a NaN or infinite loss, gradient or update.

    Raised by ``fit`` (unless a ``TerminateOnNaN`` callback makes it a stop), its ``message``
    naming the epoch and batch; the model is as after the
    last step whose loss, update and layer state were finite: its weights, its
    layer state (``BatchNorm`` running statistics) and its generator
    (``model.rng``, so a retried ``fit`` draws the refused step's dropout masks
    again).

    Attributes
    ----------
    epoch, batch : int
        Zero-based position of the step that diverged.
    """

    def __init__(self, message: str, *, epoch: int = -1, batch: int = -1) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch


class NonFiniteUpdate(FloatingPointError):
    """Internal: an optimizer found a non-finite update before applying it."""


class NotBuiltError(ValueError, RuntimeError):
    """A model asked for what only a built model has: ``count_params()``, ``predict``,
    ``evaluate``, ``get_weights`` or ``save`` before ``build``, or after a layer edit since
    (Keras 3 raises ``ValueError`` there, "the layer isn't built"). A ``ValueError`` as in
    Keras, and a ``RuntimeError`` as nonlin raised before session 34 (``save``: a
    ``ValueError``), so that code catching either keeps working."""
