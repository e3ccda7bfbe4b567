"""What the built-in callbacks refuse, asked for before ``fit`` changes anything.

``fit`` calls ``check_before_fit`` once its arguments are resolved and before it
binds anything to the model: each built-in callback's ``_check_fit(optimizer,
metrics, rng)`` refuses what its ``on_train_begin`` (or, later, its first write)
would: a monitored key of unknown direction, a scheduled learning rate to
change, a checkpoint folder that cannot be made, a generator a checkpoint
cannot record (``check_checkpoint_rng``), a log file that cannot be written
(``check_log_path``). The log file is neither created nor truncated here.
``refuse_while_fitting`` refuses ``fit`` and ``compile`` called by a callback of
the model's running fit, which goes on with its own optimizer, loss and metrics;
``fit_defaults`` refuses a ``fit`` without a loss or an optimizer.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from ._checkpoint_clash import check_written_paths
from ._quoting import quoted_path


def check_before_fit(callbacks: Iterable[Any], optimizer: Any, metrics: list[Any],
                     rng: Any, model: Any = None) -> None:
    """Each built-in callback's ``_check_fit(optimizer, metrics, rng)``, ``rng`` being the
    generator the fit will train with, and its ``_check_model(model)`` if it has one (a
    ``ModelCheckpoint``: layers it could not save), unless a subclass overrides
    ``on_train_begin`` (which may then decide otherwise). Two callbacks writing one file
    (``_checkpoint_clash``) are refused first, and a ``ModelCheckpoint`` of a fit still
    running on another model (this fit nested in it)."""
    callbacks = list(callbacks)
    check_written_paths(callbacks, model)
    for cb in callbacks:
        owner: Any = next((c for c in type(cb).__mro__ if "_check_fit" in c.__dict__), None)
        if owner is not None and owner.on_train_begin is type(cb).on_train_begin:
            owner._check_fit(cb, optimizer, metrics, rng)
            if model is not None and hasattr(owner, "_check_model"):
                owner._check_model(cb, model)


def check_checkpoint_rng(rng: Any) -> None:
    """A ``TypeError`` unless ``rng`` is a ``numpy.random.Generator``, whose state a
    checkpoint records (a legacy ``RandomState``, the tutorial's, has no such record)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "Expected model.rng to be a numpy.random.Generator, whose state a checkpoint "
            "records: build the model with a seed or a Generator (model.build(n_features, "
            "seed=0) or np.random.default_rng(0)), or pass fit a seed (seed=0), which "
            f"gives it a new Generator. Received: model.rng of type {type(rng).__name__}")


def check_log_path(filename: str, owner: str = "CSVLogger") -> None:
    """An ``OSError`` (``FileNotFoundError``, ``IsADirectoryError``, ``PermissionError``,
    ``NotADirectoryError``) naming ``filename`` when it cannot be opened for writing.

    Nothing is created or truncated: an existing file must be writable and no
    folder; a new one needs an existing folder that takes new files.
    """
    if not filename:
        raise _refused(errno.ENOENT, owner, filename, "the path is empty")
    if os.path.isdir(filename) or filename.endswith(("/", os.sep)):
        raise _refused(errno.EISDIR, owner, filename, "it names a folder")
    if os.path.exists(filename):  # through a symbolic link: its target
        if not os.access(filename, os.W_OK):
            raise _refused(errno.EACCES, owner, filename, "the file is not writable")
        return
    folder = os.path.dirname(os.path.realpath(filename))
    if not os.path.isdir(folder):
        above = folder
        while not os.path.lexists(above) and os.path.dirname(above) != above:
            above = os.path.dirname(above)
        if os.path.lexists(above) and not os.path.isdir(above):
            raise _refused(errno.ENOTDIR, owner, filename,
                           f"{quoted_path(above)} is a file, not a folder")
        raise _refused(errno.ENOENT, owner, filename,
                       f"the folder {quoted_path(folder)} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise _refused(errno.EACCES, owner, filename,
                       f"the folder {quoted_path(folder)} is not writable")


def _refused(code: int, owner: str, filename: str, why: str) -> OSError:
    return OSError(code, f"{owner} cannot write its file {quoted_path(filename)}: {why}")


def refuse_while_fitting(model: Any, call: str, hint: str) -> None:
    """Raise ``RuntimeError`` when ``model``'s fit (or ``train_on_batch``) is running and
    one of its callbacks calls ``call`` on it; ``hint`` says what to do instead. By id: a
    deepcopy of the model made meanwhile carries the flag but may fit and compile."""
    if model.__dict__.get("_fit_running") == id(model):
        raise RuntimeError(f"Cannot call {call} on a model whose fit is running (from one of "
                           f"its callbacks?): {hint}")


def fit_defaults(model: Any, loss: Any, optimizer: Any, metrics: Any,
                 resume_from: Any) -> tuple[Any, Any, Any, Any]:
    """``fit``'s loss, optimizer and metrics: those given, else the model's (``compile``'s,
    or the last ``fit``'s), else (a model with neither) ``resume_from``'s; a missing loss or
    optimizer is refused before anything runs. Also the checkpoint read for them, or None."""
    read = None
    if resume_from is not None and model.loss is None and model.optimizer is None:
        from ._resume import compile_defaults

        loss, optimizer, metrics, read = compile_defaults(resume_from, loss, optimizer, metrics)
    loss = model.loss if loss is None else loss
    optimizer = model.optimizer if optimizer is None else optimizer
    missing = [name for name, value in (("a loss", loss), ("an optimizer", optimizer))
               if value is None]
    if missing:
        raise TypeError(f"Expected {' and '.join(missing)} for fit: fit(X, y, loss=..., "
                        "optimizer=...), or model.compile(optimizer, loss) first. Received none")
    return loss, optimizer, getattr(model, "_metrics", []) if metrics is None else metrics, read
