"""CSV files as the command line reads them: ``tabular.read_csv`` in the CLI's terms.

Column names given on the command line (``--target``, ``--columns``, ``--exclude``,
``predict --keep``) or stored in a model match a header name exactly, or else
the one header name equal to them once spaces around both are ignored
(``--columns "a, b"`` finds ``b``, and ``--target a`` finds a header's ``" a"``;
with ``" a"`` and ``"a "`` both in the header, ``a`` is an error naming them).
The reader's messages are reworded in the command line's terms (``--missing
drop``, not ``missing='drop'``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._quoting import quoted, quoted_list, shown_path
from .cli_common import UsageError, check_input_file
from .cli_stdin import data_file, data_name, direct_table, in_messages, input_file

if TYPE_CHECKING:
    from ._csv_coded import Coder


def read_table(
    path: str,
    *,
    target: str | None,
    columns: Sequence[str] | None,
    missing: str,
    fill_values: Sequence[float] | None = None,
    impute: bool = True,
    columns_option: str = "--columns",
    model: str | None = None,
    dtype: Any = np.float32,
    exclude: Sequence[str] | None = None,
    categorical: Mapping[str, Coder] | None = None,
) -> Any:
    """``tabular.read_csv`` with a file check first; CSV errors name file, line, column, value.

    ``exclude`` (``train --exclude``): with no ``columns``, the header's columns but the
    target and these.

    ``fill_values``: with ``missing="mean"``, the value of each column's missing cells
    (a model's training means) instead of the file's own means; with ``impute=False``,
    none: they stay NaN for the caller to fill (``nonlin train``, with the training
    rows' means). ``columns_option``
    says where ``columns`` came from, for the messages; ``model``, the model file
    they were read from (with ``columns_option=MODEL_INPUT``). ``dtype``: of the
    features, the model's for ``predict`` and ``evaluate`` (a float64 model from
    Python reads its data in float64). ``categorical``: the feature columns read as
    categories (``--categorical``), each one's coder by its name as the header spells it.
    """
    from ._csv_plan import _check_arguments
    from .tabular import CSVError, _read_request

    check_input_file(input_file(path))
    try:
        if target is not None or columns is not None or exclude:
            target, columns = _match_names(path, target, columns, columns_option, model,
                                           exclude)
        request = _check_arguments(path, target, columns, missing, dtype, fill_values, impute,
                                   categorical)
        table = _read_direct(path, request)
        if table is None:
            table = _read_request(request._replace(source=data_file(path)))
        return table
    except CSVError as exc:
        message = in_messages(_cli_terms(str(exc), columns_option))
        if columns_option.startswith("--"):  # train: --categorical first in the advice
            from .cli_categorical import categorical_advice

            message = categorical_advice(message, path)
        if "no column" in message and _header_looks_like_data(path):
            message += (
                " (the first line looks like data: the file needs a header row of column names)"
            )
        raise CSVError(message) from None


def _read_direct(path: str, request: Any) -> Any:
    """The table of the Parquet or Arrow file ``path`` read without its CSV copy
    (``cli_direct``), or None where the copy is read."""
    direct = direct_table(path)
    if direct is None:
        return None
    from .cli_direct import read_direct

    return read_direct(direct, request)


def header_names(path: str) -> list[str]:
    """The column names of the header row of ``path``, as written; ``path``: DATA.csv as
    given (``<stdin>``, or the path of its copy: messages say ``<stdin>``).

    A CSVError if the header is malformed, or, as the reader says it (``checked_data``),
    the damage of a compressed file whose header is malformed and whose rest is damaged
    (a flipped bit that changed the header's text, which only the checksum at the end
    shows); a file damaged after its header passes here, and the reader reports it.
    """
    from ._compressed import checked_data
    from ._csv_plan import _read_header
    from .tabular import _blocks

    name = data_name(path)
    input_file(name)  # a Parquet or Arrow file: opened first (evaluate's several targets)
    direct = direct_table(name)
    if direct is not None:  # a Parquet or Arrow file read without its copy
        return list(direct.names)
    with checked_data(data_file(name), name) as handle:
        return _read_header(_blocks(handle), name)[0]


def first_text_cell(path: str, target: str) -> str:
    """``" (line 7: 'abc')"``: the line and value of the first cell of column ``target`` of
    ``path`` that is neither a number nor a missing value (``_csv_text.is_text``), which made
    the reader read the column as text labels; "" if none is (or the file cannot be read
    again). For messages only: it reads the file once more (``csv`` module).
    """
    from ._csv_text import first_text

    try:
        names = header_names(path)
        found = first_text(data_file(path), names.index(name_matcher(names, path)(target)))
    except (OSError, ValueError, UsageError):  # CSVError is a ValueError
        return ""
    return "" if found is None else f" (line {found[0]}: {quoted(found[1])})"


def name_matcher(names: Sequence[str], path: str) -> Callable[[str], str]:
    """A function taking a given name to the header name of ``path`` it matches (see the
    module docstring), or to itself when it matches none; a UsageError when it matches
    two or more once the spaces around them are ignored (``" a"`` and ``"a "``)."""
    by_stripped: dict[str, list[str]] = {}
    for name in names:
        by_stripped.setdefault(name.strip(), []).append(name)

    def match(name: str) -> str:
        found = by_stripped.get(name.strip(), [])
        if name not in names and len(found) > 1:
            raise UsageError(
                f"{shown_path(path)}: column name {quoted(name)} matches {len(found)} columns "
                f"once the spaces around names are ignored ({quoted_list(found)}); give it "
                "exactly as the header spells it, or rename one of them in the file"
            )
        return name if name in names or len(found) != 1 else found[0]

    return match


def match_listed(path: str, names: Sequence[str], listed: Sequence[str], option: str) -> list[str]:
    """``listed``, the names given to ``option`` (``--exclude``, ``--keep``), as the header
    ``names`` of ``path`` spell them; an unknown name, or two matching one column, is an error."""
    from ._csv_plan import close_name_hint, separator_hint

    match = name_matcher(names, path)
    matched = [match(name) for name in listed]
    unknown = [name for name in matched if name not in names]
    if unknown:
        _raise_damage(path)  # a header name changed by damage: the damage, as the reader says
        raise UsageError(f"{shown_path(path)}: no column {quoted(unknown[0])} ({option}); "
                         "the columns are " + quoted_list(names) + separator_hint(list(names))
                         + close_name_hint(unknown[0], names))
    _check_repeats(path, listed, matched, option, None)
    return matched


def _raise_damage(path: str) -> None:
    """Raise the damage of DATA.csv ``path`` when it is a damaged compressed file (read to
    its end; for an error its header's names gave, which damage may have caused)."""
    from ._compressed import damage

    if direct_table(path) is not None:  # a Parquet or Arrow file: its copy is plain text
        return
    found = damage(data_file(path), data_name(path))
    if found is not None:
        raise found


def _match_names(
    path: str,
    target: str | None,
    columns: Sequence[str] | None,
    columns_option: str,
    model: str | None = None,
    exclude: Sequence[str] | None = None,
) -> tuple[str | None, list[str] | None]:
    """``target`` and ``columns`` as the header spells them (see the module docstring);
    with ``exclude``, ``columns`` are the header's names but the target and those (and an
    unnamed first column, the index ``DataFrame.to_csv`` writes, as without ``exclude``)."""
    names = header_names(path)
    match = name_matcher(names, path)
    target = None if target is None else match(target)
    if exclude:
        left_out = match_listed(path, names, exclude, "--exclude")
        # the header's names but the target, the excluded and pandas' unnamed index ('')
        columns = [name for name in names if name and name != target and name not in left_out]
        if not columns:
            raise UsageError(f"{shown_path(path)}: --exclude leaves no feature column")
        return target, columns
    if columns is None:
        return target, None
    matched = [match(name) for name in columns]
    if target in matched:
        advice = (f"leave it out of {columns_option}" if columns_option.startswith("--")
                  else "give --target the column with the true labels")
        raise UsageError(
            f"{shown_path(path)}: the target column {quoted(target)} is also a feature column "
            f"({columns_option}); {advice}"
        )
    _check_repeats(path, columns, matched, columns_option, model)
    return target, matched


def _check_repeats(
    path: str, columns: Sequence[str], matched: list[str], columns_option: str, model: str | None
) -> None:
    """Refuse two ``columns`` that ``matched`` to one header name of ``path``."""
    repeated = sorted({name for name in matched if matched.count(name) > 1})
    if repeated and model is not None:  # two of the model's own names, one header name
        given = [quoted(c) for c, m in zip(columns, matched, strict=True) if m == repeated[0]]
        raise UsageError(
            f"{model}: the model's input columns {', '.join(given[:-1])} and {given[-1]} "
            f"both match column {quoted(repeated[0])} of {shown_path(path)}"
        )
    if repeated:
        raise UsageError(f"{columns_option} names the column {quoted(repeated[0])} twice")


def _cli_terms(message: str, columns_option: str) -> str:
    """The reader's Python spellings (``missing='drop'``) as the command line's options."""
    from ._csv_strict import DATE_ADVICE
    from ._csv_text import ADVICE, FILLED

    advice = ("leave it out (--exclude, or --columns without it) or encode its text as numbers"
              if columns_option.startswith("--") else "the model takes this column as numbers, "
              "as in the data it was trained on")
    for python, option in (
        ("missing='drop'", "--missing drop"),
        ("missing='mean'", "--missing mean"),
        ("(in columns)", f"({columns_option})"),
        ("(target)", "(--target)"),
        (ADVICE, advice),
        (DATE_ADVICE, "leave it out (--exclude, or --columns without it) or turn it into "
         "numbers first (days since a start date, the month, the weekday)"),
        (FILLED, "the training mean stored in the model"),
    ):
        message = message.replace(python, option)
    return message


def _header_looks_like_data(path: str) -> bool:
    """True when every cell of the first line reads as a number."""
    import csv
    import io

    from ._compressed import open_text

    direct = direct_table(path)
    try:
        with (io.TextIOWrapper(io.BytesIO(direct.header), encoding="utf-8-sig", newline="")
              if direct is not None else open_text(data_file(path), path)) as handle:
            cells = next(csv.reader([handle.readline()]), [])
    except (OSError, ValueError, csv.Error):  # ValueError: UnicodeDecodeError, CSVError
        return False
    try:
        return bool(cells) and all(float(cell) == float(cell) for cell in cells)
    except ValueError:
        return False
