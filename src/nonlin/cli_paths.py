"""Output paths on the command line: proven writable before any work is done.

``nonlin train`` may run for hours before it saves: a path it cannot write must
fail before the first epoch, not after the last. Every output option (``train
--out`` and the checkpoint path next to it, ``--plot``, ``predict -o``) is
checked by ``check_output_path`` when the command starts; ``train --out`` by
``check_model_output``, which also refuses a suffix that names another format.
"""

from __future__ import annotations

import contextlib
import errno
import os
from typing import Any

from ._quoting import shown_path
from .cli_common import UsageError

# how the --plot help says which format a plot is written in (``_plot_formats``)
PLOT_SUFFIX = ("in the format its suffix names: .png, .svg, .pdf, .jpg or any other format "
               "matplotlib writes (no suffix: PNG)")


def check_output_path(path: str, what: str = "output file") -> None:
    """Fail before any work when ``path`` cannot be written as a file.

    A pipe or device (``/dev/stdout``) is written through and must be writable.
    Any other path must be in an existing folder that takes the file: a file named
    as the temporary file ``_atomic.write_atomic`` writes first (``.NAME.XXXXXXXX.tmp``,
    ``_atomic.temp_prefix``) is created there and removed. That proves what ``os.access``
    cannot (it says yes to root for ``/sys``): that the folder takes new files and the name
    is not too long.
    """
    from ._atomic import check_current_folder, is_special_file, open_descriptor

    if not path:
        raise UsageError(f"expected a path for the {what}, received ''")
    check_current_folder(path)
    if open_descriptor(path) is not None or is_special_file(path):  # /dev/stdout, a pipe
        if os.access(path, os.W_OK):  # written through: no folder entry is made
            return
        raise UsageError(f"{shown_path(path)}: not writable, so the {what} cannot be written "
                         "there")
    if os.path.isdir(path):
        raise UsageError(f"{shown_path(path)}: is a directory, expected a path for the {what}")
    if path.endswith(("/", os.sep)):
        raise UsageError(f"{shown_path(path)}: ends with {path[-1]!r}, expected a file path "
                         f"for the {what}")
    target = os.path.realpath(path)  # where write_atomic writes: through a symbolic link
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        above = folder
        while not os.path.lexists(above) and os.path.dirname(above) != above:
            above = os.path.dirname(above)
        if os.path.lexists(above) and not os.path.isdir(above):
            raise UsageError(f"{shown_path(path)}: {shown_path(above)} is a file, not a folder")
        raise UsageError(f"{shown_path(path)}: folder {shown_path(folder)} does not exist")
    _probe_folder(path, folder, os.path.basename(target), what)


def check_model_output(path: str, what: str) -> None:
    """``check_output_path`` for a model file; first, a name whose suffix promises another
    format (``model.h5``, ``model.pt``: ``nonlin._model_suffix``) is refused."""
    from ._model_suffix import foreign_suffix

    found = foreign_suffix(path)
    if found is not None:
        why, instead = found
        raise UsageError(f"{shown_path(path)}: {why}; save the {what} as {shown_path(instead)}")
    check_output_path(path, what)


def check_checkpoint_name(out: str, checkpoint: str) -> None:
    """Fail when the name of the checkpoint saved next to ``out`` (``checkpoint``, longer
    by ``.checkpoint``) is over the file system's limit, though the name of ``out`` fits:
    say that it is the checkpoint's name, its length, and how much shorter ``out`` must be."""
    folder = os.path.dirname(os.path.realpath(checkpoint))
    if not os.path.isdir(folder):  # check_output_path(out) said so already
        return
    limit = _name_max(folder)
    size = len(os.fsencode(os.path.basename(checkpoint)))
    if size <= limit:
        return
    over, name = size - limit, len(os.fsencode(os.path.basename(out)))
    root, ext = os.path.splitext(out)  # model.safetensors -> model.checkpoint.safetensors
    added = checkpoint[len(root): len(checkpoint) - len(ext)]
    raise UsageError(
        f"--out {shown_path(out)}: the name of the checkpoint that Ctrl-C saves next to it "
        f"(the --out name with {added!r} added) would be too long: {size} bytes, where a name "
        f"may have {limit}; shorten the --out name by at least {over} bytes "
        f"(to {name - over} or fewer)"
    )


def _probe_folder(path: str, folder: str, name: str, what: str) -> None:
    """Create and remove ``folder/.NAME.XXXXXXXX.tmp``; a UsageError saying why it failed."""
    # imported here (the commands that write no file import this module too);
    # ``cli_paths.tempfile`` when set, as before: a test's patch of it reaches the probe
    tempfile = globals().get("tempfile") or __getattr__("tempfile")
    from ._atomic import temp_prefix

    if len(os.fsencode(name)) > _name_max(folder):  # the file itself could not be made
        raise UsageError(_too_long(path, folder, name, what))
    try:
        fd, probe = tempfile.mkstemp(prefix=temp_prefix(name), suffix=".tmp", dir=folder)
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise UsageError(_too_long(path, folder, name, what)) from None
        why = exc.strerror or str(exc)
        raise UsageError(f"{shown_path(path)}: cannot create the {what} in folder "
                         f"{shown_path(folder)} ({why}){_in_place_hint(folder, name, what)}"
                         ) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)


def _in_place_hint(folder: str, name: str, what: str) -> str:
    """For a file that is writable in a folder that is not (a file mounted writable in a
    read-only container): why that is not enough, and, for ``predict -o``, the way out."""
    target = os.path.join(folder, name)
    if not (os.path.isfile(target) and os.access(target, os.W_OK)):
        return ""
    way = ": write standard output to it instead (> PATH)" if what.endswith("(-o)") else ""
    return ("; the file itself is writable, but it is replaced atomically, through a temporary "
            f"file beside it, which needs the folder writable{way}")


def _name_max(folder: str) -> int:
    """The longest file name, in bytes, that the file system of ``folder`` takes."""
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # AttributeError: no pathconf (Windows)
        return 255


def _too_long(path: str, folder: str, name: str, what: str) -> str:
    """Why ``folder/name`` is too long a path: the name, or the whole path."""
    size, limit = len(os.fsencode(name)), _name_max(folder)
    if size <= limit:
        whole = len(os.fsencode(folder)) + size + 1
        return f"{shown_path(path)}: the path is too long ({whole} bytes)"
    return (f"{shown_path(path)}: the file name is too long: {size} bytes, where a name may have "
            f"{limit}; use a shorter name for the {what}")


def check_plot_format(path: str) -> None:
    """Once matplotlib is known to be there: refuse a ``--plot`` path whose suffix names no
    format matplotlib writes (``x.abc``), listing those it does; no suffix is a PNG."""
    from ._plot_formats import plot_format, plot_formats

    if plot_format(path) is None:
        suffix = os.path.splitext(path)[1]
        formats = ", ".join("." + name for name in plot_formats())
        raise UsageError(f"--plot {shown_path(path)}: expected a suffix naming a format "
                         f"matplotlib writes ({formats}), received {suffix!r}")


def __getattr__(name: str) -> Any:
    """``cli_paths.tempfile``, imported when a folder is probed (tests patch its mkstemp)."""
    if name == "tempfile":
        import tempfile

        return tempfile
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
