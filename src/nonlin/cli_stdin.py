"""``-`` as DATA.csv: the CSV data read from standard input, as Unix tools read ``-``.

``curl -sL URL | nonlin train - --target y`` and ``nonlin predict model.safetensors
- < new.csv``. A command reads its data file more than once (the header, then the
rows; the target again as text, ``predict --keep``'s columns, a cell a message
names), and standard input can be read only once: on the first read it is copied
to a temporary file, which is removed when the command ends. Compressed input
(``nonlin train - < big.csv.gz``) is copied as it comes, compressed, and each read
decompresses it (``_compressed.open_data``). Messages and the
training record name it ``<stdin>``. Only DATA.csv may be ``-``: a model file is
read by its path. A file named ``-`` is ``./-``.

``stdin_data(args)`` wraps a command: DATA.csv ``-`` becomes ``<stdin>``, and
``data_file`` gives the file to open for it; a reader is given the name (``<stdin>``)
and opens ``data_file(name)``, so that its messages name ``<stdin>``, never the copy
(``data_name`` takes the copy's path back to the name).

A Parquet or Arrow file (standard input's copy too) is read through its CSV copy
(``cli_columnar``), which ``data_file`` makes on its first call and ``stdin_data``
removes at the end, as it removes standard input's. A table of numbers and booleans
without nulls is read without one (``cli_direct``): the checks of DATA.csv call
``input_file``, which opens and reads such a table once (``open_direct``) and gives its
path, and the header (``cli_table.header_names``) and rows (``read_table``) come from
the table itself; any other reading (text cells, a message naming a line) calls
``data_file``, which makes the copy then.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .cli_columnar import as_csv, columnar_format

if TYPE_CHECKING:
    from .cli_direct import Direct

STDIN = "-"
NAME = "<stdin>"  # DATA.csv when it is standard input, in messages and the training record


class _Copy:
    """Standard input's temporary copy while a command that reads it runs."""

    active = False  # the command's DATA.csv is standard input
    folder: str | None = None  # the temporary folder of the copy, once made
    path: str | None = None  # the copy, once made


class _Tables:
    """The CSV copies of Parquet and Arrow files (``cli_columnar``) while a command runs:
    the name DATA.csv is given by (``<stdin>`` too) -> its copy."""

    copies: dict[str, str] = {}
    direct: dict[str, Direct] = {}  # those read without a copy (``cli_direct``)


@contextlib.contextmanager
def stdin_data(args: argparse.Namespace) -> Iterator[None]:
    """Run a command whose DATA.csv (``args.data``) may be ``-``: it is renamed ``<stdin>``,
    and the copy of standard input (``data_file``) is removed at the end, as the CSV copies
    of Parquet and Arrow files are."""
    stdin = getattr(args, "data", None) == STDIN
    if stdin:
        args.data, _Copy.active = NAME, True
    try:
        yield
    finally:
        for copy in _Tables.copies.values():
            _remove(os.path.dirname(copy))
        _Tables.copies.clear()
        _Tables.direct.clear()
        if stdin:
            if _Copy.folder is not None:
                _remove(_Copy.folder)
            _Copy.active, _Copy.folder, _Copy.path = False, None, None


