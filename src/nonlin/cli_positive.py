"""``--positive LABEL``: which of a binary classifier's two classes is the positive one.

Without it the positive class is the second of the sorted labels (``1`` of 0/1, ``yes``
of no/yes), as scikit-learn's ``pos_label=1`` default reads 0/1 labels. A column such as
``fraud``/``ok`` sorts the rare class first; ``--positive fraud`` names it, as
scikit-learn's ``pos_label="fraud"``. ``evaluate`` then scores ROC AUC and average
precision for it, and ``predict --threshold T`` predicts it where its probability is
``>= T``. The label is matched as ``--class-weight`` matches one: as written, without the
spaces around it, or as the same number (``1.0`` is the class ``1``).
"""

from __future__ import annotations

import argparse
from typing import Any

from ._quoting import quoted, quoted_list, shown_path
from .cli_common import UsageError


def add_positive_option(parser: Any, what: str) -> None:
    """``--positive LABEL`` on ``parser``; ``what`` says what it changes there."""
    parser.add_argument(
        "--positive", metavar="LABEL",
        help=f"binary classifiers: the positive class, {what} (default: the second of "
        "the sorted labels, as scikit-learn's pos_label=1 reads 0/1)",
    )


def class_index(label: str, classes: list[Any], refuse: str) -> int:
    """The index in ``classes`` of the class ``label`` names: as written, else without the
    spaces around it, else as the same number (``1.0`` is the class 1). Not found: a
    ``UsageError`` that starts with ``refuse`` and lists the classes."""
    shown = [str(c) for c in classes]
    for text in (label, label.strip()):
        if text in shown:
            return shown.index(text)
    try:
        number: float | None = float(label)
    except ValueError:
        number = None
    for i, c in enumerate(classes):
        if number is not None and isinstance(c, int) and float(c) == number:
            return i
    raise UsageError(f"{refuse} has no class {quoted(label)}; expected one of its classes "
                     f"{quoted_list(shown)}")


def same_class(given: str, recorded: str, classes: list[Any]) -> bool:
    """Whether ``--positive given`` (a resumed run's) names the class the run recorded as
    ``recorded``: both matched to ``classes`` as ``class_index`` matches a label (``"fraud "``
    is ``fraud``, ``1.0`` is ``1``); as written when either names no class."""
    try:
        return class_index(given, classes, "") == class_index(recorded, classes, "")
    except UsageError:
        return given == recorded


def positive_index(args: argparse.Namespace, meta: dict[str, Any]) -> int:
    """The index of the positive class of the binary classifier ``meta`` describes: 1, or
    that of ``--positive``'s label; a ``UsageError`` for another model or an unknown label."""
    label = getattr(args, "positive", None)
    if label is None:
        return 1
    classes = list(meta.get("classes") or [])
    if (meta.get("task") != "classification" or meta.get("multilabel") is True
            or len(classes) != 2):
        from .cli_model import describe_classes

        kind = ("a multilabel classifier" if meta.get("multilabel") is True
                else "a regressor" if meta.get("task") != "classification"
                else f"a classifier of {len(classes)} classes ({describe_classes(classes)})")
        raise UsageError(f"--positive {quoted(label)} needs a binary classifier (two "
                         f"classes); {shown_path(args.model)} is {kind}")
    return class_index(label, classes, f"--positive: {shown_path(args.model)}")
