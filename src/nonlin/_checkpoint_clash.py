"""Two of ``fit``'s callbacks writing one file, refused as ``fit`` begins: two
``ModelCheckpoint``s of one ``filepath`` (each epoch one replaces the other's file: a
``save_best_only`` one's best model lost to an every-epoch one's), a ``ModelCheckpoint``
writing a ``BackupAndRestore`` backup (the backup replaces it each epoch, and deletes it
when ``fit`` ends; the next ``fit`` would resume from it), or two ``BackupAndRestore``s of
one folder (each would resume from and delete the other's backup), or a ``CSVLogger``
writing one of those files or another ``CSVLogger``'s (its rows and a model in one file,
or two logs' rows mixed). Keras 3 checks none of
these (its ``BackupAndRestore`` documents that its folder "cannot be reused elsewhere ... by
the BackupAndRestore callback of another training run, or by another callback (e.g.
ModelCheckpoint) of the same training run"); the files are written atomically either way,
so nothing is corrupted, only lost. Two ``ModelCheckpoint``s of one template holding
``{epoch}`` that both write at epochs' ends, in one format (``save_weights_only``), are no
clash: each writes a file only at its epoch's end, the same model then (two monitors'
``save_best_only``, as Keras runs them). One path is one file however spelled: relative or
absolute, through a symbolic link. ``check_backups_free`` (and ``check_written_paths``
given the model): one ``BackupAndRestore`` (or ``ModelCheckpoint``) given to a fit while
another fit (of another model, a callback's nested one) still runs with it.
"""

from __future__ import annotations

import os
from typing import Any

from ._quoting import quoted_path


def _key(path: Any) -> str | None:
    """``path`` as the file it names (absolute, symbolic links resolved as far as they
    exist, case-folded where the system folds it), or None for what is no path (a file
    object)."""
    if not isinstance(path, str | bytes | os.PathLike):
        return None
    return os.path.normcase(os.path.realpath(os.fsdecode(path)))


_TEMPLATE = "\0template "  # no path holds a NUL


def _template_key(template: str) -> str | None:
    """A ``ModelCheckpoint``'s key: its template's (one template gives the same files),
    set apart from every path when it holds a field: the file named ``run-{epoch}.csv``
    is not one ``run-{epoch}.csv`` writes (a ``CSVLogger`` of that name is no clash)."""
    from ._checkpoint_path import _fields

    key = _key(template)
    return _TEMPLATE + key if key is not None and _fields(template, template) else key


_NUMBER = r"[^{}/]*(?:\d|(?i:nan|inf))[^{}/]*"  # a field formatted: epoch, batch, a loss


def _may_write(template_key: str, path: str) -> bool:
    """Whether a template (its key) may write the file ``path`` (a key): its text around
    the fields matches (``run-{epoch}.nonlin`` writes ``run-2.nonlin``, where a
    ``CSVLogger`` would append its rows to the model), each field a number: a
    digit, ``nan`` or ``inf`` within one file name (not ``run-{epoch}.nonlin`` itself, nor
    ``out/latest.safetensors`` for ``out/{epoch}.safetensors``)."""
    import re
    from string import Formatter

    parts = Formatter().parse(template_key.removeprefix(_TEMPLATE))
    pattern = "".join(re.escape(text) + ("" if name is None else _NUMBER)
                      for text, name, _, _ in parts)
    return re.fullmatch(pattern, path, re.DOTALL) is not None


def _log_key(filename: str) -> str | None:
    """A ``CSVLogger``'s key, or None for a file that is no regular file (``os.devnull``,
    ``/dev/stdout``, a pipe): rows appended there overwrite nothing (``/dev/stdout`` and
    ``/dev/stderr`` can be one terminal)."""
    key = _key(filename)
    return None if key is not None and os.path.exists(key) and not os.path.isfile(key) else key


def _same_epoch_files(one: Any, other: Any) -> bool:
    """Whether two ``ModelCheckpoint``s of one template write each file at the same moment
    alone, with the same model: an ``{epoch}`` field, both at epochs' ends, one format."""
    from ._checkpoint_callback import ModelCheckpoint
    from ._checkpoint_path import _fields

    if not (isinstance(one, ModelCheckpoint) and isinstance(other, ModelCheckpoint)):
        return False
    epochs = one.save_freq == other.save_freq == "epoch"
    return (epochs and one.save_weights_only == other.save_weights_only
            and any(name == "epoch" for name, _, _ in _fields(one.filepath, one.filepath)))


def _written(callback: Any) -> tuple[str | None, ...]:
    """The files ``callback`` writes: a ``ModelCheckpoint``'s ``filepath`` (its template:
    one template gives the same files), a ``BackupAndRestore``'s latest and previous, a
    ``CSVLogger``'s log."""
    from ._backup_callback import BackupAndRestore
    from ._checkpoint_callback import ModelCheckpoint
    from .callbacks import CSVLogger

    if isinstance(callback, ModelCheckpoint):
        return (_template_key(callback.filepath),)
    if isinstance(callback, CSVLogger):
        return (_log_key(callback.filename),)
    if isinstance(callback, BackupAndRestore):
        return _key(callback._latest), _key(callback._previous)
    return ()


