"""Whether a checkpoint of an optimizer can be resumed from, the one check that
``ModelCheckpoint``, ``BackupAndRestore`` and ``save_checkpoint`` run (``check_resumable``).

A checkpoint records the optimizer by class name and config, and ``fit(resume_from=)``,
``load_checkpoint`` and ``BackupAndRestore`` rebuild it from the registry alone: an optimizer
or schedule of one's own must be registered (``nonlin.registry.OPTIMIZERS``,
``nonlin.schedules.SCHEDULES``) where the checkpoint is written and where it resumes, and
its ``get_config`` must give every setting back (``_rebuilt_settings``). ``ModelCheckpoint``
checks before the first epoch and warns (``nonlin.load`` still reads its files as models);
``BackupAndRestore`` refuses before the first epoch (its backups exist to resume);
``save_checkpoint`` called directly warns, as ``ModelCheckpoint`` does, before it writes, and
so does ``checkpoint_bytes`` (the callbacks write through ``checkpoint.write_checkpoint``,
checked before ``fit`` began). The check rebuilds the optimizer from its config (no copy of
its state: ``_compile_entries.unrebuilt``), once per call.
"""

from __future__ import annotations

import warnings
from typing import Any

from ._quoting import quoted
from ._stacklevel import user_stacklevel


def unresumable(optimizer: Any) -> str | None:
    """Why a checkpoint of ``optimizer`` could not be resumed from (``resume_from``,
    ``load_checkpoint`` and ``BackupAndRestore`` rebuild it from the registry alone), with
    the fix; None when it could, or for None."""
    from ._compile_entries import unrebuilt  # (imports checkpoint when called)

    problem = None if optimizer is None else unrebuilt(optimizer, optimizer.get_config())
    if problem is None:  # the checks of a model file's optimizer, without its state's copy
        return None
    head = f"its optimizer {quoted(optimizer, 80)} could not be rebuilt from it"
    if problem.kind == "lost setting":  # lost_setting's words name the fix already
        return f"{head}: {problem.reason}"
    if problem.kind == "config":
        fix = (f"give it a get_config that {type(optimizer).__name__}(**config) rebuilds it "
               f"from, as the file's JSON (a from_config of its own is not called)")
    else:
        own = type(optimizer) if problem.kind == "unregistered optimizer" else type(optimizer.lr)
        table = "registry.OPTIMIZERS" if own is type(optimizer) else "schedules.SCHEDULES"
        fix = (f"register its class, nonlin.{table}[{own.__name__!r}] = {own.__name__}, here "
               f"and where the run resumes")
    return f"{head} ({problem.reason}): {fix}"


def check_resumable(optimizer: Any, files: str, *, refuse: bool = False,
                    otherwise: str = "") -> None:
    """Warn (``UserWarning``, at the user's call) that the checkpoints ``files`` names
    (``"ModelCheckpoint's files"``) will not resume, with ``unresumable``'s reason and fix
    and ``otherwise`` after it; or, with ``refuse``, raise it.

    Raises
    ------
    TypeError
        With ``refuse``, for an optimizer ``unresumable`` names a reason for.
    """
    reason = unresumable(optimizer)
    if reason is None:
        return
    if refuse:
        raise TypeError(f"Expected {files} to resume. Received a fit whose "
                        f"{files.rpartition(' ')[2]} would not: {reason}")
    warnings.warn(f"{files} will not resume (resume_from=): {reason}{otherwise}", UserWarning,
                  stacklevel=user_stacklevel())
