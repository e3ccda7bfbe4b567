"""Parquet and Arrow (Feather) files as DATA.csv: read with pyarrow, as the CSV they hold.

``nonlin train data.parquet --target y`` (or an Arrow IPC file, ``.arrow`` /
``.feather``, Feather v1, or an Arrow IPC stream) works as on the same table
written as CSV: the file is converted, batch by batch, to a temporary CSV file
(pyarrow's writer: shortest round-trip numbers, ``true``/``false``, an empty
cell for a null, text quoted; pandas' unnamed index left out, as the unnamed
first column of its ``to_csv`` is), which every read of the command then reads, with
all of the CSV checks (``--missing``, ``--categorical``, text, duplicate names)
and messages naming the file as given (line N is the table's row N - 1, the
header being line 1). The first bytes decide, as for compressed files, not the
name. pyarrow (the ``parquet`` extra, 15 or later: older ones could unpickle
from a file) is imported only for such a file; without it the message names the
extra and how to make a CSV instead. A column pyarrow cannot write as CSV (a
list, a struct) is refused naming it. The copies are removed when the command
ends (``cli_stdin.stdin_data``).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from typing import Any

from ._optional import MissingExtraError, require
from ._quoting import quoted, shown_path
from .cli_common import UsageError

_MAGIC = ((b"PAR1", "Parquet"), (b"ARROW1", "Arrow IPC"), (b"FEA1", "Feather v1"),
          (b"\xff\xff\xff\xff", "Arrow IPC stream"))


def columnar_format(path: str) -> str | None:
    """The format of the file at ``path`` (``"Parquet"``, ...) by its first bytes, or None
    for any other file, and for one that is no regular file (a pipe: not read here) or
    cannot be read (its checks come later)."""
    if not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as handle:
            start = handle.read(8)
    except OSError:
        return None
    return next((name for magic, name in _MAGIC if start.startswith(magic)), None)


def as_csv(path: str, kind: str, shown: str) -> str:
    """Write the table of ``path`` (a ``kind`` file, ``shown`` in messages) to a new
    temporary CSV file and return its path (the caller removes its folder)."""
    pa = _pyarrow(kind, shown)
    folder = tempfile.mkdtemp(prefix="nonlin-table-")
    out = os.path.join(folder, "data.csv")
    try:
        batches, schema = _batches(pa, path, kind)
        _check_schema(pa, schema, shown)
        written = _writable(pa, schema)
        with pa.csv.CSVWriter(out, written) as writer:
            for batch in batches:
                table = pa.Table.from_batches([batch], schema)
                if written is not schema:
                    table = table.select(written.names).cast(written)
                writer.write_table(table)
    except BaseException as exc:
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, pa.ArrowException):  # damaged, cut short, a type CSV cannot hold
            raise UsageError(f"{shown_path(shown)}: cannot read this {kind} file ({exc})"
                             ) from None
        raise
    return out


def _pyarrow(kind: str, shown: str) -> Any:
    """pyarrow with its csv, parquet, ipc and feather modules, or a ``UsageError``."""
    try:
        for module in ("pyarrow", "pyarrow.csv", "pyarrow.parquet", "pyarrow.ipc",
                       "pyarrow.feather"):
            found = require(module, "parquet", f"reading the {kind} file {shown_path(shown)}",
                            (15, 0))
    except MissingExtraError as exc:
        polars, pandas = (("read_parquet", "read_parquet") if kind == "Parquet" else
                          ("read_ipc_stream", "read_feather") if "stream" in kind else
                          ("read_ipc", "read_feather"))
        raise UsageError(f"{exc}; or write it as CSV first (polars: pl.{polars}(PATH)"
                         f".write_csv('data.csv'); pandas: pd.{pandas}(PATH).to_csv("
                         "'data.csv', index=False))") from None
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


def _writable(pa: Any, schema: Any) -> Any:
    """``schema`` as written to CSV: text and bytes views (polars' strings) as the plain
    large types that pyarrow's CSV writer takes, and without pandas' unnamed index
    (``__index_level_0__``, ...: as the unnamed first column of ``to_csv`` is skipped);
    ``schema`` itself when that changes nothing."""
    views = {pa.string_view(): pa.large_string(), pa.binary_view(): pa.large_binary()}
    fields = [field.with_type(views.get(field.type, field.type)) for field in schema
              if not re.fullmatch(r"__index_level_\d+__", field.name)]
    return schema if pa.schema(fields).equals(schema) else pa.schema(fields)
