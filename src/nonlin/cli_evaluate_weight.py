"""``nonlin evaluate --weight COLUMN``: scores weighted by a column of per-row weights.

A row of weight ``w`` counts as ``w`` rows in every score, as scikit-learn's scores take
``sample_weight`` and as Keras 3's ``evaluate(x, y, sample_weight=w)`` weighs the metrics
compiled as ``weighted_metrics`` (those given as ``metrics`` stay unweighted there). The weight
column is read as ``train --weight`` reads it (``cli_weight_column``: numbers >= 0, not all
0; a missing weight is an error naming its line, except that ``--missing drop`` leaves its
row out) and is no input of the model. Without ``--weight``, a model trained with one
scores every row alike, and a note says so when the file holds its weight column.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ._categorical import raw_columns
from ._quoting import quoted, shown_path
from ._shell_words import shell_word
from .cli_categorical import read_model_table
from .cli_common import UsageError, note
from .cli_model import MODEL_INPUT, training_means
from .cli_table import header_names, match_listed, name_matcher
from .cli_weight_column import weight_messages, weight_values, weights_apart
from .cli_weights import _column


def add_weight_option(parser: Any) -> None:
    """``evaluate --weight COLUMN``."""
    parser.add_argument(
        "--weight", type=_column, metavar="COLUMN",
        help="weigh each row's contribution to every score by this column (numbers >= 0, "
        "not an input of the model), as train --weight weighs the training loss",
    )


def read_scored_table(args: argparse.Namespace, meta: dict[str, Any], model: Any,
                      target: str) -> tuple[Any, np.ndarray | None]:
    """``evaluate``'s table (the model's inputs, one-hot encoded, and the target) and, with
    ``--weight``, the weights, float64 of shape (n_rows,), one per row of the table."""
    options = {"unknown": args.unknown, "complete": True, "target": target,
               "columns": meta["feature_names"], "missing": args.missing,
               "fill_values": training_means(meta, args.missing, args.model),
               "columns_option": MODEL_INPUT, "model": args.model, "dtype": model.dtype}
    if args.weight is None:
        return read_model_table(args.data, meta, **options), None
    weight = _weight_column(args, meta, target)
    values = weight_values(args.data, weight, model.dtype)
    with weight_messages(weight):
        table = read_model_table(args.data, meta, weight=weight, **options)
    table, weights = weights_apart(args.data, table, weight, values)
    args.weight = weight  # as the header spells it, for the report
    return table, weights


def _weight_column(args: argparse.Namespace, meta: dict[str, Any], target: str) -> str:
    """The --weight column as the header spells it: neither the target nor an input."""
    path = args.data
    names = header_names(path)
    weight = match_listed(path, names, [args.weight], "--weight")[0]
    match = name_matcher(names, path)
    inputs = raw_columns(meta)[0] if meta.get("categorical") else meta["feature_names"]
    where = ("the target (--target)" if weight == match(target)
             else "an input column of the model" if weight in {match(n) for n in inputs}
             else "")
    if where:
        raise UsageError(f"{shown_path(path)}: --weight column {quoted(weight)} is {where}; "
                         "the weights must be a column of their own")
    return weight


def weighted_fields(report: dict[str, Any], weight: str, weights: np.ndarray) -> None:
    """Say in ``report`` (evaluate's scores) that they are weighted, by which column, and
    the rows' total weight."""
    report["weighted_by"] = weight
    report["total_weight"] = float(np.sum(weights, dtype=np.float64))


def note_unweighted(args: argparse.Namespace, meta: dict[str, Any], table: Any) -> None:
    """Without --weight, a note when the model was trained with a weight column that this
    file holds (it is then one of the columns the model does not use)."""
    column = meta.get("training", {}).get("weight")
    if args.weight is None and isinstance(column, str) and column in table.extra_columns:
        note(f"the scores are unweighted: column {quoted(column)} held the training weights "
             f"(train --weight); evaluate --weight {shell_word(column)} weighs the scores by it")
