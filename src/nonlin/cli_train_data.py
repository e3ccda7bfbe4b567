"""The data side of ``nonlin train``: choose the task, encode, shuffle, split, scale.

Everything happens in place on the float32 array the CSV reader filled, so a
large file is held once: the rows are shuffled with ``Generator.shuffle``
(one row of buffer), the validation rows are a view of the tail, missing
cells (``--missing mean``) get the training rows' column means, and the
features are standardized with the training rows' mean and scale,
``x' = (x - mean) / scale``.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._categorical import keep_one_hot
from ._cli_created import created
from ._cli_split import _shuffle_and_split, stratified
from ._quoting import quoted, quoted_list, shown_path
from .cli_categorical import add_categorical_option
from .cli_common import UsageError, add_missing_option, name_list, note
from .cli_labels import distinct, encode_labels, find_classes, note_missing_like, stored_label
from .cli_model import column_stats, describe_classes, standardize_
from .cli_resume import check_same_data
from .cli_resume_checks import check_resumed_categorical, check_resumed_weights
from .cli_table import first_text_cell
from .cli_weights import add_weight_options, record_weights

MAX_AUTO_CLASSES = 20


@dataclass
class Prepared:
    """Training data ready for ``fit``: scaled features, encoded targets and the metadata."""

    X: np.ndarray
    y: np.ndarray
    n_val: int
    meta: dict[str, Any]
    weights: np.ndarray | None = None  # --weight: one per row, in X's order


def add_data_options(parser: argparse.ArgumentParser) -> None:
    """``nonlin train``'s --target, --task, --columns or --exclude, --missing, --categorical."""
    group = parser.add_argument_group("data")
    group.add_argument(
        "--target",
        required=True,
        metavar="COLUMN",
        help="column to predict; a name matches a header name exactly, else ignoring "
        "spaces around both (as for --columns); several, y1,y2: a regression with one "
        "output per column, or a multilabel classifier (one sigmoid output each) when "
        "every column holds two labels",
    )
    group.add_argument(
        "--task",
        choices=("auto", "classification", "regression"),
        default="auto",
        help="auto (default): classification when the target holds text or at most "
        f"{MAX_AUTO_CLASSES} distinct integers, else regression; several targets: "
        "multilabel classification when each holds two such labels (the second of the "
        "sorted two is positive), else regression",
    )
    features = group.add_mutually_exclusive_group()
    features.add_argument(
        "--columns",
        type=name_list,
        metavar="A,B,C",
        help="feature columns to use (default: every column but the target), matched "
        "like --target",
    )
    features.add_argument(
        "--exclude",
        type=name_list,
        metavar="A,B",
        help="columns to leave out of the features, an id say (the others but the target "
        "are used), matched like --target",
    )
    add_missing_option(group)
    add_categorical_option(group)
    add_weight_options(group)


def choose_task(args: argparse.Namespace, y: np.ndarray) -> str:
    is_text = y.dtype.kind in "OUS"
    if is_text and args.task != "classification":  # "$1,304.50": a regression's, unread
        from .cli_labels import refuse_formatted_numbers

        refuse_formatted_numbers(args.data, args.target, y, args.task, MAX_AUTO_CLASSES)
    if args.task == "regression" and is_text:
        raise UsageError(
            f"{shown_path(args.data)}: --task regression needs a numeric target; "
            f"column {quoted(args.target)} holds text labels"
            f"{first_text_cell(args.data, args.target)}"
        )
    if args.task != "auto":
        return args.task
    if is_text:
        return "classification"
    values = distinct(y, limit=MAX_AUTO_CLASSES)
    if values.size <= MAX_AUTO_CLASSES and np.all(values == np.round(values)):
        return "classification"
    return "regression"


