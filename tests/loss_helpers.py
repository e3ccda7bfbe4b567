"""Targets and predictions of each kind for the loss tests (seeded by the row count)."""

import numpy as np


def targets(kind, n, k=3):
    rng = np.random.default_rng(n)
    if kind == "real":
        return rng.normal(size=(n, k))
    if kind == "binary":
        return rng.integers(0, 2, size=(n, k)).astype(float)
    if kind == "labels":
        return rng.integers(0, k, size=n)
    if kind == "onehot":
        return np.eye(k)[rng.integers(0, k, size=n)]
    raise AssertionError(kind)


def predictions(kind, n, k=3):
    rng = np.random.default_rng(100 + n)
    if kind == "probabilities":
        return rng.uniform(0.05, 0.95, size=(n, k))
    return rng.normal(size=(n, k)) + np.where(rng.random((n, k)) < 0.5, 0.3, -0.3)
