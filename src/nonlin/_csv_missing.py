"""The missing-aware fast pass of ``nonlin.tabular.read_csv`` (``missing="drop"`` or ``"mean"``).

When the fast path (``_csv_fast.py``) refuses a block (and, after a block with
missing cells, before trying it on the next block), this pass looks for the
feature cells the strict parser (``_csv_strict.py``) would surely call
missing: empty, or holding a byte that no plain number has (a letter, "?",
"_", a non-ASCII byte: "nan", "inf", "abc"). It writes "0" in their place,
reads the block with the fast path, and sets those cells to NaN. The cost
beyond the fast path is one table lookup per byte and one copy of the block.

Anything else unusual (a space or tab in a feature cell, a formatted number
or a date there, which are never missing, a missing or non-numeric target, a
missing label, a malformed or out-of-range number, a ragged row) makes it
return None, so the strict parser reads the block, with its exact messages and
verdicts.
"""

from __future__ import annotations

import re
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np

from ._csv_fast import _fast_block, _Layout, _plain, _unquote
from ._csv_strict import BOOLEANS, not_missing

if TYPE_CHECKING:
    from ._csv_plan import _Plan

_COMMA, _NEWLINE, _QUOTE = b",\n\""
_PLAIN_BYTES = b'0123456789.eE+-",\n'
# 1 for each byte no plain number has (in a feature cell: missing, or a space or tab), else 0
_FLAGS = bytes(0 if byte in _PLAIN_BYTES else 1 for byte in range(256))
_SPACE, _TAB = b" \t"  # " 1.5" is a number: the strict parser strips it
# a flagged cell with a digit may be a formatted number ("$12", "5%", "1 304", "(12)") or a
# date, which the strict parser refuses (``_csv_strict.not_missing``): those few are looked at
_DIGITS = np.zeros(256, dtype=bool)
_DIGITS[list(b"0123456789")] = True
_BOOLEAN = re.compile(b"rue|RUE|alse|ALSE")  # a block that may hold BOOLEANS: look for them
_NOT_BOOLEAN = 2


