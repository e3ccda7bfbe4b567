"""Parquet and Arrow files told from CSV text by their bytes, not their names.

A Parquet file starts and ends with ``PAR1``, an Arrow IPC file (``.arrow``,
``.feather``) with ``ARROW1``, a Feather v1 file with ``FEA1``, and an Arrow IPC
stream starts with ``FF FF FF FF``. The first bytes alone do not decide: a CSV
whose first column is named ``FEA1`` or ``PAR1`` (a feature, a parameter) starts
so too. A file is one of these tables when it also ends with its mark, or, cut
short or damaged, when a byte no text holds (a control byte, NUL) follows the
first mark, as it does in every such file; a stream's mark is no UTF-8 text.
"""

from __future__ import annotations

import os

_FILES = ((b"PAR1", "Parquet"), (b"ARROW1", "Arrow IPC"), (b"FEA1", "Feather v1"))
_STREAM = (b"\xff\xff\xff\xff", "Arrow IPC stream")
START, END = 16, 8  # the bytes read at each end


def table_format(start: bytes, end: bytes | None) -> str | None:
    """The format (``"Parquet"``, ``"Arrow IPC"``, ``"Feather v1"``, ``"Arrow IPC
    stream"``) of a file whose first ``START`` bytes are ``start`` and last ``END`` bytes
    ``end`` (None where unknown: a pipe), or None for text (a CSV)."""
    if start.startswith(_STREAM[0]):
        return _STREAM[1]
    for mark, name in _FILES:
        if start.startswith(mark):
            ends = end is not None and end.endswith(mark)
            return name if ends or _binary(start[len(mark):]) else None
    return None


def _binary(data: bytes) -> bool:
    """Whether ``data`` holds a byte no CSV text holds (a control byte but tab and line
    ends, or DEL)."""
    return any(b < 32 and b not in b"\t\r\n" or b == 127 for b in data)


def file_end(path: str | os.PathLike[str]) -> bytes | None:
    """The last ``END`` bytes of the regular file at ``path``; None for any other (a pipe:
    reading it here would take its data) or one that cannot be read."""
    try:
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as handle:
            handle.seek(max(os.fstat(handle.fileno()).st_size - END, 0))
            return handle.read(END)
    except OSError:
        return None
