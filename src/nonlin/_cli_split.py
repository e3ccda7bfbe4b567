"""``nonlin train``'s rows shuffled and split, and ``--missing mean``'s fill.

``_shuffle_and_split`` shuffles the rows of ``X`` and of the targets alike, in place, and
returns the number of validation rows (the last ones), with ``--stratify`` each class's
share of them (``_stratified_order``); with ``--missing mean`` it fills
each missing cell with its column's mean over the training rows (``_fill_missing``, block
by block: no copy of ``X``). ``cli_train_data.prepare`` calls it.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ._quoting import quoted, shown_path
from .cli_common import UsageError

_BLOCK_ELEMENTS = 1 << 16  # values per block of a pass over X: small temporaries


def _shuffle_and_split(
    args: argparse.Namespace, X: np.ndarray, targets: np.ndarray, names: list,
    weights: np.ndarray | None = None, stratify: bool = False,
) -> int:
    """Shuffle the rows of ``X``, ``targets`` and ``weights`` alike, in place; with
    ``stratify`` (``targets`` class indices), move each class's share of the validation
    rows to the end (``_stratified_order``); fill the missing cells (``--missing mean``);
    return the number of validation rows, the last ones."""
    n = X.shape[0]
    # The same seed gives the same permutation of rows for X, the targets and the weights.
    for rows in (X, targets) if weights is None else (X, targets, weights):
        np.random.default_rng(args.seed).shuffle(rows)
    n_val = min(n - 1, max(1, round(n * args.val_split))) if args.val_split else 0
    if stratify and n_val:
        order = _stratified_order(targets, n_val)
        for rows in (X, targets) if weights is None else (X, targets, weights):
            rows[...] = rows[order]
    if args.missing == "mean":  # the reader left the missing cells NaN
        _fill_missing(args, X, n - n_val, names)
    return n_val


def stratified(args: argparse.Namespace, meta: dict[str, Any]) -> bool:
    """Whether ``--stratify`` is given, refusing it for a regression or a multilabel
    classifier, and without validation rows (``--val-split 0``)."""
    if not getattr(args, "stratify", False):
        return False
    if meta["task"] != "classification" or meta.get("multilabel") is True:
        task = "a multilabel classification" if meta.get("multilabel") else "a regression"
        raise UsageError(f"--stratify splits the rows class by class, which needs one class "
                         f"column; this is {task}: leave --stratify out")
    if not args.val_split:
        raise UsageError(f"--stratify splits the validation rows by class; --val-split is "
                         f"{args.val_split:g}: give --val-split > 0 or leave --stratify out")
    return True


def _stratified_order(codes: np.ndarray, n_val: int) -> np.ndarray:
    """A permutation (n,) of the shuffled rows putting, of each class ``c`` of the class
    indices ``codes`` (n,), its last ``k_c`` rows last, the other rows first, each part in
    its shuffled order; ``sum k_c = n_val``, as scikit-learn's stratified split allots them:

        k_c = floor(n_val * n_c / n), plus 1 for the classes of the largest remainders
        (ties to the class first in sorted order) until they add up to n_val,

    first among the classes that keep a training row after the 1 (each keeps one where the
    numbers allow). No random draw: the shuffle already chose which rows."""
    n = codes.shape[0]
    counts = np.bincount(codes)
    quota, remainder = np.divmod(n_val * counts, n)
    left = n_val - int(quota.sum())
    room = quota + 1 < counts  # +1 leaves a training row
    for c in sorted(range(counts.size), key=lambda c: (not room[c], -remainder[c], c))[:left]:
        quota[c] += 1
    rank = np.empty(n, dtype=np.int64)  # each row's position among its class's rows
    rank[np.argsort(codes, kind="stable")] = (np.arange(n, dtype=np.int64)
                                              - np.repeat(np.cumsum(counts) - counts, counts))
    validation = rank >= (counts - quota)[codes]
    return np.concatenate([np.flatnonzero(~validation), np.flatnonzero(validation)])


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
