"""Careful, streaming CSV reading for the command line.

:func:`read_csv` turns a CSV file with a header row into a float feature
matrix ``X`` and an optional target ``y``. It is strict: a cell that is not a
finite number, a ragged row, a malformed quote, invalid UTF-8 or an unknown
column name is a :class:`CSVError` naming the file, line, column and value,
unless ``missing`` says how to treat missing numbers. It streams: the file is
read in blocks of whole lines into one growing array, so a large file costs
little more memory than the array itself.

Two parsers read each block. The fast one works on the block's bytes with
vector operations and reads digits with C ``strtoull`` (``np.fromstring``),
then scales them with correct rounding (Clinger's fast path, double-double
arithmetic beyond it), so numbers come out bit for bit as ``float`` reads them.
It accepts only what it can prove it reads like the strict parser does; every
other block (blank lines, empty cells, spaces, quotes around part of a cell,
lone CR line ends, non-numbers) goes to the strict parser, built on the ``csv``
module and ``float``, which also writes the error messages.

Non-goals: type inference beyond "number or label", dates, other delimiters
or encodings, writing CSV. ``pandas`` does those; nonlin does not depend on it.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import Any, BinaryIO, NamedTuple

import numpy as np

__all__ = ["CSVError", "Table", "read_csv"]

_BLOCK_BYTES = 1 << 18  # bytes read per block; tests patch it small to cross block boundaries
_MISSING = ("error", "drop", "mean")


class CSVError(ValueError):
    """A CSV file that cannot be read as asked; the message names file, line, column and value."""


class _LabelsFound(Exception):
    """The target column holds text; the file is read again with string labels."""


@dataclass(frozen=True, eq=False)
class Table:
    """Columns read from a CSV file.

    Attributes
    ----------
    X : ndarray of shape (n_rows, n_features), of the requested float dtype
    y : None, or ndarray of shape (n_rows,): float64 when every target cell is
        a number, else ``str`` labels exactly as written
    feature_names : names of the columns of ``X``, in file order or in the order of ``columns``
    target : name of the target column, or None
    n_dropped : rows left out by ``missing="drop"``
    extra_columns : columns of the file not read, when ``columns`` was given
    """

    X: np.ndarray
    y: np.ndarray | None
    feature_names: tuple[str, ...]
    target: str | None
    n_dropped: int
    extra_columns: tuple[str, ...]


@dataclass(frozen=True)
class _Plan:
    """What to read, decided once from the header and the arguments."""

    source: str
    names: tuple[str, ...]
    features: tuple[int, ...]  # file positions of X's columns, in X's order
    target: int | None
    missing: str
    dtype: np.dtype
    labels: bool  # read the target as text

    @cached_property
    def numeric(self) -> np.ndarray:
        """Which columns hold numbers: features, and the target unless it holds labels."""
        numeric = np.zeros(len(self.names), dtype=bool)
        numeric[list(self.features)] = True
        if self.target is not None and not self.labels:
            numeric[self.target] = True
        return numeric

    def fail(self, line: int, column: int | None, problem: str) -> CSVError:
        where = f"{self.source}, line {line}"
        if column is not None:
            where += f", column {self.names[column]!r}"
        return CSVError(f"{where}: {problem}")


def read_csv(
    path: str | os.PathLike[str],
    *,
    target: str | None = None,
    columns: Sequence[str] | None = None,
    missing: str = "error",
    dtype: Any = np.float32,
) -> Table:
    """Read a numeric CSV file with a header row into a :class:`Table`.

    Parameters
    ----------
    path : a UTF-8 file (with or without BOM), comma-separated, ``"`` quoting,
        first row the column names (unique, non-empty). Blank lines are skipped.
    target : name of the column to return as ``y``; it is never imputed
    columns : names of the feature columns, in the order wanted; default every
        column but the target
    missing : what to do with a feature cell that is empty, not a number, nan
        or inf: ``"error"`` (raise), ``"drop"`` (leave the row out and count it)
        or ``"mean"`` (use the column's mean over its finite values). A missing
        target drops the row with ``"drop"`` and is an error otherwise.
    dtype : float dtype of ``X``; a number outside its range counts as missing

    Returns
    -------
    Table with ``X`` of shape (n_rows, n_features) and ``y`` of shape (n_rows,) or None.

    Raises
    ------
    CSVError
        For any problem with the file's content, naming file, line, column and value.
    """
    dtype = _check_arguments(target, columns, missing, dtype)
    source = os.fspath(path)
    try:
        return _read(source, target, columns, missing, dtype, labels=False)
    except _LabelsFound:
        return _read(source, target, columns, missing, dtype, labels=True)


def _check_arguments(target: Any, columns: Any, missing: Any, dtype: Any) -> np.dtype:
    if target is not None and not isinstance(target, str):
        raise TypeError(f"Expected a column name (str) or None. Received: target={target!r}")
    if isinstance(columns, str) or not (
        columns is None or all(isinstance(name, str) for name in columns)
    ):
        raise TypeError(f"Expected a sequence of column names. Received: columns={columns!r}")
    if missing not in _MISSING:
        raise ValueError(f"Expected one of {_MISSING}. Received: missing={missing!r}")
    resolved = np.dtype(dtype)
    if resolved.kind != "f":
        raise TypeError(f"Expected a floating dtype such as np.float32. Received: dtype={dtype!r}")
    return resolved


def _read(
    source: str, target: str | None, columns: Any, missing: str, dtype: np.dtype, labels: bool
) -> Table:
    with open(source, "rb") as handle:
        blocks = _blocks(handle)
        names, rest, line = _read_header(blocks, source)
        plan = _make_plan(source, names, target, columns, missing, dtype, labels)
        output = _Output(plan, os.fstat(handle.fileno()).st_size)
        for raw in chain([rest], blocks):
            if raw:
                line += output.add(raw, line)
    used = {*plan.features, plan.target}
    extra = () if columns is None else tuple(n for i, n in enumerate(names) if i not in used)
    return output.table(extra)


def _blocks(handle: BinaryIO) -> Iterator[bytes]:
    """Yield the file in blocks of whole lines, never cutting inside a quoted field.

    A block holding an odd number of ``"`` ends inside a quoted field, so lines
    are added until the count is even, up to 64 blocks' worth (then the strict
    parser reports the unterminated quote).
    """
    while True:
        block = handle.read(_BLOCK_BYTES)
        if not block:
            return
        parts = [block, handle.readline()]
        if b'"' in block or b'"' in parts[1]:
            n_quotes = block.count(b'"') + parts[1].count(b'"')
            size = len(block)
            while n_quotes % 2 and parts[-1] and size < 64 * _BLOCK_BYTES:
                parts.append(handle.readline())
                n_quotes += parts[-1].count(b'"')
                size += len(parts[-1])
        yield b"".join(parts)


def _read_header(blocks: Iterator[bytes], source: str) -> tuple[list[str], bytes, int]:
    """Split the header record off the first block; return names, the rest, next line number."""
    first = next(blocks, b"")
    if first.startswith(codecs.BOM_UTF8):
        first = first[len(codecs.BOM_UTF8) :]
    end = first.find(b"\n") + 1
    while end and first.count(b'"', 0, end) % 2:
        end = first.find(b"\n", end) + 1
    header = first[: end or len(first)]
    try:
        rows = list(csv.reader(io.StringIO(header.decode("utf-8"), newline=""), strict=True))
    except (UnicodeDecodeError, csv.Error) as error:
        raise CSVError(f"{source}, line 1: cannot read the header row ({error})") from None
    if not rows or not rows[0]:
        raise CSVError(f"{source}, line 1: expected a header row of column names, received nothing")
    if len(rows) > 1:  # the csv module split the line at a lone carriage return
        raise CSVError(
            f"{source}, line 1: expected lines ending in \\n or \\r\\n, received \\r alone"
        )
    names = rows[0]
    seen: set[str] = set()
    for position, name in enumerate(names):
        if not name.strip():
            raise CSVError(f"{source}, line 1: column {position + 1} has an empty name {name!r}")
        if name in seen:
            raise CSVError(f"{source}, line 1: column name {name!r} appears twice")
        seen.add(name)
    return names, first[len(header) :], 1 + header.count(b"\n")


def _make_plan(
    source: str,
    names: list[str],
    target: str | None,
    columns: Any,
    missing: str,
    dtype: np.dtype,
    labels: bool,
) -> _Plan:
    index = {name: i for i, name in enumerate(names)}

    def position(name: str, role: str) -> int:
        if name not in index:
            known = ", ".join(repr(known) for known in names)
            raise CSVError(
                f"{source}, line 1: no column {name!r} ({role}); the columns are {known}"
            )
        return index[name]

    target_at = None if target is None else position(target, "target")
    if columns is None:
        features = tuple(i for i in range(len(names)) if i != target_at)
    else:
        features = tuple(position(name, "in columns") for name in columns)
        if len(set(features)) != len(features) or target_at in features:
            raise ValueError(
                f"Expected distinct feature columns without the target {target!r}. "
                f"Received: columns={list(columns)!r}"
            )
    if not features:
        raise CSVError(f"{source}, line 1: no feature columns to read (columns: {names})")
    return _Plan(source, tuple(names), features, target_at, missing, dtype, labels)


class _Output:
    """The growing result: rows appended block by block, missing values dropped or counted."""

    def __init__(self, plan: _Plan, file_size: int) -> None:
        self.plan = plan
        self.file_size = file_size
        self.X = np.empty((0, len(plan.features)), dtype=plan.dtype)
        self.y = np.empty(0, dtype=np.float64)
        self.labels: list[np.ndarray] = []
        self.n_rows = 0
        self.n_read = 0
        self.n_dropped = 0
        self.sums = np.zeros(len(plan.features))
        self.counts = np.zeros(len(plan.features), dtype=np.int64)

    def add(self, raw: bytes, first_line: int) -> int:
        """Parse one block (fast path, else strict), append its rows, return its line count."""
        fast = _fast_block(raw, self.plan)
        if fast is not None:
            X, y = fast
            n_lines = len(X)
            self.n_read += len(X)
            if self.plan.missing == "mean":
                self.sums += X.sum(axis=0, dtype=np.float64)
                self.counts += len(X)
        else:
            X, y, y_missing, n_lines = _strict_block(raw, first_line, self.plan)
            X = X.astype(self.plan.dtype)  # values out of range were already made NaN
            self.n_read += len(X)
            X, y = self._missing(X, y, y_missing)
        self._append(X, y, len(raw))
        return n_lines

    def _missing(
        self, X: np.ndarray, y: np.ndarray | None, y_missing: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Drop rows with a NaN or a missing target, or count the finite values for the means."""
        if self.plan.missing == "drop":
            keep = ~(np.isnan(X).any(axis=1) | y_missing)
            self.n_dropped += int(len(X) - keep.sum())
            return X[keep], None if y is None else y[keep]
        if self.plan.missing == "mean":
            finite = ~np.isnan(X)
            self.sums += np.where(finite, X, 0).sum(axis=0, dtype=np.float64)
            self.counts += finite.sum(axis=0)
        return X, y

    def _append(self, X: np.ndarray, y: np.ndarray | None, n_bytes: int) -> None:
        end = self.n_rows + len(X)
        if end > len(self.X):
            guess = int(self.file_size / max(n_bytes, 1) * len(X) * 1.02) + 16
            capacity = max(end, guess if not self.n_rows else int(len(self.X) * 1.5))
            self.X.resize((capacity, self.X.shape[1]), refcheck=False)
            if self.plan.target is not None and not self.plan.labels:
                self.y.resize(capacity, refcheck=False)
        self.X[self.n_rows : end] = X
        if y is not None and self.plan.labels:
            self.labels.append(y)
        elif y is not None:
            self.y[self.n_rows : end] = y
        self.n_rows = end

    def table(self, extra: tuple[str, ...]) -> Table:
        """Trim the arrays, impute means, and wrap everything in a :class:`Table`."""
        plan = self.plan
        if self.n_read == 0:
            raise CSVError(f"{plan.source}: expected data rows after the header, received none")
        if self.n_rows == 0:
            raise CSVError(
                f"{plan.source}: every row has a missing value; none left after dropping"
            )
        self.X.resize((self.n_rows, self.X.shape[1]), refcheck=False)
        if plan.missing == "mean":
            self._impute()
        y: np.ndarray | None = None
        if plan.target is not None and plan.labels:
            y = _join_labels(self.labels, self.n_rows)
        elif plan.target is not None:
            self.y.resize(self.n_rows, refcheck=False)
            y = self.y
        names = tuple(plan.names[i] for i in plan.features)
        target = None if plan.target is None else plan.names[plan.target]
        return Table(self.X, y, names, target, self.n_dropped, extra)

    def _impute(self) -> None:
        for column in np.flatnonzero(self.counts < self.n_rows):
            if self.counts[column] == 0:
                name = self.plan.names[self.plan.features[column]]
                raise CSVError(
                    f"{self.plan.source}, column {name!r}: every value is missing, "
                    "so missing='mean' has no mean to use"
                )
            values = self.X[:, column]
            values[np.isnan(values)] = self.sums[column] / self.counts[column]


