"""The coded copy of a data file with categorical columns (see ``cli_categorical``):
each categorical cell replaced by its category's code (``_Encoder``), written to a
temporary copy (``_copy_of``, ``_write_copy``) that the numeric reader reads
(``_read_copy``), its messages naming the data file.

Moved unchanged from ``cli_categorical``, which imports these names from here.
"""

from __future__ import annotations

import contextlib
import csv
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from typing import Any

from ._categorical import MAX_CATEGORIES
from ._quoting import quoted, quoted_list, shown_path
from .cli_common import UsageError
from .cli_stdin import data_file
from .cli_table import read_table
from .tabular import CSVError


class _Encoder:
    """One categorical column's cells to codes, while the copy is written."""

    def __init__(self, position: int, name: str, categories: Sequence[str] | None,
                 unknown: str = "error", path: str = "") -> None:
        self.position, self.name, self.unknown, self.path = position, name, unknown, path
        self.learn = categories is None  # train: the categories are the ones found
        self.codes = {c: str(i) for i, c in enumerate(categories or ())}
        self.unseen_code = str(len(self.codes))
        self.unseen: dict[str, int] = {}  # --unknown ignore: each unseen category's count

    def code(self, cell: str, line: int) -> str:
        text = cell.strip(" \t")
        if not text:
            return cell  # missing: as written, for the reader's --missing
        found = self.codes.get(text)
        if found is not None:
            return found
        if self.learn:
            if len(self.codes) >= MAX_CATEGORIES:
                raise UsageError(
                    f"{shown_path(self.path)}, line {line}, column {quoted(self.name)}: more "
                    f"than {MAX_CATEGORIES} categories, one model input each; leave the column "
                    "out of --categorical (an id, a free text?)")
            found = self.codes[text] = str(len(self.codes))
            return found
        if self.unknown == "error":
            raise UsageError(
                f"{shown_path(self.path)}, line {line}, column {quoted(self.name)}: category "
                f"{quoted(text)} was not seen in training; the model knows "
                f"{quoted_list(list(self.codes))} (--unknown ignore encodes it as all zeros)")
        self.unseen[text] = self.unseen.get(text, 0) + 1
        return self.unseen_code


@contextlib.contextmanager
def _copy_of(path: str) -> Iterator[str]:
    """A path for the encoded copy of ``path``, in a temporary folder removed at the end."""
    try:
        folder = tempfile.mkdtemp(prefix="nonlin-onehot-")
    except OSError as exc:
        raise UsageError(f"{shown_path(path)}: cannot make a temporary folder for the one-hot "
                         f"encoded copy ({exc.strerror or exc})") from None
    try:
        yield os.path.join(folder, "data.csv")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _read_copy(path: str, copy: str, encoders: list[_Encoder], options: dict[str, Any]) -> Any:
    """Write the encoded copy of ``path`` to ``copy`` and ``read_table`` it; messages name
    ``path``."""
    _write_copy(path, copy, encoders)
    try:
        return read_table(copy, **options)
    except (CSVError, UsageError) as exc:
        message = str(exc).replace(shown_path(copy), shown_path(path))
        for encoder in encoders:  # a missing cell (--missing error): no number was expected
            message = message.replace(f"column {quoted(encoder.name)}: expected a number,",
                                      f"column {quoted(encoder.name)}: expected a category,")
        raise type(exc)(message) from None


def _write_copy(path: str, copy: str, encoders: list[_Encoder]) -> None:
    """``path`` (DATA.csv) with each encoder's column coded, record by record, to ``copy``;
    a ragged row is copied as it is (the reader names it)."""
    line = 1
    try:
        with open(data_file(path), encoding="utf-8-sig", newline="") as source, \
                open(copy, "w", encoding="utf-8", newline="") as target:
            reader = csv.reader(source, strict=True)
            writer = csv.writer(target, lineterminator="\n")
            header = next(reader, None)
            if header is None:
                return
            writer.writerow(header)
            line = reader.line_num + 1
            for row in reader:
                if len(row) == len(header):
                    for encoder in encoders:
                        row[encoder.position] = encoder.code(row[encoder.position], line)
                writer.writerow(row)
                line = reader.line_num + 1
    except (csv.Error, UnicodeDecodeError) as exc:
        raise CSVError(f"{shown_path(path)}, line {line}: cannot read the --categorical "
                       f"column(s) ({exc})") from None
    except OSError as exc:
        raise UsageError(f"{shown_path(path)}: cannot write its one-hot encoded copy to "
                         f"{os.path.dirname(copy)} ({exc.strerror or exc})") from None
