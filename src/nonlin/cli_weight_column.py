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
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._quoting import quoted, shown_path
from .cli_categorical import read_training_table
from .cli_common import UsageError
from .cli_stdin import data_file
from .cli_table import _match_names, header_names, match_listed
from .tabular import CSVError

_BLOCK_ELEMENTS = 1 << 16  # values per block when the weight column is moved out of X


def read_weighted_table(args: argparse.Namespace) -> tuple[Any, np.ndarray | None]:
    """``read_training_table(args)`` and, with ``--weight``, the weights, float64 of shape
    (n_rows,), one per row of the table (its rows kept by ``--missing drop``)."""
    if not getattr(args, "weight", None):
        return read_training_table(args), None
    path = args.data
    names = header_names(data_file(path))
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
    with weight_messages(weight):
        table = read_training_table(reading)
    extra = table.extra_columns if args.columns is not None or args.exclude else ()
    table, weights = weights_apart(path, dataclasses.replace(table, extra_columns=extra), weight)
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


def weights_apart(path: str, table: Any, weight: str) -> tuple[Any, np.ndarray]:
    """``table`` (read from ``path``) without its last column, the weight column ``weight``,
    and the weights, float64 of shape (n_rows,), checked: none missing (NaN, or filled by
    the reader: counted in ``table.n_missing``) or negative, not all 0."""
    X, weights = _split_last_column(table.X)
    counts = tuple(table.n_missing)
    table = dataclasses.replace(table, X=X, feature_names=table.feature_names[:-1],
                                n_missing=counts[:-1])
    if counts and counts[-1]:  # filled by the reader (evaluate's fill_values)
        weights[:] = np.nan  # every row: _check_weights finds the first missing cell
    _check_weights(path, weights, weight)
    return table, weights


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


def _check_weights(path: str, weights: np.ndarray, weight: str) -> None:
    """No missing (NaN, left by --missing mean) or negative weight, not all of them 0."""
    for bad, what, advice in (
        (np.isnan(weights), "a weight", "--missing mean fills feature cells only: give the "
         "weight, or use --missing drop to leave the row out"),
        (weights < 0, "a weight >= 0", "a row cannot weigh less than nothing"),
    ):
        if np.any(bad):
            found = _first_cell(path, weight, what == "a weight")
            at = (f"line {found[0]}, column {quoted(weight)}: expected {what}, received "
                  f"{quoted(found[1])}" if found else
                  f"column {quoted(weight)}, data row {int(np.argmax(bad)) + 1}: expected "
                  f"{what}, received {weights[np.argmax(bad)]:g}")
            raise UsageError(f"{shown_path(path)}, {at} (--weight; {advice})")
    if weights.size and not np.any(weights):
        raise UsageError(f"{shown_path(path)}: every weight in column {quoted(weight)} "
                         "is 0 (--weight); expected some rows with a weight > 0")


def _first_cell(path: str, column: str, missing: bool) -> tuple[int, str] | None:
    """The line and text of the first cell of ``column`` that is missing (not a finite
    number), or else negative; None when none is found (messages only: reads the file
    once more with the ``csv`` module)."""
    from ._csv_strict import _number

    try:
        with open(data_file(path), encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            position = next(reader, []).index(column)
            line = reader.line_num + 1
            for row in reader:
                if len(row) > position:
                    value = _number(row[position], None)
                    finite = value is not None and math.isfinite(value)
                    if (not finite) if missing else (finite and value is not None and value < 0):
                        return line, row[position].strip(" \t")
                line = reader.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error, ValueError):
        return None
    return None
