"""Where the progress display writes, and what that stream can show (``nonlin.progress``).

``redraws`` (in ``progress``) asks these: ``ide_console`` (PyCharm's run console, a pipe
that shows a redrawn bar), ``no_width`` (a pseudo-terminal reporting 0 columns: a CI
runner's or a container's ``-t`` whose size was never set, where a bar cannot be fitted)
and ``bars_off`` (``TQDM_DISABLE``: the user turned tqdm's bars off, and with them the
epoch's results a bar would hold, so plain lines are written instead, as on a file).
``stderr`` is where it writes by default, ``Nowhere`` when there is no standard error.
"""

from __future__ import annotations

import os
import stat
import sys
from typing import Any


def ide_console(file: Any) -> bool:
    """Whether ``file`` is the process's standard output or error and not a regular file:
    PyCharm's console (a pipe), not ``2> log``, a file a script opened, or a ``StringIO``."""
    try:
        fd = file.fileno()
        return fd in (1, 2) and not stat.S_ISREG(os.fstat(fd).st_mode)
    except (AttributeError, ValueError, OSError):  # no file descriptor (io.UnsupportedOperation)
        return False


def no_width(file: Any) -> bool:
    """Whether the terminal ``file`` is on reports 0 columns (a pseudo-terminal whose size was
    never set); False where it has no size to ask (no file descriptor: a stream of Python's)."""
    try:
        return os.get_terminal_size(file.fileno()).columns == 0
    except (AttributeError, ValueError, OSError):
        return False


def bars_off() -> bool:
    """Whether ``TQDM_DISABLE`` turns tqdm's bars off: tqdm reads any value but the empty
    string so (its ``bool(value)``: ``"0"`` and ``"false"`` too). tqdm reads it once, when
    it is imported (``tqdm.utils.envwrap`` binds it as the default of ``disable``), so a
    variable removed since would still leave its bars blank, and the epoch's results with
    them: off when the variable is set now (read at each ``fit``) or tqdm bound it then."""
    if os.environ.get("TQDM_DISABLE"):
        return True
    std = sys.modules.get("tqdm.std")  # not imported yet: it will read the variable as now
    init = getattr(getattr(std, "tqdm", None), "__dict__", {}).get("__init__")
    return bool(getattr(init, "keywords", {}).get("disable"))


class Nowhere:
    """Where progress goes when there is no standard error (``sys.stderr`` None: ``pythonw``,
    a service started without descriptor 2): nothing is written, as ``print`` writes nothing
    when its stream is None."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def stderr() -> Any:
    """``sys.stderr`` as it is now (a redirection made since import is followed), or, when it
    is None, a stream that writes nothing (``Nowhere``)."""
    return sys.stderr if sys.stderr is not None else Nowhere()
