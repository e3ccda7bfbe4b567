"""Stale temporary files of ``BackupAndRestore``'s writes, removed from its folder.

A backup is written atomically (``nonlin._atomic.write_atomic``): into a temporary file
``.latest.safetensors.XXXXXXXX.tmp`` (``._latest.safetensors.XXXXXXXX.tmp`` for the
previous one; ``mkstemp``'s 8 characters of ``[a-z0-9_]``), renamed over the backup when
complete. A process killed mid-write (SIGKILL, a lost machine) leaves that file behind.

The rule (``remove_stale``): a file is removed only when its name is exactly one of those
two patterns, it is a regular file (not a link, not a folder), and it was last modified
more than ``STALE_SECONDS`` (one hour) ago. A live writer, of this process or another
one using the same folder, writes its temporary file in pieces of 16 MiB at most, each
updating its modification time, then syncs and renames it within moments: its file is
never an hour old. A writer stopped (SIGSTOP, a suspended machine) for over an hour
mid-write would find its file gone, and that save fails with an ``OSError``; the
previous backup stays. Any other file in the folder is never touched, and an error
(a file gone meanwhile, no permission) leaves the file where it is.
"""

from __future__ import annotations

import os
import re
import stat
import time

STALE_SECONDS = 3600.0  # a temporary file untouched this long has no live writer
_STALE_NAME = re.compile(r"\._?latest\.safetensors\.[a-z0-9_]{8}\.tmp")


def remove_stale(folder: str, now: float | None = None) -> list[str]:
    """Remove the stale temporary files of backups in ``folder`` (the module's rule);
    returns the names removed. A folder that cannot be listed removes nothing."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    now = time.time() if now is None else now
    removed = []
    for name in names:
        if not _STALE_NAME.fullmatch(name):
            continue
        path = os.path.join(folder, name)
        try:
            info = os.lstat(path)
            if stat.S_ISREG(info.st_mode) and now - info.st_mtime > STALE_SECONDS:
                os.remove(path)
                removed.append(name)
        except OSError:
            continue
    return removed
