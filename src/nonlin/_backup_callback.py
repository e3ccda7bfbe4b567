"""``BackupAndRestore``: Keras 3's callback that makes an interrupted ``fit`` resumable.

The backup is a checkpoint (``nonlin.checkpoint``: safetensors and JSON, nothing pickled) in
``backup_dir``, written atomically (``nonlin._atomic``) at the end of each epoch or every
``save_freq`` batches. ``fit`` resumes from it as from ``fit(resume_from=...)``: the model's
weights and layer state, the optimizer's slots, step count and learning rate, the generator,
the history, the other callbacks' state and, mid-epoch, the epoch in progress.

Files: ``latest.safetensors``, with ``double_checkpoint`` the one before, ``_latest.safetensors``
(Keras 3's ``latest.weights.h5``, ``_latest.weights.h5``, ``training_metadata.json`` in one).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from ._backup_temp import remove_stale
from ._checkpoint_args import BATCHES
from ._monitor import _count
from ._quoting import quoted, quoted_path
from ._stacklevel import user_stacklevel
from .callbacks import Callback
from .validation import check_bool, is_integer

LATEST, PREVIOUS = "latest.safetensors", "_latest.safetensors"
STOPPED = "stopped"  # the state_dict key of a backup written as fit stopped (1)


def _folder(backup_dir: Any) -> str:
    """``backup_dir`` as a str path, refused when empty, not a path, with a NUL, or a file."""
    if isinstance(backup_dir, bool) or not isinstance(backup_dir, str | bytes | os.PathLike):
        raise TypeError("Expected a folder path (a str, bytes or os.PathLike) for the backups. "
                        f"Received: backup_dir={quoted(backup_dir)}")
    folder = os.fsdecode(backup_dir)
    if not folder or "\0" in folder:  # a NUL: os.makedirs would refuse it after an epoch
        raise ValueError("Expected a folder path for the backups. "
                         f"Received: backup_dir={quoted(folder)}")
    _not_a_file(folder)
    return folder


def _not_a_file(folder: str) -> None:
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise ValueError(f"Expected a folder (or a path to create one) as backup_dir. "
                         f"Received: backup_dir={quoted_path(folder)}, a file")


def _frequency(save_freq: Any) -> str | int:
    """``"epoch"`` or a positive number of batches (not a bool, not Keras 2's ``"batch"``)."""
    if isinstance(save_freq, str) and save_freq == "epoch":
        return "epoch"
    if isinstance(save_freq, bool) or not is_integer(save_freq) or save_freq < 1:
        raise ValueError("Expected save_freq 'epoch' or a positive integer (a number of "
                         f"batches). Received: save_freq={quoted(save_freq)}")
    return int(save_freq)


def _fault(path: str, metrics_given: bool) -> Exception | None:
    """Why the checkpoint at ``path`` fails to load for a resuming ``fit``, or None."""
    from ._checkpoint_reader import resume_checkpoint

    try:
        resume_checkpoint(path, metrics_given=metrics_given)  # its own metrics: not the file's
    except (OSError, ValueError) as exc:
        return exc
    return None


class BackupAndRestore(Callback):
    """Back up the training state, so that an interrupted ``fit`` run again resumes (Keras 3).

    An exception, Ctrl-C or a killed process stops the run; the same script run again,
    unchanged, resumes from the backup in ``backup_dir`` and ends as the uninterrupted
    run would have, bit for bit: the weights and layer state, the optimizer's state and
    learning rate, the generator, ``model.history`` and the ``History`` returned (every
    epoch, as ``fit(resume_from=)`` returns it; Keras 3 returns the resumed epochs
    alone), the other callbacks' state (``EarlyStopping``'s patience and best weights,
    ``ReduceLROnPlateau``'s counters) and, with an integer ``save_freq``, the epoch in
    progress, resumed from the batch after the backup (Keras 3 runs that epoch again
    from its first batch, from the weights saved). ``fit`` reads the backup as it
    begins, as ``fit(resume_from=backup)``: a different model is refused, naming the
    file, before anything changes; the backup's epoch wins over ``initial_epoch``, and
    over ``resume_from``, which starts a run that has no backup yet. Its hooks run
    after the other callbacks' (and so see their state of the epoch or batch).

    Each backup is written atomically: a save cut short (an error, Ctrl-C, the process
    killed) leaves the previous backup as it was. When training ends normally (also by
    ``EarlyStopping`` or ``TerminateOnNaN``), the backup is deleted unless
    ``delete_checkpoint=False``; it stays after an exception or Ctrl-C. A model with
    a legacy ``numpy.random.RandomState`` generator, a one-pass iterator as ``x`` or
    ``validation_data`` (nothing records how far it was read), two ``BackupAndRestore``
    in one ``fit``, and the ``nonlin.sklearn`` estimators (they save with ``est.save``)
    are refused before anything changes; so is a loop of your own (``CallbackList``'s
    ``on_train_begin`` outside ``fit``): nothing resumes there.

    Parameters
    ----------
    backup_dir : str or path-like
        Folder for the backups (created when first needed); no other run or callback
        should write there. Only the callback's own files are deleted at the end, then
        the folder if empty (Keras 3 deletes the whole folder). Temporary files of its
        writes that a killed process left (``.latest.safetensors.*.tmp``, and
        ``._latest.safetensors.*.tmp`` for the previous backup of ``double_checkpoint``)
        are removed at each backup and at the end once over an hour old (``_backup_temp``).
    save_freq : "epoch" or int, default "epoch"
        Back up at each epoch's end, or after every ``save_freq``-th batch, counted
        across epochs (Keras 3), never at an epoch's end.
    double_checkpoint : bool, default False
        Keep the previous backup too; should the latest fail to load, ``fit`` resumes
        from the previous one, with a warning (Keras 3).
    delete_checkpoint : bool, default True
        Delete the backup when training ends normally. A backup written at the epoch
        where training stopped (``EarlyStopping``) records the stop: ``fit`` resuming it
        (killed before its end, or ``False`` here) trains no more epochs (Keras 3 goes on).
    """

    def __init__(self, backup_dir: str | os.PathLike[str], save_freq: str | int = "epoch",
                 double_checkpoint: bool = False, delete_checkpoint: bool = True) -> None:
        self.backup_dir = _folder(backup_dir)
        self.save_freq = _frequency(save_freq)
        self.double_checkpoint = check_bool("double_checkpoint", double_checkpoint)
        self.delete_checkpoint = check_bool("delete_checkpoint", delete_checkpoint)
        self._bind_folder(self.backup_dir)
        self._epoch, self._batches, self._stopped = 0, 0, False
        self._resuming = False  # whether fit resumes from this callback's backup
        if self.save_freq != "epoch":  # an instance hook: fit calls no batch hook otherwise
            self.on_train_batch_end = self._batch_end  # type: ignore[method-assign]

    def _bind_folder(self, folder: str) -> None:
        """Write, read and delete in ``folder`` (``fit`` binds the absolute path as it
        begins: a working directory changed during the run moves no file)."""
        self._dir = folder
        self._latest = os.path.join(folder, LATEST)
        self._previous = os.path.join(folder, PREVIOUS)

    def backup_path(self, metrics_given: bool = True) -> str | None:
        """The backup ``fit`` resumes from, or None when there is none.

        With ``double_checkpoint``, a latest backup that fails to load (``OSError``,
        ``ModelFileError``) as ``fit`` reads it (``metrics_given=False``: a record's metrics
        over a file's total too) is replaced by the previous one, with a warning (Keras 3),
        when that one loads or there is no latest (``fit`` raises its error, not training
        afresh over it); else both stay, and ``fit`` raises the latest's error."""
        _not_a_file(self._dir)
        latest, previous = self._latest, self._previous
        if self.double_checkpoint and os.path.isfile(previous):
            fault = _fault(latest, metrics_given)  # no latest: the previous's error raised
            if fault and (not os.path.isfile(latest) or not _fault(previous, metrics_given)):
                warnings.warn(f"The backup {quoted_path(latest)} cannot be read ({fault}); "
                              f"resuming from the previous one, {quoted_path(previous)}",
                              UserWarning, stacklevel=user_stacklevel())
                from ._atomic import _replace  # os.replace, tried again on Windows
                _replace(previous, latest)
        return latest if os.path.isfile(latest) else None

    def _check_fit(self, optimizer: Any, metrics: list[Any], rng: Any) -> None:
        """A generator whose state a checkpoint records, and a folder, not a file: refused
        before ``fit`` changes anything (``_fit_checks.check_before_fit``)."""
        from ._fit_checks import check_checkpoint_rng
        from ._resumable import check_resumable

        check_checkpoint_rng(rng)
        check_resumable(optimizer, "BackupAndRestore's backups", refuse=True)  # else the
        # rerun fails to resume
        _not_a_file(self._dir)
        self.save_freq = _frequency(self.save_freq)  # set since it was made: checked, and
        if self.save_freq == "epoch":  # the batch hook that fit calls made to match
            self.__dict__.pop("on_train_batch_end", None)
        else:
            self.on_train_batch_end = self._batch_end  # type: ignore[method-assign]

    def _check_model(self, model: Any) -> None:
        """A layer outside ``registry.LAYERS``: refused before the first epoch."""
        from ._saveable import check_registered

        check_registered(model)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        model = self.model
        if model is None or model.__dict__.get("_fit_running") != id(model):
            raise RuntimeError(
                "Expected BackupAndRestore among fit's callbacks: fit resumes from its backup "
                "as it begins. Received on_train_begin outside fit (a loop of your own, with "
                "CallbackList): nothing would resume there, and the backups written would "
                "not match the history. Save with nonlin.save_checkpoint in your loop instead")
        self._batches, self._stopped = 0, False  # a resumed run's: load_state_dict

    def state_dict(self) -> dict[str, Any]:
        """The batch count (an integer ``save_freq``); at an epoch's end where training
        stopped (``EarlyStopping``), ``stopped``: the resumed ``fit`` trains no more."""
        if self.save_freq != "epoch":
            return {BATCHES: self._batches}
        model = self.model
        return {STOPPED: 1} if model is not None and model.stop_training else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._batches = _count(state, BATCHES)
        self._stopped = bool(_count(state, STOPPED))

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._epoch = epoch

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.save_freq == "epoch":
            self._save(epoch + 1)

    def _batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """``on_train_batch_end`` with an integer ``save_freq``: count, save every n-th."""
        self._batches += 1
        if self._batches >= int(self.save_freq):
            self._batches = 0  # before writing: the backup records the count to go on from
            self._save(self._epoch)  # with the epoch in progress

    def _save(self, done: int) -> None:
        """The checkpoint after ``done`` completed epochs (and the epoch in progress, if
        any), atomically; with ``double_checkpoint``, the latest kept first as the
        previous. A ``ValueError`` of the writer (non-finite state) skips it, warned; settings
        refused (a callback's ``opt.beta_1 = 1.5``) raise first, the files left as they were."""
        from ._atomic import write_atomic
        from ._compile_entries import check_saved_settings
        from .checkpoint import write_checkpoint

        check_saved_settings(self.model)  # before the previous backup is replaced
        os.makedirs(self._dir, exist_ok=True)
        remove_stale(self._dir)  # of writes killed mid-way (_backup_temp: over an hour old)
        if self.double_checkpoint and os.path.isfile(self._latest):
            with open(self._latest, "rb") as file:
                write_atomic(self._previous, file.read())
        try:
            write_checkpoint(self.model, self._latest, epoch=done)  # checked before fit
        except ValueError as exc:
            warnings.warn(f"BackupAndRestore did not write {quoted_path(self._latest)}: {exc}",
                          UserWarning, stacklevel=user_stacklevel())

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if not self.delete_checkpoint:  # the backup stays; stale temporary files go (docs)
            remove_stale(self._dir)
            return
        for path in (self._latest, self._previous):
            if os.path.isfile(path):
                os.remove(path)
        remove_stale(self._dir)
        try:
            os.rmdir(self._dir)  # only when empty: other files stay
        except OSError:
            pass


def backup_resume(callbacks: Any, resume_from: Any, x: Any, validation_data: Any,
                  metrics_given: bool = True) -> tuple[Any, Any]:
    """``fit``'s ``callbacks`` (an iterator of them read into a list) and what it resumes
    from: the backup of a ``BackupAndRestore`` among them, when there is one, else
    ``resume_from`` (``metrics_given``: whether that ``fit`` has metrics of its own, given
    or compiled). Refused: two of them, or one with a one-pass iterator as ``x`` or
    ``validation_data`` (a backup could not be resumed)."""
    if isinstance(callbacks, Callback):
        listed = [callbacks]
    elif isinstance(callbacks, str | bytes | dict | set | frozenset) or not hasattr(
            callbacks, "__iter__"):
        return callbacks, resume_from  # fit refuses it
    else:
        callbacks = listed = list(callbacks)
    backups = [cb for cb in listed if isinstance(cb, BackupAndRestore)]
    if not backups:
        return callbacks, resume_from
    if len(backups) > 1:
        where = [i for i, cb in enumerate(listed) if isinstance(cb, BackupAndRestore)]
        raise ValueError(f"Expected one BackupAndRestore in callbacks (one backup per run). "
                         f"Received {len(backups)}: callbacks{where}")
    from ._source_kind import is_source, source_kind

    for name, data in (("x", x), ("validation_data", validation_data)):
        if is_source(data) and source_kind(data) == "iterator":
            raise ValueError(f"Expected a sequence (len and getitem) or a re-iterable (a fresh "
                             f"iterator per epoch) as {name} with BackupAndRestore: nothing "
                             f"records how far an iterator was read, so a backup could not be "
                             f"resumed. Received: {name}={type(data).__name__}, an iterator")
    backups[0]._bind_folder(os.path.abspath(_folder(backups[0].backup_dir)))  # as fit begins
    found = backups[0].backup_path(metrics_given)
    backups[0]._resuming = found is not None
    return callbacks, resume_from if found is None else found


def resumed_stopped(callbacks: list[Any]) -> bool:
    """Whether ``fit`` resumed a ``BackupAndRestore`` backup written as training stopped
    (killed in ``on_train_end``, or ``delete_checkpoint=False``): no epoch is left to train
    (not so for another checkpoint, ``resume_from``'s, that holds the callback's state)."""
    return any(isinstance(cb, BackupAndRestore) and cb._stopped and cb._resuming
               for cb in callbacks)


def backups_last(callbacks: list[Any]) -> list[Any]:
    """``callbacks`` in the order ``fit`` calls them: a ``BackupAndRestore`` after the
    others, so that its backup holds their state of the epoch or batch it ends."""
    backups = [cb for cb in callbacks if isinstance(cb, BackupAndRestore)]
    if not backups:
        return callbacks
    return [cb for cb in callbacks if not isinstance(cb, BackupAndRestore)] + backups
