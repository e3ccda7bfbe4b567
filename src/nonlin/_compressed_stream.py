"""The decompressed bytes of a compressed data file, damage raised as a ``CSVError``.

``_Decompressed`` wraps the standard library's decompressing stream of a gzip, bz2, xz
or zip file (``_compressed.open_data`` makes it): a damaged or truncated stream is a
``CSVError`` naming the file, its format and the last line of its text that decompressed
whole (``_damaged``). ``codec(kind)``: the module of a kind, imported for a compressed file
alone (a Python may be built without lzma or bz2: the other kinds are read and written).
"""

from __future__ import annotations

import contextlib
import io
from typing import Any, BinaryIO

from ._csv_plan import CSVError

# each kind's module of the standard library, which a Python may be built without (lzma, bz2)
_MODULES = {"gzip": "gzip", "bz2": "bz2", "xz": "lzma", "zip": "zipfile"}


def codec(kind: str) -> Any:
    """The module reading and writing ``kind`` (gzip, bz2, xz, zip) files, imported now:
    for a compressed file alone, and that kind's alone; None when this Python was built
    without it (lzma, bz2 or zlib)."""
    try:  # plain imports (the audit's rule; tools that freeze a program follow them)
        if kind == "gzip":
            import gzip

            return gzip
        if kind == "bz2":
            import bz2

            return bz2
        if kind == "xz":
            import lzma

            return lzma
        import zipfile
        import zlib  # noqa: F401 (the zip archives' deflate; gzip's module imports it)

        return zipfile
    except ImportError:
        return None


def _no_codec(kind: str) -> str:
    """Why a ``kind`` file cannot be written."""
    article = "an" if kind == "xz" else "a"
    return (f"cannot write {article} {kind} file: this Python was built without its "
            f"{_MODULES[kind]} module")


def _damage_types() -> tuple[type[BaseException], ...]:
    """What a damaged stream raises: gzip.BadGzipFile and bz2's "Invalid data stream" are
    OSErrors without an errno (a disk's read error has one: it is raised as it is). The
    modules are imported here, with the stream: a plain CSV file needs none of them."""
    found: list[type[BaseException]] = [EOFError, OSError]
    # a Python built without lzma (or zlib) has no such stream to read
    with contextlib.suppress(ImportError):
        import zlib

        found.append(zlib.error)
    with contextlib.suppress(ImportError):
        import lzma

        found.append(lzma.LZMAError)
    import zipfile  # (it imports zlib, bz2 and lzma where there are)

    return (*found, zipfile.BadZipFile)


def _damaged(shown: str, kind: str, lines: int, exc: BaseException,
             recorded: int | None = None) -> CSVError:
    """The error for a damaged or truncated ``kind`` file; ``lines``: the line ends of its
    text decompressed before ``exc``; ``recorded``: the size of its text that it records,
    given when the stream ended early having decompressed a little more than that."""
    why = str(exc) or type(exc).__name__
    if recorded is not None:
        state = (f"a damaged one: it decompressed past the {recorded} bytes of text that its "
                 "last bytes record without reaching its end, so it is whole in length, "
                 "not truncated")
    elif not isinstance(exc, EOFError):  # a wrong checksum or code: the text before may be wrong
        state = "a damaged one"
    else:  # cut short: the text before the cut is as written
        state = f"a truncated one{f': its text stops after line {lines}' if lines else ''}"
    return CSVError(f"{shown}: expected a complete {kind} file. Received {state} ({why}); "
                    "copy or download it again")

class _Decompressed(io.RawIOBase):
    """The decompressed bytes of ``stream``: damage raised as a ``CSVError`` naming the file
    and the last whole line before it; ``file`` (the compressed file) closed with it."""

    def __init__(self, stream: io.BufferedIOBase, file: BinaryIO, shown: str, kind: str) -> None:
        super().__init__()
        self._stream, self._file, self._shown, self._kind = stream, file, shown, kind
        self._lines = 0  # line ends decompressed so far
        self.n_bytes = 0  # bytes decompressed so far
        self.recorded_size: int | None = None  # of the text, as the file records it
        self.block_size = 0  # bz2: the bytes of text in a block, each decompressed whole
        self.failed = False  # the damage was found (and raised)
        self._damage = _damage_types()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._stream.read1(len(buffer))  # one step: lines before damage count
        except self._damage as exc:
            if isinstance(exc, OSError) and exc.errno is not None:  # the disk, not the data
                raise
            self.failed = True
            raise _damaged(self._shown, self._kind, self._lines, exc,
                           self._overran(exc)) from None
        memoryview(buffer)[: len(data)] = data
        self._lines += data.count(b"\n")
        self.n_bytes += len(data)
        return len(data)

    def _overran(self, exc: BaseException) -> int | None:
        """The size of the text the file records (gzip's last 4 bytes) when the stream ended
        early (``exc`` an ``EOFError``) having decompressed up to 64 KiB more than it: the
        deflate data damaged near its end (an end-of-block code changed, the trailer then
        read as data), not cut short. Else None: a cut file's last 4 bytes, random, match
        so once in 65,000 (a file of several gzip members: its last's size, rarely so near)."""
        recorded = self.recorded_size if self._kind == "gzip" else None
        if recorded is None or not isinstance(exc, EOFError):
            return None
        return recorded if 0 <= self.n_bytes - recorded < 1 << 16 else None

    def fileno(self) -> int:
        """The compressed file's descriptor."""
        return self._file.fileno()

    def fileno_position(self) -> int:
        """The bytes of the compressed file read so far (0: unknown, a pipe)."""
        try:
            return self._file.tell()
        except OSError:
            return 0

    def close(self) -> None:
        if not self.closed:
            try:
                self._stream.close()
            finally:
                self._file.close()
        super().close()
