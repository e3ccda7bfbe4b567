"""``nonlin train --monitor NAME``: the quantity ``--early-stopping`` and ``--lr-schedule
plateau`` watch (Keras' ``monitor``), ``val_loss`` by default.

Every run logs ``loss`` (and ``val_loss`` with validation rows); a classifier also logs
``accuracy``. A binary classifier may watch ``auc`` (the ROC AUC, which Keras' ``AUC``
streams over 200 thresholds, each column of the two-class softmax scored on its own, so
the AUC of either class), ``precision`` or ``recall`` of its positive class (the second
of the sorted labels, or ``--positive LABEL``'s); a regressor ``mae``. Those are added to
the run's metrics only when watched. The ``val_`` form of each watches the validation
rows. The direction follows the name, as Keras' ``mode="auto"``: a loss or error
decreases, the others increase.
"""

from __future__ import annotations

import argparse
from typing import Any

from ._quoting import quoted, quoted_list
from .cli_common import UsageError

_BINARY = ("auc", "precision", "recall")


def add_monitor_options(group: Any) -> None:
    """``--monitor NAME`` and ``--positive LABEL`` on ``train``'s training options."""
    group.add_argument(
        "--monitor", metavar="NAME",
        help="what --early-stopping and --lr-schedule plateau watch (val_loss): loss, "
        "accuracy (classifiers), auc, precision, recall (binary classifiers), mae "
        "(regressors of one target), each with val_ for the validation rows",
    )
    group.add_argument(
        "--positive", metavar="LABEL",
        help="binary classifiers: the class whose precision or recall --monitor watches "
        "(default: the second of the sorted labels)",
    )


def monitored(args: argparse.Namespace) -> str:
    """The watched quantity: ``--monitor``, else ``val_loss``."""
    return getattr(args, "monitor", None) or "val_loss"


def check_monitor(args: argparse.Namespace) -> None:
    """``--monitor`` and ``--positive`` against the other options, before the data is read:
    a ``UsageError`` when nothing watches, or ``--positive`` has no precision or recall to
    name. ``--resume`` takes the run's options later, from the checkpoint, which refuses
    another ``--monitor`` or ``--positive`` than the run's."""
    if getattr(args, "resume", None):
        return
    monitor = getattr(args, "monitor", None)
    watchers = bool(args.early_stopping) or str(args.lr_schedule or "").startswith("plateau")
    if monitor is not None and not watchers:
        raise UsageError(f"--monitor {quoted(monitor)} sets what --early-stopping or "
                         "--lr-schedule plateau watch; give one of them")
    positive = getattr(args, "positive", None)
    if positive is not None and monitor not in (*_BINARY[1:], *(f"val_{n}" for n in _BINARY[1:])):
        raise UsageError(f"--positive {quoted(positive)} names the class whose precision or "
                         "recall --monitor watches; give --monitor val_precision or val_recall "
                         "(evaluate and predict take their own --positive)")


def names(meta: dict[str, Any]) -> list[str]:
    """What a run of ``meta``'s task can watch, training quantities first."""
    base = ["loss"]
    if meta["task"] == "classification":
        base.append("accuracy")
        if meta.get("multilabel") is not True and len(meta.get("classes") or ()) == 2:
            base += _BINARY
    elif "targets" not in meta:
        base.append("mae")
    return [*base, *(f"val_{n}" for n in base)]


def fit_metrics(args: argparse.Namespace, meta: dict[str, Any]) -> list[Any]:
    """The ``metrics`` of the run's ``fit``: ``accuracy`` for a classifier, and the
    quantity ``--monitor`` names when no run logs it otherwise; a ``UsageError`` naming
    the received value and the task's names when the task cannot watch it."""
    metrics: list[Any] = ["accuracy"] if meta["task"] == "classification" else []
    monitor = getattr(args, "monitor", None)
    if monitor is None:
        return metrics
    allowed = names(meta)
    if monitor not in allowed:
        raise UsageError(f"--monitor {quoted(monitor)} is not logged by this run; expected "
                         f"one of {quoted_list(allowed)}{_why_not(meta, monitor)}")
    return metrics + _metric(args, meta, monitor.removeprefix("val_"))


def _why_not(meta: dict[str, Any], monitor: str) -> str:
    """Why a binary quantity (``auc``, ``precision``, ``recall``) is not this run's, as
    ``--positive`` on another model says it: ``""`` for another name."""
    if monitor.removeprefix("val_") not in _BINARY:
        return ""
    classes = list(meta.get("classes") or ())
    kind = ("a multilabel classifier" if meta.get("multilabel") is True
            else "a regressor" if meta["task"] != "classification"
            else f"a classifier of {len(classes)} classes")
    return f" ({quoted(monitor)} needs a binary classifier (two classes); this run trains {kind})"


def _metric(args: argparse.Namespace, meta: dict[str, Any], name: str) -> list[Any]:
    """The metric object logging ``name``, or none for ``loss`` and ``accuracy``."""
    from .metrics import AUC, MeanAbsoluteError, Precision, Recall

    if name == "auc":  # each softmax column's AUC, averaged: both are the class AUC
        return [AUC(multi_label=True, name="auc")]
    if name in ("precision", "recall"):
        from .cli_positive import class_index

        classes = list(meta["classes"])
        column = 1 if args.positive is None else class_index(
            args.positive, classes, f"--positive: column {quoted(args.target)}")
        kind = Precision if name == "precision" else Recall
        return [kind(class_id=column, name=name)]
    return [MeanAbsoluteError(name="mae")] if name == "mae" else []