def _missing_block(raw: bytes, plan: _Plan) -> tuple[np.ndarray, np.ndarray | None] | None:
    """Read a block with missing feature cells (or none) by the fast path; None: strict parser.

    Returns ``X`` (n_rows, n_features) of ``plan.dtype``, NaN where a feature
    cell is missing, and ``y`` as :func:`_fast_block` returns it (no target is missing).
    """
    plain = _plain(raw)
    if plain is None:
        return None
    n_cols = len(plan.names)
    cells = np.frombuffer(plain, dtype=np.uint8)
    bounds = _bounds(cells, n_cols)
    if bounds is None:
        return None
    starts, ends = bounds
    bad = _bad_cells(plain, starts, ends, plan)
    if bad is None:
        return None
    ones = _booleans(cells, starts, ends, bad) if bad.size and _BOOLEAN.search(plain) else None
    position = np.full(n_cols, -1)  # each column's position in X, -1 if not a feature
    position[list(plan.features)] = np.arange(len(plan.features))
    missing = bad if ones is None else bad[ones == _NOT_BOOLEAN]
    column = position.take(missing % n_cols)
    if plan.missing == "error" and (column >= 0).any():
        return None  # a missing feature: the strict parser says where
    fast = _fast_block(_zeroed(plain, starts, ends, bad, ones), plan)
    if fast is None:
        return None
    X, y = fast
    if missing.size:
        X[missing[column >= 0] // n_cols, column[column >= 0]] = np.nan
    return X, y


def _booleans(
    cells: np.ndarray, starts: np.ndarray, ends: np.ndarray, bad: np.ndarray
) -> np.ndarray:
    """For each of the ``bad`` cells, 1 or 0 when it spells a boolean (``_csv_strict.BOOLEANS``:
    True, true, TRUE, False...), else ``_NOT_BOOLEAN``; (bad.size,) uint8."""
    found = np.full(bad.size, _NOT_BOOLEAN, dtype=np.uint8)
    widths = ends.take(bad) - starts.take(bad)
    for value, width in ((1, 4), (0, 5)):
        which = np.flatnonzero(widths == width)
        text = cells.take(starts.take(bad.take(which))[:, None] + np.arange(width), mode="clip")
        spelled = np.zeros(which.size, dtype=bool)
        for word, number in BOOLEANS.items():
            if number == value:
                spelled |= (text == np.frombuffer(word.encode(), dtype=np.uint8)).all(axis=1)
        found[which[spelled]] = value
    return found


def _bounds(cells: np.ndarray, n_cols: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Where each cell's text starts and ends (empty cells allowed), if every row has
    ``n_cols`` cells and quotes (if any) enclose whole cells."""
    separators = np.flatnonzero((cells == _COMMA) | (cells == _NEWLINE))
    newlines = cells.take(separators) == _NEWLINE
    # n_rows newlines, each closing a group of n_cols separators: n_cols cells a row.
    n_rows = int(np.count_nonzero(newlines))
    if separators.size != n_rows * n_cols or not newlines[n_cols - 1 :: n_cols].all():
        return None
    starts = np.empty_like(separators)
    starts[0] = 0
    np.add(separators[:-1], 1, out=starts[1:])
    if not (cells == _QUOTE).any():
        return starts, separators
    # _unquote reads only the starts and ends of the layout
    unquoted = _unquote(cells, _Layout(separators, newlines, separators, starts, separators))
    return None if unquoted is None else (unquoted.starts, unquoted.ends)


def _bad_cells(
    plain: bytes, starts: np.ndarray, ends: np.ndarray, plan: _Plan
) -> np.ndarray | None:
    """Indices of the cells to write as "0": missing features, empty skipped cells.

    None when a cell needs the strict parser: a feature with a space or tab,
    a numeric target with anything but a plain number, an empty label.
    """
    n_cols = len(plan.names)
    flagged = np.flatnonzero(np.frombuffer(plain.translate(_FLAGS), dtype=bool))
    owners = np.searchsorted(ends, flagged)  # a flagged byte is never a separator
    column = np.zeros(n_cols, dtype=np.uint8)  # 0: skipped, 1: feature, 2: numeric target
    column[plan.numeric] = 1  # (a categorical feature is skipped: _csv_coded reads it)
    if plan.target is not None:
        column[plan.target] = 2 if not plan.labels else 3
    kinds = column.take(owners % n_cols)
    in_features = np.frombuffer(plain, dtype=np.uint8).take(flagged[kinds == 1])
    if (kinds == 2).any() or ((in_features == _SPACE) | (in_features == _TAB)).any():
        return None
    if _values(plain, starts, ends, np.unique(owners[kinds == 1])):
        return None  # a formatted number or a date: the strict parser refuses it
    empty = np.flatnonzero(starts == ends)
    if (column.take(empty % n_cols) >= 2).any() or (n_cols == 1 and empty.size):
        return None  # a missing target, or blank lines: the strict parser decides
    return np.union1d(owners[kinds == 1], empty)


def _values(plain: bytes, starts: np.ndarray, ends: np.ndarray, which: np.ndarray) -> bool:
    """Whether any of the cells ``which`` (indices into ``starts`` and ``ends``, none empty)
    is a value the strict parser refuses rather than calls missing (``not_missing``); only
    the cells with a digit are decoded and looked at ("NA", "-", "—" have none)."""
    first, widths = starts.take(which), ends.take(which) - starts.take(which)
    offsets = np.repeat(first - np.cumsum(widths) + widths, widths) + np.arange(widths.sum())
    if not offsets.size:
        return False
    digits = _DIGITS[np.frombuffer(plain, dtype=np.uint8).take(offsets)]
    found = np.logical_or.reduceat(digits, np.cumsum(widths) - widths) & (widths > 0)
    texts = {plain[start:end] for start, end in  # each spelling once ("#DIV/0!")
             zip(first[found].tolist(), ends.take(which)[found].tolist(), strict=True)}
    return any(not_missing(text.decode("utf-8", "replace")) for text in texts)


def _zeroed(
    plain: bytes, starts: np.ndarray, ends: np.ndarray, bad: np.ndarray,
    ones: np.ndarray | None = None,
) -> bytes:
    """The block with the text of each ``bad`` cell replaced by "0", or by "1" where
    ``ones`` (from :func:`_booleans`, or None) is 1."""
    if not bad.size:
        return plain
    cuts = np.empty(2 * bad.size + 2, dtype=np.int64)
    cuts[0], cuts[-1] = 0, len(plain)
    cuts[1:-1:2] = starts.take(bad)
    cuts[2:-1:2] = ends.take(bad)
    pieces = cuts.tolist()
    kept = [plain[pieces[i] : pieces[i + 1]] for i in range(0, len(pieces), 2)]
    if ones is None or not (ones == 1).any():
        return b"0".join(kept)
    fills = [b"1" if one == 1 else b"0" for one in ones.tolist()]
    return b"".join(chain.from_iterable(zip(kept, fills, strict=False))) + kept[-1]
