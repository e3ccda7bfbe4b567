"""The table of what ``train_on_batch`` keeps for each model (``nonlin._on_batch_state``),
in a module of its own: ``compile`` and ``build`` drop a model's entry (``forget``), and its
record of the parameters whose gradients were checked written, without importing the
training side (``nonlin.load`` and ``predict`` import none of it)."""

from __future__ import annotations

import weakref
from typing import Any

# model -> its KeptState (weakly on the model: a dropped model goes, and its entry)
_KEPT: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def forget(model: Any) -> None:
    """Drop what ``model``'s calls kept (``compile`` and ``build``: the optimizer, loss,
    parameters and buffers it holds would be stale, and stay alive until the next call)."""
    try:
        _KEPT.pop(model, None)
    except TypeError:  # an unhashable model (a subclass's __eq__): nothing kept
        pass
    # and the parameters whose gradients a step checked (nonlin._grad_written): the former
    # ones not held on either (checked again at their next step, a pass over the weights)
    model.__dict__.pop("_grads_written", None)
