"""Parquet and Arrow tables read without their CSV copy: the arrays the copy would give.

``nonlin train data.parquet`` reads a Parquet or Arrow file as the CSV file pyarrow
writes of it (``cli_columnar``). Writing that copy and parsing it back took most of
the time of reading a large table (7 s and 4 s of a 30 s run, for 1M rows of 21
float64 columns) and its memory; a table of numbers and booleans without nulls
(``open_direct``) is read here instead, batch by batch, into the same ``Table``, bit
for bit. Each value is the ``float`` of the text the copy holds for it (then cast to
the features' dtype, as the CSV reader casts it):

- float64: the copy writes the shortest text that reads back as the same float64
  (pyarrow's writer), so the value itself;
- integers within 2**53 (every one a float64 holds exactly): the value as float64;
  a column beyond, as float16 and float32 columns: the text pyarrow writes (its cast
  to string, which its CSV writer uses) read by pyarrow's own parser, correctly
  rounded as ``float`` reads it (a float32 0.1 is written ``0.1``: float64 0.1, not
  the float32's 0.10000000149011612);
- booleans: 1 and 0, as the CSV reader reads ``true`` and ``false``.

Anything else returns None and the caller reads the copy (made then): a feature
value NaN, infinite or beyond the features' dtype, a non-finite target, a boolean
target (text labels), ``--categorical`` columns, fill values that do not fit; so
every message (line N, the cell) is the copy's, as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ._quoting import shown_path

if TYPE_CHECKING:
    from ._csv_plan import _Plan, _Request
    from .tabular import Table

_EXACT = 2**53  # integers up to this magnitude are float64 exactly
_RUN = 1 << 13  # rows of small Parquet row groups read at once (``_row_groups``)


class _Fallback(Exception):
    """A value the copy must read (its reader's message, or its text labels)."""


class Direct(NamedTuple):
    """A Parquet or Arrow table read without its CSV copy (``open_direct``)."""

    pa: Any  # pyarrow
    path: str  # the file read (standard input's copy for ``<stdin>``)
    kind: str  # its format (``cli_columnar.columnar_format``)
    shown: str  # its name in messages
    names: list[str]  # its columns, as the CSV reader reads its copy's header
    positions: list[int]  # their positions in the file's schema (pandas' index left out)
    header: bytes  # the copy's first line, as pyarrow writes it
    rows: int = 0


def open_direct(path: str, kind: str, shown: str) -> Direct | None:
    """The table of ``path`` (a ``kind`` file, ``shown`` in messages), read once to its
    end, to read without a CSV copy; None where its copy is to be made (``as_csv``, which
    names what is wrong, as before): a column of another type than numbers and booleans,
    a null, a header its copy's reading would not give as the names are (two alike, an
    empty one, a line break), no rows, a damaged file."""
    from .cli_columnar import _pyarrow

    pa = _pyarrow(kind, shown)  # (without it, the copy's message)
    try:
        return _opened(pa, path, kind, shown)
    except Exception:  # noqa: BLE001 - damaged, or anything else: the copy's reading says
        return None
    finally:
        pa.default_memory_pool().release_unused()  # what the reading took, given back


def _opened(pa: Any, path: str, kind: str, shown: str) -> Direct | None:
    """``open_direct`` of a file that pyarrow reads without an error."""
    from .cli_columnar import _batches, _writable

    schema = _batches(pa, path, kind)[1]
    kept, written = _writable(pa, schema)
    if not all(_direct_type(pa, field.type) for field in written):
        return None
    header = _direct_header(pa, written, shown)
    if header is None:
        return None
    table = Direct(pa, path, kind, shown, written.names, kept, header)
    rows = 0
    for size, columns in _parts(table, list(range(len(kept)))):
        if any(column.null_count or len(column) != size for column in columns):
            return None
        rows += size
    return table._replace(rows=rows) if rows else None


def _direct_type(pa: Any, kind: Any) -> bool:
    """Whether a column of type ``kind`` is read without the copy (module docstring)."""
    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind)
                or pa.types.is_boolean(kind))


