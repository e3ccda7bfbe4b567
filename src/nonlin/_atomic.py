"""Atomic file replacement: a failed save never corrupts an existing file.

``write_atomic(path, data)``::

    1. create a temporary file in the folder of ``path`` (same file system)
    2. write all of ``data``, flush, ``fsync`` (the bytes are on disk)
    3. ``os.replace(temporary, path)`` (readers see the old or the new file, never a mix)
    4. ``fsync`` the folder (the rename itself is on disk)

On any failure before step 3 (disk full, a read-only folder, an exception or
Ctrl-C mid-write) the temporary file is removed and the previous file at
``path`` is untouched; the exception propagates (an ``OSError`` names ``path``).

A symbolic link is written through, as ``open(path, "wb")`` does: the file
it names is replaced and the link stays. A path that names something other
than a regular file or a folder (a named pipe, ``/dev/null``, ``/dev/stdout``)
is opened and written, as ``open`` does: there is no file to replace, and
replacing the node would destroy it. A path ending in a folder's name (``out/``,
``m.safetensors/.``) is refused, as ``open`` refuses it, and so is one through a folder that
is missing (``missing/../m.safetensors``: ``FileNotFoundError``, where ``realpath`` would
drop the step). A path naming an open descriptor
(``/dev/stdout`` redirected to a file) writes to a copy of that descriptor.

Non-goal: locking against concurrent writers (the last ``os.replace`` wins).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from typing import Any, BinaryIO

from ._quoting import quoted, quoted_path

_DESCRIPTOR = re.compile(r"/(?:dev/fd|proc/self/fd)/(\d+)")
_CHUNK = 1 << 24  # write in 16 MiB pieces so a short write is noticed early
_TEMP_STEM = 200  # bytes of the target's name kept in the name of its temporary file
_WINDOWS = os.name == "nt"  # where os.replace fails while another handle has the file open


def temp_prefix(name: str) -> str:
    """``.NAME.``, the start of the temporary file's name for a file named ``name``
    (``mkstemp`` adds 8 random characters, then ``.tmp``). A name over 200 bytes is cut
    there, so every name a file system takes (255 bytes) has a temporary one it takes."""
    raw = os.fsencode(name)
    return f".{os.fsdecode(raw[:_TEMP_STEM]) if len(raw) > _TEMP_STEM else name}."


def _new_file_mode(path: str) -> int:
    """The mode of the file being replaced, else 0o666 minus the umask (as ``open`` gives)."""
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        pass
    return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it where Linux allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o022)  # elsewhere: set and restore (briefly visible to other threads)
    os.umask(umask)
    return umask


def _write_all(handle: BinaryIO, data: bytes | bytearray | memoryview) -> None:
    view = memoryview(data).cast("B")
    for start in range(0, len(view), _CHUNK):
        handle.write(view[start : start + _CHUNK])


def fsync_folder(folder: str) -> None:
    """Flush a folder's entries (a rename) to disk; a no-op where folders cannot be opened."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # a folder one may write to but not read (mode 0o300): the rename is done
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on folders; the rename is already done
    finally:
        os.close(fd)


def file_path(path: Any, contents_hint: str = "Write them to a file and pass its path") -> str:
    """``path`` as a str: saving and loading take what ``open`` takes (a str, bytes
    or ``os.PathLike``), bytes decoded as ``os.fsdecode`` does (lossless on POSIX).
    ``contents_hint`` ends the message for bytes holding a NUL (a file's contents)."""
    if not isinstance(path, str | bytes | os.PathLike):  # open(3) would use descriptor 3
        raise TypeError(f"Expected a file path (a str, bytes or os.PathLike). "
                        f"Received: path={quoted(path, 80)}")
    if "\0" in (text := os.fsdecode(path)):  # open() would say "embedded null byte"
        raise ValueError(f"Expected a file path. Received a {type(path).__name__} value with a "
                         f"NUL character ({quoted(text, 40)}): a file's contents, not its "
                         f"name? {contents_hint}")
    return text


def check_current_folder(path: str) -> None:
    """For a relative ``path``, the current folder it starts from must still exist: removed
    since the process started in it (a CI workspace cleaned), ``os.getcwd`` fails, and
    ``realpath`` with it, with an ``OSError`` that names no file. That error, naming
    ``path`` and why."""
    if os.path.isabs(path):
        return
    try:
        os.getcwd()
    except OSError as exc:
        raise OSError(exc.errno, "the current folder, which this relative path starts from, "
                      f"no longer exists ({exc.strerror or exc}); give an absolute path or "
                      "start in an existing folder", path) from None


