"""``compile``'s and ``fit``'s arguments in the forms the loop takes.

An optimizer by name or object (``resolve_optimizer``), ``compile``'s three
(``compiled``), metrics and callbacks as given (None, one, or a sequence) made
lists. Used by ``nonlin.train``, which re-exports ``resolve_optimizer`` and
``compiled`` (``Sequential.compile``, ``nonlin._on_batch``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ._callback_list import CallbackList, checked_callbacks
from ._fit_checks import refuse_while_fitting
from ._one_class_scores import as_list as _listed  # metrics as given, as a list
from ._quoting import quoted
from .callbacks import Callback
from .core import Sequential
from .evaluation import resolve_loss
from .losses import Loss
from .optimizers import Optimizer


def resolve_optimizer(optimizer: Any) -> Optimizer:
    from .registry import optimizer as optimizer_from_name

    if isinstance(optimizer, str):
        return optimizer_from_name(optimizer)
    if not isinstance(optimizer, Optimizer):
        hint = f"; create one: {optimizer.__name__}()" if isinstance(optimizer, type) else ""
        raise TypeError("Expected an Optimizer or a name. "
                        f"Received: optimizer={quoted(optimizer)}{hint}")
    optimizer._check_settings()  # the constructor's checks on settings set since; lr's
    return optimizer  # whenever set (Optimizer.lr); neither per step


def compiled(model: Sequential, loss: Any, *, optimizer: Any,
             metrics: Any) -> tuple[Optimizer, Loss | None, list[Any]]:
    """``Sequential.compile``'s arguments: names resolved (the metrics when ``fit`` runs;
    a ``loss`` of None stays None). Refused while ``model``'s fit runs (a callback's): that
    fit goes on with its own. On a built model, a per-output ``pos_weight`` or per-class
    ``alpha`` of another length than its outputs is refused, as ``fit`` and a loaded file
    refuse it (else ``save`` would write a file ``nonlin.load`` refuses)."""
    refuse_while_fitting(model, "compile", "the running fit keeps the optimizer, loss and "
                         "metrics it started with. Set model.optimizer.lr to change the learning "
                         "rate (as LearningRateScheduler does); for another optimizer or loss, "
                         "stop the fit (model.stop_training = True), then compile and fit again")
    resolved = None if loss is None else resolve_loss(loss)
    if resolved is not None and model.n_outputs is not None:  # built: as fit and load check
        from .losses_extra import check_fit_classes

        check_fit_classes(resolved, model.n_outputs)  # a per-output pos_weight or alpha
    return resolve_optimizer(optimizer), resolved, _listed(metrics)


def _callback_list(callbacks: Any) -> list[Callback]:
    """Keras 3's forms of ``callbacks``: None (none), one ``Callback``, a sequence of them, or
    a ``CallbackList``: its callbacks, in its order (its ``History`` included, which ``fit``
    then returns, as Keras 3 returns the one a given ``CallbackList`` set as ``model.history``).
    """
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback):
        return [callbacks]
    if isinstance(callbacks, CallbackList):  # Keras 3 runs it as it is: its callbacks
        return checked_callbacks(callbacks.callbacks)
    if isinstance(callbacks, set | frozenset):  # the order of the calls matters
        raise TypeError("Expected a list of Callback instances: they run in its order, and a "
                        f"set has none. Received: a {type(callbacks).__name__} of {len(callbacks)}")
    if isinstance(callbacks, str | bytes | dict) or not isinstance(callbacks, Iterable):
        raise TypeError(f"Expected a list of Callback instances. Received: "
                        f"{quoted(callbacks, 200)}")
    return checked_callbacks(callbacks)  # before anything changes