def _direct_header(pa: Any, schema: Any, shown: str) -> bytes | None:
    """The CSV copy's header line, or None unless the CSV reader reads it as the names of
    ``schema`` as they are, on one line (not two alike, an empty one, a line break, a
    byte order mark: the reading of the copy says what it does with them)."""
    from ._csv_plan import CSVError, _read_header

    names = schema.names
    if any("\n" in name or "\r" in name for name in names) or not all(names):
        return None
    out = pa.BufferOutputStream()
    with pa.csv.CSVWriter(out, schema):  # which writes it first, as in ``as_csv``
        pass  # (schema.empty_table() would import pandas)
    header = bytes(out.getvalue().to_pybytes())
    try:
        read = _read_header(iter([header]), shown)[0]
    except CSVError:
        return None
    return header if read == names else None


def read_direct(table: Direct, request: _Request) -> Table | None:
    """The ``Table`` that reading ``table``'s CSV copy as ``request`` asks gives (see the
    module docstring), or None where the copy must be read."""
    from ._csv_plan import CSVError, _make_plan
    from .tabular import Table

    if request.coders:
        return None
    try:
        plan = _make_plan(table.shown, table.names, request.target, request.columns,
                          request.missing, request.dtype, False)
    except CSVError:  # no such column: the copy's message, but for a name it shows bare
        if shown_path(table.shown) != table.shown:
            return None
        raise
    if request.fill is not None and (request.fill.size != len(plan.features)
                                     or not np.isfinite(request.fill).all()):
        return None  # the reader's ValueError
    try:
        X, y = _arrays(table, plan)
    except (_Fallback, table.pa.ArrowException, OSError):  # OSError: a damaged file
        return None
    finally:
        table.pa.default_memory_pool().release_unused()  # the columns decoded, for training
    used = {*plan.features, plan.target}
    extra = () if request.columns is None else tuple(
        n for i, n in enumerate(plan.names) if i not in used and n)
    names = tuple(plan.names[i] for i in plan.features)
    target = None if plan.target is None else plan.names[plan.target]
    missing = (0,) * len(plan.features) if plan.missing == "mean" else ()
    return Table(X, y, names, target, 0, extra, missing, None)


def _arrays(table: Direct, plan: _Plan) -> tuple[np.ndarray, np.ndarray | None]:
    """``X`` (``plan.dtype``) and ``y`` (float64, or None) of ``table``; ``_Fallback``
    where the copy reads otherwise."""
    from ._csv_fast import settle_allocator

    settle_allocator()  # as the CSV reader does: the process's allocator as after it
    n_features = len(plan.features)
    X = np.empty((table.rows, n_features), dtype=plan.dtype)
    y = None if plan.target is None else np.empty(table.rows)
    wanted = [*plan.features, *([] if plan.target is None else [plan.target])]
    start = 0
    for rows, columns in _parts(table, wanted):
        stop = start + rows
        if stop > table.rows:  # the file changed since it was opened
            raise _Fallback()
        for j, column in enumerate(columns):
            if len(column) != rows:
                raise _Fallback()
            if j < n_features:
                with np.errstate(over="ignore"):  # beyond float32: inf, read by the copy
                    X[start:stop, j] = _float64(table.pa, column)
                finite = np.isfinite(X[start:stop, j]).all()  # not nan, inf, beyond dtype
            elif y is not None and not table.pa.types.is_boolean(column.type):
                y[start:stop] = _float64(table.pa, column)
                finite = np.isfinite(y[start:stop]).all()
            else:  # a target of true and false: text labels
                raise _Fallback()
            if not finite:
                raise _Fallback()
        start = stop
    if start != table.rows:
        raise _Fallback()
    return X, y


def _parts(table: Direct, wanted: list[int]) -> Iterator[tuple[int, Iterator[Any]]]:
    """For each row group (Parquet) or record batch: its rows, and its columns ``wanted``
    (positions in ``table.names``), in that order (a Parquet row group's decoded a column
    at a time: a row group may be the whole table)."""
    pa = table.pa
    positions = [table.positions[i] for i in wanted]
    if table.kind == "Parquet":
        yield from _row_groups(pa.parquet.ParquetFile(table.path),
                               [table.names[i] for i in wanted])
        return
    if table.kind == "Arrow IPC":  # read, not mapped: the mapped pages count as memory used
        reader = pa.ipc.open_file(pa.OSFile(table.path))
        batches = (reader.get_batch(i) for i in range(reader.num_record_batches))
    elif table.kind == "Arrow IPC stream":
        batches = iter(pa.ipc.open_stream(pa.OSFile(table.path)))
    else:  # Feather v1
        batches = iter(pa.feather.read_table(table.path).to_batches())
    names = [table.names[i] for i in wanted]
    for batch in batches:
        yield batch.num_rows, iter(_selected(batch, positions, names).columns)


