"""Columns of text where ``nonlin.tabular.read_csv`` wants numbers: finding and naming them.

A feature cell that is not a finite number counts as missing, so a feature
column that holds text (``red``, ``blue``) reads as a column whose every value
is missing. With ``missing="mean"`` it then has no mean (and with
``fill_values``, filling all of it would hide that it is text), and with
``missing="drop"`` every row is dropped; the message says that the column holds
text, shows the first such cell and what to do instead, rather than calling
every value missing. These run on the error path only: the file is read again,
with the ``csv`` module, up to that cell.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ._compressed import open_text
from ._csv_plan import CSVError
from ._csv_strict import ADVICE, BOOLEANS, MISSING_TARGETS, _number
from ._quoting import quoted, shown_path

if TYPE_CHECKING:
    from ._csv_plan import _Plan

# what to do about a column of text, as read_csv's messages say it (the CLI rewords it)
# what missing="mean" with fill_values puts in a missing cell, as read_csv's messages say it
FILLED = "its value in fill_values"


def is_text(cell: str, feature: bool = False) -> bool:
    """Whether ``cell`` is text: not a number in spelling (``nan`` and ``inf`` are), not
    empty or white space, and no missing-value spelling (``NA``, ``?``: ``MISSING_TARGETS``);
    in a ``feature`` column, no boolean either (``True``: ``BOOLEANS``, read as 1)."""
    text = cell.strip(" \t")
    return (_number(cell, None) is None and bool(cell.strip())
            and text not in MISSING_TARGETS and not (feature and text in BOOLEANS))


def first_text(path: str, column: int, feature: bool = False) -> tuple[int, str] | None:
    """The line and value of the first data cell of ``path``'s column at position ``column``
    that ``is_text`` (as a ``feature`` cell); None when there is none or the file cannot be
    read again."""
    try:
        with open_text(path) as handle:
            reader = csv.reader(handle)
            next(reader, [])  # the header
            line = reader.line_num + 1
            for row in reader:
                cell = row[column] if len(row) > column else ""
                if is_text(cell, feature):
                    return line, cell
                line = reader.line_num + 1
    except (OSError, ValueError, csv.Error):  # ValueError: UnicodeDecodeError, CSVError
        return None
    return None


def text_column(plan: _Plan, columns: Iterable[int]) -> str | None:
    """``column 'b' holds text, not numbers (line 2: 'red')`` for the first of the feature
    ``columns`` (positions in X) of ``plan`` that holds text; None when none does (their
    cells are missing: empty, ``NA``, ``nan``)."""
    for column in columns:
        position = plan.features[column]
        found = first_text(plan.source, position, feature=True)
        if found is not None:
            line, cell = found
            return (f"column {quoted(plan.names[position])} holds text, not numbers "
                    f"(line {line}: {quoted(cell, 40)})")
    return None


def no_mean_error(plan: _Plan, column: int, fill: bool = False) -> CSVError | None:
    """``missing="mean"`` and feature ``column`` (its position in X) has no finite value:
    it holds text, or every cell is missing. With ``fill`` (``fill_values`` given), a column
    of text is still refused, as it is without (filling all of it would hide that it is not
    numbers), and a column of missing cells is not an error: None."""
    text = text_column(plan, [column])
    if text:
        why = f"would fill all of it with {FILLED}" if fill else "has no mean to use"
        return CSVError(f"{shown_path(plan.source)}, {text}: text counts as missing, so "
                        f"missing='mean' {why}; {ADVICE}")
    if fill:
        return None
    name = quoted(plan.names[plan.features[column]])
    return CSVError(f"{shown_path(plan.source)}, column {name}: every value is missing, so "
                    "missing='mean' has no mean to use")


def none_left_error(plan: _Plan, counts: list[int]) -> CSVError:
    """``missing="drop"`` dropped every row; ``counts[j]``: the finite values of feature
    column j, so a column of none that holds text is named."""
    text = text_column(plan, [column for column, count in enumerate(counts) if count == 0])
    why = f": {text}, and text counts as missing; {ADVICE}" if text else ""
    return CSVError(f"{shown_path(plan.source)}: every row has a missing value; none left "
                    f"after dropping{why}")
