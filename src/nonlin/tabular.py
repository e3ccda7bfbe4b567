"""Careful, streaming CSV reading for the command line.

:func:`read_csv` turns a CSV file with a header row into a float feature
matrix ``X`` and an optional target ``y``. It is strict: a cell that is not a
finite number, a ragged row, a malformed quote, invalid UTF-8 or an unknown
column name is a :class:`CSVError` naming the file, line, column and value,
unless ``missing`` says how to treat missing numbers. It streams: the file is
read in blocks of whole lines into one growing array, so a large file costs
little more memory than the array itself.

Two parsers read each block. The fast one works on the block's bytes with
vector operations and reads digits eight bytes at a time in 64-bit integers,
then scales them with correct rounding (Clinger's fast path, double-double
arithmetic beyond it), so numbers come out bit for bit as ``float`` reads them;
blocks of short numbers (``%.6f``, integers: at most 8 digits and a point) take
a shortcut with one 64-bit word per cell, and blocks of medium ones (``%.7g``:
up to 16) one with two (``_csv_short.py``). It accepts only
what it can prove it reads like the strict parser does; every other block
(blank lines, empty cells, spaces, quotes around part of a cell, lone CR line
ends, non-numbers) goes to the strict parser, built on the ``csv`` module and
``float``, which also writes the error messages. With ``missing``
"drop" or "mean", a block whose only trouble is missing feature cells (empty,
"nan", "?") is read by the fast parser with those cells set to NaN
(``_csv_missing.py``), bit for bit as the strict parser reads it. Feature columns
of categories (``nonlin train --categorical``) are coded in the same pass
(``_csv_coded.py``).

A gzip, bz2 or xz file, or a zip archive of one file, is read as its text, streamed
through the same blocks (``_compressed.py``), as ``pandas.read_csv`` reads one.

Non-goals: type inference beyond "number or label", dates, other delimiters
or encodings, writing CSV. ``pandas`` does those; nonlin does not depend on it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any, BinaryIO

import numpy as np

from ._compressed import checked_data, text_size
from ._csv_coded import _with_codes
from ._csv_digits import _join_labels
from ._csv_fast import _fast_block
from ._csv_fast import settle_allocator as _settle_allocator
from ._csv_missing import _BOOLEAN, _missing_block
from ._csv_plan import CSVError, _check_arguments, _make_plan, _Plan, _read_header, _Request
from ._csv_quotes import ends_in_quotes
from ._csv_rows import _Rows
from ._csv_strict import _LabelsFound, _strict_block
from ._csv_text import none_left_error
from ._quoting import quoted, shown_path

__all__ = ["CSVError", "Table", "read_csv"]

_BLOCK_BYTES = 3 << 17  # bytes read per block; tests patch it small to cross block boundaries


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
    n_missing : with ``missing="mean"``, the missing cells of each feature column (filled,
        or NaN with ``impute=False``); empty otherwise
    kept : with ``missing="drop"`` and rows dropped, (n_rows_in_file,) bool: which data rows
        were kept; else None
    """

    X: np.ndarray
    y: np.ndarray | None
    feature_names: tuple[str, ...]
    target: str | None
    n_dropped: int
    extra_columns: tuple[str, ...]
    n_missing: tuple[int, ...] = ()
    kept: np.ndarray | None = None


def read_csv(
    path: str | os.PathLike[str], *, target: str | None = None,
    columns: Sequence[str] | None = None, missing: str = "error", dtype: Any = np.float32,
    fill_values: Sequence[float] | None = None, impute: bool = True,
) -> Table:
    """Read a numeric CSV file with a header row into a :class:`Table`.

    Parameters
    ----------
    path : a UTF-8 file (with or without BOM), comma-separated, ``"`` quoting,
        first row the column names (unique, non-empty; an unnamed first column,
        the index ``DataFrame.to_csv`` writes, is skipped). Blank lines are skipped, those
        of spaces and tabs only too (as pandas). A number may have ASCII spaces and tabs
        around it, no other white space.
        Such a file compressed with gzip, bz2 or xz, or alone in a zip archive, is read
        as its text (the first bytes decide, not the name).
    target : name of the column to return as ``y``, never imputed; its cells spelled ``NA``,
        ``?``, ``-``... (``_csv_strict.MISSING_TARGETS``) are missing if no cell is other text
    columns : names of the feature columns, in the order wanted; default every
        column but the target
    missing : what to do with a feature cell that is empty, not a number, nan
        or inf: ``"error"`` (raise), ``"drop"`` (leave the row out and count it)
        or ``"mean"`` (use the column's mean over its finite values). A missing
        target drops the row with ``"drop"`` and is an error otherwise.
    dtype : float dtype of ``X``; a number outside its range counts as missing
    fill_values : with ``missing="mean"``, the value for a missing cell of each
        feature column, in ``X``'s order (a model's training means), instead of
        the file's own column means (a column of text, whose every cell counts as
        missing, is still refused: ``CSVError``; a column of empty cells is filled)
    impute : with ``missing="mean"``, False leaves missing cells NaN (the caller fills them)

    Returns
    -------
    Table with ``X`` of shape (n_rows, n_features) and ``y`` of shape (n_rows,) or None.

    Raises
    ------
    CSVError
        For any problem with the file's content, naming file, line, column and value.
    """
    request = _check_arguments(path, target, columns, missing, dtype, fill_values, impute)
    return _read_request(request)


