"""What ``nonlin.tabular.read_csv`` reads: the header row and the plan made from it.

The header is split off the first block and checked (UTF-8, one record, unique
non-empty names, but for an unnamed first column: the index ``DataFrame.to_csv``
writes, never read); the plan resolves the ``target`` and ``columns`` names to
file positions once, so the parsers work with positions only. ``CSVError``
lives here because the plan writes the parsers' messages; it is public as
``nonlin.tabular.CSVError``.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ._atomic import file_path
from ._csv_legacy import not_utf8
from ._csv_quotes import ends_in_quotes
from ._quoting import quoted, quoted_list, shown_path
from ._table_magic import START, table_format

if TYPE_CHECKING:
    from ._csv_coded import Coder


class CSVError(ValueError):
    """A CSV file that cannot be read as asked; the message names file, line, column and value."""

    __module__ = "nonlin.tabular"  # its public home: tracebacks and pickles name it there


_MISSING = ("error", "drop", "mean")


class _Request(NamedTuple):
    """The arguments of ``read_csv``, checked."""

    source: str
    target: str | None
    columns: Sequence[str] | None
    missing: str
    dtype: np.dtype
    fill: np.ndarray | None  # float64 (n_features,)
    impute: bool
    coders: Mapping[str, Coder]  # the feature columns read as categories, by name


def _check_arguments(
    path: Any, target: Any, columns: Any, missing: Any, dtype: Any, fill_values: Any, impute: Any,
    coders: Mapping[str, Coder] | None = None,
) -> _Request:
    """``read_csv``'s arguments as a :class:`_Request`; TypeError or ValueError naming a bad one."""
    if target is not None and not isinstance(target, str):
        raise TypeError(f"Expected a column name (str) or None. Received: target={quoted(target)}")
    if isinstance(columns, str) or not (
        columns is None or all(isinstance(name, str) for name in columns)
    ):
        raise TypeError(f"Expected a sequence of column names. Received: columns={quoted(columns)}")
    if missing not in _MISSING:
        raise ValueError(f"Expected one of {_MISSING}. Received: missing={quoted(missing)}")
    resolved = np.dtype(dtype)
    if resolved.kind != "f":
        raise TypeError("Expected a floating dtype such as np.float32. "
                        f"Received: dtype={quoted(dtype)}")
    if impute is not True and (impute is not False or missing != "mean" or fill_values is not None):
        raise ValueError(
            "Expected impute=True, or impute=False with missing='mean' and no fill_values. "
            f"Received: impute={quoted(impute)}, missing={quoted(missing)}"
        )
    source = file_path(path)  # str, bytes or os.PathLike; else a TypeError naming it
    fill = None if fill_values is None else np.array(fill_values, dtype=np.float64).reshape(-1)
    return _Request(source, target, columns, missing, resolved, fill, impute, coders or {})


class _Skipped(NamedTuple):
    """The columns the fast path does not read as numbers, in a block of n_cols columns."""

    n_cols: int
    columns: np.ndarray  # their positions

    def clear(self, cells: np.ndarray, value: Any) -> None:
        """Set every skipped cell of ``cells`` (n_rows * n_cols,) to ``value``, in place."""
        cells.reshape(-1, self.n_cols)[:, self.columns] = value


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
    # feature columns read as categories (``_csv_coded``): each one's coder, by file position,
    # in the order of ``features``
    coders: Mapping[int, Coder] = field(default_factory=dict)

    @cached_property
    def numeric(self) -> np.ndarray:
        """Which columns hold numbers: features but those read as categories, and the target
        unless it holds labels."""
        numeric = np.zeros(len(self.names), dtype=bool)
        numeric[list(self.features)] = True
        numeric[list(self.coders)] = False
        if self.target is not None and not self.labels:
            numeric[self.target] = True
        return numeric

    @cached_property
    def skipped(self) -> _Skipped | None:
        """The columns that do not hold numbers (labels, columns not read); None if none."""
        columns = np.flatnonzero(~self.numeric)
        return _Skipped(len(self.names), columns) if columns.size else None

    @cached_property
    def coded(self) -> np.ndarray:
        """The positions in X of the columns read as categories, in ``coders``' order."""
        return np.array([self.features.index(j) for j in self.coders], dtype=np.intp)

    @cached_property
    def float32_columns(self) -> np.ndarray | None:
        """Which columns are read as float32 only (the features, when ``dtype`` is float32),
        (n_cols,) bool; None when none is."""
        if self.dtype != np.float32:
            return None
        loose = np.zeros(len(self.names), dtype=bool)
        loose[list(self.features)] = True
        return loose

    def fail(self, line: int, column: int | None, problem: str) -> CSVError:
        where = f"{shown_path(self.source)}, line {line}"
        if column is not None:
            where += f", column {quoted(self.names[column])}"
        return CSVError(f"{where}: {problem}")


