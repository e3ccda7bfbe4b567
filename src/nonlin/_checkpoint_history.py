"""The history a checkpoint records (``nonlin.checkpoint``), and the epoch it must name.

``History`` runs after the user's callbacks, as in Keras, so that it records
the keys they add to an epoch's logs. A checkpoint written by one of those
callbacks (``ModelCheckpoint``) at the end of an epoch therefore finds the
epoch not yet in ``model.history``: ``fit`` publishes the epoch's logs as
``model._epoch_logs`` while ``on_epoch_end`` runs, and ``history_now`` adds them.
``history_for`` is the History a fit records into, continuing a resumed run's (or the
one given among its callbacks, as Keras 3 returns it).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ._callback_args import log_number
from ._quoting import quoted
from ._stacklevel import user_stacklevel
from .callbacks import History
from .core import Sequential
from .validation import is_integer


def history_now(model: Sequential, epoch: int) -> Any:
    """``model.history``, plus the epoch now ending when a callback checkpoints it (``epoch``
    is the one after it) before ``History``, which comes after the callbacks as in Keras,
    has recorded it: its logs as they are now, keys added by earlier callbacks included."""
    history, ending = getattr(model, "history", None), getattr(model, "_epoch_logs", None)
    if not isinstance(history, History) or ending is None or epoch != ending[0] + 1:
        return history
    if history.epoch and history.epoch[-1] != ending[0] - 1:
        return history  # already recorded, or not the run that is ending
    now = History()
    now.epoch, now.history = list(history.epoch), {k: list(v) for k, v in history.history.items()}
    now.on_epoch_end(*ending)
    return now


def history_for(model: Sequential, initial_epoch: int,
                callbacks: list[Any]) -> tuple[History, History, list[History]]:
    """``model.history`` for this fit, the History ``fit`` returns, and the recorders ``fit``
    calls after ``callbacks``.

    ``model.history`` is a new History, continuing the model's when ``initial_epoch``
    follows its last epoch (a second fit, a checkpoint loaded or resumed), so that it holds
    every epoch, as a checkpoint written meanwhile records them. ``fit`` returns the epochs
    it ran alone (Keras 3), or with ``resume_from`` this whole one. A History among
    ``callbacks`` (the last, as Keras 3 picks it) is both instead, recording at its place
    in the list: it starts as ``model.history`` would (empty, or the epochs continued).
    """
    history = History()
    old = getattr(model, "history", None)
    if initial_epoch > 0 and isinstance(old, History) and old.epoch and (
        old.epoch[-1] == initial_epoch - 1
    ):
        history.epoch = list(old.epoch)
        history.history = {k: list(v) for k, v in old.history.items()}
    given = None
    for callback in callbacks:  # a loop, not next(): no calls when there are no callbacks
        if isinstance(callback, History):
            given = callback
    if given is not None:  # Keras 3: fit returns the user's History, set as model.history
        given.epoch, given.history = history.epoch, history.history
        return given, given, []
    this_fit = History() if history.epoch else history  # Keras 3: a new one for each fit
    return history, this_fit, [history] if this_fit is history else [history, this_fit]


def history_json(history: Any) -> dict[str, Any]:
    """``{"epoch": [...], "history": {key: [...]}}``, NaN and infinite values as None.

    A key holding a value that is no number (a str or a list a callback logged, which
    ``History`` records as is) is left out, with a warning naming it: the file's history
    holds numbers (JSON, read back as floats), so that every reader reads it."""
    if not isinstance(history, History):
        return {"epoch": [], "history": {}}
    values, left = {}, []
    for key, seq in history.history.items():
        numbers = [log_number(v) for v in seq]
        if any(v is None for v in numbers):
            left.append(key)
            continue
        values[key] = [v if v is not None and math.isfinite(v) else None for v in numbers]
    if left:
        warnings.warn(f"History keys {left} hold values that are no numbers (a str, a list, "
                      "an array), which a checkpoint's history (numbers) does not store: left "
                      "out of the file", UserWarning, stacklevel=user_stacklevel())
    return {"epoch": [int(e) for e in history.epoch], "history": values}


def check_epoch(history: Any, epoch: Any, step: int) -> None:
    """``epoch`` as the reader accepts it: the one after the history's last (or, with no
    history, at most one per optimizer step)."""
    done = history.epoch if isinstance(history, History) else []
    expected = done[-1] + 1 if done else None
    if not is_integer(epoch) or epoch < 0 or (expected is not None and epoch != expected) or (
        expected is None and epoch > step
    ):
        wanted = f"{expected}, the epoch after the history's last" if done else (
            f"an integer in [0, {step}] (the optimizer's steps)")
        raise ValueError(f"Expected epoch={wanted}. Received: epoch={quoted(epoch)}")
