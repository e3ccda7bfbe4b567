"""Parquet and Arrow (Feather) files as DATA.csv: read with pyarrow, as the CSV they hold.

``nonlin train data.parquet --target y`` (or an Arrow IPC file, ``.arrow`` /
``.feather``, Feather v1, or an Arrow IPC stream) works as on the same table
written as CSV: the file is converted, batch by batch, to a temporary CSV file
(pyarrow's writer: shortest round-trip numbers, ``true``/``false``, an empty
cell for a null, text quoted; pandas' unnamed index left out, as the unnamed
first column of its ``to_csv`` is), which every read of the command then reads, with
all of the CSV checks (``--missing``, ``--categorical``, text, duplicate names)
and messages naming the file as given (line N is the table's row N - 1, the
header being line 1). The bytes decide, as for compressed files, not the name
(``_table_magic``: the first and last ones; a CSV whose first column is named
``PAR1`` is a CSV). pyarrow (the ``parquet`` extra, 18 or later: 14.0.0 and
older could run code from a file, through a pickled extension type,
CVE-2023-47248, fixed in 14.0.1; 15 lacks the string view type, and 16 and 17
cannot cast it, which polars writes its text columns as in an Arrow file) is
imported only for such a file; without it the message names the extra and how
to make a CSV instead. A column pyarrow cannot write as CSV (a list, a struct)
is refused naming it; two columns of one name are named by the CSV check. A
damaged file is named with pyarrow's reason, and a copy that cannot be written
(no room in the temporary folder) names that folder and ``TMPDIR``. The copies
are removed when the command ends (``cli_stdin.stdin_data``), and at once when
writing one fails or is interrupted. A table of numbers and booleans without nulls is
read without a copy (``cli_direct``: into the arrays the copy gives, bit for bit), the
copy made only where a reading needs its text (``--keep``, text labels, a message).
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

from ._optional import MissingExtraError, require
from ._quoting import quoted, shown_path
from ._table_magic import START, file_end, table_format
from .cli_common import UsageError


def columnar_format(path: str) -> str | None:
    """The format of the file at ``path`` (``"Parquet"``, ...) by its bytes
    (``_table_magic``: a CSV whose first column is named ``PAR1`` is a CSV), or None for
    any other file, and for one that is no regular file (a pipe: not read here) or cannot
    be read (its checks come later)."""
    end = file_end(path)  # None for a pipe
    if end is None:
        return None
    try:
        with open(path, "rb") as handle:
            start = handle.read(START)
    except OSError:
        return None
    return table_format(start, end)


class _Unreadable(Exception):
    """pyarrow's error while reading the table's batches (not one of writing its copy)."""


class _CopyFailed(Exception):
    """The temporary CSV copy could not be written (no space, no write access)."""


def as_csv(path: str, kind: str, shown: str) -> str:
    """Write the table of ``path`` (a ``kind`` file, ``shown`` in messages) to a new
    temporary CSV file and return its path (the caller removes its folder)."""
    import shutil  # here: the commands import this module for a CSV file too
    import tempfile

    pa = _pyarrow(kind, shown)
    folder = None
    try:
        folder = tempfile.mkdtemp(prefix="nonlin-table-")
        out = os.path.join(folder, "data.csv")
        batches, schema = _batches(pa, path, kind)
        _check_schema(pa, schema, shown)
        kept, written = _writable(pa, schema)
        _write(pa, out, written, _tables(pa, batches, schema, kept, written))
    except BaseException as exc:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        reason = exc.__cause__ or exc if isinstance(exc, _CopyFailed | _Unreadable) else exc
        if isinstance(exc, _CopyFailed) or folder is None and isinstance(exc, OSError):
            raise _copy_error(reason, kind, shown) from None
        if isinstance(exc, _Unreadable | pa.ArrowException | OSError):  # damaged, cut short
            raise UsageError(f"{shown_path(shown)}: cannot read this {kind} file ({reason})"
                             ) from None
        raise
    return out


def _tables(pa: Any, batches: Any, schema: Any, kept: list[int], written: Any) -> Any:
    """The tables to write, one per batch read; an error of reading is ``_Unreadable``."""
    try:
        for batch in batches:
            table = pa.Table.from_batches([batch], schema)
            # by position: a file may name two columns alike (the CSV check names them)
            yield table if written is schema else table.select(kept).cast(written)
    except (pa.ArrowException, OSError) as exc:
        raise _Unreadable() from exc


def _write(pa: Any, out: str, schema: Any, tables: Any) -> None:
    """Write ``tables`` to the CSV file ``out``; an ``OSError`` (of writing: the disk is
    full) is ``_CopyFailed``."""
    try:
        with pa.csv.CSVWriter(out, schema) as writer:
            for table in tables:
                writer.write_table(table)
    except OSError as exc:
        raise _CopyFailed() from exc


def _copy_error(exc: BaseException, kind: str, shown: str) -> UsageError:
    """The message of a CSV copy that could not be written."""
    import tempfile

    reason = getattr(exc, "strerror", None) or exc
    try:
        where, ways = f" in {tempfile.gettempdir()}", "free space there, set TMPDIR to a folder"
    except OSError:  # no folder for temporary files is writable: the reason lists those tried
        where, ways = "", "set TMPDIR to a writable folder"
    return UsageError(f"{shown_path(shown)}: cannot write the {kind} table as CSV to a "
                      f"temporary file{where} ({reason}); the command "
                      "reads a copy, as large as the table written as CSV: "
                      f"{ways} with room, or {_csv_way(kind)}")


def _csv_way(kind: str) -> str:
    """How to write the table of a ``kind`` file as CSV with polars or pandas."""
    polars, pandas = (("read_parquet", "read_parquet") if kind == "Parquet" else
                      ("read_ipc_stream", "read_feather") if "stream" in kind else
                      ("read_ipc", "read_feather"))
    return (f"write it as CSV first (polars: pl.{polars}(PATH).write_csv('data.csv'); "
            f"pandas: pd.{pandas}(PATH).to_csv('data.csv', index=False))")


def _pyarrow(kind: str, shown: str) -> Any:
    """pyarrow with its csv, parquet, ipc and feather modules, or a ``UsageError``."""
    try:
        for module in ("pyarrow", "pyarrow.csv", "pyarrow.parquet", "pyarrow.ipc",
                       "pyarrow.feather"):
            found = require(module, "parquet", f"reading the {kind} file {shown_path(shown)}",
                            (18, 0))
    except MissingExtraError as exc:
        raise UsageError(f"{exc}; or {_csv_way(kind)}") from None
    return sys.modules[found.__name__.split(".")[0]]


def _batches(pa: Any, path: str, kind: str) -> tuple[Any, Any]:
    """An iterator over the record batches of the file, and its schema."""
    if kind == "Parquet":
        parquet = pa.parquet.ParquetFile(path)
        return parquet.iter_batches(batch_size=1 << 16), parquet.schema_arrow
    if kind == "Arrow IPC":
        reader = pa.ipc.open_file(pa.memory_map(path))
        return (reader.get_batch(i) for i in range(reader.num_record_batches)), reader.schema
    if kind == "Arrow IPC stream":
        stream = pa.ipc.open_stream(pa.memory_map(path))
        return iter(stream), stream.schema
    table = pa.feather.read_table(path)
    return iter(table.to_batches()), table.schema


def _check_schema(pa: Any, schema: Any, shown: str) -> None:
    """Refuse a column that a CSV cell cannot hold, naming it and its type."""
    for field in schema:
        if pa.types.is_nested(field.type):
            raise UsageError(
                f"{shown_path(shown)}: column {quoted(field.name)} holds {field.type}, which "
                "a CSV cell cannot hold; write the table without it (or with it flattened "
                "into columns of numbers) first")


def _writable(pa: Any, schema: Any) -> tuple[list[int], Any]:
    """The columns of ``schema`` written to CSV, by position, and their schema: text and
    bytes views (polars' strings) as the plain large types that pyarrow's CSV writer
    takes, and without pandas' unnamed index (``__index_level_0__``, ...: as the unnamed
    first column of ``to_csv`` is skipped); ``schema`` itself when that changes nothing."""
    views = {pa.string_view(): pa.large_string(), pa.binary_view(): pa.large_binary()}
    kept = [i for i, field in enumerate(schema)
            if not re.fullmatch(r"__index_level_\d+__", field.name)]
    fields = [schema.field(i) for i in kept]
    written = pa.schema([field.with_type(views.get(field.type, field.type)) for field in fields])
    return kept, schema if written.equals(schema) else written
