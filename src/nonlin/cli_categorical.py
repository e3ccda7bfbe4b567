"""Reading categorical columns (``train --categorical``) with the numeric CSV reader.

The reader (``cli_table.read_table``) reads a categorical column in its own pass,
with its checks, ``--missing`` handling and messages: each cell goes to the
column's :class:`_Categories`, which gives its category's code (0, 1, ...;
``_csv_coded``), and the codes become one-hot columns (``_categorical.expand``).
A cell is its text after CSV unquoting, with the ASCII spaces and tabs around it
stripped as around a number (`` red`` is ``red``); text exactly as written
otherwise (``007`` and ``7`` are two categories). An empty cell (or spaces only) is
missing, for ``--missing``; any other text (``NA`` too) is a category.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import _categorical
from ._categorical import MAX_CATEGORIES, expand, one_hot_names, raw_columns, sort_categories
from ._quoting import quoted, quoted_list, shown_path
from .cli_common import UsageError, check_input_file, name_list, note
from .cli_stdin import input_file
from .cli_table import _match_names, header_names, match_listed, name_matcher, read_table
from .tabular import Table

_LEAVE_OUT = "leave it out (--exclude, or --columns without it)"  # train's advice on text


@dataclass(frozen=True, eq=False)
class EncodedTable(Table):
    """A ``tabular.Table`` whose categorical columns are one-hot encoded: ``X`` holds the
    model's inputs and ``feature_names`` their names (``colour=red``).

    Attributes
    ----------
    categorical : ``{"column", "categories"}`` of each categorical column, in X's order
    complete : with ``--missing drop`` and rows dropped, (n_rows_in_file,) bool: the rows
        kept (``predict --keep``); else None
    """

    categorical: tuple[dict[str, Any], ...] = ()
    complete: np.ndarray | None = None


def add_categorical_option(group: Any) -> None:
    """``nonlin train --categorical``."""
    group.add_argument(
        "--categorical", type=name_list, metavar="COL[,COL...]",
        help="feature columns to one-hot encode, text or numbers (a zip code, levels 1/2/3): "
        "one 0/1 input per category seen in DATA, stored in the model; matched like --target",
    )


def add_unknown_option(parser: Any) -> None:
    """``--unknown`` of ``predict`` and ``evaluate``."""
    parser.add_argument(
        "--unknown", choices=("error", "ignore"), default="error",
        help="a category of a categorical column that training never saw: stop with an error "
        "naming it (default), or encode it as all zeros (ignore)",
    )


def read_training_table(args: argparse.Namespace) -> Any:
    """``nonlin train``'s data: ``read_table`` as without ``--categorical``, else with the
    ``--categorical`` columns one-hot encoded (an :class:`EncodedTable`)."""
    options = {"target": args.target, "columns": args.columns, "missing": args.missing,
               "impute": args.missing != "mean",  # with the training rows' means: prepare
               "exclude": args.exclude}
    if not getattr(args, "categorical", None):
        return read_table(args.data, **options)
    path = args.data
    check_input_file(input_file(path))
    names = header_names(path)
    target, columns = _match_names(path, args.target, args.columns, "--columns", None,
                                   args.exclude)
    features = columns if columns is not None else [n for n in names if n and n != target]
    listed = match_listed(path, names, args.categorical, "--categorical")
    for name in listed:
        if name not in features:
            why = ("is the target (its text is read as class labels already)" if name == target
                   else "is left out of the features (--columns, --exclude)")
            raise UsageError(f"{shown_path(path)}: --categorical column {quoted(name)} {why}; "
                             "leave it out of --categorical")
    encoders = [_Categories(name, None, path=path) for name in listed]
    options.update(target=target, columns=features, exclude=None,
                   categorical={encoder.name: encoder for encoder in encoders})
    table = read_table(path, **options)
    categories = [sort_categories(encoder.codes) for encoder in encoders]
    for encoder, found in zip(encoders, categories, strict=True):  # first seen -> sorted
        _recode(table.X, features.index(encoder.name), encoder.codes, found)
    result = _encoded(path, table, {features.index(e.name): (e.name, c, None)
                                    for e, c in zip(encoders, categories, strict=True)})
    shown = ", ".join(f"{quoted(e.name)} ({len(c)})" for e, c in zip(encoders, categories,
                                                                     strict=True))
    inputs = result.X.shape[1] - bool(getattr(args, "weight", None))  # --weight: read last
    note(f"one-hot encoding {shown}: {inputs} inputs in all (--categorical)")
    return result


def read_model_table(path: str, meta: dict[str, Any], *, unknown: str = "error",
                     complete: bool = False, weight: str | None = None,
                     **options: Any) -> Any:
    """``predict``'s and ``evaluate``'s data: ``read_table(path, **options)``, ``options``
    given for the model's ``feature_names``; with the model's categorical columns read as
    their categories and one-hot encoded (an :class:`EncodedTable`; ``complete``: find
    which rows ``--missing drop`` kept). ``weight`` (``evaluate --weight``): a column read
    after the model's, as its last column (a missing cell filled with 0 and counted)."""
    extra = [] if weight is None else [weight]
    options["columns"] = [*options["columns"], *extra]
    if options.get("fill_values") is not None:
        options["fill_values"] = [*options["fill_values"], *[0.0] * len(extra)]
    if not meta.get("categorical"):
        return read_table(path, **options)
    raw, entries = raw_columns(meta)
    fill = options.get("fill_values")
    inputs = np.cumsum([0] + [len(entries[j]["categories"]) if j in entries else 1
                              for j in range(len(raw))])
    if fill is not None:  # -1: a missing category, filled with the frequencies by expand
        options["fill_values"] = [-1.0 if j in entries else fill[inputs[j]]
                                  for j in range(len(raw))] + [0.0] * len(extra)
    options["columns"] = raw + extra
    check_input_file(input_file(path))
    names = header_names(path)
    match = name_matcher(names, path)
    if any(match(e["column"]) not in names for e in entries.values()):
        return read_table(path, **options)  # which names the column not found
    encoders = {match(e["column"]): _Categories(e["column"], e["categories"], unknown, path)
                for e in entries.values()}
    table = read_table(path, **options, categorical=encoders)
    kept = None
    if complete and table.n_dropped:
        from .cli_keep import _complete_rows

        kept = _complete_rows(path, table, encoders)
    for encoder in encoders.values():
        if encoder.unseen:
            note(f"column {quoted(encoder.name)}: {sum(encoder.unseen.values())} cell(s) of "
                 f"categories not seen in training ({quoted_list(list(encoder.unseen))}), "
                 "encoded as all zeros (--unknown ignore)")
    blocks = {j: (e["column"], e["categories"], e["frequencies"]) for j, e in entries.items()}
    return _encoded(path, table, blocks, kept)


