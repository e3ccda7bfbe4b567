"""``nonlin evaluate MODEL DATA.csv``: score a saved model on labelled data.

Classifiers get accuracy, per-class precision and recall and the confusion
matrix, and a binary one its exact ROC AUC and average precision (``_exact_auc``);
regressors RMSE, MAE and R^2 (in the target's own units). ``--json`` prints the same
numbers as one JSON object. ``--weight COLUMN`` weighs every score by a column of
per-row weights (``cli_evaluate_weight``).
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ._exact_auc import auc_fields, format_auc
from ._quoting import quoted, quoted_list, shown_path
from .cli_categorical import add_unknown_option
from .cli_common import (
    COMMAND_HELP,
    HelpFormatter,
    UsageError,
    add_missing_option,
    check_distinct_paths,
    json_text,
    note,
    note_filled,
)
from .cli_evaluate_weight import (
    add_weight_option,
    note_unweighted,
    read_scored_table,
    weighted_fields,
)
from .cli_labels import encode_labels, is_number, is_numeric_classes
from .cli_model import load_model, model_outputs, prepare_features
from .cli_multilabel import label_columns, multilabel_table
from .cli_multilabel_model import label_pairs
from .cli_multilabel_report import format_multilabel, multilabel_report
from .cli_paths import PLOT_SUFFIX, check_output_path, check_plot_format
from .cli_positive import add_positive_option, positive_index
from .cli_report import (
    classification_report,
    format_classification,
    format_regression,
    regression_report,
)
from .cli_stdin import input_file
from .cli_table import first_text_cell
from .cli_targets import evaluated_targets, with_targets
from .cli_targets_scores import format_several, several_report

_DESCRIPTION = (
    "Score MODEL (written by 'nonlin train') on DATA.csv. The feature columns are "
    "matched by name, in any order; other columns are ignored. Classifiers: accuracy, "
    "per-class precision, recall, F1 and the confusion matrix, and for two classes the "
    "exact ROC AUC and PR AUC (average precision) of the positive class (--positive; "
    "default: the second of the sorted labels), as "
    "scikit-learn's roc_auc_score and average_precision_score; labels the model never "
    "saw are an error that lists them. Multilabel classifiers: per label accuracy, "
    "precision, recall, F1 and support, the subset accuracy (exact match), the Hamming "
    "loss and micro, macro, weighted and samples averages, and per label the ROC AUC and "
    "PR AUC with their micro, macro and weighted averages, as scikit-learn's. "
    "Regressors: RMSE, MAE and R^2. With --weight, each row counts as its weight in "
    "every score."
)


def add_evaluate(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help=COMMAND_HELP["evaluate"],
        description=_DESCRIPTION,
        epilog=(
            "examples:\n"
            "  nonlin evaluate iris.safetensors test.csv --target species\n"
            "  nonlin evaluate houses.safetensors test.csv --json > scores.json\n"
            "  nonlin evaluate iris.safetensors test.csv --plot confusion.png\n"
            "  nonlin evaluate fraud.safetensors test.csv --weight w"
        ),
        formatter_class=HelpFormatter,
    )
    p.add_argument("model", metavar="MODEL", help="model file, e.g. model.safetensors")
    p.add_argument("data", metavar="DATA.csv", help="labelled data with the model's columns; "
                   "- reads it from standard input")
    p.add_argument(
        "--target",
        metavar="COLUMN",
        help="column with the true labels (default: the column the model was trained on); "
        "a model of several targets takes as many, t,h",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument(
        "--plot", metavar="PATH",
        help=f"write the confusion matrix to this file (classifiers), {PLOT_SUFFIX}",
    )
    add_missing_option(p, model=True)
    add_unknown_option(p)
    add_weight_option(p)
    add_positive_option(p, "whose ROC AUC and average precision are scored")
    p.set_defaults(run=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    model, meta = load_model(args.model)
    target = _check_arguments(args, meta)
    positive = positive_index(args, meta)  # 1 without --positive; refused for other models
    several = evaluated_targets(args, meta)  # a model of several targets: their columns
    # the model's categorical columns one-hot encoded; --weight's column apart
    table, weights = read_scored_table(args, meta, model, several[0] if several else target)
    multilabel = meta.get("multilabel") is True
    if several and multilabel:  # y (n_rows, n_labels) 0/1, against the model's labels
        columns = label_columns(args.data, table, several)
        table, weights, _ = multilabel_table(args, table, weights, columns, label_pairs(meta))
    elif several:  # y (n_rows, n_targets); a row missing a target dropped or refused
        table, weights = with_targets(args.data, args.missing, table, weights, several)
    _notes(table)
    note_unweighted(args, meta, table)
    if table.X.shape[0] == 0:
        raise UsageError(f"{shown_path(args.data)}: no data rows to evaluate")
    target = table.target  # as the header spells it
    report = _report(args, model, meta, table, target, weights, several, positive)
    if weights is not None:
        weighted_fields(report, args.weight, weights)
    report["model"], report["data"] = args.model, args.data
    report.update({"targets": several} if several else {"target": target})
    print(_report_text(report, args.json, meta, several))
    if args.plot:
        from .plots import plot_confusion_matrix

        plot_confusion_matrix(
            np.asarray(report["confusion_matrix"]),
            args.plot,
            classes=meta["classes"],
            title=f"{shown_path(args.model)} on {shown_path(args.data)}",
            label="samples" if weights is None else "sum of weights",  # what a cell holds
        )
        note(f"wrote {shown_path(args.plot)}")
    return 0


def _report_text(report: dict[str, Any], as_json: bool, meta: dict[str, Any],
                 several: list[str] | None) -> str:
    """``report`` as ``nonlin evaluate`` prints it: JSON with ``--json``, else the table
    for a multilabel classifier, several targets, a classifier or a regressor."""
    if as_json:
        return json_text(report)
    if meta.get("multilabel") is True:
        return format_multilabel(report)
    if several:
        return format_several(report)
    if meta["task"] == "classification":
        auc = "\n\n" + format_auc(report) if "roc_auc" in report else ""
        return format_classification(report) + auc
    return format_regression(report)


def _check_arguments(args: argparse.Namespace, meta: dict[str, Any]) -> str:
    """Refuse a --plot a regressor cannot draw or a bad --target; returns the target column."""
    if args.plot is not None:
        from .plots import require_matplotlib

        if meta["task"] != "classification":
            raise UsageError(
                "--plot draws a confusion matrix, which needs a classifier; "
                f"{shown_path(args.model)} is a regressor"
            )
        if meta.get("multilabel") is True:
            raise UsageError("--plot draws the confusion matrix of one target's classes; "
                             f"{shown_path(args.model)} is a multilabel classifier, scored "
                             "label by label: leave --plot out (--json gives every score)")
        check_output_path(args.plot, "plot (--plot)")
        check_distinct_paths({"--plot": args.plot},
                             {"MODEL": args.model, "DATA": input_file(args.data)})
        require_matplotlib()
        check_plot_format(args.plot)
    if "targets" in meta or meta.get("multilabel") is True:  # several: evaluated_targets
        return ""
    target = meta.get("target") if args.target is None else args.target
    if target is None:
        raise UsageError(f"{shown_path(args.model)} does not record its target column; "
                         "give --target")
    if target in meta["feature_names"]:
        raise UsageError(
            f"--target {quoted(target)} is one of the model's input columns "
            f"({quoted_list(meta['feature_names'], quote=False)}); give the column with the "
            "true labels"
        )
    return target


def _report(args: argparse.Namespace, model: Any, meta: dict, table: Any, target: str,
            weights: np.ndarray | None, several: list[str] | None = None,
            positive: int = 1) -> dict:
    y = np.asarray(table.y)
    if several and meta.get("multilabel") is True:  # y (n, n_labels) 0/1
        proba = model_outputs(model, meta, prepare_features(table.X, meta, args.data))
        return multilabel_report(several, label_pairs(meta), y, proba, weights)
    if several:  # y (n, n_targets), float64
        predicted = model_outputs(model, meta, prepare_features(table.X, meta, args.data))
        return several_report(several, y, predicted, weights)
    if meta["task"] == "classification":
        if y.dtype.kind not in "OUS" and not is_numeric_classes(meta["classes"]):
            y = _labels_as_written(args.data, target, table)
        y_true = encode_labels(y, meta["classes"], args.data, target)
        proba = model_outputs(model, meta, prepare_features(table.X, meta, args.data))
        report = classification_report(y_true, proba.argmax(axis=1), list(meta["classes"]),
                                       weights)
        if len(meta["classes"]) == 2:  # binary: ROC AUC and average precision, exact
            auc_fields(report, y_true, proba, list(meta["classes"]), weights, positive)
        return report
    if y.dtype.kind in "OUS":
        raise UsageError(f"{shown_path(args.data)}: column {quoted(target)} holds text"
                         f"{first_text_cell(args.data, target)}; this model is a regressor")
    predicted = model_outputs(model, meta, prepare_features(table.X, meta, args.data))
    return regression_report(y.astype(np.float64), predicted, weights)


def _labels_as_written(path: str, target: str, table: Any) -> np.ndarray:
    """The cells of column ``target`` as written, (n_rows,) str, for the rows of ``table``.

    A model trained on text labels tells ``007`` from ``7``; the reader, finding only
    numbers in this file's column, returned them as floats (both 7.0), so the column is
    read again as text (as ``predict --keep`` reads its columns). The rows the reader
    dropped (``--missing drop``) are the ones with a missing feature or a target that is
    no number (empty, ``nan``); they are dropped here too.
    """
    from .cli_keep import _complete_rows, _read_cells
    from .cli_table import header_names

    cells = [row[0] for row in _read_cells(path, [header_names(path).index(target)])]
    kept = np.array([is_number(cell) for cell in cells], dtype=bool)
    if table.n_dropped and kept.size:
        kept &= _complete_rows(path, table)
    if int(kept.sum()) != table.X.shape[0]:  # the file changed between the passes
        raise UsageError(f"{shown_path(path)}: read a different number of rows the second time; "
                         "did the file change while it was read?")
    return np.array([cell for cell, keep in zip(cells, kept, strict=True) if keep], dtype=str)


def _notes(table: Any) -> None:
    if getattr(table, "extra_columns", None):
        unused = quoted_list(table.extra_columns, quote=False)
        note(f"ignoring column(s) the model does not use: {unused}")
    if getattr(table, "n_dropped", 0):
        note(f"dropped {table.n_dropped} row(s) with missing values (--missing drop)")
    note_filled(table.feature_names, getattr(table, "n_missing", ()))
