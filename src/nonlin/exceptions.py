"""Errors raised by training."""

from __future__ import annotations


class DivergenceError(FloatingPointError):
    """Training produced a NaN or infinite loss, gradient or update.

    Raised by ``fit`` naming the epoch and batch; the model keeps the weights
    of the last step whose loss and update were finite.

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