def categorical_advice(message: str, path: str) -> str:
    """``train``'s message on a feature column of text, with ``one-hot encode it
    (--categorical COLUMN)`` put first in its advice, naming the column."""
    at = message.find(_LEAVE_OUT)
    if at < 0 or "(a date or time: " in message:  # one-hot dates: one input per day
        return message
    try:
        names = header_names(path)
    except (OSError, ValueError, UsageError):
        names = []
    found = max(((message.rfind(f"column {quoted(n)}", 0, at), n) for n in names),
                default=(-1, ""))
    if found[0] < 0:
        return message[:at] + "one-hot encode it (--categorical COLUMN), " + message[at:]
    from ._cli_lists import list_item
    from .cli_train_model import shell_word

    listed = shell_word(list_item(found[1]))  # "zip, code" in CSV quotes, then the shell's
    return message[:at] + f"one-hot encode it (--categorical {listed}), " + message[at:]


class _Categories:
    """One categorical column's categories, each cell's code as the reader reads it
    (``_csv_coded.Coder``): those of the model (``predict``, ``evaluate``), or those found,
    numbered as they first appear (``train``: ``categories`` None)."""

    def __init__(self, name: str, categories: list[str] | None, unknown: str = "error",
                 path: str = "") -> None:
        self.name, self.known, self.unknown, self.path = name, categories, unknown, path
        self.reset()

    def reset(self) -> None:
        """Forget the cells coded so far (the reader starts the file again)."""
        self.codes = {c: i for i, c in enumerate(self.known or ())}
        self.unseen: dict[str, int] = {}  # --unknown ignore: each unseen category's cells

    def code(self, text: str, line: int, count: int = 1) -> float:
        """The code of category ``text`` (stripped, not empty), first found at ``line`` in
        ``count`` cells: its index; a new index (``train``), or the number of categories
        (``--unknown ignore``: all zeros) for one not known; else a ``UsageError``."""
        found = self.codes.get(text)
        if found is not None:
            return found
        where = f"{shown_path(self.path)}, line {line}, column {quoted(self.name)}"
        if self.known is None:
            if len(self.codes) >= MAX_CATEGORIES:
                raise UsageError(
                    f"{where}: more than {MAX_CATEGORIES} categories, one model input each; "
                    "leave the column out of --categorical (an id, a free text?)")
            found = self.codes[text] = len(self.codes)
            return found
        if self.unknown == "error":
            raise UsageError(
                f"{where}: category {quoted(text)} was not seen in training; the model knows "
                f"{quoted_list(self.known)} (--unknown ignore encodes it as all zeros)")
        self.unseen[text] = self.unseen.get(text, 0) + count
        return len(self.codes)


def _recode(X: np.ndarray, j: int, codes: dict[str, int], categories: list[str]) -> None:
    """Column ``j`` of ``X``: the codes of first appearance to the sorted ``categories``'."""
    order = {category: i for i, category in enumerate(categories)}
    remap = np.array([order[text] for text in codes], dtype=X.dtype)
    column = X[:, j]
    present = ~np.isnan(column)
    column[present] = remap[column[present].astype(np.intp)]


def _encoded(path: str, table: Table, blocks: dict[int, tuple[str, list[str], Any]],
             complete: np.ndarray | None = None) -> EncodedTable:
    """``table`` (read from ``path``) with its categorical columns one-hot encoded:
    ``blocks[j]`` is column ``j``'s name (as the model spells it), categories and
    frequencies (or None)."""
    names: list[str] = []
    missing: list[int] = []
    filled = []
    for j, name in enumerate(table.feature_names):
        count = table.n_missing[j] if table.n_missing else 0
        if j not in blocks:
            names.append(name)
            missing.append(count)
            continue
        column, categories, _ = blocks[j]
        names += one_hot_names(column, categories)
        missing += [0] * len(categories)  # said here, not by note_filled
        if count:
            filled.append(f"{column} ({count})")
    if filled:
        note(f"filled the missing cells of categorical column(s) {', '.join(filled)} with the "
             "training frequencies of their categories (--missing mean)")
    _categorical.check_distinct_inputs(path, names)
    entries = tuple({"column": blocks[j][0], "categories": blocks[j][1]} for j in sorted(blocks))
    X = expand(table.X, {j: (len(k), f) for j, (_, k, f) in blocks.items()})
    return EncodedTable(X, table.y, tuple(names), table.target, table.n_dropped,
                        table.extra_columns, tuple(missing) if table.n_missing else (),
                        table.kept, entries, complete)
