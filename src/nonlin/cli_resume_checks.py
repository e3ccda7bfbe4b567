"""``nonlin train --resume``: the checkpoint's training record must agree with its network
and its data.

A checkpoint is a file from outside: its training record (``l2``, ``batch_norm``,
``class_weight`` and ``class_weights``) is what the resumed run records and how it
weighs the classes, while the network comes from the checkpoint's architecture. A
record that disagrees with the network (``"l2": 1e308`` beside Dense layers of
``l2=0.01``, ``"batch_norm": false`` beside BatchNorm layers), or class weights that
are not one finite number >= 0 per class, or not the ones ``class_weight`` gives on
the data, is a ``ModelFileError`` naming the checkpoint and the field: never a
traceback, never a run that silently trains otherwise than its record says.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

from ._quoting import quoted

_RECORD = "metadata['training']"


def check_resumed_network(args: argparse.Namespace, model: Any) -> None:
    """``args.l2`` and ``args.batch_norm`` (taken from the checkpoint's record, or given
    and equal to it) are those of ``model``'s layers; a ``ModelFileError`` otherwise."""
    from ._header import ModelFileError

    names = [type(layer).__name__ for layer in model.layers]
    penalties = sorted({float(layer.l2) for layer, name in zip(model.layers, names, strict=True)
                        if name == "Dense"})
    recorded = float(getattr(args, "l2", None) or 0.0)
    if penalties and penalties != [recorded]:
        shown = ", ".join(format(p, "g") for p in penalties)
        raise ModelFileError(args.resume, f"expected the l2 of the checkpoint's Dense layers "
                             f"({shown}), received {recorded:g}", f"{_RECORD}['l2']")
    normalized = "BatchNorm" in names
    if bool(getattr(args, "batch_norm", False)) != normalized:
        raise ModelFileError(args.resume, f"expected {str(normalized).lower()} (the checkpoint's "
                             f"network has {'' if normalized else 'no '}BatchNorm layers), "
                             f"received {str(bool(args.batch_norm)).lower()}",
                             f"{_RECORD}['batch_norm']")


def check_resumed_weights(args: argparse.Namespace, previous: dict[str, Any],
                          codes: np.ndarray, row_weights: np.ndarray | None = None) -> None:
    """The checkpoint's ``class_weights`` (``previous["training"]``) are one finite number
    >= 0 per class of ``previous["classes"]``, not all 0, recorded with ``class_weight``
    and equal to what it gives on the training rows (``codes``: their class indices;
    ``row_weights``: their ``--weight`` weights, which "balanced" counts by; or, written
    before it did so, to the table nonlin gave then: ``_earlier_table``)."""
    from ._header import ModelFileError
    from .cli_common import UsageError
    from .cli_weights import _class_table

    record = previous["training"]
    spec, table = record.get("class_weight"), record.get("class_weights")
    if spec is None and table is None:
        return
    field = f"{_RECORD}['class_weights']"
    if spec is None or previous["task"] != "classification":
        why = "no class_weight" if spec is None else f"a {previous['task']} model"
        raise ModelFileError(args.resume, f"class weights recorded for {why}", field)
    classes = [str(c) for c in previous.get("classes") or []]
    weights = _table_values(args.resume, table, classes, field)
    try:
        expected = _class_table(args, spec, previous["classes"], codes, row_weights)
    except UsageError as exc:
        raise ModelFileError(args.resume, str(exc), f"{_RECORD}['class_weight']") from None
    if weights != expected and not _earlier_table(spec, previous["classes"], codes, weights):
        given = dict(zip(classes, expected, strict=True))
        raise ModelFileError(args.resume, f"expected the weights class_weight {quoted(spec)} "
                             f"gives on this data, {quoted(given)}, received {quoted(table)}",
                             field)


def _earlier_table(spec: str, classes: list[Any], codes: np.ndarray,
                   weights: list[float]) -> bool:
    """Whether ``weights`` is the "balanced" table an earlier nonlin recorded: the
    rows counted unweighted (beside --weight too) over all of ``classes``, a class with no
    training row among them, ``n / (n_classes * n_c)``. Its run goes on with that table
    (the resumed fit trains with the checkpoint's), as it began."""
    counts = np.bincount(codes, minlength=len(classes))
    n = float(codes.shape[0])
    return spec == "balanced" and weights == [n / (len(classes) * int(c)) if c else 1.0
                                              for c in counts]


def _table_values(path: str, table: Any, classes: list[str], field: str) -> list[float]:
    """``table`` (``{label: weight}``) as one weight per class, in ``classes``' order."""
    from ._header import ModelFileError

    def number(value: Any) -> bool:
        return (isinstance(value, int | float) and not isinstance(value, bool)
                and math.isfinite(value) and value >= 0)

    if (not isinstance(table, dict) or sorted(table) != sorted(classes)
            or not all(map(number, table.values())) or not any(table.values())):
        raise ModelFileError(path, f"expected {{label: weight}} with one finite weight >= 0 "
                             f"for each class ({quoted(classes)}), not all 0, received "
                             f"{quoted(table)}", field)
    return [float(table[label]) for label in classes]


def check_resumed_categorical(args: argparse.Namespace, previous: dict[str, Any],
                              table: Any) -> None:
    """The checkpoint's ``categorical`` columns and categories are those read from the
    data (``table.categorical``, from ``--categorical``): the resumed model file carries
    the checkpoint's block, which ``predict`` applies."""
    from ._header import ModelFileError

    before = [(e["column"], list(e["categories"])) for e in previous.get("categorical") or ()]
    found = [(e["column"], list(e["categories"])) for e in getattr(table, "categorical", ())]
    if before != found:
        shown = [f"{column} ({len(categories)})" for column, categories in found] or "none"
        raise ModelFileError(args.resume, f"expected the categorical columns read from "
                             f"{quoted(args.data)} with --categorical, {quoted(shown)}, "
                             f"received {quoted(previous.get('categorical'))}",
                             "metadata['categorical']")