def _selected(batch: Any, positions: list[int], names: list[str]) -> Any:
    """The columns ``positions`` of ``batch``, which must be named ``names``: else the file
    changed since it was opened (columns moved, or fewer), and its copy is read."""
    found = batch.schema.names
    if [found[i] if i < len(found) else None for i in positions] != names:
        raise _Fallback()
    return batch.select(positions)


def _row_groups(file: Any, names: list[str]) -> Iterator[tuple[int, Iterator[Any]]]:
    """The rows and the columns ``names`` of the Parquet ``file``: of a large row group
    (it may be the whole table) a column at a time, of a run of small ones (``_runs``)
    all at once (one by one and column by column, 5,000 row groups of 10 rows took 14
    times as long as the copy)."""
    meta = file.metadata
    sizes = [meta.row_group(group).num_rows for group in range(file.num_row_groups)]
    for groups in _runs(sizes):
        rows = sum(sizes[group] for group in groups)
        if rows <= _RUN:  # small: its columns read at once
            yield rows, iter(_named(file.read_row_groups(groups, columns=names), names))
        else:
            yield rows, (_named(file.read_row_group(groups[0], columns=[name]), [name])[0]
                         for name in names)


def _runs(sizes: list[int], most: int = _RUN) -> Iterator[list[int]]:
    """The row groups of ``sizes`` rows each, in runs of consecutive ones of at most
    ``most`` rows in all (a larger row group alone)."""
    run: list[int] = []
    rows = 0
    for group, size in enumerate(sizes):
        if run and rows + size > most:
            yield run
            run, rows = [], 0
        run.append(group)
        rows += size
    if run:
        yield run


def _named(part: Any, names: list[str]) -> list[Any]:
    """The columns of ``part``, a table read for the columns ``names``."""
    if part.column_names != names:
        raise _Fallback()
    return list(part.columns)


def _float64(pa: Any, column: Any) -> np.ndarray:
    """The float64 values the CSV copy's text of ``column`` (an array, or a chunked one)
    reads as (module docstring)."""
    chunks = getattr(column, "chunks", None)
    if chunks is not None:
        parts = [_float64(pa, chunk) for chunk in chunks]
        return parts[0] if len(parts) == 1 else np.concatenate([np.empty(0), *parts])
    if column.null_count:
        raise _Fallback()
    kind = column.type
    if pa.types.is_float64(kind):
        return _numpy(pa, column)
    if pa.types.is_boolean(kind) or pa.types.is_integer(kind):
        values = _numpy(pa, column)
        if not values.size or -_EXACT <= int(values.min()) and int(values.max()) <= _EXACT:
            return values.astype(np.float64)
    try:  # its text, parsed by pyarrow (correctly rounded, as ``float``)
        return _numpy(pa, column.cast(pa.string()).cast(pa.float64()))
    except pa.ArrowException:
        raise _Fallback() from None


def _numpy(pa: Any, array: Any) -> np.ndarray:
    """The values of ``array`` (of numbers or booleans, no nulls) as a NumPy view of its
    buffer (``to_numpy`` imports pandas, where installed: 0.3 s and 30 MB)."""
    data = array.buffers()[1]
    if data is None or not len(array):
        return np.empty(0)
    if pa.types.is_boolean(array.type):  # bits, the first the lowest of its byte
        bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8), bitorder="little")
        return bits[array.offset : array.offset + len(array)]
    code = ("f" if pa.types.is_floating(array.type)
            else "i" if pa.types.is_signed_integer(array.type) else "u")
    dtype = np.dtype(f"<{code}{array.type.bit_width // 8}")
    return np.frombuffer(data, dtype=dtype, count=len(array),
                         offset=array.offset * dtype.itemsize)