_OTHER_BOMS = ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
               (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


def _refuse_table(first: bytes, source: str) -> None:
    """A Parquet or Arrow file met as text: one inside a compressed file (a plain one is
    named before its text is read, or read by the command line): say so, not 'UTF-16'."""
    kind = table_format(first[:START], None)
    if kind is not None:
        raise CSVError(f"{shown_path(source)}: expected CSV text, received a {kind} file "
                       "(compressed: decompress it first; the nonlin command reads Parquet and "
                       "Arrow files, with pip install 'nonlin[parquet]')")


def _read_header(blocks: Iterator[bytes], source: str) -> tuple[list[str], bytes, int]:
    """Split the header record off the first block; return names, the rest, next line number."""
    at = f"{shown_path(source)}, line 1"  # where every error of the header is
    first = _utf8_start(next(blocks, b""), source, at)
    end = first.find(b"\n") + 1
    while end and ends_in_quotes(first[:end]):  # a quoted name holds a newline
        end = first.find(b"\n", end) + 1
    header = first[: end or len(first)]
    if b"\0" in header:  # UTF-16 without its byte order mark: 'a\0,\0...'
        guess = ("UTF-32BE" if header.startswith(b"\0\0\0") else "UTF-32LE"
                 if header[1:4] == b"\0\0\0" else "UTF-16BE" if header.startswith(b"\0")
                 else "UTF-16LE")
        raise CSVError(f"{at}: expected UTF-8 text, received NUL bytes (the file seems "
                       f"{guess}, without a byte order mark); convert it to UTF-8 (iconv -f "
                       f"{guess} -t UTF-8)")
    try:
        rows = list(csv.reader(io.StringIO(header.decode("utf-8"), newline=""), strict=True))
    except UnicodeDecodeError as error:  # as a row's (_csv_strict), not Python's words
        raise CSVError(f"{at}: {not_utf8(header, error)}") from None
    except csv.Error as error:
        raise CSVError(f"{at}: cannot read the header row ({error})") from None
    if not rows or not rows[0]:
        raise CSVError(f"{at}: expected a header row of column names, received nothing")
    if len(rows) > 1:  # the csv module split the line at a lone carriage return
        raise CSVError(
            f"{at}: expected lines ending in \\n or \\r\\n, received \\r alone"
        )
    _check_names(rows[0], at)
    return rows[0], first[len(header) :], 1 + header.count(b"\n")


def _utf8_start(first: bytes, source: str, at: str) -> bytes:
    """The first block without its UTF-8 byte order mark; a file of another encoding's mark
    (Excel's "Unicode text", Windows PowerShell's files), or a Parquet or Arrow file met as
    text, refused (``at``: where the errors are)."""
    for bom, encoding in _OTHER_BOMS:
        if first.startswith(bom):
            raise CSVError(f"{at}: expected UTF-8 text, received {encoding} (the file starts "
                           f"with its byte order mark {bom.hex(' ').upper()}); convert it to "
                           f"UTF-8 (iconv -f {encoding} -t UTF-8)")
    _refuse_table(first, source)
    return first[len(codecs.BOM_UTF8) :] if first.startswith(codecs.BOM_UTF8) else first


def _check_names(names: list[str], at: str) -> None:
    """Refuse an empty column name (but a first '', pandas' index column) or one given twice."""
    if names[0].strip().lower().startswith("sep=") and len(names) <= 2:  # Excel's "sep=,"
        raise CSVError(f"{at}: expected a header row of column names, received Excel's "
                       f"separator line {quoted(','.join(names))}; delete that first line")
    seen: set[str] = set()
    for position, name in enumerate(names):
        if not name.strip() and (position or name):  # a first '' is pandas' index: skipped
            last = " (the header ends in a comma: delete it, or name the column)" if (
                position == len(names) - 1) else ""
            raise CSVError(
                f"{at}: column {position + 1} has an empty name {quoted(name)}{last}"
            )
        if name in seen:
            raise CSVError(f"{at}: column name {quoted(name)} appears twice")
        seen.add(name)


def separator_hint(names: Sequence[str]) -> str:
    """For a header read as one column holding ``;``, a tab or ``|``: that the file seems
    separated by it, while the reader splits at commas; else ``""``."""
    found = [sep for sep in (";", "\t", "|") if len(names) == 1 and sep in names[0]]
    return (f" (one column: the file seems separated by {found[0]!r}, and only commas "
            "separate columns here)" if found else "")


def close_name_hint(name: str, names: Sequence[str]) -> str:
    """``"; did you mean 'churn'?"`` for a column name not in ``names`` that one of them
    spells with other capitals, or else is close to (``difflib``); else ``""``. One that
    differs only in Unicode normalization (NFC/NFD: ``'é'`` as one code point or two),
    which prints the same, is shown by its code points. Not for a
    header read as one column of another separator (``separator_hint``): its one name is
    the whole header line, no column to give."""
    import difflib
    import unicodedata

    if separator_hint(names):
        return ""
    nfc = unicodedata.normalize("NFC", name)  # 'é' as one code point or 'e' + accent
    same = [other for other in names if unicodedata.normalize("NFC", other) == nfc]
    if same:  # looks the same when printed: show the code points
        return (f"; {quoted(same[0])} looks the same but is other Unicode code points "
                f"({ascii(same[0])} in the file, {ascii(name)} asked for): write both in "
                "one normalization form (NFC)")
    found = [other for other in names if other.casefold() == name.casefold()]
    found = found or difflib.get_close_matches(name, list(names), n=1)
    return f"; did you mean {quoted(found[0])}?" if found else ""


def _make_plan(
    source: str,
    names: list[str],
    target: str | None,
    columns: Any,
    missing: str,
    dtype: np.dtype,
    labels: bool,
    coders: Mapping[str, Coder] | None = None,
) -> _Plan:
    index = {name: i for i, name in enumerate(names)}
    at = f"{shown_path(source)}, line 1"  # the header

    def position(name: str, role: str) -> int:
        if name not in index:
            raise CSVError(f"{at}: no column {quoted(name)} ({role}); "
                           f"the columns are {quoted_list(names)}{separator_hint(names)}"
                           f"{close_name_hint(name, names)}")
        return index[name]

    target_at = None if target is None else position(target, "target")
    if columns is None:
        features = tuple(i for i in range(len(names)) if i != target_at and names[i])
    else:
        features = tuple(position(name, "in columns") for name in columns)
        if len(set(features)) != len(features) or target_at in features:
            raise ValueError(
                f"Expected distinct feature columns without the target {quoted(target)}. "
                f"Received: columns={quoted(list(columns))}"
            )
    if not features:
        raise CSVError(
            f"{at}: no feature columns to read (columns: {quoted_list(names)})"
        )
    coded = {position(name, "categorical"): coder for name, coder in (coders or {}).items()}
    if not set(coded) <= set(features):
        raise ValueError("Expected categorical columns among the feature columns. Received: "
                         f"{quoted_list([names[j] for j in coded if j not in features])}")
    coded = {j: coded[j] for j in features if j in coded}  # in the order cells are read
    return _Plan(source, tuple(names), features, target_at, missing, dtype, labels, coded)
