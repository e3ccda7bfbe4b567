"""Stand-ins for ``nonlin.tabular`` and ``nonlin.datasets`` while they are not in a checkout.

The command line imports ``nonlin.tabular.read_csv`` and ``nonlin.datasets``
(their own issue); when a checkout lacks them it falls back to this module:
the same signatures and the same strictness (header row required, UTF-8 with
or without BOM, strict quoting, every cell a finite number unless
``missing`` says otherwise, errors naming file, line, column and value), but
not streaming: rows are gathered in a list before becoming one array.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._optional import require

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


class CSVError(ValueError):
    """A CSV file that cannot be read as asked; names file, line, column and value."""


@dataclass(frozen=True, eq=False)
class Table:
    X: np.ndarray
    y: np.ndarray | None
    feature_names: tuple[str, ...]
    target: str | None
    n_dropped: int
    extra_columns: tuple[str, ...]


def _number(cell: str) -> float | None:
    """The finite float a cell holds, or None (empty, text, nan, inf)."""
    if not _NUMBER.fullmatch(cell):
        return None
    value = float(cell)
    return value if math.isfinite(value) else None


def _plan(path: str, header: list[str], target: str | None, columns: Sequence[str] | None):
    listed = ", ".join(repr(name) for name in header)
    seen: set[str] = set()
    for name in header:
        if not name or name in seen:
            raise CSVError(f"{path}, line 1: column name {name!r} is empty or appears twice")
        seen.add(name)
    wanted = list(columns) if columns is not None else [n for n in header if n != target]
    for name, role in [(target, "target")] + [(n, "in columns") for n in wanted]:
        if name is not None and name not in seen:
            raise CSVError(f"{path}, line 1: no column {name!r} ({role}); the columns are {listed}")
    extra = [n for n in header if n not in wanted and n != target] if columns is not None else []
    return [header.index(n) for n in wanted], wanted, extra


def _text(source: str) -> str:
    """The file's text; invalid UTF-8 is an error naming the line and the bytes."""
    with open(source, "rb") as handle:
        data = handle.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CSVError(
            f"{source}, line {line}: expected UTF-8 text, received the bytes "
            f"{data[exc.start : exc.end]!r}"
        ) from None


def _records(source: str, text: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells) for each non-blank record, strict quoting."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CSVError(f"{source}, line {start}: malformed CSV ({exc})") from None
        if row:
            yield start, row


def _check_row(source: str, line: int, row: list[str], header: list[str]) -> None:
    if len(row) != len(header):
        raise CSVError(
            f"{source}, line {line}: expected {len(header)} cells (one per header column), "
            f"received {len(row)}: {row!r:.200}"
        )


def read_csv(
    path: Any,
    *,
    target: str | None = None,
    columns: Sequence[str] | None = None,
    missing: str = "error",
    dtype: Any = np.float32,
) -> Table:
    """Read a numeric CSV file with a header row (see ``nonlin.tabular.read_csv``)."""
    source = str(path)
    records = _records(source, _text(source))
    first = next(records, None)
    if first is None:
        raise CSVError(f"{source}, line 1: expected a header row of column names, received nothing")
    header = first[1]
    features, names, extra = _plan(source, header, target, columns)
    t = header.index(target) if target is not None else None
    rows, labels, dropped = [], [], 0
    for line, row in records:
        _check_row(source, line, row, header)
        values = [_number(row[i]) for i in features]
        bad = [i for i, v in zip(features, values, strict=True) if v is None]
        if t is not None and not row[t].strip():
            bad.insert(0, t)  # a missing target is never imputed
        if bad and (missing != "mean" or bad[0] == t):
            if missing == "drop":
                dropped += 1
                continue
            raise CSVError(
                f"{source}, line {line}, column {header[bad[0]]!r}: "
                f"expected a finite number, received {row[bad[0]]!r}"
            )
        rows.append([math.nan if v is None else v for v in values])
        if t is not None:
            labels.append(row[t])
    return _table(source, rows, labels, names, target, dropped, extra, missing, dtype)


def _table(
    source: str,
    rows: list,
    labels: list[str],
    names: list[str],
    target: str | None,
    dropped: int,
    extra: list[str],
    missing: str,
    dtype: Any,
) -> Table:
    if not rows:
        raise CSVError(f"{source}: expected data rows after the header, received none")
    X = np.array(rows, dtype=dtype)
    if missing == "mean":
        holes = np.isnan(X)
        X[holes] = np.take(np.nanmean(X, axis=0), np.nonzero(holes)[1])
    y = None
    if target is not None:
        numbers = [_number(v) for v in labels]
        if all(v is not None for v in numbers):
            y = np.array(numbers, dtype=np.float64)
        else:
            y = np.array(labels, dtype=str)
    return Table(X, y, tuple(names), target, dropped, tuple(extra))


# -- the demos' data sets ------------------------------------------------------
def load_demo(name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """moons, circles, spirals (1000 points, seeded) or digits (scikit-learn)."""
    rng = np.random.default_rng(seed)
    half = np.linspace(0.0, math.pi, 500)
    if name == "moons":
        points = [
            np.column_stack([np.cos(half), np.sin(half)]),
            np.column_stack([1.0 - np.cos(half), 0.5 - np.sin(half)]),
        ]
        noise = 0.2
    elif name == "circles":
        angle = np.linspace(0.0, 2.0 * math.pi, 500, endpoint=False)
        ring = np.column_stack([np.cos(angle), np.sin(angle)])
        points, noise = [ring, 0.5 * ring], 0.1
    elif name == "spirals":
        radius = np.linspace(0.0, 1.0, 500)
        points, noise = [], 0.0
        for label in range(2):
            angle = math.pi * label + 3.0 * math.pi * radius + 0.2 * rng.standard_normal(500)
            points.append(radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)]))
    else:
        sk = require("sklearn.datasets", "sklearn", "the digits demo")
        X, y = sk.load_digits(return_X_y=True)
        return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)
    X = np.concatenate(points) + noise * rng.standard_normal((1000, 2))
    y = np.repeat(np.arange(2), 500)
    order = rng.permutation(1000)
    return X[order], y[order]
