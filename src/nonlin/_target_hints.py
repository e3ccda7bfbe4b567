"""Hints for targets that cross-entropy refuses (``_loss_checks.check_probability_rows``).

A target row must be one-hot or a probability row (summing to 1). Rows of 0s and 1s
that do not sum to 1 make a multilabel target (several labels a row, each a yes/no of its
own), or, where each holds one 1 or none, a one-hot encoding lacking a class's column
(``pd.get_dummies`` with ``drop_first=True`` drops one, whose rows read all 0); a single
column of 0/1 targets is two classes, one of integers >= 0 class indices. Imported lazily,
on that error only.
"""

from __future__ import annotations

import numpy as np


def _one_column_hint(y: np.ndarray, hard: bool) -> str:
    """The hint for a single target column (n, 1) refused by cross-entropy: 0/1 targets
    (``hard``) are two classes; integers >= 0 are class indices; other numbers get none."""
    if hard:
        return ("; a single column of 0/1 targets holds two classes: use a Sigmoid output with "
                "loss='binary_crossentropy', or Dense(n_classes) + Softmax() with integer labels")
    if np.all((y >= 0) & (y == np.floor(y))):
        return ("; a single column of class indices needs a model of one output per class: "
                "Dense(n_classes) + Softmax() takes these integer labels as they are")
    return ""


def rows_hint(y: np.ndarray, sums: np.ndarray, row: int) -> str:
    """The hint for targets ``y`` (n, k) refused by cross-entropy, whose rows sum to
    ``sums`` (``row`` the one named): a single column (``_one_column_hint``); rows of 0s
    and 1s: a multilabel target, or, where each holds one 1 or none, a one-hot encoding
    lacking a class's column (``pd.get_dummies(drop_first=True)``); else none."""
    hard = bool(np.all((y == 0) | (y == 1)))
    if y.shape[1] == 1:
        return _one_column_hint(y, hard)
    if not hard:
        return ""
    multilabel = ("give the model a Sigmoid output of one unit per label and "
                  "loss='binary_crossentropy' (nonlin.sklearn.MLPClassifier fits such an "
                  "indicator matrix so)")
    if np.all(sums <= 1) and np.any(sums == 1):
        return ("; rows of 0s and 1s holding one 1 or no 1 look like a one-hot encoding "
                "lacking a class's column (pd.get_dummies(..., drop_first=True) drops one, "
                "whose rows read all 0): keep a column per class, or pass integer labels; "
                f"if each column is a yes/no label of its own (a multilabel target), {multilabel}")
    return (f"; rows of 0s and 1s holding {'several 1s' if sums[row] > 1 else 'no 1'} make a "
            f"multilabel target (each label a yes/no of its own): {multilabel}")
