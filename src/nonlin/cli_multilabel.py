"""Several targets of two labels each, ``nonlin train --target a,b,c``: a multilabel classifier.

Each target column must hold exactly two labels (0/1, yes/no, any two texts or numbers);
the model has one sigmoid output per target, ``P(positive label)``, trained with the
binary cross-entropy on its logits. The labels of a column are sorted as a single
target's classes are (``cli_labels.find_classes``: numbers numerically, texts
alphabetically) and the second is the positive one, as scikit-learn's
``LabelBinarizer`` takes ``classes_[1]``: ``no``/``yes`` -> ``yes``, ``0``/``1`` -> ``1``,
``false``/``true`` -> ``true``. The model file records ``multilabel: true``, the
``targets``, ``classes`` (the targets again: one label name per output, as an
estimator's multilabel file) and ``target_classes``, the two labels of each target.

The target cells are read as text (``csv`` module, as ``predict --keep`` reads its
columns), the first target's excepted: the table reader has read it (``table.y``, its
labels as written or its numbers), and ``label_columns`` takes it from there, so each
target is read once: spaces around a cell are ignored; an empty cell is missing, and in a column of
numbers so is a missing-value spelling (``NA``, ``?``: ``_csv_strict.MISSING_TARGETS``),
which is a label in a column of text, as for a single target. A row with a missing label
is dropped with ``--missing drop``, an error naming its line otherwise.

``--task auto`` makes a multilabel classifier when every target column holds exactly two
labels that a single target would take as classes (text, or integers); otherwise a
regression as before (a first target of other numbers is never read a second time).
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from ._csv_strict import MISSING_TARGETS
from ._quoting import quoted, shown_path
from .cli_common import UsageError
from .cli_labels import distinct, encode_labels, find_classes, is_number, label_key, stored_label
from .cli_model import describe_classes
from .cli_table import header_names

ONE_SOFTMAX = ("a target of more classes needs a softmax output of its own (multi-output "
               "multiclass), which the command line does not build: train one model per "
               "target (--target COLUMN) instead")


@dataclass
class LabelColumn:
    """One target column's cells, as text, in the rows of the table.

    Attributes
    ----------
    name : the column, as the header spells it
    texts : (n_rows,) object, each cell without the spaces around it
    missing : (n_rows,) bool, the cells that are missing
    numeric : whether every cell present is a number
    classes : the sorted distinct labels present (``cli_labels.find_classes``)
    """

    name: str
    texts: np.ndarray
    missing: np.ndarray
    numeric: bool
    classes: list[Any]

    def classifiable(self) -> bool:
        """Whether a single target of these labels would be a classification under
        ``--task auto``: text, or integers (two labels: few enough)."""
        return not self.numeric or all(float(c) == round(float(c)) for c in self.classes)


def maybe_labels(table: Any) -> bool:
    """Whether the reader's first target ``table.y`` may be one of two labels: text, or
    numbers with two distinct values (for other numbers ``--task auto`` is a regression
    without reading the target cells again)."""
    y = np.asarray(table.y)
    if y.dtype.kind in "OUS":
        return True
    present = y[~np.isnan(y)] if y.dtype.kind == "f" else y
    return distinct(present, limit=2).size == 2


def label_columns(path: str, table: Any, targets: list[str]) -> list[LabelColumn]:
    """The cells of ``targets`` in the rows of ``table`` (``table.kept`` says which of
    the file's rows it holds), each column analysed (``LabelColumn``). The first target
    is the reader's, ``table.y``, taken from there (read once): its labels as written,
    or its numbers; the others are read from the file."""
    from .cli_keep import _read_cells

    names = header_names(path)
    rows = _read_cells(path, [names.index(name) for name in targets[1:]])
    kept = getattr(table, "kept", None)
    if kept is not None:
        rows = [row for row, keep in zip(rows, kept[: len(rows)].tolist(), strict=True) if keep]
    if len(rows) != table.X.shape[0]:
        raise UsageError(f"{shown_path(path)}: read a different number of rows the second "
                         "time; did the file change while it was read?")
    columns = [_first_column(targets[0], np.asarray(table.y))]
    for j, name in enumerate(targets[1:]):
        columns.append(_text_column(name, [row[j] for row in rows]))
    return columns


def _text_column(name: str, cells: list[str]) -> LabelColumn:
    """The column ``name`` of text ``cells``: spaces stripped; numbers (an empty cell or a
    missing-value spelling missing) or labels (an empty cell missing)."""
    texts = np.array([t.strip(" \t") for t in cells], dtype=object)
    filled = [t for t in texts.tolist() if t]
    numeric = all(is_number(t) or t in MISSING_TARGETS for t in filled)
    missing = np.array([not t or (numeric and t in MISSING_TARGETS) for t in texts.tolist()],
                       dtype=bool)
    return _analysed(name, texts, missing, numeric)


def _analysed(name: str, texts: np.ndarray, missing: np.ndarray,
              numeric: bool) -> LabelColumn:
    """The column ``name`` of cells ``texts`` (``missing`` those missing), with its labels."""
    present = texts[~missing].astype(str)
    classes = [stored_label(c) for c in find_classes(present)] if present.size else []
    return LabelColumn(name, texts, missing, numeric, classes)


def _first_column(name: str, y: np.ndarray) -> LabelColumn:
    """The first target as the reader read it, ``y`` (n_rows,): its labels exactly as
    written (some cell is text: a column of text, where a missing-value spelling is a
    label and an empty cell is missing), or float64 numbers, NaN where missing (the
    reader's missing-value spellings, as ``label_columns``'). As the file's cells would
    give it: the same spaces stripped, the same labels (numbers match by value)."""
    if y.dtype.kind in "OUS":
        return _text_column(name, [str(t) for t in y.tolist()])
    numbers = y.astype(np.float64)
    missing = np.isnan(numbers)
    values = cast("list[float]", numbers.tolist())  # NumPy 2.2's stubs: a float
    texts = np.array([label_key(v) for v in values], dtype=object)
    return _analysed(name, texts, missing, True)


def is_multilabel(args: argparse.Namespace, columns: list[LabelColumn]) -> bool:
    """Whether the targets ``columns`` make a multilabel classifier: ``--task
    classification`` (or a resumed one), or ``auto`` with two labels of a classifier in
    each column; a ``UsageError`` for a column that can be no such target once one of
    them is (classification, or text in a column)."""
    if args.task == "auto" and all(len(c.classes) == 2 and c.classifiable() for c in columns):
        return True
    if args.task == "auto" and all(c.numeric for c in columns):
        return False  # numbers: a regression, as before
    for column in columns:
        check_two_labels(args.data, column, columns, args.task == "classification")
    return True


def check_two_labels(path: str, column: LabelColumn, columns: list[LabelColumn],
                     asked: bool = True) -> None:
    """A ``UsageError`` unless ``column`` holds exactly two labels, saying why."""
    count = len(column.classes)
    if count == 2:
        return
    where = f"{shown_path(path)}: column {quoted(column.name)}"
    if count < 2:
        raise UsageError(f"{where} holds {'no label' if not count else 'a single label'}"
                         f"{f' ({describe_classes(column.classes)})' if count else ''}; a "
                         "multilabel classifier (several targets, one sigmoid output each) "
                         "needs two labels in every target column")
    text = [c.name for c in columns if not c.numeric]
    why = ("with --task classification, several targets make a multilabel classifier"
           if asked or not text else f"column {quoted(text[0])} holds text labels, so the "
           "targets make a multilabel classifier")
    raise UsageError(f"{where} holds {count} labels ({describe_classes(column.classes)}); "
                     f"{why}: one sigmoid output per target, which needs exactly two labels "
                     f"in each column; {ONE_SOFTMAX}")


def multilabel_table(args: argparse.Namespace, table: Any, weights: Any,
                     columns: list[LabelColumn],
                     known: list[list[Any]] | None = None) -> tuple[Any, Any, list[list[Any]]]:
    """``table`` with ``y`` float32 of shape (n_rows, n_targets), 1 where the row holds its
    column's positive label, and the rows missing a label dropped (``--missing drop``,
    from ``weights`` (n_rows,) too) or refused; and the two labels of each column
    (``known``: a resumed run's, which the cells must match)."""
    from .cli_targets import _drop_rows

    missing = np.asarray(np.column_stack([c.missing for c in columns]).any(axis=1))
    if missing.any():
        if args.missing != "drop":
            _refuse_missing(args.data, table, columns, missing)
        table = _drop_rows(table, ~missing)
        weights = None if weights is None else weights[~missing]
        columns = [LabelColumn(c.name, c.texts[~missing], c.missing[~missing], c.numeric,
                               c.classes) for c in columns]
    pairs = known if known is not None else [c.classes for c in columns]
    y = np.empty((table.X.shape[0], len(columns)), dtype=np.float32)
    for j, (column, pair) in enumerate(zip(columns, pairs, strict=True)):
        y[:, j] = encode_labels(column.texts.astype(str), pair, args.data, column.name)
    extra = tuple(name for name in table.extra_columns if name not in {c.name for c in columns})
    return dataclasses.replace(table, y=y, extra_columns=extra), weights, pairs


def _refuse_missing(path: str, table: Any, columns: list[LabelColumn],
                    missing: np.ndarray) -> None:
    """A missing label, without ``--missing drop``: an error naming its line."""
    from .cli_weight_column import _cell

    row = int(np.flatnonzero(missing)[0])
    column = next(c for c in columns if c.missing[row])
    kept = getattr(table, "kept", None)
    file_row = row if kept is None else int(np.flatnonzero(kept)[row])
    found = _cell(path, column.name, file_row)
    at = (f"line {found[0]}, column {quoted(column.name)}: expected a label, received "
          f"{quoted(found[1])}" if found else
          f"column {quoted(column.name)}, data row {file_row + 1}: expected a label")
    raise UsageError(f"{shown_path(path)}, {at} (a missing target; --missing drop leaves "
                     "out the rows whose target is missing)")


def check_multilabel_options(args: argparse.Namespace, targets: list[str]) -> None:
    """The options a multilabel classifier cannot take: ``--class-weight``."""
    if getattr(args, "class_weight", None) is not None:
        raise UsageError(
            f"--class-weight weighs the classes of one target; the targets {joined(targets)} "
            "make a multilabel classifier, whose rows may hold several positive labels at "
            "once: scikit-learn's MLPClassifier has no class_weight, and Keras weighs a row "
            "of a 2-D target by its arg-max class alone, so no weight per class has one "
            "meaning here: leave --class-weight out; --weight COLUMN weighs whole rows")


def joined(targets: list[str]) -> str:
    """The targets, quoted, for messages."""
    return ", ".join(quoted(name) for name in targets)
