"""``nonlin train``'s rows shuffled and split, and ``--missing mean``'s fill.

``_shuffle_and_split`` shuffles the rows of ``X`` and of the targets alike, in place, and
returns the number of validation rows (the last ones); with ``--missing mean`` it fills
each missing cell with its column's mean over the training rows (``_fill_missing``, block
by block: no copy of ``X``). ``cli_train_data.prepare`` calls it.
"""

from __future__ import annotations

import argparse

import numpy as np

from ._quoting import quoted, shown_path
from .cli_common import UsageError

_BLOCK_ELEMENTS = 1 << 16  # values per block of a pass over X: small temporaries


def _shuffle_and_split(
    args: argparse.Namespace, X: np.ndarray, targets: np.ndarray, names: list
) -> int:
    """Shuffle the rows of ``X`` and ``targets`` alike, in place; fill the missing cells
    (``--missing mean``); return the number of validation rows, the last ones."""
    n = X.shape[0]
    # The same seed gives the same permutation of rows for X and for the targets.
    np.random.default_rng(args.seed).shuffle(X)
    np.random.default_rng(args.seed).shuffle(targets)
    n_val = min(n - 1, max(1, round(n * args.val_split))) if args.val_split else 0
    if args.missing == "mean":  # the reader left the missing cells NaN
        _fill_missing(args, X, n - n_val, names)
    return n_val


def _fill_missing(args: argparse.Namespace, X: np.ndarray, n_train: int, names: list) -> None:
    """``--missing mean``: each missing cell (NaN) of ``X`` (n, n_features) gets its column's
    mean over the values present in the training rows ``X[:n_train]``,

        mean_j = sum of x_ij over i < n_train with x_ij present / their count,

    as scikit-learn's ``SimpleImputer`` fitted on the training split: the validation
    rows lend nothing to the training data. In place, block by block (no copy of X).
    """
    rows = max(1, _BLOCK_ELEMENTS // max(1, X.shape[1]))
    sums, counts = np.zeros(X.shape[1]), np.zeros(X.shape[1], dtype=np.int64)
    for start in range(0, n_train, rows):
        block = X[start : min(start + rows, n_train)]
        present = ~np.isnan(block)
        sums += np.where(present, block, 0).sum(axis=0, dtype=np.float64)
        counts += present.sum(axis=0)
    if not counts.all():
        raise UsageError(
            f"{shown_path(args.data)}, column {quoted(names[int(np.argmin(counts))])}: every "
            f"value of the {n_train} training row(s) is missing, so --missing mean has no "
            "training mean to use; use a smaller --val-split or more rows"
        )
    means = sums / counts
    for start in range(0, X.shape[0], rows):
        block = X[start : start + rows]
        np.copyto(block, means, casting="same_kind", where=np.isnan(block))
