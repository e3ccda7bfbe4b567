"""``nonlin predict MODEL DATA.csv`` (``nonlin info MODEL`` is in ``cli_info``).

``predict`` matches the model's input columns by name, in any order, ignores
(with a note) the columns it does not use, applies the stored scaling and
writes one row per input row: the predicted label or value, and with
``--proba`` one probability column per class, after the input columns named
by ``--keep`` (``cli_keep.py``). Output goes to stdout, or atomically to ``-o FILE``.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._compressed import compressed, refused_output
from ._quoting import quoted, quoted_list, shown_path
from .cli_categorical import add_unknown_option, read_model_table
from .cli_common import (
    COMMAND_HELP,
    HelpFormatter,
    UsageError,
    add_missing_option,
    check_distinct_paths,
    name_list,
    note,
    note_filled,
)
from .cli_keep import KeptColumns, kept_rows, plan_keep
from .cli_model import (
    MODEL_INPUT,
    describe_classes,
    load_model,
    model_outputs,
    prepare_features,
    training_means,
)
from .cli_multilabel_model import predict_header, predict_lines
from .cli_paths import check_output_path
from .cli_positive import add_positive_option, positive_index
from .cli_stdin import STDIN, input_file


def _predict_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The ``predict`` subcommand's parser, with its help, description and examples.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``nonlin`` parser's subcommands.

    Returns
    -------
    argparse.ArgumentParser
        The new subcommand's parser, without its arguments yet.
    """
    return subparsers.add_parser(
        "predict",
        help=COMMAND_HELP["predict"],
        description=(
            "Predict with MODEL (written by 'nonlin train') on DATA.csv. The model's input "
            "columns are matched by name, in any order; extra columns are ignored with a note. "
            "Writes a CSV with a 'prediction' column (the class label or the value; "
            "'prediction_<target>' for each of several targets) and, with "
            "--proba, one 'proba_<class>' column per class (a multilabel classifier: "
            "'proba_<target>', the probability of its positive label), after the columns of "
            "--keep."
        ),
        epilog=(
            "examples:\n"
            "  nonlin predict iris.safetensors new.csv\n"
            "  nonlin predict iris.safetensors new.csv --proba -o predictions.csv\n"
            "  nonlin predict iris.safetensors new.csv --keep id --missing drop\n"
            "  nonlin predict iris.safetensors new.csv.gz -o predictions.csv.gz\n"
            "  nonlin predict iris.safetensors - < new.csv > predictions.csv"
        ),
        formatter_class=HelpFormatter,
    )


def add_predict(subparsers: argparse._SubParsersAction) -> None:
    """Add ``nonlin predict`` and its arguments to ``subparsers``.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``nonlin`` parser's subcommands.
    """
    p = _predict_parser(subparsers)
    p.add_argument("model", metavar="MODEL", help="model file, e.g. model.safetensors")
    p.add_argument("data", metavar="DATA.csv", help="rows to predict, with the model's columns; "
                   "- reads them from standard input")
    p.add_argument("--proba", action="store_true", help="add class probabilities (classifiers)")
    p.add_argument(
        "--threshold", type=_threshold, metavar="T",
        help="binary classifiers: predict the positive class (--positive; default: the "
        "second of the sorted labels) where its probability p >= T, else the other "
        "(0 < T < 1; default: the more probable class)",
    )
    add_positive_option(p, "that --threshold predicts where its probability p >= T")
    p.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="write the predictions to this CSV file (default, or -: standard output); "
        "a name ending in .gz, .bz2, .xz or .zip writes it compressed",
    )
    p.add_argument(
        "--keep",
        type=name_list,
        metavar="COL[,COL...]",
        help="copy these input columns (an id, say; any text, as written) into the output, "
        "before the predictions, so its rows join back to the input rows, also with "
        "--missing drop; the model's own input columns too (they still feed the model); "
        "matched like 'train --exclude'",
    )
    add_missing_option(p, model=True)
    add_unknown_option(p)
    p.set_defaults(run=run_predict)


def run_predict(args: argparse.Namespace) -> int:
    if args.output == STDIN:  # -o -: standard output, as without -o
        args.output = None
    model, meta = load_model(args.model)
    classify = meta["task"] == "classification"
    if args.proba and not classify:
        raise UsageError(f"--proba needs a classifier; {shown_path(args.model)} is a regressor")
    if args.threshold is not None:
        _check_threshold(args, meta)
    positive = positive_index(args, meta)  # 1 without --positive; refused for other models
    if args.positive is not None and args.threshold is None:
        raise UsageError(f"--positive {quoted(args.positive)} goes with --threshold T (without "
                         "it predict gives the more probable class, whichever is positive)")
    if args.output is not None:
        check_output_path(args.output, "predictions file (-o)")
        if refused_output(args.output):
            raise UsageError(f"-o {shown_path(args.output)}: {refused_output(args.output)}")
        check_distinct_paths({"-o": args.output},
                             {"MODEL": args.model, "DATA": input_file(args.data)})
    kept = None if args.keep is None else plan_keep(
        args.data, args.keep, _header(meta, args.proba))
    table = _read(args, model, meta, kept)
    rows = None if kept is None else kept_rows(args.data, kept, table)
    outputs = model_outputs(model, meta, prepare_features(table.X, meta, args.data))
    text = _format(outputs, meta, args.proba, kept, rows, args.threshold, positive)
    if args.output:
        from ._atomic import write_atomic  # (looked up now: tests replace it)

        write_atomic(args.output, compressed(args.output, text.encode("utf-8")))  # .gz: gzip
        note(f"wrote {outputs.shape[0]} predictions to {shown_path(args.output)}")
    else:
        sys.stdout.write(text)
    return 0