def _remove(folder: str) -> None:
    """Remove ``folder`` and what it holds, as far as possible (``shutil`` imported here: a
    command reading a data file by its path makes no copy)."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def data_file(path: str) -> str:
    """The file to open for DATA.csv ``path``: for ``<stdin>`` (while ``stdin_data`` runs),
    the copy of standard input, made on the first call; for a Parquet or Arrow file (by its
    first bytes), its CSV copy (``cli_columnar``), made on the first call; any other path
    as it is."""
    if path in _Tables.copies:
        return _Tables.copies[path]
    read = _stdin_file(path)
    kind = columnar_format(read)
    if kind is None:
        return read
    _Tables.copies[path] = copy = as_csv(read, kind, path)
    return copy


def input_file(path: str) -> str:
    """The file to check for DATA.csv ``path`` (that it exists, and is no output):
    ``data_file``'s, but for a Parquet or Arrow file that ``open_direct`` reads without a
    copy, that file (standard input's copy for ``<stdin>``), checked on the first call."""
    if path in _Tables.copies:
        return _Tables.copies[path]
    if path in _Tables.direct:
        return _Tables.direct[path].path
    read = _stdin_file(path)
    kind = columnar_format(read)
    if kind is None:
        return read
    from .cli_direct import open_direct

    direct = open_direct(read, kind, path)
    if direct is None:
        return data_file(path)
    _Tables.direct[path] = direct
    return read


def direct_table(path: str) -> Direct | None:
    """The table DATA.csv ``path`` (or its copy's path) is read from without a copy, once
    ``input_file`` has opened it, unless its copy is made; else None."""
    name = data_name(path)
    return None if name in _Tables.copies else _Tables.direct.get(name)


def _stdin_file(path: str) -> str:
    """``path``, or for ``<stdin>`` (while ``stdin_data`` runs) the copy of standard input,
    made on the first call."""
    if path != NAME or not _Copy.active:
        return path
    if _Copy.path is None:
        _Copy.folder = _temporary_folder()
        _Copy.path = _copy_stdin(os.path.join(_Copy.folder, "data.csv"))
    return _Copy.path


def _temporary_folder() -> str:
    """A new folder for standard input's copy, in ``$TMPDIR`` (else ``/tmp``, ...); none
    writable (a read-only container, ``TMPDIR`` naming a missing folder and ``/tmp``
    read-only) is a user error naming the way out, not ``tempfile``'s bare message."""
    from ._quoting import shown_path
    from .cli_common import UsageError

    try:
        import tempfile

        return tempfile.mkdtemp(prefix="nonlin-stdin-")
    except OSError as exc:  # FileNotFoundError: "No usable temporary directory found in"
        reason = exc.strerror or str(exc)
        if exc.filename is not None:
            reason = f"{shown_path(exc.filename)}: {reason}"
        raise UsageError(
            "DATA.csv is - (standard input), which is copied to a temporary folder first, but "
            f"no folder for temporary files is writable ({reason}); set TMPDIR to a writable "
            "folder, or save the data to a file and give its path") from None


def data_name(path: str) -> str:
    """DATA.csv as messages name it: ``<stdin>`` for the path of standard input's copy
    (``data_file``'s, given where the name was meant), any other path as it is."""
    for name, copy in _Tables.copies.items():
        if path == copy:
            return name
    return NAME if _Copy.path is not None and path == _Copy.path else path


def table_source(path: str) -> str:
    """The Parquet or Arrow file whose CSV copy is ``path`` (so that no output overwrites
    it: ``check_distinct_paths``), any other path as it is."""
    return next((name for name, copy in _Tables.copies.items()
                 if copy == path and name != NAME), path)


def in_messages(text: str) -> str:
    """``text`` with the path of standard input's copy written as ``<stdin>``, and those of
    the CSV copies of Parquet and Arrow files as their names."""
    for name, copy in _Tables.copies.items():
        text = text.replace(copy, name)
    return text.replace(_Copy.path, NAME) if _Copy.path else text


def _copy_stdin(path: str) -> str:
    """Copy standard input, as bytes, to ``path``; returns ``path``."""
    from .cli_common import UsageError, note

    stream = sys.stdin
    if stream is None or stream.closed:
        raise UsageError("DATA.csv is - (standard input), but standard input is closed")
    if stream.isatty():
        note("reading DATA.csv from the terminal (standard input); end it with Ctrl-D")
    source = getattr(stream, "buffer", None)
    import shutil

    try:
        with open(path, "wb") as copy:
            if source is None:  # a text stream (a test's io.StringIO)
                copy.write(stream.read().encode("utf-8"))
            else:
                shutil.copyfileobj(source, copy, 1 << 20)
    except OSError as exc:
        raise UsageError(
            f"cannot copy standard input to a temporary file in {os.path.dirname(path)} "
            f"({exc.strerror or exc}); save the data to a file and give its path"
        ) from None
    return path
