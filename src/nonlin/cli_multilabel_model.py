"""A multilabel classifier's model file as ``predict``, ``evaluate`` and ``info`` read it.

Two kinds of file hold one: ``nonlin train --target a,b,c`` writes ``multilabel: true``,
``targets`` (the target columns), ``classes`` (the same names: one label per output) and
``target_classes`` (each target's two labels, the positive one second) and outputs one
logit per target; a ``nonlin.sklearn.MLPClassifier`` fitted on an indicator matrix writes
``multilabel: true`` and ``classes`` (the label columns, ``0, 1, ...``), ends in a
``Sigmoid`` layer and its labels are 0 and 1. Either way output ``j`` gives
``P(positive label of target j)``; the predicted label is the positive one where that
probability is above 0.5 (strictly), as scikit-learn's ``MLPClassifier.predict``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._dense_keras import output_layer
from ._quoting import quoted

THRESHOLD = 0.5  # a probability above it predicts the positive label


def is_multilabel(meta: dict[str, Any]) -> bool:
    """Whether ``meta`` is a multilabel classifier's."""
    return meta.get("multilabel") is True


def label_names(meta: dict[str, Any]) -> list[str]:
    """The name of each output: its target column (``nonlin train``) or, in an estimator's
    file, its label (``classes``, the column indices of the indicator matrix)."""
    return [str(name) for name in meta.get("targets") or meta["classes"]]


def label_pairs(meta: dict[str, Any]) -> list[list[Any]]:
    """The two labels of each output, negative then positive: ``target_classes``, or
    ``[0, 1]`` each in an estimator's file (an indicator matrix)."""
    recorded = meta.get("target_classes")
    return [list(pair) for pair in recorded] if recorded else [[0, 1]] * len(meta["classes"])


def probabilities(model: Any, outputs: np.ndarray) -> np.ndarray:
    """``P(positive label)`` (n, n_labels), float64, from the model's outputs: logits,
    through ``sigmoid(z) = 1 / (1 + exp(-z))``, or as they are after a ``Sigmoid`` layer."""
    last = type(output_layer(model.layers[-1])).__name__ if model.layers else ""
    out = np.asarray(outputs, dtype=np.float64)
    return out if last == "Sigmoid" else np.exp(-np.logaddexp(0.0, -out))


def predicted(proba: np.ndarray) -> np.ndarray:
    """The 0/1 indicator (n, n_labels) of the positive label: ``proba > 0.5``."""
    return (proba > THRESHOLD).astype(np.int8)


def check_multilabel(meta: dict[str, Any], n_outputs: int,
                     refuse: Callable[[str, str], None]) -> None:
    """A multilabel file's own fields: ``classes`` one name per output (the targets, when
    ``targets`` are recorded), ``target_classes`` two distinct str or int labels per
    output; ``refuse(field, problem)`` raises otherwise."""
    if meta.get("task") != "classification":
        refuse("multilabel", f"a multilabel model is a classifier; received task "
               f"{quoted(meta.get('task'))}")
    classes = meta.get("classes")
    if not isinstance(classes, list) or len(classes) != n_outputs:
        refuse("classes", f"expected one label name per output ({n_outputs}), received "
               f"{quoted(classes)}")
    targets = meta.get("targets")
    if targets is not None and classes != targets:
        refuse("classes", f"expected the targets {quoted(targets)} (one label per output), "
               f"received {quoted(classes)}")
    pairs = meta.get("target_classes")
    if pairs is None and targets is None:
        return  # an estimator's: labels 0 and 1
    if not (isinstance(pairs, list) and len(pairs) == n_outputs and all(
            isinstance(pair, list) and len(pair) == 2 and pair[0] != pair[1]
            and all(isinstance(c, str | int) and not isinstance(c, bool) for c in pair)
            for pair in pairs)):
        refuse("target_classes", f"expected {n_outputs} pairs of distinct str or int labels "
               f"(negative, positive), one per target, received {quoted(pairs)}")


def info_lines(meta: dict[str, Any]) -> list[str]:
    """``info``'s lines: each label (target) with its two labels, the positive one marked."""
    from ._quoting import cut, printable

    names, pairs = label_names(meta), label_pairs(meta)
    width = min(30, max(len(cut(printable(name), 30)) for name in names))
    lines = [f"labels:   {len(names)} (one sigmoid output each; positive label second):"]
    shown = list(zip(names, pairs, strict=True))
    for name, pair in shown[:20]:
        negative, positive = (cut(printable(str(label)), 40) for label in pair)
        lines.append(f"  {cut(printable(name), 30):<{width}}  {negative} / {positive} "
                     f"(positive: {positive})")
    if len(shown) > 20:
        lines.append(f"  ... and {len(shown) - 20} more (info --json shows them all)")
    return lines


def predict_header(meta: dict[str, Any], proba: bool) -> list[str]:
    """``predict``'s own columns: ``prediction_<label>`` each, and with ``proba``
    ``proba_<label>`` each (the probability of its positive label)."""
    names = label_names(meta)
    return [*(f"prediction_{n}" for n in names), *(f"proba_{n}" for n in names if proba)]


def predict_lines(meta: dict[str, Any], proba: np.ndarray, with_proba: bool) -> Any:
    """``predict``'s cells of each row: the predicted label of each target (its positive
    label where ``proba`` (n, n_labels) > 0.5), then with ``with_proba`` the
    probabilities."""
    pairs = [[str(label) for label in pair] for pair in label_pairs(meta)]
    chosen = predicted(proba)
    for row, p in zip(chosen, proba, strict=True):
        labels = [pair[int(i)] for pair, i in zip(pairs, row, strict=True)]
        yield [*labels, *(f"{v:.6g}" for v in p)] if with_proba else labels