def _read(args: argparse.Namespace, model: Any, meta: dict[str, Any],
          kept: KeptColumns | None) -> Any:
    """The model's input columns of ``args.data`` as a ``tabular.Table``; notes on the
    columns not used and on the rows dropped."""
    table = read_model_table(  # read_table, with the model's categorical columns one-hot encoded
        args.data, meta, unknown=args.unknown, complete=kept is not None, target=None,
        columns=meta["feature_names"], missing=args.missing, columns_option=MODEL_INPUT,
        fill_values=training_means(meta, args.missing, args.model), model=args.model,
        dtype=model.dtype)
    unused = [name for name in table.extra_columns if kept is None or name not in kept.names]
    if unused:
        note(f"ignoring column(s) the model does not use: {quoted_list(unused, quote=False)}")
    if table.n_dropped:
        join = ("output rows no longer line up with input rows one to one; --keep an id "
                "column to join them" if kept is None
                else f"the kept column(s) {quoted_list(kept.names, quote=False)} say which "
                "rows are left")
        note(f"dropped {table.n_dropped} row(s) with missing values (--missing drop): {join}")
    note_filled(table.feature_names, table.n_missing)
    return table


def _header(meta: dict[str, Any], proba: bool) -> list[str]:
    """The output's own column names: ``prediction``, and with ``proba`` ``proba_<class>``;
    for several targets ``prediction_<target>`` each (a multilabel classifier's with
    ``proba`` ``proba_<target>`` each, its positive label's probability)."""
    if meta.get("multilabel") is True:
        return predict_header(meta, proba)
    if "targets" in meta:
        return [f"prediction_{name}" for name in meta["targets"]]
    if meta["task"] != "classification" or not proba:
        return ["prediction"]
    return ["prediction", *(f"proba_{c}" for c in meta["classes"])]


def _format(
    outputs: np.ndarray, meta: dict[str, Any], proba: bool,
    kept: KeptColumns | None = None, kept_values: list[list[str]] | None = None,
    threshold: float | None = None, positive: int = 1,
) -> str:
    """The output CSV: the kept columns' values (one list per row), then the predictions.

    Lines end in "\\n"; a cell holding "\\r" or "\\n" (a label, a kept value) is quoted."""
    buffer = _Records()
    writer = csv.writer(buffer, lineterminator="\r\n")  # quotes the cells holding either
    writer.writerow([*(kept.names if kept else ()), *_header(meta, proba)])
    lines = _lines(outputs, meta, proba, threshold, positive)
    if kept_values is not None:
        lines = ([*values, *line] for values, line in zip(kept_values, lines, strict=True))
    writer.writerows(lines)
    return buffer.getvalue()


class _Records(io.StringIO):
    """A buffer for a ``csv.writer`` whose line terminator is "\\r\\n", keeping each record
    (one ``write``) with "\\n" at its end: the writer quotes a cell with any character of its
    terminator, so a lone "\\r" (which ``lineterminator="\\n"`` leaves bare) is quoted too."""

    def write(self, record: str) -> int:
        return super().write(record[:-2] + "\n" if record.endswith("\r\n") else record)


def _lines(outputs: np.ndarray, meta: dict[str, Any], proba: bool,
           threshold: float | None = None, positive: int = 1) -> Iterator[list[str]]:
    """The cells of each output row, ``outputs`` (n, n_outputs) as predictions; with
    ``threshold`` (a binary classifier), the positive class ``classes[positive]`` where
    ``outputs[:, positive] >= threshold``, the other one elsewhere."""
    if meta.get("multilabel") is True:  # P(positive label) (n, n_labels)
        return predict_lines(meta, outputs, proba)
    if "targets" in meta:  # (n, n_targets)
        return ([repr(float(v)) for v in row] for row in outputs)
    if meta["task"] != "classification":
        return ([repr(float(v))] for v in outputs)
    classes = [str(c) for c in meta["classes"]]
    if threshold is None:
        index = outputs.argmax(axis=1)
    else:  # positive 1: True -> 1; positive 0: True -> 0
        index = (outputs[:, positive] >= threshold) != bool(1 - positive)
    labels = np.asarray(classes, dtype=object)[index.astype(np.intp)]
    if not proba:
        return ([label] for label in labels)
    return ([label, *(f"{p:.6g}" for p in row)] for label, row in zip(labels, outputs, strict=True))


def _threshold(text: str) -> float:
    """``--threshold``'s value: a number strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1:  # nan too
        raise argparse.ArgumentTypeError(
            f"expected a number between 0 and 1 (0 < T < 1), received {quoted(text)}")
    return value


def _check_threshold(args: argparse.Namespace, meta: dict[str, Any]) -> None:
    """Refuse ``--threshold`` for a model that is not a binary classifier, naming its task."""
    if meta.get("multilabel") is True:
        task = "a multilabel classifier (each label positive where its probability > 0.5)"
    elif meta["task"] != "classification":
        task = "a regressor" if "targets" not in meta else "a regressor of several targets"
    elif len(meta["classes"]) != 2:
        task = (f"a classifier of {len(meta['classes'])} classes "
                f"({describe_classes(meta['classes'])}), predicting the most probable one")
    else:
        return
    raise UsageError(f"--threshold {args.threshold!r} needs a binary classifier (two classes); "
                     f"{shown_path(args.model)} is {task}")
