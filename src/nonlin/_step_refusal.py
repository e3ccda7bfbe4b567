"""A refused training step's error: ``nonlin._epoch_loop._Loop``'s ``_refuse`` side.

``StepRefusal`` holds ``_refuse``, mixed into ``_Loop``: after a non-finite loss, layer state
or update it undoes what the step changed besides the weights (``StepSnapshot``) and raises
the ``DivergenceError`` that names the cause (the L2 penalty, the data, or the learning rate).
The step itself stays in ``nonlin._epoch_loop``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._step_snapshot import StepSnapshot
from .core import Sequential
from .evaluation import penalty_overflow
from .exceptions import DivergenceError

UPDATE_NOT_FINITE = ("A gradient or update became NaN or infinite, or overflowed a weight "
                     "or the optimizer's state")


def unfinished(value: float) -> str:
    """Why ``_Loop._step`` refuses a step before its update: the loss ``value`` is not
    finite, or (it is) a layer's running statistics (``BatchNorm``'s) are not."""
    if not math.isfinite(value):
        return f"The loss became {value}"
    return "A layer's running statistics became NaN or infinite"


class StepRefusal:
    """``_refuse`` of ``_Loop`` (see there)."""

    model: Sequential
    optimizer: Any
    snapshot: StepSnapshot
    start_steps: int | None
    has_penalty: bool
    data_loss: float
    train: Any  # the training set, or a batch source's current batch (nonlin.data.Dataset)

    def _refuse(self, what: str, epoch: int, batch: int) -> None:
        """Undo what the refused step changed besides the weights, and raise."""
        if self.snapshot.active:
            self.snapshot.restore()
        # the streaming metrics already counted the refused batch: no mid-epoch record
        # (a checkpoint saved now restarts this epoch, as after a torn step)
        self.model._epoch_in_progress = None
        first = getattr(self.optimizer, "iterations", None) == self.start_steps
        if what.startswith("A gradient or update"):  # which parameter, where one is the cause
            what += _named_cause(self)
        term = (penalty_overflow(self.model) if first and self.has_penalty
                and math.isfinite(self.data_loss) else None)  # the data's loss is finite
        if term is not None:  # the l2 term is not: its value, or its gradient (no lr helps)
            raise DivergenceError(
                f"{what} at epoch {epoch}, batch {batch}, before any update of this fit: "
                + ("the L2 penalty l2 * sum(W**2)" if term == "penalty" else
                   f"the L2 penalty's gradient 2 * l2 * W (in {self.model.dtype})")
                + " of the weights fit started from overflows "
                f"(l2={_l2_values(self.model)}; the data's loss is {self.data_loss:.6g}). "
                "Use a smaller l2 (1e-5 to 1e-2 are usual); the model is unchanged.",
                epoch=epoch, batch=batch)
        if what == "The loss became nan" and (last := _negative_rates(self)):
            raise DivergenceError(  # a negative rate's log: neither the data nor the lr
                f"{what} at epoch {epoch}, batch {batch}: Poisson's p - y log(p + eps) has no "
                f"value for a prediction p below 0, which the model's last layer, {last[0]}, "
                f"gave (p = {last[1]:.6g} on this batch). End the model with Exp() (the log "
                "link) or Softplus(); the model is as after the last finite step.",
                epoch=epoch, batch=batch)
        if first and not what.startswith("A gradient"):  # the data, not the learning rate
            raise DivergenceError(
                f"{what} at epoch {epoch}, batch {batch}, before any update of this fit: the "
                "data (x or y), or the weights fit started from, overflow (no step was taken, "
                "so the learning rate is not the cause). Scale the features and targets "
                "(standardize them) or look for extreme values; the model is unchanged.",
                epoch=epoch, batch=batch)
        raise DivergenceError(
            f"{what} at epoch {epoch}, batch {batch}; the model is as after the last "
            "finite step. Lower the learning rate or clip gradients (clipnorm=...)."
            + _target_hint(getattr(self, "train", None), self.model,
                           getattr(self, "loss", None)),
            epoch=epoch, batch=batch)


def _named_cause(loop: StepRefusal) -> str:
    """`` (why)``: the parameter whose gradient made the refused update not finite, and how
    (``nonlin._overflow_detail``, imported on this path only); empty where none is."""
    from ._overflow_detail import named

    return named(loop.optimizer, loop.model, getattr(loop, "params", None))


_LARGE_TARGET = 100.0  # |y| above this (real-valued targets): the divergence message says so


def _target_hint(train: Any, model: Sequential, loss: Any) -> str:
    """A sentence for real-valued targets of magnitude above 100 (prices of 1e5, say), which
    a model whose outputs start near 0 chases with huge gradients: standardize them. Empty
    for others (labels, one-hot or 0/1 rows, small reals), for targets it cannot read, for
    a model ending in ``Normalization(invert=True)`` (which scales its outputs) and for a
    loss other than MSE, MAE, Huber and LogCosh: standardized targets are negative, which
    ``Poisson`` and ``MeanSquaredLogarithmicError`` refuse, and near 0, where
    ``MeanAbsolutePercentageError`` divides by them."""
    from .losses import Huber, MeanAbsoluteError, MeanSquaredError
    from .losses_more import LogCosh

    y = getattr(train, "y", None)
    if not isinstance(y, np.ndarray) or y.dtype.kind != "f" or not y.size or (
            model.layers and getattr(model.layers[-1], "invert", False) is True) or (
            not isinstance(loss, (MeanSquaredError, MeanAbsoluteError, Huber, LogCosh))):
        return ""
    largest = float(np.abs(y).max())  # fit refuses NaN targets; inf would have said so
    if not largest > _LARGE_TARGET:
        return ""
    return (f" The targets reach |y| = {largest:.3g}, far from the outputs a new model starts "
            "with (near 0): standardize them ((y - mean) / std, predictions * std + mean), "
            "as nonlin train does.")


def _negative_rates(loop: StepRefusal) -> tuple[str, float] | None:
    """``("Dense (layers[2])", -3.2)`` when the loss is ``Poisson``, the model's last layer
    can give predictions below 0 (``fit`` warned of it) and did on the refused batch (its
    smallest, in inference: recomputed, so only when the refusal comes); else None, as for
    predictions that overflowed to inf or NaN (the data's or the learning rate's doing)."""
    from .losses_more import Poisson, warn_unbounded_output

    loss = getattr(loop, "loss", None)
    batch = getattr(loop, "_batch", None)
    if type(loss) is not Poisson or batch is None:
        return None
    last = warn_unbounded_output(loop.model, loss, 0, warn=False)
    if last is None:
        return None
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            p = loop.model(loop.train.X[batch[1]])  # the refused batch's rows
    except Exception:  # a layer that fails in inference: the DivergenceError stays the error
        return None
    if not np.isfinite(p).all() or not (p < 0).any():
        return None
    return last, float(p.min())


def _l2_values(model: Sequential) -> str:
    """The layers' distinct ``l2`` values, as a message names them: ``1e+308``."""
    values = sorted({float(getattr(layer, "l2", 0)) for layer in model.layers} - {0.0})
    return ", ".join(format(v, "g") for v in values)