def prepare(args: argparse.Namespace, table: Any, previous: dict[str, Any] | None,
            weights: np.ndarray | None = None) -> Prepared:
    """Encode the target, shuffle, split, standardize; build the metadata.

    ``previous`` is the metadata of a checkpoint being resumed: its task,
    classes and scaling are kept, so the resumed run sees the same numbers.
    ``weights`` (--weight, one per row) are shuffled with the rows.
    """
    X, y = table.X, np.asarray(table.y)
    n = X.shape[0]
    if n < 2:
        raise UsageError(f"{shown_path(args.data)}: {n} data row(s); training needs at least 2")
    several = getattr(args, "targets", None)  # a regression or multilabel (cli_targets)
    pairs = getattr(args, "target_classes", None)  # multilabel: each target's two labels
    meta: dict[str, Any] = {
        "task": previous["task"] if previous else "classification" if pairs
        else "regression" if several else choose_task(args, y),
        "feature_names": list(table.feature_names),
        **({"targets": several} if several else {"target": args.target}),
    }
    if pairs is not None:
        meta.update(multilabel=True, classes=list(several or ()), target_classes=pairs)
    targets = y if pairs is not None else _encode_targets(args, meta, y, previous,
                                                          table.n_dropped)
    n_val = _shuffle_and_split(args, X, targets, meta["feature_names"], weights,
                               stratified(args, meta))  # the weights: the rows' permutation
    if meta["task"] == "classification" and pairs is None:
        _check_training_classes(args, meta["classes"], targets[: n - n_val], n_val)
    if previous:
        check_same_data(args, previous, meta, n)
        check_resumed_weights(args, previous, targets[: n - n_val],
                              None if weights is None else weights[: n - n_val])
        check_resumed_categorical(args, previous, table)
        meta = {**previous, "training": {**previous["training"], "epochs": args.epochs}}
    else:
        meta.update(_scaling(X[: n - n_val], targets[: n - n_val], meta["task"]))
        keep_one_hot(meta, getattr(table, "categorical", ()))  # one-hot columns: 0 and 1
        meta["training"] = _training_record(args, n, n_val, table.n_dropped)
        record_weights(args, meta, targets[: n - n_val],
                       None if weights is None else weights[: n - n_val])
    targets = _standardize_features_and_targets(args, X, targets, meta)
    _describe(args, meta, n, n_val, table)
    return Prepared(X, targets, n_val, meta, weights)


def _standardize_features_and_targets(
    args: argparse.Namespace, X: np.ndarray, targets: np.ndarray, meta: dict[str, Any],
) -> np.ndarray:
    """Standardize the features ``X`` (n, d) in place with ``meta``'s scaling; a regression's
    targets (n, k) too, scaled in float64, then rounded to the model's float32. Returns the
    targets to train on (a classifier's class indices unchanged)."""
    standardize_(X, meta["preprocessing"]["mean"], meta["preprocessing"]["scale"],
                 meta["feature_names"], args.data)
    if meta["task"] == "regression":  # scaled in float64, then rounded to the model's float32
        target_scaling = meta["target_preprocessing"]
        standardize_(targets, target_scaling["mean"], target_scaling["scale"],
                     meta.get("targets", [args.target]), args.data)
        targets = targets.astype(np.float32)
    return targets


def _encode_targets(
    args: argparse.Namespace, meta: dict[str, Any], y: np.ndarray, previous: dict | None,
    n_dropped: int = 0,
) -> np.ndarray:
    """Class indices (n,) for a classifier (setting ``meta["classes"]``), else float64 (n, 1);
    a single class left after ``--missing drop`` dropped ``n_dropped`` rows says so."""
    if meta["task"] != "classification":
        if y.dtype.kind in "OUS":  # a resumed regression (choose_task refuses the others)
            where = first_text_cell(args.data, args.target)
            raise UsageError(
                f"{shown_path(args.data)}: column {quoted(args.target)} holds text "
                f"labels{where}, but the run being resumed is a regression; resume with the "
                "data the run started with"
            )
        return np.asarray(y, dtype=np.float64).reshape(y.shape[0], -1)  # the reader's array
    if previous:
        meta["classes"] = previous["classes"]
    else:
        meta["classes"] = [stored_label(label) for label in find_classes(y)]
        note_missing_like(meta["classes"], args.target)
    if len(meta["classes"]) < 2:
        dropped = (f" (--missing drop dropped {n_dropped} row(s) with missing values, which "
                   "may be the cause)" if n_dropped else "")
        raise UsageError(
            f"{shown_path(args.data)}: column {quoted(args.target)} holds a single class "
            f"({describe_classes(meta['classes'])}); a classifier needs at least 2{dropped}"
        )
    return encode_labels(y, meta["classes"], args.data, args.target)