def check_written_paths(callbacks: list[Any], model: Any = None) -> None:
    """A ``ValueError`` naming the two callbacks (class and position) and the file when two
    of ``callbacks`` write the same file; given ``model`` (the fit's), also one naming a
    ``ModelCheckpoint`` of a fit still running on another model."""
    seen: dict[str, tuple[int, Any]] = {}
    for i, callback in enumerate(callbacks):
        from ._checkpoint_callback import ModelCheckpoint  # here: a fit without callbacks pays none

        if model is not None and isinstance(callback, ModelCheckpoint):
            _check_checkpoint_free(callback, model)
        for path in _written(callback):
            if path is None:
                continue
            if path in seen:
                j, other = seen[path]
                shown = quoted_path(path.removeprefix(_TEMPLATE))
                if other is callback:
                    raise ValueError(
                        f"Expected each callback once in fit's callbacks. Received one "
                        f"{type(callback).__name__} (writing {shown}) as "
                        f"callbacks[{j}] and callbacks[{i}]: each of its hooks would run "
                        "twice a step or an epoch. List it once")
                if _same_epoch_files(other, callback):
                    continue
                raise ValueError(
                    f"Expected each file written by one of fit's callbacks. Received "
                    f"{type(other).__name__} (callbacks[{j}]) and {type(callback).__name__} "
                    f"(callbacks[{i}]) both writing {shown}: each epoch one would "
                    "write over the other's file (and a BackupAndRestore deletes its backup "
                    "when fit ends). Give them different paths")
            _check_templates(seen, path, i, callback)
            seen[path] = (i, callback)


def _check_templates(seen: dict[str, tuple[int, Any]], path: str, i: int, callback: Any) -> None:
    """A ``ValueError`` when ``path`` (``callbacks[i]``'s) is a file a template of ``seen``
    writes, or a template writing a file of ``seen`` (``run-{epoch}.nonlin``, ``run-2.nonlin``)."""
    for other_path, (j, other) in seen.items():
        if path.startswith(_TEMPLATE) == other_path.startswith(_TEMPLATE):
            continue
        template, file = (path, other_path) if path.startswith(_TEMPLATE) else (other_path, path)
        if _may_write(template, file):
            raise ValueError(
                f"Expected each file written by one of fit's callbacks. Received "
                f"{type(other).__name__} (callbacks[{j}]) and {type(callback).__name__} "
                f"(callbacks[{i}]) both writing {quoted_path(file)} (the template "
                f"{quoted_path(template.removeprefix(_TEMPLATE))} formatted): one would write "
                "over the other's file. Give them different paths")


def _running_fit_of(callback: Any, model: Any) -> Any:
    """The model (not ``model``) whose fit, still running, has ``callback`` among its
    callbacks (``model._fit_callbacks``), or None. One a finished fit left bound
    (``callback.model`` is kept) is free: the running fit of that model runs without it."""
    running = getattr(callback, "model", None)
    if (running is not None and running is not model
            and running.__dict__.get("_fit_running") == id(running)
            and any(c is callback for c in running.__dict__.get("_fit_callbacks", ()))):
        return running
    return None


def _check_checkpoint_free(callback: Any, model: Any) -> None:
    """A ``ValueError`` when ``callback``, a ``ModelCheckpoint``, is the callback of a fit
    still running on another model (this fit nested in it, from a callback): this fit would
    rebind it (``callback.model``), and the running fit would then write this model to its
    checkpoints (or fail to, the history being this fit's). Checked before it is bound."""
    running = _running_fit_of(callback, model)
    if running is not None:
        raise ValueError(
            f"Expected a ModelCheckpoint of this fit alone. Received one the running fit of "
            f"{type(running).__name__} {getattr(running, 'name', '')!r} writes to "
            f"{quoted_path(callback.filepath)} (this fit nested in it, from a callback): bound "
            "to this model, it would write this model as that fit's checkpoints. Give this fit "
            "its own ModelCheckpoint")


def check_backups_free(backups: list[tuple[Any, Any]], model: Any) -> None:
    """A ``ValueError`` when a ``BackupAndRestore`` of ``backups`` (``(callback, attributes)``
    pairs) is the callback of a fit still running on another model (a nested fit, from a
    callback): this fit would rebind it (``callback.model``), resume from or write over the
    running fit's backup and delete it as it ends; the running fit would then back up the
    other model as its own. Checked before the callback is touched."""
    for callback, _ in backups:
        running = _running_fit_of(callback, model)
        if running is not None:
            raise ValueError(
                f"Expected a BackupAndRestore of this fit alone. Received one the running fit "
                f"of {type(running).__name__} {getattr(running, 'name', '')!r} backs up to "
                f"{quoted_path(callback.backup_dir)} (this fit nested in it, from a callback): "
                "it would write over and delete that fit's backup, which would then hold this "
                "model. Give this fit its own BackupAndRestore, with another backup_dir")


def check_pass_writers(callbacks: list[Any], model: Any) -> None:
    """``evaluate``'s or ``predict``'s ``callbacks``: a ``ModelCheckpoint`` or
    ``BackupAndRestore`` of a fit still running on another model (the pass called from its
    callback) refused before the pass binds it to ``model``: that fit would then write this
    model as its checkpoints or backup."""
    from ._backup_callback import BackupAndRestore
    from ._checkpoint_callback import ModelCheckpoint

    for callback in callbacks:
        running = (_running_fit_of(callback, model)
                   if isinstance(callback, ModelCheckpoint | BackupAndRestore) else None)
        if running is not None:
            raise ValueError(
                f"Expected callbacks of this pass alone. Received a {type(callback).__name__} "
                f"of the running fit of {type(running).__name__} "
                f"{getattr(running, 'name', '')!r} (this pass called from its callback): bound "
                f"to this model ({type(model).__name__} {getattr(model, 'name', '')!r}), that "
                "fit would write this model as its own. Leave it out of this pass's callbacks")