def is_special_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` names an existing node that is neither a regular file nor a
    folder: a named pipe, a terminal, a device (links followed)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def open_descriptor(path: str | os.PathLike[str]) -> int | None:
    """The descriptor that ``path`` names (``/dev/stdout``, ``/dev/fd/N``,
    ``/proc/self/fd/N``, links followed up to there), else None. Writing to it
    keeps the shell's redirection: ``>>`` appends, and a file is not replaced."""
    name = os.path.abspath(os.fspath(path))
    for _ in range(8):
        found = _DESCRIPTOR.fullmatch(name)
        if found:
            return int(found.group(1))
        if not os.path.islink(name):
            return None
        name = os.path.normpath(os.path.join(os.path.dirname(name), os.readlink(name)))
    return None


def write_atomic(path: str | bytes | os.PathLike[str],
                 data: bytes | bytearray | memoryview) -> None:
    """Replace the file at ``path`` with ``data`` atomically (see the module docstring).

    Raises
    ------
    OSError
        The folder is missing or not writable, the disk is full, ... The old
        file (if any) is intact and no temporary file is left behind.
    """
    path = file_path(path)
    check_current_folder(path)
    descriptor = open_descriptor(path)
    if descriptor is not None or is_special_file(path):  # written through, never replaced
        try:
            with (os.fdopen(os.dup(descriptor), "wb") if descriptor is not None
                  else _open_special(path)) as handle:
                _write_all(handle, data)
        except OSError as exc:  # /dev/full: the write names no file
            raise _for_path(exc, path) from None
        return
    target = os.path.realpath(os.fspath(path))  # through a symbolic link, as open() writes
    folder, name = os.path.split(target)
    if os.path.isdir(target):
        raise IsADirectoryError(f"Expected a file path. Received a folder: {quoted_path(path)}")
    _check_file_name(path)
    mode = _new_file_mode(target)
    # imported here (nonlin.load imports this module and writes nothing); ``_atomic.tempfile``
    # when set, as before: a test's patch of it reaches the write
    tempfile = globals().get("tempfile") or __getattr__("tempfile")

    try:
        os.stat(os.path.dirname(path) or os.curdir)  # each folder named exists, as open() requires
        fd, temporary = tempfile.mkstemp(prefix=temp_prefix(name), suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _for_path(exc, path) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            _write_all(handle, data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        _replace(temporary, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise _for_path(exc, path) from None
        raise
    fsync_folder(folder)


def _replace(temporary: str, target: str) -> None:
    """``os.replace``; on Windows, a ``PermissionError`` tried again after 0.05, 0.1, 0.2 and
    0.4 s. Windows refuses to replace a file another handle holds open without
    ``FILE_SHARE_DELETE`` (WinError 5 or 32): an antivirus scanner or the search indexer
    opening the file for milliseconds, which would lose a finished training. A handle held
    longer (the model open in another program) still fails, naming the file."""
    for delay in (0.05, 0.1, 0.2, 0.4) if _WINDOWS else ():
        try:
            os.replace(temporary, target)
            return
        except PermissionError:
            import time

            time.sleep(delay)
    os.replace(temporary, target)


def _check_file_name(path: str) -> None:
    """Refuse a path ending in a folder's name (``out/``, ``m.safetensors/.``), which ``open``
    refuses: ``realpath`` drops the ending, and the file ``out`` (or ``m.safetensors``, over
    the one there) would be written."""
    if path.endswith((os.sep, os.altsep or os.sep)) or os.path.basename(path) in (".", ".."):
        raise IsADirectoryError(errno.EISDIR, "Expected a file path. Received one that names "
                                "a folder (it ends with '/', '/.' or '/..'): give the file's "
                                "name too, as in 'folder/model.safetensors'", path)


def _open_special(path: str | os.PathLike[str]) -> BinaryIO:
    """Open a pipe or device for writing. A named pipe that no process reads is an
    error, not a wait: ``open`` would block until a reader came, and ``nonlin train``
    saves with Ctrl-C ignored."""
    fifo = stat.S_ISFIFO(os.stat(path).st_mode) and hasattr(os, "O_NONBLOCK")
    try:
        fd = os.open(path, os.O_WRONLY | (os.O_NONBLOCK if fifo else 0))
    except OSError as exc:
        if fifo and exc.errno == errno.ENXIO:  # no reader
            raise OSError(exc.errno, "no process reads this named pipe", os.fspath(path)) from None
        raise
    if fifo:
        os.set_blocking(fd, True)  # the writes wait for the reader, as open()'s do
    return os.fdopen(fd, "wb")


def _for_path(exc: OSError, path: str | os.PathLike[str]) -> OSError:
    """``exc`` naming the file the caller asked for, not the temporary file (which is
    gone) or nothing at all (a failed write names no file); the same subclass by errno."""
    if exc.errno is None:
        return exc
    return OSError(exc.errno, exc.strerror or str(exc), os.fspath(path))


def __getattr__(name: str) -> Any:
    """``_atomic.tempfile``, imported when a file is written (tests patch its mkstemp)."""
    if name == "tempfile":
        import tempfile

        return tempfile
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
