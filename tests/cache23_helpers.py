"""Shared by tests/test_cache23_*.py: a model with each layer type of the registry, and a
check that a pickle holds no array derived from a batch (``nonlin._layer_caches``)."""

from __future__ import annotations

from typing import Any

import numpy as np

import nonlin
from nonlin.registry import LAYERS

N, BATCH, WIDTH = 48, 16, 5  # no weight or state array has N or BATCH rows
LAYER_TYPES = sorted({cls.__name__: cls for cls in LAYERS.values()}.items())


def data(dtype: Any = np.float64) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    X = rng.normal(size=(N, WIDTH)).astype(dtype)
    return X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)


def layer(cls: type, rate: float = 0.3) -> Any:
    if cls is nonlin.Dense:
        return cls(6, activation="gelu")
    if cls.__name__ in ("Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise"):
        return cls(rate)
    return cls()


def model(cls: type, dtype: Any, X: np.ndarray, first: bool = False,
          rate: float = 0.3) -> nonlin.Sequential:
    """``[Dense(6), <cls>, Dense(3), Softmax()]`` (``first``: ``<cls>`` before ``Dense(6)``;
    a ``Normalization`` always comes first, adapted), built in ``dtype``."""
    item = layer(cls, rate)
    if cls.__name__ == "Normalization":
        item.adapt(X)
        first = True
    head = [item, nonlin.Dense(6)] if first else [nonlin.Dense(6), item]
    return nonlin.Sequential([*head, nonlin.Dense(3), nonlin.Softmax()]).build(
        WIDTH, seed=0, dtype=dtype)


def arrays(obj: Any, seen: set[int] | None = None) -> list[np.ndarray]:
    """Every ndarray reachable from ``obj`` through attributes, dicts, lists and tuples."""
    seen = set() if seen is None else seen
    if id(obj) in seen or isinstance(obj, str | bytes | int | float | type):
        return []
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return [obj]
    if isinstance(obj, dict):
        items = list(obj.values())
    elif isinstance(obj, list | tuple | set):
        items = list(obj)
    else:
        items = list(getattr(obj, "__dict__", {}).values())
        items += [getattr(obj, s) for s in getattr(type(obj), "__slots__", ()) if hasattr(obj, s)]
    return [a for item in items for a in arrays(item, seen)]


def batch_arrays(obj: Any, rows: tuple[int, ...] = (N, BATCH)) -> list[tuple[int, ...]]:
    """The shapes of the arrays in ``obj`` with a batch's number of rows."""
    return [a.shape for a in arrays(obj) if a.ndim and a.shape[0] in rows]


def rows_in(blob: bytes, X: np.ndarray) -> list[int]:
    """The rows of ``X`` whose bytes ``blob`` holds."""
    return [i for i, row in enumerate(X) if row.tobytes() in blob]
