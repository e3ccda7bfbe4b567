"""Several target columns, ``nonlin train --target y1,y2``: one regression output per target.

``--target`` takes a comma-separated list, split as ``--columns`` is (``_cli_lists``: a
name holding a comma is written in double quotes); a name that is a column of the header
as it is (``--target "a,b"`` with a column ``a,b``) stays one target, as before. Several
targets make a regression, or a multilabel classifier when each holds two labels
(``cli_multilabel``). Each target is standardized on its own; the model file records them as
``"targets": [...]`` (in place of ``"target"``), with one mean and scale per target in
``target_preprocessing``. The first target is read as the reader's target (missing cells:
``--missing drop`` drops the row, otherwise an error); the others are read again in
float64, and a row missing one of them is dropped or refused alike.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._cli_lists import list_item, split_items
from ._quoting import quoted, quoted_list, shown_path
from .cli_common import UsageError
from .cli_multilabel import (
    LabelColumn,
    check_multilabel_options,
    is_multilabel,
    label_columns,
    maybe_labels,
    multilabel_table,
)
from .cli_table import first_text_cell, header_names, match_listed, name_matcher, read_table
from .cli_weight_column import _cell, read_weighted_table
from .tabular import CSVError

NOT_SUPPORTED = ("a classifier of several targets (multilabel) needs two labels in every "
                 "target column, with --task classification or auto")


def given_targets(text: str) -> list[str]:
    """The names of a ``--target`` list as given (split like ``--columns``; one name when
    it holds no comma)."""
    if "," not in text:
        return [text]
    try:
        return [name for name, _ in split_items(text)]
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"--target: {exc}") from None


def several_targets(args: argparse.Namespace) -> list[str] | None:
    """The target columns of ``args.target``, as the header of ``args.data`` spells them,
    when it names two or more; None for one (a column whose name holds the comma too)."""
    if "," not in args.target:
        return None
    names = header_names(args.data)
    if name_matcher(names, args.data)(args.target) in names:
        return None
    given = given_targets(args.target)
    if len(given) < 2:
        return None
    return match_listed(args.data, names, given, "--target")


def joined(targets: list[str]) -> str:
    """The targets as one ``--target`` list (quoted where a name holds a comma)."""
    return ",".join(list_item(name) for name in targets)


def read_targets_table(args: argparse.Namespace, targets: list[str],
                       previous: dict[str, Any] | None = None) -> tuple[Any, Any]:
    """``read_weighted_table`` for several targets: the table's ``y`` is float64 of shape
    (n_rows, n_targets), its rows those with every target present (``--missing drop``; a
    missing target is an error otherwise), or for a multilabel classifier float32 0/1
    (``cli_multilabel``; ``args.target_classes`` then holds each target's two labels);
    the weights (n_rows,) or None. ``previous``: a resumed run's metadata."""
    _check_options(args, targets)
    path = args.data
    names = header_names(path)
    reading = argparse.Namespace(**{**vars(args), "target": targets[0], "exclude": None,
                                    "columns": _features(args, names, targets)})
    table, weights = read_weighted_table(reading)
    args.weight = reading.weight
    columns = _label_columns(args, table, targets, previous)
    if columns is None:
        table, weights = with_targets(path, args.missing, table, weights, targets)
    else:
        check_multilabel_options(args, targets)
        known = previous.get("target_classes") if previous else None
        table, weights, args.target_classes = multilabel_table(args, table, weights, columns,
                                                               known)
    extra = table.extra_columns if args.columns is not None or args.exclude else ()
    args.target, args.targets = joined(targets), targets
    return dataclasses.replace(table, target=args.target, extra_columns=extra), weights


def with_targets(path: str, missing: str, table: Any, weights: Any,
                 targets: list[str]) -> tuple[Any, Any]:
    """``table`` (read with ``targets[0]`` as its target) with ``y`` float64 of shape
    (n_rows, n_targets): the other targets' cells read again; a row missing one is dropped
    (``missing`` "drop", from ``weights`` (n_rows,) too) or refused, naming its line."""
    if np.asarray(table.y).dtype.kind in "OUS":
        raise UsageError(f"{shown_path(path)}: column {quoted(targets[0])} holds text labels"
                         f"{first_text_cell(path, targets[0])}; several targets (--target) "
                         f"make a regression, of numbers: {NOT_SUPPORTED}")
    others = _other_targets(path, table, targets[1:])
    for name in (n for n, j in zip(targets[1:], np.isnan(others).any(axis=0), strict=True) if j):
        text = first_text_cell(path, name)  # a cell read as missing may be text: refused
        if text:
            raise UsageError(f"{shown_path(path)}: column {quoted(name)} holds text{text}; "
                             f"several targets make a regression, of numbers: {NOT_SUPPORTED}")
    complete = ~np.isnan(others).any(axis=1)
    if not complete.all():
        if missing != "drop":
            _refuse_missing(path, table, targets[1:], others)
        table = _drop_rows(table, complete)
        others = others[complete]
        weights = None if weights is None else weights[complete]
    y = np.column_stack([np.asarray(table.y, dtype=np.float64), others])
    extra = tuple(name for name in table.extra_columns if name not in targets)
    return dataclasses.replace(table, y=y, extra_columns=extra), weights


def _label_columns(args: argparse.Namespace, table: Any, targets: list[str],
                   previous: dict[str, Any] | None) -> list[LabelColumn] | None:
    """The target columns as labels when they make a multilabel classifier (``--task
    classification``, ``auto`` with two labels in each column, or a resumed multilabel
    run); None for a regression (real numbers under ``auto``: the cells read once)."""
    if previous is not None:
        if previous.get("multilabel") is not True:
            return None
    elif args.task == "regression" or (args.task == "auto" and not maybe_labels(table)):
        return None
    columns = label_columns(args.data, table, targets)
    return columns if previous is not None or is_multilabel(args, columns) else None


def _check_options(args: argparse.Namespace, targets: list[str]) -> None:
    """No target among --columns, --exclude, --categorical, --weight."""
    names = header_names(args.data)
    match = name_matcher(names, args.data)
    for option, listed in (("--columns", args.columns), ("--exclude", args.exclude),
                           ("--categorical", args.categorical),
                           ("--weight", [args.weight] if args.weight else None)):
        found = [name for name in (listed or ()) if match(name) in targets]
        if found:
            raise UsageError(f"{option} lists the target {quoted(match(found[0]))}; leave it "
                             "out")


def _features(args: argparse.Namespace, names: list[str], targets: list[str]) -> list[str]:
    """The feature columns: --columns, else the header's but the targets and --exclude."""
    path = args.data
    if args.columns is not None:
        return match_listed(path, names, args.columns, "--columns")
    left_out = [*match_listed(path, names, args.exclude or [], "--exclude"),
                *match_listed(path, names, [args.weight] if args.weight else [], "--weight")]
    features = [n for n in names if n and n not in targets and n not in left_out]
    if not features:
        raise UsageError(f"{shown_path(path)}: no feature column is left besides the targets "
                         f"{quoted_list(targets)}")
    return features


def _other_targets(path: str, table: Any, names: list[str]) -> np.ndarray:
    """The cells of the target columns ``names`` in the rows of ``table``, float64 of shape
    (n_rows, len(names)), NaN where missing."""
    with _target_messages():
        values = read_table(path, target=None, columns=names, missing="mean", impute=False,
                            dtype=np.float64, columns_option="--target").X
    kept = table.kept
    if kept is None:
        rows = np.arange(values.shape[0])
    else:
        rows = np.flatnonzero(kept[: values.shape[0]])
    if rows.size != table.X.shape[0]:
        raise UsageError(f"{shown_path(path)}: read a different number of rows the second "
                         "time; did the file change while it was read?")
    return values[rows]


@contextlib.contextmanager
def _target_messages() -> Iterator[None]:
    """A reader's message on a target cell with a target's advice in place of a feature's."""
    try:
        yield
    except CSVError as exc:
        message = str(exc)
        at = min((found for found in (message.find(mark) for mark in (
            ": text counts as missing", " (text:")) if found >= 0), default=-1)
        if at >= 0:  # a feature's advice (--categorical, --exclude): not a target's
            message = (message[:at] + "; several targets make a regression, of numbers: "
                       f"{NOT_SUPPORTED}")
        raise CSVError(message) from None


def _refuse_missing(path: str, table: Any, names: list[str], others: np.ndarray) -> None:
    """A missing target cell, with --missing error or mean: an error naming its line."""
    row, column = (int(i) for i in np.argwhere(np.isnan(others))[0])
    kept = table.kept
    file_row = row if kept is None else int(np.flatnonzero(kept)[row])
    found = _cell(path, names[column], file_row)
    at = (f"line {found[0]}, column {quoted(names[column])}: expected a number, received "
          f"{quoted(found[1])}" if found else
          f"column {quoted(names[column])}, data row {file_row + 1}: expected a number")
    raise UsageError(f"{shown_path(path)}, {at} (a missing target; --missing drop leaves "
                     "out the rows whose target is missing)")


def _drop_rows(table: Any, complete: np.ndarray) -> Any:
    """``table`` with only its rows ``complete`` (n_rows,) bool, counted as dropped."""
    kept = table.kept
    if kept is None:
        kept = np.ones(complete.size, dtype=bool)
    kept = kept.copy()
    kept[np.flatnonzero(kept)] = complete
    return dataclasses.replace(
        table, X=np.ascontiguousarray(table.X[complete]), y=np.asarray(table.y)[complete],
        n_dropped=table.n_dropped + int(complete.size - complete.sum()), kept=kept)


def check_resumed_targets(args: argparse.Namespace, meta: dict[str, Any]) -> None:
    """``--resume``: the targets given must be the checkpoint's, one or several, else a
    ``UsageError`` naming both (compared as the single target is: spaces around ignored)."""
    recorded = meta.get("targets")
    if not isinstance(recorded, list):
        return  # one target: checked against the data (cli_resume)
    given = given_targets(args.target)
    if [name.strip() for name in given] != [str(name).strip() for name in recorded]:
        raise UsageError(f"--target {quoted(args.target)} differs from the interrupted run's "
                         f"{quoted(joined(recorded))}; resume with the same --target")


def evaluated_targets(args: argparse.Namespace, meta: dict[str, Any]) -> list[str] | None:
    """``evaluate``: the columns of ``args.data`` holding a model's several targets (its
    own, or ``--target``'s list, as many), as the header spells them; None for one target."""
    recorded = meta.get("targets")
    if recorded is None and meta.get("multilabel") is True:  # an estimator's: labels 0, 1, ...
        recorded = [str(c) for c in meta["classes"]]
        if args.target is None:
            raise UsageError(f"{shown_path(args.model)} is a multilabel classifier of "
                             f"{len(recorded)} labels that does not record their columns; "
                             f"give --target with {len(recorded)} columns of 0/1 labels, in "
                             "the order of its outputs")
    if recorded is None:
        return None
    given = recorded if args.target is None else given_targets(args.target)
    if len(given) != len(recorded):
        raise UsageError(f"--target {quoted(args.target)} names {len(given)} column(s); "
                         f"{shown_path(args.model)} predicts {len(recorded)} targets "
                         f"({quoted_list(recorded)}): give as many, in that order")
    names = header_names(args.data)
    targets = match_listed(args.data, names, given, "--target")
    _check_order(args, targets, [str(name) for name in recorded])
    match = name_matcher(names, args.data)
    inputs = {match(name) for name in meta["feature_names"]}
    for name in targets:
        if name in inputs or (args.weight and match(args.weight) == name):
            what = "--weight" if name not in inputs else "one of the model's input columns"
            raise UsageError(f"{shown_path(args.data)}: the target {quoted(name)} is {what}; "
                             "give the columns with the true values")
    return targets


def _check_order(args: argparse.Namespace, targets: list[str], recorded: list[str]) -> None:
    """A ``UsageError`` when ``--target`` lists a column named as one of the model's
    targets at another target's place (``y2,y1`` for a model of ``y1,y2``): its true values
    would be scored against the other target's predictions."""
    own = [name.strip() for name in recorded]
    for place, name in enumerate(targets):
        if name.strip() in own and own.index(name.strip()) != place:
            raise UsageError(
                f"--target {quoted(args.target)} gives the column {quoted(name)} as the "
                f"model's target {quoted(recorded[place])}; {shown_path(args.model)} predicts "
                f"{quoted_list(recorded)}: give the columns in that order "
                f"(--target {quoted(joined(recorded))})")
