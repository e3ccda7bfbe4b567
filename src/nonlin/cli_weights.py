"""``nonlin train``'s weights and regularization: --class-weight, --weight, --l2, --batch-norm.

``--class-weight balanced`` weighs each class ``n_rows / (n_classes * n_rows_of_class)``
over the training rows (scikit-learn's formula; the validation rows lend nothing; with
``--weight``, rows counted by their weights, as ``compute_class_weight(...,
sample_weight=)`` counts them);
``--class-weight yes=5,no=1`` gives labels as the target column writes them (a label
left out weighs 1, as Keras). ``--weight COLUMN`` reads each row's weight from a
numeric column of DATA, which is then no feature. Both go to ``fit`` as Keras'
``class_weight`` and ``sample_weight``, whose product weighs each training row.

Only training is weighted: the per-epoch ``val_loss`` (which ``--early-stopping``
watches) and the final scores are plain means over the rows, as Keras computes them
for ``validation_data`` without weights (``class_weight`` never reaches validation).

The weight column is read like a feature cell (``--missing drop`` leaves out a row
whose weight is missing or not a number), but never filled: with ``--missing mean``
a missing weight is an error naming its line. A negative weight is an error naming
its line and value, and so are weights that are all 0 on the training rows.

``--l2 ALPHA`` gives every ``Dense`` layer ``l2=ALPHA`` (``ALPHA * sum(W**2)`` added
to the loss, ``val_loss`` and the final losses too: Keras' convention);
``--batch-norm`` puts a ``BatchNorm`` between each hidden ``Dense`` and its
activation, as the estimators' ``batch_norm``.
The training record of the model file keeps each option given (and the class
weights used); a run without them records and trains exactly as before.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

from ._cli_lists import split_items
from ._quoting import quoted
from .cli_common import UsageError

_SYNTAX = "'balanced' or LABEL=WEIGHT pairs such as yes=5,no=1"


def add_weight_options(group: Any) -> None:
    """``--class-weight`` and ``--weight`` (in ``nonlin train``'s data group)."""
    group.add_argument(
        "--class-weight", type=class_weight_spec, metavar="balanced|LABEL=W,...",
        help="weigh the classes of a classifier in the training loss: 'balanced' (n_rows / "
        "(n_classes * rows of the class), over the training rows) or weights by label as "
        "the target column writes them, e.g. yes=5,no=1 (a label left out weighs 1; one "
        'holding a comma in double quotes, "a,b"=2)',
    )
    group.add_argument(
        "--weight", type=_column, metavar="COLUMN",
        help="column of per-row weights (numbers >= 0; not a feature), multiplied with "
        "--class-weight; a missing weight is an error (--missing drop leaves its row out)",
    )


def add_network_extras(group: Any) -> None:
    """``--l2`` and ``--batch-norm`` (in ``nonlin train``'s network group)."""
    group.add_argument(
        "--l2", type=_l2, metavar="ALPHA",
        help="L2 penalty ALPHA * sum(W**2) of every Dense layer's weights, added to the "
        "loss (Keras' convention), e.g. 1e-4 (default: none)",
    )
    group.add_argument("--batch-norm", action="store_true",
                       help="batch normalization before each hidden activation")


def _column(text: str) -> str:
    """``--weight``: a column name (an empty one would silently weigh nothing)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"expected a column name, received {quoted(text)}")
    return text


def _l2(text: str) -> float:
    """``--l2``: a finite number >= 0."""
    value = float(text) if _is_float(text) else math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, received {quoted(text)}")
    return value


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def class_weight_spec(text: str) -> str:
    """``--class-weight``: ``balanced``, or ``LABEL=WEIGHT`` pairs checked here (each weight
    finite and >= 0, no label twice) and matched to the classes once they are known."""
    if text.strip() == "balanced":
        return "balanced"
    _pairs(text)
    return text


def _pairs(text: str) -> list[tuple[str, float]]:
    """``"yes=5,no=1"`` -> ``[("yes", 5.0), ("no", 1.0)]``."""
    pairs = []
    for part, tail in split_items(text, tails=True):  # "a,b"=2: a label in CSV quotes
        label, sep, weight = part.rpartition("=") if tail is None else (
            part, tail[:1], tail[1:])
        if sep != "=" or not label.strip():
            raise argparse.ArgumentTypeError(f"expected {_SYNTAX}, received {quoted(text)} "
                                             '(a label holding a comma in double quotes: '
                                             '"a,b"=2)')
        value = float(weight) if _is_float(weight) else -1.0
        if not (math.isfinite(value) and value >= 0):
            raise argparse.ArgumentTypeError(
                f"expected a weight >= 0 for label {quoted(label)}, received {quoted(weight)}")
        pairs.append((label, value))
    labels = [label for label, _ in pairs]
    if len(set(labels)) != len(labels):
        twice = next(label for label in labels if labels.count(label) > 1)
        raise argparse.ArgumentTypeError(f"label {quoted(twice)} is given twice in {quoted(text)}")
    return pairs


def hidden_block(args: argparse.Namespace, width: int) -> list[Any]:
    """``Dense(width[, l2]) [BatchNorm] activation`` of one hidden layer."""
    from . import registry

    block = [output_dense(args, width)]
    if getattr(args, "batch_norm", False):
        block.append(registry.lookup("layer", "BatchNorm")())
    return [*block, registry.activation(args.activation)]


def output_dense(args: argparse.Namespace, units: int) -> Any:
    """``Dense(units)``, with ``l2=args.l2`` when ``--l2`` is given."""
    from . import registry

    dense = registry.lookup("layer", "Dense")
    alpha = getattr(args, "l2", None)
    return dense(units, l2=alpha) if alpha else dense(units)


def record_weights(args: argparse.Namespace, meta: dict[str, Any], codes: np.ndarray,
                   weights: np.ndarray | None) -> None:
    """Check the weight options against the task, the classes and the training rows
    (``codes``: their class indices or targets; ``weights``: their --weight weights) and
    record them in ``meta["training"]``: nothing when none is given."""
    record = meta["training"]
    spec = getattr(args, "class_weight", None)
    if spec is not None:
        if meta["task"] != "classification":
            raise UsageError(f"--class-weight weighs the classes of a classifier; column "
                             f"{quoted(args.target)} is a regression target here: leave "
                             "--class-weight out (--weight COLUMN weighs rows of any task)")
        table = _class_table(args, spec, meta["classes"], codes, weights)
        record.update(class_weight=spec, class_weights={
            str(label): table[i] for i, label in enumerate(meta["classes"])})
        if weights is None:
            weights = np.ones(codes.shape[0])
        weights = weights * np.asarray(table)[codes]
    if weights is not None and not np.any(weights):
        raise UsageError(f"every one of the {codes.shape[0]} training rows weighs 0 "
                         "(--weight, --class-weight); expected some rows with a weight > 0")
    for option in ("weight", "l2", "batch_norm", "loss", "lr_schedule", "stratify", "monitor",
                   "positive"):
        if getattr(args, option, None):
            record[option] = getattr(args, option)


def _class_table(args: argparse.Namespace, spec: str, classes: list[Any],
                 codes: np.ndarray, weights: np.ndarray | None = None) -> list[float]:
    """Each class's weight: scikit-learn's balanced formula over the training rows
    (``codes``), ``n / (n_present * n_c)``, or the given ones (1 if left out). As
    ``compute_class_weight`` on the training rows' labels, ``n_present`` counts the classes
    with a training row, and a class with none (all held out) weighs 1: it weighs nothing.
    With ``--weight`` (``weights``, the training rows'), the rows are counted by weight, as
    the estimators' ``class_weight="balanced"`` with ``sample_weight`` and scikit-learn's
    ``compute_class_weight(..., sample_weight=)`` count them (a row of weight 0 as a row
    removed; weights of 1, as without ``--weight``), ``n`` the sum of the ``n_c`` as it adds
    them (the same bits as its weights)."""
    if spec == "balanced":  # the estimators' table (a class of no weight: 1, not 0)
        from ._sklearn_weights import balanced_table

        balanced = balanced_table(codes, weights, len(classes)).tolist()
        return [float(v) if v else 1.0 for v in balanced]
    table = [1.0] * len(classes)
    for label, value in _pairs(spec):
        table[_class_index(args, label, classes)] = value
    return table


def _class_index(args: argparse.Namespace, label: str, classes: list[Any]) -> int:
    """The index of the class ``label`` names (``cli_positive.class_index``'s matching)."""
    from .cli_positive import class_index

    return class_index(label, classes, f"--class-weight: column {quoted(args.target)}")


def fit_weights(meta: dict[str, Any], weights: np.ndarray | None, n_train: int) -> dict:
    """``fit``'s ``class_weight`` and ``sample_weight`` from the training record and the
    --weight weights (of the training rows, the first ``n_train``); {} without them."""
    options: dict[str, Any] = {}
    recorded = meta.get("training", {}).get("class_weights")
    if isinstance(recorded, dict):
        options["class_weight"] = {i: float(recorded[str(label)])
                                   for i, label in enumerate(meta["classes"])}
    if weights is not None:
        options["sample_weight"] = weights[:n_train]
    return options


def check_class_weights(meta: dict[str, Any], model: Any) -> None:
    """A ``UsageError`` naming the class and its weight when a ``--class-weight`` weight
    overflows the model's dtype (``fit`` would name it by its class index); nothing
    without ``--class-weight``."""
    recorded = meta.get("training", {}).get("class_weights")
    if not isinstance(recorded, dict):
        return
    dtype = np.dtype(model.dtype)
    for label, value in recorded.items():
        with np.errstate(over="ignore"):  # fit's test: the cast overflows
            fits = bool(np.isfinite(np.asarray(value, dtype=dtype)))
        if not fits:
            raise UsageError(
                f"--class-weight: class {quoted(label)} weighs {float(value)!r}, beyond "
                f"{dtype.name}'s range for this {dtype.name} model (largest "
                f"{float(np.finfo(dtype).max):.4g}); expected a smaller weight for it")


def with_penalty(model: Any, scores: dict[str, Any]) -> dict[str, Any]:
    """A regressor's final ``scores`` with the --l2 penalty added to its ``loss``, as
    ``fit`` adds it to ``loss`` and ``val_loss`` (unchanged without ``--l2``)."""
    if any(getattr(layer, "l2", 0) for layer in model.layers):
        from .evaluation import penalty

        scores["loss"] += penalty(model)
    return scores


def check_penalty(args: argparse.Namespace, model: Any) -> None:
    """A ``UsageError`` naming ``--l2`` and its value when the L2 penalty at the weights
    training starts from, ``l2 * sum(W**2)``, or its gradient ``2 * l2 * W`` overflows
    the model's dtype (the first step would fail as a divergence blamed on the data);
    nothing without ``--l2``."""
    alpha = getattr(args, "l2", None)
    if not alpha:
        return
    largest = float(np.finfo(model.dtype).max)
    for layer in model.layers:
        W = getattr(getattr(layer, "W", None), "value", None)
        if not getattr(layer, "l2", 0) or W is None or not W.size:
            continue
        value, slope = layer.penalty(), 2.0 * layer.l2 * float(np.max(np.abs(W)))
        if not (value <= largest and slope <= largest):
            too_big = "penalty" if not value <= largest else "gradient 2 * l2 * W"
            raise UsageError(
                f"--l2 {alpha:g}: the L2 {too_big} at the weights training starts from "
                f"overflows {np.dtype(model.dtype).name} (largest {largest:.3g}); expected a "
                "much smaller ALPHA, such as 1e-4 (penalties of 1e-5 to 1e-2 are usual)")