def _join_labels(blocks: list[np.ndarray], n_rows: int) -> np.ndarray:
    """One str array from the blocks' labels; ASCII bytes are decoded here, once, in place."""
    width = max(block.itemsize // (4 if block.dtype.kind == "U" else 1) for block in blocks)
    labels = np.empty(n_rows, dtype=f"U{max(width, 1)}")
    start = 0
    for block in blocks:
        labels[start : start + len(block)] = block
        start += len(block)
    return labels


def _strict_block(
    raw: bytes, first_line: int, plan: _Plan
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, int]:
    """Parse a block with the ``csv`` module and ``float``: exact messages, missing as NaN.

    Returns ``X`` (float64, NaN where missing), ``y``, which targets are
    missing, and the number of lines the block spans.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = first_line + raw.count(b"\n", 0, error.start)
        bad = raw[error.start : error.end]
        raise plan.fail(line, None, f"expected UTF-8 text, received the bytes {bad!r}") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    features: list[list[float]] = []
    targets: list[Any] = []
    line = first_line
    try:
        for row in reader:
            if row:  # blank lines are skipped
                features.append(_strict_row(row, line, plan, targets))
            line = first_line + reader.line_num
    except csv.Error as error:
        raise plan.fail(line, None, f"malformed CSV ({error})") from None
    X = np.array(features, dtype=np.float64).reshape(len(features), len(plan.features))
    y_missing = np.array([value is None for value in targets], dtype=bool)
    if plan.target is None:
        return X, None, np.zeros(len(X), dtype=bool), reader.line_num
    if plan.labels:
        y = np.array(["" if value is None else value for value in targets], dtype=str)
    else:
        y = np.array([math.nan if value is None else value for value in targets])
    return X, y, y_missing, reader.line_num


def _strict_row(row: list[str], line: int, plan: _Plan, targets: list[Any]) -> list[float]:
    if len(row) != len(plan.names):
        shown = row if len(row) <= 8 else row[:8] + ["..."]
        raise plan.fail(
            line,
            None,
            f"expected {len(plan.names)} cells (one per header column), "
            f"received {len(row)}: {shown!r}",
        )
    values = []
    for column in plan.features:
        value = _number(row[column], plan.dtype)
        if value is None and plan.missing == "error":
            raise plan.fail(line, column, _why(row[column], plan.dtype))
        values.append(math.nan if value is None else value)
    if plan.target is not None:
        targets.append(_strict_target(row[plan.target], line, plan))
    return values


def _strict_target(cell: str, line: int, plan: _Plan) -> float | str | None:
    """A target value, or None when missing (allowed with ``missing="drop"`` only)."""
    if plan.labels:
        value: float | str | None = cell or None
        problem = f"expected a label, received {cell!r}"
    else:
        value = _number(cell, np.dtype(np.float64))
        if value is None and cell.strip() and _number(cell, None) is None:
            raise _LabelsFound
        problem = _why(cell, np.dtype(np.float64))
    if value is None and plan.missing != "drop":
        raise plan.fail(line, plan.target, f"{problem} (a missing target needs missing='drop')")
    return value


def _number(cell: str, dtype: np.dtype | None) -> float | None:
    """``float(cell)`` if the cell is a plain decimal number finite in ``dtype``, else None.

    With ``dtype=None`` only the spelling is checked: nan and inf count as numbers.
    """
    text = cell.strip()
    if not text.isascii() or "_" in text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    if dtype is None:
        return value
    with np.errstate(over="ignore"):
        return value if math.isfinite(value) and np.isfinite(dtype.type(value)) else None


def _why(cell: str, dtype: np.dtype) -> str:
    if _number(cell, None) is None:
        return f"expected a number, received {cell!r}"
    if math.isfinite(float(cell)):
        return f"expected a number within {dtype.name} range, received {cell!r}"
    return f"expected a finite number, received {cell!r}"


# Fast path -------------------------------------------------------------------
# A block qualifies when it is plain: "\n" or "\r\n" line ends, no NUL, no blank
# line, no empty cell, quotes (if any) around whole cells. Each number's sign,
# point and exponent are located with vector operations, its digits are read as
# one integer by C strtoull (``np.fromstring``) once points and signs are deleted,
# and that integer is scaled by a power of ten with correct rounding. Other
# spellings go through ``float`` one by one; a cell that is not a number sends
# the block to the strict parser.

_COMMA, _NEWLINE, _DOT, _MINUS, _PLUS, _ZERO, _E, _QUOTE = b',\n.-+0e"'
# For np.fromstring: separators become commas, any byte but a digit "x" (unparsable).
_TO_DIGITS = bytes(
    ord(",") if c in b",\n" else c if c in b"0123456789" else ord("x") for c in range(256)
)
_NUMBER_CHARS = b"0123456789.eE+-"
_MAX_DIGITS = 19  # every 19-digit integer fits in uint64
_MAX_POWER = 22  # 10**22 is the largest power of ten that float64 holds exactly
# 1, -1, 10, -10, 100, ...: the scale of a number is _SIGNED_POW10[2 * |power| + negative].
_SIGNED_POW10 = np.outer(10.0 ** np.arange(_MAX_POWER + 1), [1.0, -1.0]).ravel()
_MAX_LABEL_BYTES = 256


class _Layout(NamedTuple):
    """Where the cells of a plain block are; all positions are byte offsets."""

    marks: np.ndarray  # every ",", "\n", ".", "e" and "E"
    kinds: np.ndarray  # the byte at each mark
    last: np.ndarray  # index in marks of each cell's separator
    starts: np.ndarray  # first byte of each cell's text
    ends: np.ndarray  # one past its last byte: the separator (or closing quote)


def _fast_block(raw: bytes, plan: _Plan) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Parse a plain block with vector operations; None sends it to :func:`_strict_block`.

    Returns ``X`` (n_rows, n_features) of ``plan.dtype`` and ``y`` (float64,
    labels as an ``S`` or ``U`` array, or None), with nothing missing.
    """
    plain = _plain(raw)
    if plain is None:
        return None
    n_cols = len(plan.names)
    layout = _layout(np.frombuffer(plain, dtype=np.uint8), n_cols)
    quotes = None
    if layout is not None and b'"' in plain:
        layout, quotes = _unquote(np.frombuffer(plain, dtype=np.uint8), layout)
    if layout is None:
        return None
    n_rows = layout.ends.size // n_cols
    labels = None
    if plan.labels and plan.target is not None:
        column = slice(plan.target, None, n_cols)
        labels = _fast_labels(plain, layout.starts[column], layout.ends[column])
        if labels is None:
            return None
    numeric = None if plan.numeric.all() else np.tile(plan.numeric, n_rows)
    values = _decimals(plain, layout, numeric, quotes)
    if values is None:
        return None
    values = values.reshape(n_rows, n_cols)
    first = plan.features[0]
    if plan.features == tuple(range(first, first + len(plan.features))):  # a slice: no gather
        features = values[:, first : first + len(plan.features)]
    else:
        features = values[:, plan.features]
    with np.errstate(over="ignore"):
        X = features.astype(plan.dtype)
    if not np.isfinite(X).all():  # out of the dtype's range: the strict parser reports it
        return None
    y = labels if plan.labels else None if plan.target is None else values[:, plan.target]
    return X, y


def _plain(raw: bytes) -> bytes | None:
    """The block with "\n" line ends and a final newline, or None if it is not plain."""
    if b"\r" in raw:
        raw = raw.replace(b"\r\n", b"\n")
    if not raw.endswith(b"\n"):
        raw += b"\n"
    if b"\r" in raw or b"\0" in raw:
        return None
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return raw


def _layout(cells: np.ndarray, n_cols: int) -> _Layout | None:
    """Find marks and cells, if every row has ``n_cols`` non-empty cells."""
    is_mark = (cells | 2) == _DOT  # "," | 2 == "." and "E" | 32 == "e"
    is_mark |= cells == _NEWLINE
    is_mark |= (cells | 32) == _E
    marks = is_mark.nonzero()[0].astype(np.int32)  # blocks are small: halve the traffic
    kinds = cells[marks]
    last = ((kinds == _COMMA) | (kinds == _NEWLINE)).nonzero()[0].astype(np.int32)
    separators = kinds[last]
    n_rows = int((separators == _NEWLINE).sum())
    # n_rows newlines, each closing a group of n_cols separators: n_cols cells a row.
    if last.size != n_rows * n_cols or (separators[n_cols - 1 :: n_cols] != _NEWLINE).any():
        return None
    ends = marks[last]
    starts = np.empty_like(ends)
    starts[0] = 0
    np.add(ends[:-1], 1, out=starts[1:])
    if (starts == ends).any():  # an empty cell, or a blank line when there is one column
        return None
    return _Layout(marks, kinds, last, starts, ends)


def _unquote(cells: np.ndarray, layout: _Layout) -> tuple[_Layout | None, np.ndarray]:
    """The layout of the text inside quotes, if each pair of quotes encloses a whole cell.

    A separator, newline or doubled quote inside quotes breaks the pairing, and
    leaves the block to the strict parser. Also returns where the quotes are.
    """
    quotes = (cells == _QUOTE).nonzero()[0]
    if quotes.size % 2:
        return None, quotes
    opening, closing = quotes[0::2], quotes[1::2]
    owners = np.searchsorted(layout.ends, opening)
    if (layout.starts[owners] != opening).any() or (layout.ends[owners] - 1 != closing).any():
        return None, quotes
    starts, ends = layout.starts.copy(), layout.ends.copy()
    starts[owners] += 1
    ends[owners] -= 1
    return layout._replace(starts=starts, ends=ends), quotes


def _fast_labels(raw: bytes, starts: np.ndarray, ends: np.ndarray) -> np.ndarray | None:
    """The text of one column's cells: an ``S`` array if ASCII, else ``U``.

    None if a label is empty: it is missing, and the strict parser decides.
    """
    widths = ends - starts
    if not widths.all():
        return None
    width = int(widths.max())
    if width > _MAX_LABEL_BYTES:
        texts = [raw[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
        labels = np.array(texts, dtype=bytes)
    else:
        cells = np.frombuffer(raw, dtype=np.uint8)
        window = np.minimum(starts[:, None] + np.arange(width), cells.size - 1)
        text = cells[window]
        text[np.arange(width) >= widths[:, None]] = 0
        labels = text.view(f"S{width}").ravel()
    return labels if raw.isascii() else np.char.decode(labels, "utf-8")


def _blank(cells: np.ndarray, starts: np.ndarray, ends: np.ndarray, byte: int) -> None:
    """Overwrite ``cells[starts[i]:ends[i]]`` with ``byte`` for every i, in place."""
    widths = ends - starts
    first = np.repeat(starts - np.cumsum(widths) + widths, widths)
    cells[first + np.arange(widths.sum())] = byte


def _decimals(
    raw: bytes, layout: _Layout, numeric: np.ndarray | None, quotes: np.ndarray | None
) -> np.ndarray | None:
    """Every numeric cell as float64, bit-identical to ``float(cell)``; None if one is not a number.

    ``numeric`` marks the cells to read (None: all); the others become "0".
    ``quotes`` are the positions of quotes, deleted like points and signs.
    """
    starts, ends = layout.starts, layout.ends
    text = bytearray(raw)
    cells = np.frombuffer(text, dtype=np.uint8)
    if quotes is not None:
        cells[quotes] = _DOT
    if numeric is not None:
        _blank(cells, starts[~numeric], ends[~numeric], _ZERO)
    parts = _number_parts(cells, layout, numeric)
    if parts is None:
        return None
    negative, power, special = parts
    exact = special.nonzero()[0]
    exact_values = _float_values(raw, starts[exact], ends[exact])
    if exact_values is None:
        return None
    if exact.size:
        _blank(cells, starts[exact], ends[exact], _ZERO)
        power[exact] = 0
    mantissas = _read_digits(text, ends.size)
    if mantissas is None:
        return None
    values, unsure = _scale(mantissas, power, negative)
    unsure[exact] = False
    for cell in unsure.nonzero()[0].tolist():  # too long or too close to call: ask float
        values[cell] = float(raw[starts[cell] : ends[cell]])
    values[exact] = exact_values
    return values


def _float_values(raw: bytes, starts: np.ndarray, ends: np.ndarray) -> list[float] | None:
    """``float`` of each cell, or None if one is not a plain number (``float`` also takes "_")."""
    spelled = [raw[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    if any(cell.translate(None, _NUMBER_CHARS) for cell in spelled):
        return None
    try:
        return [float(cell) for cell in spelled]
    except ValueError:
        return None


def _number_parts(
    cells: np.ndarray, layout: _Layout, numeric: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Check each cell's spelling; find its sign and power of ten.

    A number is ``[sign] digits [. digits] [e [sign] digits]`` with at least one
    digit. Returns ``negative``, ``power`` (the value is the cell's digits read
    as one integer times ``10**power``) and ``special`` (cells left to
    ``float``: more than 19 digits, an exponent of more than 3 digits, or
    something ``float`` will refuse). None when a cell cannot be a number.
    """
    found = _points_and_exponents(cells, layout, numeric)
    if found is None:
        return None
    power, digits_end, dotted, special = found
    first = cells[layout.starts]
    negative = first == _MINUS
    signed = negative | (first == _PLUS)
    # Signs are deleted with the points before strtoull: only leading ones may be left.
    if np.count_nonzero(cells == _MINUS) + np.count_nonzero(cells == _PLUS) != signed.sum():
        return None
    n_digits = digits_end - layout.starts
    n_digits -= signed
    n_digits -= dotted
    special |= (n_digits < 1) | (n_digits > _MAX_DIGITS)
    if numeric is not None:
        special &= numeric
    return negative, power, special


def _points_and_exponents(
    cells: np.ndarray, layout: _Layout, numeric: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Each cell's power of ten, where its digits end, whether it has a point, and which
    exponents are left to ``float``; exponents are blanked to "." in ``cells``."""
    marks, kinds, last = layout.marks, layout.kinds, layout.last
    inner = np.empty_like(last)  # marks inside each cell: a point, an exponent mark, or both
    inner[0] = last[0]
    np.subtract(last[1:], last[:-1], out=inner[1:])
    inner[1:] -= 1
    if numeric is not None:
        inner[~numeric] = 0  # those cells are all "0" now
    if inner.max() > 2:
        return None
    previous = last - 1
    before = kinds[previous]
    exponent = (inner > 0) & ((before | 32) == _E)
    dotted = (inner > 0) & (before == _DOT)
    digits_end = layout.ends
    owners = exponent.nonzero()[0]
    if owners.size:
        both = inner == 2  # only "digits . digits e exponent" has two marks
        if (both & ~exponent).any() or (kinds[previous[both] - 1] != _DOT).any():
            return None
        dotted |= both
        previous -= both  # now the point's mark
        digits_end = layout.ends.copy()
        digits_end[owners] = marks[last[owners] - 1]
    elif (inner == 2).any():
        return None
    power = (marks[previous] + 1 - digits_end) * dotted  # minus the number of decimals
    special = np.zeros(last.size, dtype=bool)
    if owners.size:
        values, valid = _exponents(cells, digits_end[owners], layout.ends[owners])
        power[owners] += values
        special[owners] = ~valid
    return power, digits_end, dotted, special


def _exponents(
    cells: np.ndarray, marks: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Values of the exponents after ``marks`` (up to 3 digits) and which are valid; blank them."""
    sign = cells[marks + 1]
    has_sign = (sign == _MINUS) | (sign == _PLUS)
    first_digit = marks + 1 + has_sign
    n_digits = ends - first_digit
    valid = (n_digits >= 1) & (n_digits <= 3)
    value = np.zeros(marks.size, dtype=np.int32)
    for place in range(3):
        present = n_digits > place
        digit = cells[np.minimum(first_digit + place, cells.size - 1)].astype(np.int32) - ord("0")
        valid &= ~present | ((digit >= 0) & (digit <= 9))
        value = np.where(present, value * 10 + digit, value)
    _blank(cells, marks, ends, _DOT)
    return np.where(sign == _MINUS, -value, value), valid


def _read_digits(text: bytearray, n_cells: int) -> np.ndarray | None:
    """Each cell's digits as one unsigned integer, by ``np.fromstring`` (C strtoull).

    Points, signs and quotes are deleted first; anything else but digits and
    separators is made unparsable, so that it fails here.
    """
    try:  # on bad text NumPy raises ValueError; before 2.x it warned and stopped early
        digits = np.fromstring(bytes(text).translate(_TO_DIGITS, b".+-"), np.uint64, sep=",")
    except (ValueError, DeprecationWarning):
        return None
    return digits if digits.size == n_cells else None


def _scale(
    mantissas: np.ndarray, power: np.ndarray, negative: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``±mantissas * 10**power`` correctly rounded to float64, and which results are unsure.

    With a mantissa below 2**53 and ``|power| <= 22`` both operands are exact in
    float64 and one IEEE multiplication or division rounds correctly (Clinger's
    fast path); the sign rides on the power of ten, so that -0 stays -0. Longer
    mantissas are computed in double-double arithmetic; the rare results too
    close to a rounding tie, and larger powers, are unsure.
    """
    magnitude = np.abs(power)
    unsure = magnitude > _MAX_POWER
    if unsure.any():
        np.minimum(magnitude, _MAX_POWER, out=magnitude)
    scale = _SIGNED_POW10[2 * magnitude + negative]
    values = mantissas.astype(np.float64)
    up = power > 0
    if up.any():
        values = np.where(up, values * scale, values / scale)
    else:
        values /= scale
    long = ((mantissas > 2**53) & ~unsure).nonzero()[0]
    if long.size:
        value, unsure[long] = _double_double(mantissas[long], np.abs(scale[long]), up[long])
        values[long] = np.copysign(value, scale[long])
    return values, unsure


def _double_double(
    mantissas: np.ndarray, scale: np.ndarray, up: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``m * scale`` (where ``up``) or ``m / scale`` correctly rounded; and which are unsure.

    ``m = high + low`` exactly, ``a * scale = product + error`` exactly (Dekker),
    so ``base + rest`` is the exact result to about 2**-100 relative. Its
    rounding ``value`` is correct unless ``base + rest`` lies that close to a
    tie between two doubles, which the exact rounding error ``tail`` shows.
    """
    high = mantissas.astype(np.float64)
    low = (mantissas - high.astype(np.uint64)).view(np.int64).astype(np.float64)
    quotient = high / scale
    product, error = _two_product(np.where(up, high, quotient), scale)
    rest = np.where(up, error + low * scale, (((high - product) - error) + low) / scale)
    base = np.where(up, product, quotient)
    value = base + rest
    tail = rest - (value - base)
    gap = np.spacing(value)
    gap = np.where((tail < 0) & (np.frexp(value)[0] == 0.5), gap / 2, gap)  # below a power of 2
    return value, np.abs(tail) >= gap / 2 * (1 - 2.0**-20)


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``a * b == product + error`` exactly (Dekker's algorithm, Veltkamp's splitting)."""
    product = a * b
    a_high, a_low = _split(a)
    b_high, b_low = _split(b)
    error = ((a_high * b_high - product) + a_high * b_low + a_low * b_high) + a_low * b_low
    return product, error


def _split(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    spread = 134217729.0 * a  # 2**27 + 1
    high = spread - (spread - a)
    return high, a - high