def _check_training_classes(
    args: argparse.Namespace, classes: list[Any], codes: np.ndarray, n_val: int
) -> None:
    """The training rows must hold at least 2 classes once the validation rows are held out."""
    if codes.min() != codes.max():
        return
    raise UsageError(
        f"{shown_path(args.data)}: the {codes.size} training row(s) left after holding out "
        f"{n_val} for validation (--val-split {args.val_split:g}) all have the class "
        f"{quoted(str(classes[int(codes[0])]))} in column {quoted(args.target)}; a classifier "
        "needs at least 2 classes to train on: use a smaller --val-split or more rows"
    )


def _scaling(X_train: np.ndarray, y_train: np.ndarray, task: str) -> dict[str, Any]:
    """``preprocessing`` (and ``target_preprocessing`` for a regressor) from training rows."""
    mean, scale = column_stats(X_train)
    result = {
        "preprocessing": {"type": "standardize", "mean": mean.tolist(), "scale": scale.tolist()}
    }
    if task == "regression":
        t_mean, t_scale = column_stats(y_train)
        result["target_preprocessing"] = {
            "type": "standardize",
            "mean": t_mean.tolist(),
            "scale": t_scale.tolist(),
        }
    return result


def _training_record(args: argparse.Namespace, n: int, n_val: int, n_dropped: int) -> dict:
    from . import __version__

    return {
        "data": os.path.basename(args.data),
        "rows": n,
        "train_rows": n - n_val,
        "val_rows": n_val,
        "dropped_rows": int(n_dropped or 0),
        "hidden": args.hidden,
        "activation": args.activation,
        "dropout": args.dropout,
        "optimizer": args.optimizer,
        "lr": args.lr,
        "batch_size": args.batch_size,
        "epochs": args.epochs,
        "early_stopping": args.early_stopping,
        "seed": args.seed,
        "val_split": args.val_split,
        "missing": args.missing,
        "epochs_done": 0,
        "nonlin_version": __version__,
        "created": created(),  # now, or SOURCE_DATE_EPOCH's time (_cli_created)
    }


def _note_counts(args: argparse.Namespace, meta: dict) -> None:
    """A note when ``--task auto`` took integers that skip values (0, 1, 3, 7: counts,
    amounts) as classes: ``--task regression`` predicts them as numbers. Labels coded
    0..k-1 (or any k consecutive integers) and text get none."""
    classes = meta.get("classes") if meta["task"] == "classification" else None
    if args.task != "auto" or not classes or not all(
            isinstance(c, int) and not isinstance(c, bool) for c in classes):
        return
    low, high = min(classes), max(classes)
    if len(classes) >= 3 and high - low + 1 > len(classes):
        note(f"{quoted(args.target)} holds {len(classes)} distinct integers from {low} to "
             f"{high}, taken as classes (--task auto: at most {MAX_AUTO_CLASSES} distinct "
             "integers); for counts or amounts, --task regression predicts numbers")


def _describe(args: argparse.Namespace, meta: dict, n: int, n_val: int, table: Any) -> None:
    what = meta["task"]
    if meta.get("multilabel") is True:
        what = f"multilabel classification, positive labels: {_positives(meta)}"
    elif what == "classification":
        what += f" of {len(meta['classes'])} classes ({describe_classes(meta['classes'])})"
    k = len(meta["feature_names"])
    print(
        f"{shown_path(args.data)}: {n} rows, {k} feature{'s' * (k != 1)} -> "
        f"{quoted_list(meta['targets']) if 'targets' in meta else quoted(args.target)}, "
        f"{what}; {n - n_val} for training, {n_val} for validation",
        flush=True,
    )
    _note_counts(args, meta)
    if table.n_dropped:
        note(f"dropped {table.n_dropped} row(s) with missing values (--missing drop)")
    if getattr(table, "extra_columns", None):
        why = ("--exclude" if getattr(args, "exclude", None) else "not an input of the checkpoint"
               if getattr(args, "columns_from_checkpoint", False) else "not in --columns")
        note(f"not using column(s) {quoted_list(table.extra_columns, quote=False)} ({why})")


def _positives(meta: dict[str, Any]) -> str:
    """``a=yes, b=1``: each target of a multilabel classifier and its positive label."""
    return describe_classes([f"{name}={pair[1]}" for name, pair in
                             zip(meta["targets"], meta["target_classes"], strict=True)])
