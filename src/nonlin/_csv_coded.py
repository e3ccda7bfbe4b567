"""Feature columns read as categories (``nonlin train --categorical``), in the reader's own pass.

A categorical column's cells are not parsed as numbers: each cell's text after CSV
unquoting, with the ASCII spaces and tabs around it stripped (``" red"`` is ``red``), goes
to the column's :class:`Coder`, which returns its category's code (0, 1, ...) or raises;
an empty cell (or spaces only) is missing, NaN in ``X`` for ``missing`` to treat. The
numeric parsers skip these columns as they skip a target of labels (``_Plan.numeric``);
the strict parser codes their cells row by row (``_csv_strict``), and a block that a fast
path read is coded here at once (:func:`coded_block`): each column's distinct cells are
found with ``np.unique`` and given to the coder in the order they first appear in the
file (by line, then column as read: ``plan.coders`` follows ``plan.features``), so that a
coder that learns its categories, or names the first unknown one, sees them as a pass row
by row would.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ._csv_digits import _texts, _words
from ._csv_fast import _MAX_LABEL_BYTES, _plain
from ._csv_missing import _bounds

if TYPE_CHECKING:
    from ._csv_plan import _Plan


class Coder(Protocol):
    """What the reader asks of a categorical column: the code of each category it reads."""

    def reset(self) -> None:
        """Forget the cells coded so far: the reader reads the file again from its start."""

    def code(self, text: str, line: int, count: int = 1) -> float:
        """The code of category ``text`` (stripped, not empty), found first at ``line`` of
        the file, in ``count`` cells; or raise an error naming the line."""


def coded_block(raw: bytes, first_line: int, plan: _Plan) -> np.ndarray | None:
    """The codes of the categorical cells of a block that a fast path read (whose rows are
    its lines: no blank line, no quoted line break).

    Parameters
    ----------
    raw : the block, starting at line ``first_line`` of the file
    plan : the reading's plan; ``plan.coders`` code the cells

    Returns
    -------
    ndarray of shape (n_rows, len(plan.coders)), float64: each cell's code, NaN where it
    is missing; or None to leave the block to the strict parser: its cells are not found
    as the fast path finds them, or (``missing="error"``) one is missing, which that parser
    names.
    """
    plain = _plain(raw)
    if plain is None:
        return None
    n_cols = len(plan.names)
    bounds = _bounds(np.frombuffer(plain, dtype=np.uint8), n_cols)
    if bounds is None or (n_cols == 1 and (bounds[0] == bounds[1]).any()):
        return None  # with one column, an empty cell may be a blank line: the parser skips it
    starts, ends = bounds
    words = _words(plain)
    found = [_distinct(plain, words, starts[j::n_cols], ends[j::n_cols]) for j in plan.coders]
    if n_cols == 1 and "" in found[0][2]:
        return None  # a line of spaces or tabs is a blank line there too (``_csv_strict.blank``)
    events = sorted((row, k, text) for k, (_, _, seen) in enumerate(found)
                    for text, (row, _) in seen.items())
    coders = list(plan.coders.values())
    values: list[dict[str, float]] = [{} for _ in found]
    for row, k, text in events:  # in the file's order: each category where it first appears
        if text:
            values[k][text] = coders[k].code(text, first_line + row, found[k][2][text][1])
        elif plan.missing == "error":
            return None
        else:
            values[k][text] = math.nan
    codes = np.empty((starts.size // n_cols, len(found)))
    for k, (stripped, inverse, _) in enumerate(found):
        codes[:, k] = np.array([values[k][text] for text in stripped]).take(inverse)
    return codes


def _with_codes(
    fast: tuple[np.ndarray, np.ndarray | None], raw: bytes, first_line: int, plan: _Plan
) -> tuple[np.ndarray, np.ndarray | None] | None:
    """A fast path's ``(X, y)`` of ``raw`` with the codes of its categorical columns in ``X``
    (``coded_block``), in place; None to read the block with the strict parser. (None after
    some cells were coded only for a missing one with ``missing="error"``, which that parser
    then names: the coders' counts of a block read twice are never used.)"""
    codes = coded_block(raw, first_line, plan)
    if codes is None:
        return None
    fast[0][:, plan.coded] = codes
    return fast


def _distinct(
    plain: bytes, words: np.ndarray, starts: np.ndarray, ends: np.ndarray
) -> tuple[list[str], np.ndarray, dict[str, tuple[int, int]]]:
    """A column's distinct cells ``plain[starts[i]:ends[i]]``: the stripped text of each
    distinct cell as written, which of them each row holds ((n_rows,) indices), and each
    stripped text's first row and count of cells (``" red"`` and ``red`` are one)."""
    widths = ends - starts
    width = int(widths.max())
    if width > _MAX_LABEL_BYTES:
        texts = np.array([plain[s:e] for s, e in zip(starts.tolist(), ends.tolist(),
                                                      strict=True)], dtype=bytes)
    else:
        texts = _texts(words, starts, widths) if width else np.zeros(starts.size, dtype="S1")
    unique, first, inverse, counts = np.unique(texts, return_index=True, return_inverse=True,
                                               return_counts=True)
    stripped = [cell.decode("utf-8").strip(" \t") for cell in unique.tolist()]
    seen: dict[str, tuple[int, int]] = {}
    for text, row, count in zip(stripped, first.tolist(), counts.tolist(), strict=True):
        before = seen.get(text, (row, 0))
        seen[text] = (min(before[0], row), before[1] + count)
    return stripped, inverse.reshape(-1), seen
