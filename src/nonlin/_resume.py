"""Putting a checkpoint into a model, for ``fit(resume_from=path)`` (``nonlin.checkpoint``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from . import registry
from ._atomic import file_path
from ._checkpoint_reader import Checkpoint, load_checkpoint
from ._feature_names import record_names
from ._quoting import quoted
from .core import Sequential


def _difference(theirs: dict[str, Any], mine: dict[str, Any]) -> str:
    """Where two ``get_config`` results first differ, for a message (whole configs
    are too long to show)."""
    for key in ("n_features_in", "dtype"):
        if theirs.get(key) != mine.get(key):
            return (f"{key}: the checkpoint's {quoted(theirs.get(key))}, "
                    f"this model's {quoted(mine.get(key))}")
    if len(mine["layers"]) != len(theirs["layers"]):
        return f"{len(mine['layers'])} layers here, {len(theirs['layers'])} in the checkpoint"
    for i, (saved, given) in enumerate(zip(theirs["layers"], mine["layers"], strict=True)):
        if saved != given:
            return (f"layers[{i}]: the checkpoint's {quoted(saved, 200)}, this model's "
                    f"{quoted(given, 200)}")
    return f"the checkpoint's {quoted(theirs, 200)}, this model's {quoted(mine, 200)}"


def read_resume(model: Sequential, optimizer: Any, path: str | os.PathLike[str], *,
                check: Callable[[Sequential], Any] | None = None) -> Checkpoint:
    """The checkpoint at ``path``, checked against a built ``model``; ``model`` is unchanged.

    The model's architecture, input width and dtype must match the
    checkpoint's, and ``optimizer`` (an instance or registry name) must be of
    the checkpoint's class; ``check(saved model)`` runs last (fit's
    feature-name check). ``fit`` reads and checks first, runs its own checks
    with the checkpoint's optimizer and generator (``checkpoint.model.rng``),
    and only then calls ``apply_resume``: a refused call changes nothing.
    """
    checkpoint = load_checkpoint(path)
    saved, source = checkpoint.model, file_path(path)
    mine, theirs = model.get_config(), saved.get_config()
    if mine != theirs:
        raise ValueError(f"The checkpoint {source!r} holds a different model "
                         f"({_difference(theirs, mine)})")
    expected = type(checkpoint.optimizer)
    given = (registry.lookup("optimizer", optimizer) if isinstance(optimizer, str)
             else type(optimizer))
    if given is not expected:
        raise ValueError(
            f"The checkpoint {source!r} was trained with {expected.__name__}. "
            f"Received: optimizer={quoted(optimizer)}"
        )
    if check is not None:
        check(saved)
    return checkpoint


def apply_resume(model: Sequential, checkpoint: Checkpoint) -> None:
    """Put ``read_resume``'s checkpoint into ``model``: its weights, layer state, generator,
    history, metadata and feature names are overwritten, and the callbacks' records and a
    stopped epoch's progress kept for ``fit``."""
    saved = checkpoint.model
    model.set_weights(saved.get_weights())
    if hasattr(model, "set_state"):
        model.set_state(saved.get_state())
    model.rng, model.history, model.metadata = saved.rng, checkpoint.history, saved.metadata
    record_names(model, saved.__dict__.get("feature_names_in_"))
    model._resume_callbacks = checkpoint.callbacks  # fit hands them to its callbacks
    model._resume_partial = checkpoint.partial  # and carries on a stopped epoch
    for layer in model.layers:
        if hasattr(layer, "rng"):
            layer.rng = model.rng


def resume(model: Sequential, optimizer: Any, path: str | os.PathLike[str], *,
           check: Callable[[Sequential], Any] | None = None) -> tuple[int, Any]:
    """Put the checkpoint at ``path`` into a built ``model``: ``read_resume``'s checks
    (nothing changes when one refuses), then ``apply_resume``.

    Returns
    -------
    initial_epoch : int
        The number of epochs the checkpoint had completed.
    optimizer : Optimizer
        The checkpoint's optimizer (its config, learning rate, slots and step
        count), to train with in place of ``optimizer``.
    """
    checkpoint = read_resume(model, optimizer, path, check=check)
    apply_resume(model, checkpoint)
    return checkpoint.epoch, checkpoint.optimizer