def _read_request(request: _Request) -> Table:
    """``read_csv`` of the checked arguments (``_check_arguments``)."""
    try:
        return _read(request, labels=False)
    except _LabelsFound:
        return _read(request, labels=True)


def _read(request: _Request, labels: bool) -> Table:
    _settle_allocator()
    source, fill = request.source, request.fill
    for coder in request.coders.values():  # (again: after _LabelsFound)
        coder.reset()
    with checked_data(source) as handle:  # open_data, a damaged file's CSVError its damage
        blocks = _blocks(handle)
        names, rest, line = _read_header(blocks, source)
        plan = _make_plan(source, names, request.target, request.columns, request.missing,
                          request.dtype, labels, request.coders)
        if fill is not None and (fill.size != len(plan.features) or not np.isfinite(fill).all()):
            raise ValueError(
                f"Expected {len(plan.features)} finite fill_values, one per feature column. "
                f"Received: fill_values={quoted(fill.tolist(), 200)}"
            )
        output = _Output(plan, text_size(handle))  # a compressed file: its text's size
        output.fill, output.impute = fill, request.impute
        for raw in chain([rest], blocks):
            if raw:
                line += output.add(raw, line)
    used = {*plan.features, plan.target}
    columns = request.columns
    extra = () if columns is None else tuple(n for i, n in enumerate(names) if i not in used and n)
    return output.table(extra)


def _blocks(handle: BinaryIO) -> Iterator[bytes]:
    """Yield the file in blocks of whole lines, never cutting inside a quoted field.

    A block that ends inside a quoted field (``_csv_quotes``: a ``"`` inside an
    unquoted cell is a plain character) takes more lines until it does not, up
    to 64 blocks' worth (then the strict parser reports the unterminated quote).
    """
    while True:
        block = handle.read(_BLOCK_BYTES)
        if not block:
            return
        block += handle.readline()
        if b'"' in block and ends_in_quotes(block):
            parts, size, inside = [block], len(block), True
            while inside and parts[-1] and size < 64 * _BLOCK_BYTES:
                parts.append(handle.readline())
                size += len(parts[-1])
                if b'"' in parts[-1]:  # only a line with a quote can end the field
                    inside = ends_in_quotes(b"".join(parts))
            block = b"".join(parts)
        yield block


class _Output(_Rows):
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
        # finite values per column: with "mean", of every block; with "drop", of the blocks
        # with missing cells (when every row is dropped, every block: a column of none is named)
        self.counts = np.zeros(len(plan.features), dtype=np.int64)
        self.fill: np.ndarray | None = None  # values for missing cells; None: the column means
        self.impute = True  # False: leave missing cells NaN
        self.missing_seen = False  # the last block went through the missing-aware pass
        self.kept_blocks: list[np.ndarray | int] = []  # "drop": each block's rows kept

    def add(self, raw: bytes, first_line: int) -> int:
        """Parse one block (fast path, else strict), append its rows, return its line count.

        After a block with missing cells the next one likely has some too: it goes
        straight to the missing-aware pass, which reads a clean block as well.
        """
        fast = None if self.missing_seen else _fast_block(raw, self.plan)
        if fast is not None and self.plan.coders:
            fast = _with_codes(fast, raw, first_line, self.plan)
        if fast is not None:
            X, y = fast
            n_lines = len(X)
            self.n_read += len(X)
            if self.plan.coders and self.plan.missing != "error":  # a cell of spaces: missing
                X, y = self._missing(X, y, np.zeros(len(X), dtype=bool))
            elif self.plan.missing == "mean":
                self.sums += X.sum(axis=0, dtype=np.float64)
                self.counts += len(X)
            elif self.plan.missing == "drop":
                self.kept_blocks.append(len(X))  # every row kept
        else:
            X, y, y_missing, n_lines = self._slow(raw, first_line)
            self.n_read += len(X)
            X, y = self._missing(X, y, y_missing)
        self._append(X, y, len(raw))
        return n_lines

    def _slow(self, raw: bytes, first_line: int) -> tuple[np.ndarray, Any, np.ndarray, int]:
        """A block the fast path refused: ``X`` (NaN where missing), ``y``, which targets
        are missing, and its line count, by the missing-aware fast pass or the strict parser."""
        if self.plan.missing != "error" or _BOOLEAN.search(raw):  # booleans: 1 and 0
            fast = _missing_block(raw, self.plan)
            self.missing_seen = fast is not None and self.plan.missing != "error"
            if fast is not None and self.plan.coders:
                fast = _with_codes(fast, raw, first_line, self.plan)
            if fast is not None:
                X, y = fast
                return X, y, np.zeros(len(X), dtype=bool), len(X)
        X, y, y_missing, n_lines = _strict_block(raw, first_line, self.plan)
        return X.astype(self.plan.dtype), y, y_missing, n_lines  # out of range: already NaN

    def table(self, extra: tuple[str, ...]) -> Table:
        """Trim the arrays, impute means, and wrap everything in a :class:`Table`."""
        plan = self.plan
        if self.n_read == 0:
            raise CSVError(f"{shown_path(plan.source)}: expected data rows after the header, "
                           "received none")
        if self.n_rows == 0:
            raise none_left_error(plan, self.counts.tolist())
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
        missing = tuple(map(int, self.n_rows - self.counts)) if plan.missing == "mean" else ()
        kept = None
        if self.n_dropped:
            kept = np.concatenate([np.ones(b, dtype=bool) if isinstance(b, int) else b
                                   for b in self.kept_blocks])
        return Table(self.X, y, names, target, self.n_dropped, extra, missing, kept)
