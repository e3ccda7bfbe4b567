"""Putting a checkpoint into a model, for ``fit(resume_from=path)`` (``nonlin.checkpoint``)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from . import registry
from ._atomic import file_path
from ._checkpoint_reader import Checkpoint, resume_checkpoint
from ._feature_names import record_names
from ._header import ModelFileError
from ._layer_names import without_names
from ._quoting import clipped, quoted, quoted_path
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


def compile_defaults(path: Any, loss: Any, optimizer: Any,
                     metrics: Any) -> tuple[Any, Any, Any, Checkpoint]:
    """``fit(resume_from=path)``'s loss, optimizer and metrics for a model without its
    own (neither compiled nor fitted): those given, else the checkpoint's (its compile
    record's loss and metrics, its optimizer), as Keras' ``load_model`` compiles a model.

    Returns them and the checkpoint read (``read_resume`` takes it, not reading twice).
    Raises ``TypeError`` when neither the call nor the file (one written before checkpoints
    kept the record, or whose loss the registry does not hold) gives a loss.
    """
    try:
        checkpoint = resume_checkpoint(path, metrics_given=metrics is not None)
    except ModelFileError as error:  # the record's metrics, more than a file holds
        if not (error.field or "").startswith("compile.metrics"):
            raise
        raise ModelFileError(error.path, f"{error.reason}. To resume, give fit the run's "
                             "metrics, fit(..., metrics=[...]) (or model.compile(optimizer, "
                             "loss, metrics) first): the checkpoint's are then not read",
                             error.field) from None
    saved = checkpoint.model
    if loss is None and saved.loss is None:
        raise TypeError(f"Expected a loss for fit: the checkpoint {quoted_path(path)} has "
                        "none in a compile record (written before checkpoints kept one, or "
                        "its loss is not in nonlin.registry.LOSSES): fit(X, y, loss=..., "
                        "resume_from=...). Received none")
    return (saved.loss if loss is None else loss,
            checkpoint.optimizer if optimizer is None else optimizer,
            list(saved._metrics) if metrics is None else metrics, checkpoint)


def read_resume(model: Sequential, optimizer: Any, path: str | os.PathLike[str], *,
                check: Callable[[Sequential], Any] | None = None,
                checkpoint: Checkpoint | None = None, asked: Any = None) -> Checkpoint:
    """The checkpoint at ``path``, checked against a built ``model``; ``model`` is unchanged.

    The model's architecture (its layer and model names aside), input width and dtype
    must match the checkpoint's, and ``optimizer`` (an instance or registry name; ``None``: no
    check) must be of the checkpoint's class; ``asked``, the optimizer as the caller gave it
    (an instance: ``fit(optimizer=Adam(...))``), must also have its settings
    (``check_settings``), and so must ``optimizer`` when ``asked`` is None and it is the
    instance ``model.compile`` was given (not one it made from a name); ``check(saved
    model)`` runs last (fit's feature-name check). ``fit`` reads and checks first, runs its
    own checks with the checkpoint's optimizer and generator (``checkpoint.model.rng``),
    and only then calls ``apply_resume``: a refused call changes nothing.
    ``checkpoint``: the file's, when ``compile_defaults`` read it already.
    """
    if checkpoint is None:  # the file's metrics are read only for a model not compiled
        compiled = model.loss is not None or model.optimizer is not None  # (apply_resume)
        checkpoint = resume_checkpoint(path, metrics_given=compiled)
    saved, source = checkpoint.model, file_path(path)
    mine, theirs = without_names(model.get_config()), without_names(saved.get_config())
    if mine != theirs:
        raise ValueError(f"The checkpoint {quoted_path(source)} holds a different model "
                         f"({_difference(theirs, mine)})")
    expected = type(checkpoint.optimizer)
    given = (registry.lookup("optimizer", optimizer) if isinstance(optimizer, str)
             else type(optimizer))
    if optimizer is not None and given is not expected:
        raise ValueError(
            f"The checkpoint {quoted_path(source)} was trained with {expected.__name__}. "
            f"Received: optimizer={quoted(optimizer)}"
        )
    if asked is None and optimizer is not None and optimizer is model.__dict__.get(
            "_compiled_instance"):  # fit's optimizer=None: compile's, an instance given
        check_settings(optimizer, checkpoint.optimizer, source, compiled=True)
    else:
        check_settings(asked, checkpoint.optimizer, source)
    if check is not None:
        check(saved)
    return checkpoint


def check_settings(given: Any, saved: Any, source: str, compiled: bool = False) -> None:
    """Refuse an optimizer instance ``given`` to resume the checkpoint at ``source`` whose
    ``get_config()`` is not that of the checkpoint's optimizer ``saved``, which the resumed
    run trains with: the settings given would be dropped. A float learning rate is not
    compared: the checkpoint's goes on, as the run left it (``ReduceLROnPlateau`` may have
    lowered it: the script that started the run resumes it unchanged; Keras 3's
    ``BackupAndRestore`` restores the rate too); a schedule is a setting, compared. A name
    (``"adam"``) or ``None`` gives no settings: nothing to check. ``compiled``: ``given`` is
    the instance ``model.compile`` was given (``fit``'s ``optimizer=None``), for the message."""
    if isinstance(given, str) or given is None or given is saved:
        return
    mine, theirs = given.get_config(), saved.get_config()
    rates = mine.get("lr"), theirs.get("lr")
    skip = () if any(isinstance(rate, dict) for rate in rates) else ("lr",)  # floats: not
    if {k: v for k, v in mine.items() if k not in skip} != {
            k: v for k, v in theirs.items() if k not in skip}:
        name = type(saved).__name__
        head, asked, instead = (
            ("a compiled optimizer given by name",
             f"model.compile(optimizer={name}({_settings(mine)}))",
             "Compile it by name (\"adam\")")
            if compiled else
            ("optimizer=None", f"optimizer={name}({_settings(mine)})", "Pass optimizer=None"))
        raise ValueError(
            f"Expected {head}, or the settings of the optimizer of the checkpoint "
            f"{quoted_path(source)}, which the resumed run trains with: {name}("
            f"{_settings(theirs)}). Received: {asked}. {instead} to go on with the "
            "checkpoint's, or one with the same settings; to change the learning rate, "
            "ck = load_checkpoint(path), set ck.model.optimizer.lr, then "
            "ck.model.fit(..., initial_epoch=ck.epoch)")


def _settings(config: dict[str, Any]) -> str:
    """``config`` as keyword arguments: ``lr=0.001, beta_1=0.9``."""
    return clipped(", ".join(f"{key}={quoted(value, 120)}" for key, value in config.items()),
                   300)


def apply_resume(model: Sequential, checkpoint: Checkpoint) -> None:
    """Put ``read_resume``'s checkpoint into ``model``: its weights, layer state, generator,
    history, metadata and feature names are overwritten, and the callbacks' records and a
    stopped epoch's progress kept for ``fit``; a model not compiled takes the file's metrics."""
    saved = checkpoint.model
    model.set_weights(saved.get_weights())
    if hasattr(model, "set_state"):
        model.set_state(saved.get_state())
    model.rng, model.history, model.metadata = saved.rng, checkpoint.history, saved.metadata
    record_names(model, saved.__dict__.get("feature_names_in_"))
    model._resume_callbacks = checkpoint.callbacks  # fit hands them to its callbacks
    model._resume_partial = checkpoint.partial  # and carries on a stopped epoch
    if model.loss is None and model.optimizer is None:  # not compiled: the file's metrics
        model._metrics = list(saved._metrics)  # stay, as compile's (fit sets the rest)
        model._file_metric_names = saved.__dict__.get("_file_metric_names", ())  # saved so
    for layer in model.layers:
        if hasattr(layer, "rng"):
            layer.rng = model.rng


def resume(model: Sequential, optimizer: Any = None,
           path: str | os.PathLike[str] | None = None, *,
           check: Callable[[Sequential], Any] | None = None) -> tuple[int, Any]:
    """Put the checkpoint at ``path`` into a built ``model``: ``read_resume``'s checks
    (nothing changes when one refuses), then ``apply_resume``.

    ``optimizer`` (an instance or registry name) must be of the checkpoint's class (an
    instance, with its settings: ``check_settings``);
    ``None`` (``resume(model, path=path)``), as in ``fit(resume_from=path)``: the model's
    (``compile``'s or its last ``fit``'s), checked so (its settings too when it is the
    instance ``compile`` was given), else none to check: the checkpoint's trains either way.

    Returns
    -------
    initial_epoch : int
        The number of epochs the checkpoint had completed.
    optimizer : Optimizer
        The checkpoint's optimizer (its config, learning rate, slots and step
        count), to train with in place of ``optimizer``.
    """
    if path is None:
        raise TypeError("Expected the checkpoint's path: resume(model, path=...). "
                        "Received: path=None")
    asked = optimizer
    if optimizer is None:
        optimizer = getattr(model, "optimizer", None)
    checkpoint = read_resume(model, optimizer, path, check=check, asked=asked)
    apply_resume(model, checkpoint)
    return checkpoint.epoch, checkpoint.optimizer
