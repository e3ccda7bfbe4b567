"""``TerminateOnNaN``: Keras 3's callback that ends training at a non-finite loss.

``fit`` refuses a step whose loss, gradient, update or state is NaN or infinite
with ``DivergenceError`` (``nonlin._epoch_loop``), the model as after the last
finite step. ``train._run`` catches that error around each epoch (no work per
step) and asks ``terminated``: with a ``TerminateOnNaN`` among the callbacks,
training ends there without raising, as Keras 3's ``model.stop_training = True``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

from ._stacklevel import user_stacklevel
from .callbacks import Callback
from .exceptions import DivergenceError
from .validation import check_bool


class TerminateOnNaN(Callback):
    """End training, without raising, when a step's loss becomes NaN or infinite (Keras 3).

    Without it, ``fit`` raises ``nonlin.DivergenceError`` at such a step (also at a
    NaN or infinite gradient, update, ``BatchNorm`` statistic or optimizer slot, which
    Keras notices one batch later, as a NaN loss). With it, ``fit`` returns instead,
    with a ``UserWarning`` naming the batch as Keras 3 prints it (``"Batch 3: Invalid
    loss, terminating training. The loss became inf at epoch 2, batch 3; ..."``) and
    ``model.stop_training`` True. The model is as ``DivergenceError`` leaves it: as
    after the last finite step (weights, layer state, generator; Keras' weights took
    the bad step). The epoch in progress does not end: no ``on_epoch_end`` nor
    validation for it, and ``History`` keeps the epochs completed before it (Keras 3
    ends that epoch and records its NaN loss; nonlin's model never took that step, and
    ``ModelCheckpoint`` and ``BackupAndRestore`` would record an epoch that did not
    complete). ``on_train_end`` runs, as after any stop (Keras 3), with the last
    completed epoch's logs (``{}`` when none): ``EarlyStopping`` restores its best
    weights, ``BackupAndRestore`` deletes its backup.

    A loss whose ``stop_on_nonfinite`` is False trains on through non-finite values
    (the ``nonlin.sklearn`` estimators', which refuse this callback): nothing stops it.
    It acts in ``fit`` alone (no batch hook, no work per step): in a loop of your own
    (``CallbackList``), ``train_on_batch`` raises the ``DivergenceError``; catch it there
    (Keras 3's reads a NaN ``"loss"`` in ``on_train_batch_end``'s logs, which this one
    does not).

    Parameters
    ----------
    raise_error : bool, default False
        True: ``fit`` raises the ``DivergenceError`` as without this callback (Keras 3
        raises a ``RuntimeError``, and skips ``on_train_end`` as nonlin does).

    Attributes
    ----------
    stopped_epoch, stopped_batch : int or None
        Where the last ``fit`` ended at a non-finite step (zero-based), else None.
    """

    def __init__(self, raise_error: bool = False) -> None:
        self.raise_error = check_bool("raise_error", raise_error)
        self.stopped_epoch: int | None = None
        self.stopped_batch: int | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.stopped_epoch = self.stopped_batch = None

    def _terminate(self, error: DivergenceError) -> bool:
        """Stop training at ``error`` (warned); False with ``raise_error``."""
        if self.raise_error:
            return False
        self.stopped_epoch, self.stopped_batch = error.epoch, error.batch
        if self.model is not None:
            self.model.stop_training = True
        what = "loss" if str(error).startswith("The loss") else "step"
        warnings.warn(f"Batch {error.batch}: Invalid {what}, terminating training. {error}",
                      UserWarning, stacklevel=user_stacklevel())
        return True


def terminated(callbacks: Sequence[Callback], error: DivergenceError) -> bool:
    """Whether a ``TerminateOnNaN`` among ``callbacks`` ends training at ``error``."""
    for callback in callbacks:
        if isinstance(callback, TerminateOnNaN):
            return callback._terminate(error)
    return False
