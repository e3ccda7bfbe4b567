"""Batch sources for the tests of ``fit``, ``evaluate`` and ``predict`` on sources."""

from __future__ import annotations

from typing import Any

import numpy as np

import nonlin
from nonlin import Dense, ReLU, Softmax
from nonlin.callbacks import Callback


def data(n: int = 40, d: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, (X[:, 0] + 0.3 * X[:, 1] > 0).astype(np.int64)


def model() -> nonlin.Sequential:
    return nonlin.Sequential([Dense(4), ReLU(), Dense(2), Softmax()])


FIT = {"loss": "cross_entropy", "optimizer": "adam", "verbose": 0}


def cuts(n: int, size: int) -> list[slice]:
    return [slice(i, min(i + size, n)) for i in range(0, n, size)]


class Seq:
    """Keras 3's PyDataset protocol: ``len``, ``getitem``, ``on_epoch_end``; records the
    indices read and the epoch hooks."""

    def __init__(self, X: Any, y: Any = None, size: int = 8, w: Any = None) -> None:
        self.X, self.y, self.w, self.size = X, y, w, size
        self.read: list[int] = []
        self.begins = self.ends = 0

    def __len__(self) -> int:
        return -(-len(self.X) // self.size)

    def __getitem__(self, i: int) -> Any:
        self.read.append(i)
        rows = slice(i * self.size, (i + 1) * self.size)
        if self.y is None:
            return self.X[rows]
        if self.w is None:
            return self.X[rows], self.y[rows]
        return self.X[rows], self.y[rows], self.w[rows]

    def on_epoch_begin(self) -> None:
        self.begins += 1

    def on_epoch_end(self) -> None:
        self.ends += 1


class Reiterable:
    """``__iter__`` gives a fresh pass (a torch DataLoader's protocol); counts the passes."""

    def __init__(self, X: Any, y: Any, size: int = 8) -> None:
        self.X, self.y, self.size, self.passes = X, y, size, 0

    def __iter__(self) -> Any:
        self.passes += 1
        return ((self.X[s], self.y[s]) for s in cuts(len(self.X), self.size))


def batches(X: Any, y: Any, size: int = 8, *, repeat: bool = False, log: list | None = None):
    """A generator of the batches (``repeat``: forever), appending each index to ``log``."""
    while True:
        for i, s in enumerate(cuts(len(X), size)):
            if log is not None:
                log.append(i)
            yield X[s], y[s]
        if not repeat:
            return


def same_weights(a: nonlin.Sequential, b: nonlin.Sequential) -> bool:
    return all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights(),
                                                      strict=True))


class _Counts(Callback):
    """Counts the batches of each epoch; checks their numbering."""

    def on_train_begin(self, logs=None):
        self.per_epoch: list[int] = []

    def on_epoch_begin(self, epoch, logs=None):
        self.per_epoch.append(0)

    def on_train_batch_end(self, batch, logs=None):
        assert batch == self.per_epoch[-1]
        self.per_epoch[-1] += 1
