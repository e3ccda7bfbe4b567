"""``nonlin train --weight COLUMN``: the per-row weights, read with the features.

The weight column is read by the same reader, in the same pass, as the last of the
feature columns (so ``--missing drop`` drops the same rows from both, and a cell that
is no number is reported as any cell is), then moved out of ``X`` in place. It is
never filled: with ``--missing mean`` a missing weight is an error naming its line,
and so is a negative one; weights that are all 0 are refused.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import math
import re
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._compressed import open_data, open_text
from ._csv_strict import blank
from ._quoting import quoted, shown_path
from .cli_categorical import read_training_table
from .cli_common import UsageError
from .cli_stdin import data_file
from .cli_table import _match_names, header_names, match_listed, read_table
from .tabular import CSVError

_BLOCK_ELEMENTS = 1 << 16  # values per block when the weight column is moved out of X


def read_weighted_table(args: argparse.Namespace) -> tuple[Any, np.ndarray | None]:
    """``read_training_table(args)`` and, with ``--weight``, the weights, float64 of shape
    (n_rows,), one per row of the table (its rows kept by ``--missing drop``)."""
    if not getattr(args, "weight", None):
        return read_training_table(args), None
    path = args.data
    names = header_names(path)
    weight = match_listed(path, names, [args.weight], "--weight")[0]
    target, columns = _match_names(path, args.target, args.columns, "--columns", None,
                                   args.exclude)
    _check_weight_column(args, weight, target, columns, names)
    features = [n for n in (columns if columns is not None else names)
                if n and n != target and n != weight]
    if not features:
        raise UsageError(f"{shown_path(path)}: no feature column is left besides --target "
                         f"{quoted(target)} and --weight {quoted(weight)}")
    reading = argparse.Namespace(**{**vars(args), "columns": [*features, weight],
                                    "exclude": None})
    values = weight_values(path, weight, np.float32)  # the model's dtype
    with weight_messages(weight):
        table = read_training_table(reading)
    extra = table.extra_columns if args.columns is not None or args.exclude else ()
    table, weights = weights_apart(path, dataclasses.replace(table, extra_columns=extra), weight,
                                   values)
    if not np.any(weights.astype(np.float32)):  # read in float64: 1e-320 is no 0 there
        raise UsageError(f"{shown_path(path)}: every weight in column {quoted(weight)} is 0 in "
                         f"float32, the model's precision (the largest is {weights.max():.3g}; "
                         "the smallest float32 above 0 is 1.4e-45) (--weight); expected some "
                         "rows with a weight > 0: scale the column up")
    args.weight = weight  # as the header spells it, for the training record
    return table, weights


@contextlib.contextmanager
def weight_messages(weight: str) -> Iterator[None]:
    """Reading a table whose last column is the weight column ``weight``: a reader's message
    on one of its cells gives the weight's advice in place of a feature's."""
    try:
        yield
    except CSVError as exc:
        raise CSVError(_reworded(str(exc), weight)) from None


def weights_apart(path: str, table: Any, weight: str,
                  values: np.ndarray | None) -> tuple[Any, np.ndarray]:
    """``table`` (read from ``path``) without its last column, the weight column ``weight``,
    and the weights, float64 of shape (n_rows,), checked: none missing or negative, not all
    0. ``values``: :func:`weight_values`, the column's cells in float64 (n_rows_in_file,),
    of which the table's rows are taken; None: the table's own column (its dtype)."""
    X, column = _split_last_column(table.X)
    counts = tuple(table.n_missing)
    table = dataclasses.replace(table, X=X, feature_names=table.feature_names[:-1],
                                n_missing=counts[:-1])
    kept = table.kept
    rows = np.arange(X.shape[0]) if kept is None else np.flatnonzero(kept)
    if values is not None and values.size == (X.shape[0] if kept is None else kept.size):
        column = values[rows]
    elif counts and counts[-1]:  # filled by the reader (evaluate's fill_values)
        column[:] = np.nan
    _check_weights(path, column, weight, rows)
    return table, column


def weight_values(path: str, weight: str, dtype: Any) -> np.ndarray | None:
    """The cells of column ``weight`` of ``path``, float64 (n_rows_in_file,), NaN where
    missing; None if the column cannot be read alone (the full read says why). A weight
    beyond the range of ``dtype`` (the model's: ``3.4e38`` for float32), or of float64
    (``1e309``), is refused, naming its line and value: read in ``dtype`` it would count
    as missing."""
    try:
        values = read_table(path, target=None, columns=[weight], missing="mean",
                            impute=False, dtype=np.float64, columns_option="--weight").X[:, 0]
    except (CSVError, UsageError):
        return None
    with np.errstate(over="ignore"):
        over = np.isfinite(values) & ~np.isfinite(values.astype(dtype))
    index = int(np.argmax(over)) if np.any(over) else values.size
    beyond = _beyond_float64(path, weight, np.isnan(values[:index]))  # 1e309: read as missing
    if beyond is not None or index < values.size:
        index, found = (beyond[0], beyond[1:]) if beyond else (index, _cell(path, weight, index))
        largest = np.finfo(dtype).max
        at = (f"line {found[0]}" if found else f"data row {index + 1}")
        raise UsageError(
            f"{shown_path(path)}, {at}, column {quoted(weight)}: expected a weight within "
            f"{np.dtype(dtype).name} range (the model's; at most {largest:.8g}), received "
            f"{quoted(found[1] if found else f'{values[index]:g}')} (--weight; scale the "
            "column down)")
    return values


_HUGE = re.compile(rb"[eE]\+?0*[1-9][0-9]{2}|[0-9]{309}")  # in a number beyond float64


def _beyond_float64(path: str, column: str,
                    missing: np.ndarray) -> tuple[int, int, str] | None:
    """The first data row of ``missing`` ((n,) bool: the cells read as missing) whose cell
    is a number beyond float64 (``1e309``, which the reader reads as missing, as ``inf``),
    with its line and text; None if none. The file is read once more (``csv``) only when
    a cell is missing and the file holds a 3-digit exponent or 309 digits in a row."""
    if not np.any(missing) or not _holds(path, _HUGE):
        return None
    rows = set(np.flatnonzero(missing).tolist())
    try:
        with open_text(data_file(path), path) as handle:  # a compressed file's text too
            reader = csv.reader(handle)
            position = next(reader, []).index(column)
            line, index = reader.line_num + 1, 0
            for row in reader:
                if not blank(row):
                    text = row[position].strip(" \t") if len(row) > position else ""
                    if index in rows and _overflows(text):
                        return index, line, text
                    index += 1
                line = reader.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error, ValueError):
        return None
    return None


def _holds(path: str, pattern: re.Pattern[bytes]) -> bool:
    """Whether the text of DATA.csv ``path`` (decompressed: ``open_data``) holds a match of
    ``pattern`` (of at most 400 bytes)."""
    with open_data(data_file(path), path) as handle:
        tail = b""
        while chunk := handle.read(1 << 24):
            if pattern.search(tail + chunk):
                return True
            tail = chunk[-400:]
    return False


def _overflows(text: str) -> bool:
    """Whether ``text`` is a number that float64 rounds to an infinity (not ``inf``)."""
    try:
        value = float(text)
    except ValueError:
        return False
    return math.isinf(value) and "inf" not in text.lower() and "_" not in text


def _check_weight_column(args: argparse.Namespace, weight: str, target: str | None,
                         columns: list[str] | None, names: list[str]) -> None:
    """The weight column may be neither the target, nor a --columns or --categorical one."""
    where = ("the target (--target)" if weight == target
             else "a feature column (--columns)" if args.columns is not None and weight in (
                 columns or ())
             else "a --categorical column" if weight in match_listed(
                 args.data, names, args.categorical or [], "--categorical") else "")
    if where:
        raise UsageError(f"{shown_path(args.data)}: --weight column {quoted(weight)} is "
                         f"{where}; the weights must be a column of their own")


def _split_last_column(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``X[:, :-1]`` as a C-contiguous array in ``X``'s own memory (rows moved forward
    block by block: no second copy of the data) and ``X[:, -1]`` in float64."""
    n, width = X.shape
    weights = X[:, -1].astype(np.float64)
    k = width - 1
    if not X.flags.c_contiguous:
        return np.ascontiguousarray(X[:, :k]), weights
    flat = X.reshape(-1)
    rows = max(1, _BLOCK_ELEMENTS // width)
    for start in range(0, n, rows):  # row i lands at i*k <= i*(k+1): never ahead of the reads
        stop = min(n, start + rows)
        flat[start * k : stop * k] = X[start:stop, :k].reshape(-1)  # numpy buffers overlaps
    return flat[: n * k].reshape(n, k), weights


def _reworded(message: str, weight: str) -> str:
    """A reader's message on a cell of the weight column, with the weight's advice in place
    of a feature's (one-hot encoding, --missing mean filling it), or added where it had none
    (``inf``)."""
    at = max(message.find(f"column {quoted(weight)}: expected a {kind}, received ")
             for kind in ("number", "finite number"))  # 'x', or 'nan' (missing too)
    if at < 0:
        return message
    advice = min((found for found in (message.find(mark, at) for mark in (
        " (text:", " (a missing value")) if found >= 0), default=len(message))
    return (message[:advice] + " (--weight needs a number >= 0 on every row; --missing drop "
            "leaves out a row whose weight is missing)")


def _check_weights(path: str, weights: np.ndarray, weight: str, rows: np.ndarray) -> None:
    """No missing (NaN, left by --missing mean) or negative weight, not all of them 0;
    ``rows`` (n_rows,): the data row of the file each weight was read from."""
    for bad, what, advice in (
        (np.isnan(weights), "a weight", "--missing mean fills feature cells only: give the "
         "weight, or use --missing drop to leave the row out"),
        (weights < 0, "a weight >= 0", "a row cannot weigh less than nothing"),
    ):
        if np.any(bad):
            first = int(np.argmax(bad))
            found = _cell(path, weight, int(rows[first]))
            at = (f"line {found[0]}, column {quoted(weight)}: expected {what}, received "
                  f"{quoted(found[1])}" if found else
                  f"column {quoted(weight)}, data row {int(rows[first]) + 1}: expected "
                  f"{what}, received {weights[first]:g}")
            raise UsageError(f"{shown_path(path)}, {at} (--weight; {advice})")
    if weights.size and not np.any(weights):
        raise UsageError(f"{shown_path(path)}: every weight in column {quoted(weight)} "
                         "is 0 (--weight); expected some rows with a weight > 0")


def _cell(path: str, column: str, index: int) -> tuple[int, str] | None:
    """The line and text (spaces and tabs around it stripped) of the cell of ``column`` in
    data row ``index`` (0-based, blank lines not counted, as the reader counts rows); None
    when not found (messages only: reads the file once more with the ``csv`` module)."""
    try:
        with open_text(data_file(path), path) as handle:
            reader = csv.reader(handle)
            position = next(reader, []).index(column)
            line = reader.line_num + 1
            for row in reader:
                if not blank(row):
                    if index == 0:
                        return line, row[position].strip(" \t") if len(row) > position else ""
                    index -= 1
                line = reader.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error, ValueError):
        return None
    return None
