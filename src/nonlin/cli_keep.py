"""``nonlin predict --keep COL,...``: input columns copied into the output, as written.

A kept column (an id, say, or one of the model's input columns: ``age`` next to
the prediction) is matched by name like ``train --exclude``
(``cli_table.match_listed``), and is read in a pass of its own with the ``csv``
module once the numeric reader has read (and checked) the whole file: the
numeric reading is the same with or without ``--keep``, and a kept input column
still feeds the model as the reader reads it (``True`` as 1) while the output
has its text as written. That one pass collects every kept column, input
columns too: keeping one adds no pass. Each kept cell is the text the ``csv``
module reads (quotes removed, nothing parsed: ``007`` stays ``007``), and the
output's ``csv`` writer quotes it again where needed. Blank lines are skipped,
as the reader skips them, so the kept rows are the data rows, in order.

With ``--missing drop`` the reader counts the rows it drops but does not say
which. When it dropped some, the features are read again with the missing
cells left NaN (``missing="mean"``, ``impute=False``: the same parsers, so the
same cells), and a row with a NaN loses its kept values too. Only then is the
file's numeric part read twice.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress
from typing import Any

import numpy as np

from ._compressed import open_text
from ._csv_strict import blank
from ._quoting import quoted, quoted_list, shown_path
from .cli_common import UsageError, check_input_file
from .cli_stdin import data_file, input_file
from .cli_table import header_names, match_listed, read_table


@dataclass(frozen=True)
class KeptColumns:
    """The columns ``--keep`` copies to the output.

    Attributes
    ----------
    names : their names as the file's header spells them, in ``--keep``'s order
    positions : their positions among the file's columns, in the same order
    """

    names: list[str]
    positions: list[int]


def plan_keep(path: str, keep: Sequence[str], output_names: Sequence[str]) -> KeptColumns:
    """Match ``keep`` (``--keep``'s names) to the header of ``path``, before any data is read.

    Parameters
    ----------
    path : the data file
    keep : the names given to ``--keep`` (the model's input columns among them, if wanted)
    output_names : the output's own columns (``prediction``, ``proba_<class>``)

    Raises
    ------
    UsageError
        For an unknown or repeated name, or an output column's name.
    """
    check_input_file(input_file(path))
    names = header_names(path)
    kept = match_listed(path, names, keep, "--keep")
    for name in kept:
        if name in output_names:
            raise UsageError(
                f"{shown_path(path)}: --keep column {quoted(name)} has the name of an output "
                f"column ({quoted_list(output_names, quote=False)}); rename it in the file to "
                "keep it"
            )
    return KeptColumns(kept, [names.index(name) for name in kept])


def kept_rows(path: str, kept: KeptColumns, table: Any) -> list[list[str]]:
    """The kept cells of each row of ``table`` (read from ``path``), as written.

    Returns
    -------
    list of ``table.X.shape[0]`` lists of ``len(kept.names)`` strings: the rows
    ``table`` holds, in its order (without the rows ``--missing drop`` dropped).
    """
    rows = _read_cells(path, kept.positions)
    if table.n_dropped:
        complete = _complete_rows(path, table)
        if complete.size == len(rows):
            rows = list(compress(rows, complete.tolist()))
    if len(rows) != table.X.shape[0]:  # the file changed between the passes
        raise UsageError(
            f"{shown_path(path)}: read {len(rows)} row(s) for --keep but {table.X.shape[0]} "
            "for the model; did the file change while it was read?"
        )
    return rows


def _read_cells(path: str, positions: list[int]) -> list[list[str]]:
    """The cells at ``positions`` of every data row of ``path`` (blank lines skipped)."""
    with open_text(data_file(path), path) as handle:
        reader = csv.reader(handle, strict=True)
        try:
            next(reader, None)  # the header
            return [[row[i] for i in positions] for row in reader if not blank(row)]
        except (csv.Error, IndexError, UnicodeDecodeError) as error:
            raise UsageError(
                f"{shown_path(path)}, line {reader.line_num}: cannot read the --keep "
                f"column(s) ({error})"
            ) from None


def _complete_rows(path: str, table: Any, categorical: Any = None) -> np.ndarray:
    """Which data rows of ``path`` have every feature of ``table``, (n_rows_in_file,) bool:
    the rows ``--missing drop`` kept (``categorical``: as ``read_table`` takes it)."""
    from .cli_model import MODEL_INPUT

    if getattr(table, "complete", None) is not None:  # one-hot encoded: found while read
        return table.complete
    if getattr(table, "kept", None) is not None:  # recorded by the reader
        return table.kept
    again = read_table(path, target=None, columns=list(table.feature_names), missing="mean",
                       impute=False, columns_option=MODEL_INPUT, dtype=table.X.dtype,
                       categorical=categorical)
    return ~np.isnan(again.X).any(axis=1)
