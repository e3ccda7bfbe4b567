"""Standard output and error that a command may lose (``nonlin train ... | head -1``,
``2>&-``): the command finishes its work instead of stopping where it printed.

Moved unchanged from ``cli``, which imports ``_PipeSafe`` and ``_pipe_safe_output`` from
here.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from .cli_common import UsageError


class _PipeSafe:
    """A text stream whose reader may go away (``nonlin train ... | head -1``).

    The first ``BrokenPipeError`` on a write or flush (for stderr, any
    ``OSError``: ``2>/dev/full``, a bad descriptor) points the stream's file
    descriptor at ``os.devnull`` and every later write is dropped, so the
    command carries on and finishes its work (saving the model, writing files)
    instead of stopping where it printed. Stdout is the output of ``predict``:
    a full disk there stays an error.
    """

    def __init__(
        self, stream: TextIO, silenced: type[OSError] | tuple[type[OSError], ...] = BrokenPipeError
    ) -> None:
        self._stream = stream
        self._silenced = silenced
        self._broken = False

    def write(self, text: str) -> int:
        """Write ``text``; once the stream has failed, drop it. Returns ``len(text)``."""
        if not self._broken:
            try:
                return self._stream.write(text)
            except self._silenced:
                self._silence()
            except OSError as exc:  # stdout: a full disk (the output is lost) names it
                raise UsageError(f"cannot write to standard output ({exc.strerror})") from None
            except UnicodeEncodeError as exc:  # a label, a column name its encoding lacks
                if self._silenced is not OSError:  # stdout: the output would be wrong
                    raise _unencodable(exc, self._stream) from None
                # stderr (a strict one a script gave): messages, escaped as Python's stderr is
                escaped = text.encode(exc.encoding, "backslashreplace").decode(exc.encoding)
                self.write(escaped)  # its OSError handled as any write
        return len(text)

    def flush(self) -> None:
        """Flush the stream; a failure silences it instead of raising."""
        if not self._broken:
            try:
                self._stream.flush()
            except self._silenced:
                self._silence()
            except OSError as exc:  # stdout: a full disk (the output is lost) names it
                raise UsageError(f"cannot write to standard output ({exc.strerror})") from None

    def _silence(self) -> None:
        """Drop every later write and point the descriptor at ``os.devnull``."""
        self._broken = True
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())  # the buffered rest, flushed at exit
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _unwritable(fd: int) -> bool:
    """Whether descriptor ``fd`` is closed (``2>&-``) or open for reading only."""
    try:
        os.fstat(fd)
    except OSError:
        return True
    try:
        import fcntl
    except ImportError:  # Windows: no access mode to read
        return False
    try:
        return fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_RDONLY
    except OSError:
        return True


@contextlib.contextmanager
def _pipe_safe_output(command: str = "") -> Iterator[None]:
    """Guard stdout and stderr against a closed pipe for the duration of ``command``
    (its name, for what an unencodable output's error suggests: ``_unencodable``).

    A descriptor that is closed or read-only is pointed at ``os.devnull`` (a
    closed one would otherwise be taken by the next file opened); a stream that
    Python left as ``None`` (its descriptor was closed at start-up) is replaced
    by one that writes to ``os.devnull``.
    """
    for fd in (1, 2):
        if _unwritable(fd):
            null = os.open(os.devnull, os.O_WRONLY)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    saved = sys.stdout, sys.stderr
    with contextlib.ExitStack() as nulls:
        for stream in saved:
            nulls.enter_context(_utf8_for_ascii(stream))
        guarded = [
            _PipeSafe(nulls.enter_context(open(os.devnull, "w")) if stream is None else stream,
                      silenced)
            for stream, silenced in zip(saved, (BrokenPipeError, OSError), strict=True)
        ]
        sys.stdout, sys.stderr = guarded
        outer, _command[0] = _command[0], command
        try:
            yield
            for stream in guarded:
                stream.flush()
        finally:
            sys.stdout, sys.stderr = saved
            _command[0] = outer


# the running command's other way to its output, where it has one (``_pipe_safe_output``)
_JSON = "or pass --json (it writes non-ASCII text as \\uXXXX escapes)"
_OTHER_WAY = {"predict": "or write to a file (predict -o PATH writes UTF-8)",
              "evaluate": _JSON, "info": _JSON}
_command = [""]  # the name of the command running under _pipe_safe_output


def _unencodable(exc: UnicodeEncodeError, stream: Any) -> UsageError:
    """The error for text that standard output's encoding cannot write (a class label
    ``grün`` under ``LANG=en_US.ISO-8859-1``'s ``–``, or ``PYTHONIOENCODING=ascii``); the
    running command's other way (``predict -o``, ``--json``) where it has one."""
    bad = exc.object[exc.start:exc.end]
    way = _OTHER_WAY.get(_command[0])
    return UsageError(f"cannot write {bad!r} to standard output in its encoding "
                      f"{getattr(stream, 'encoding', None) or exc.encoding!r}; set "
                      f"PYTHONIOENCODING=utf-8{_utf8_locale()}{', ' + way if way else ''}")


def _utf8_locale() -> str:
    """The other way to UTF-8 output, a UTF-8 locale, set through the variable that decides
    it (``LC_ALL`` over ``LC_CTYPE`` over ``LANG``: ``LANG=C.UTF-8`` does nothing under
    ``LC_ALL=C``); none while ``PYTHONIOENCODING`` names an encoding (it wins over locales)."""
    if _encoding_asked():
        return ""
    name = next((name for name in ("LC_ALL", "LC_CTYPE") if os.environ.get(name)), "LANG")
    return f" (or a UTF-8 locale, {name}=C.UTF-8)"


def _encoding_asked() -> bool:
    """Whether ``PYTHONIOENCODING`` names an encoding (``":replace"`` names only a handler)."""
    return bool(os.environ.get("PYTHONIOENCODING", "").partition(":")[0].strip())


@contextlib.contextmanager
def _utf8_for_ascii(stream: Any) -> Iterator[None]:
    """Write ``stream`` (standard output or error) as UTF-8 while a command runs when its
    encoding is ASCII and ``PYTHONIOENCODING`` does not ask for it: the C or POSIX locale
    with Python's UTF-8 mode off (``PYTHONUTF8=0``, ``PYTHONCOERCECLOCALE=0``), where a
    non-ASCII class label or column name would stop ``train`` before it trained. UTF-8 is
    what Python itself writes there in UTF-8 mode, and what ``predict -o`` writes to a
    file; the stream's encoding is put back afterwards (``cli.main`` run from a script).
    Its error handler is kept, both ways (``reconfigure`` given an encoding alone resets it
    to ``strict``): standard error's ``backslashreplace``, standard output's
    ``surrogateescape`` in the C locale, as UTF-8 mode has them."""
    encoding = getattr(stream, "encoding", None)
    errors = getattr(stream, "errors", None)
    try:
        ascii_only = isinstance(encoding, str) and codecs.lookup(encoding).name == "ascii"
    except LookupError:
        ascii_only = False
    if not ascii_only or _encoding_asked() or not hasattr(stream, "reconfigure"):
        yield
        return
    try:
        stream.reconfigure(encoding="utf-8", errors=errors)
    except (OSError, ValueError):  # a closed pipe (flushed first), a stream already read
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            stream.reconfigure(encoding=encoding, errors=errors)
