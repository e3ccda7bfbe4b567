"""Buffers lent to the math of a training step: the losses' and the streamed metrics'.

Called on its own (``loss(y_true, y_pred)``, ``evaluate``, ``metric.update_state``),
that math makes new arrays, as NumPy's operators would. While ``fit`` runs a batch
through a loss without a fused path (``nonlin.objective``) or a streamed metric, it
lends them a pool of buffers (``using``): each array is then written into the
pool's buffer of that name and shape, and the step allocates no array of its own. Same
operations, same order: the same bits either way.
"""

from __future__ import annotations

import math
from contextvars import ContextVar
from typing import Any

import numpy as np

# two batch sizes (full, last) times every name a fit with 30 metrics uses: 118 buffers
POOL_SIZE = 256
_POOL: ContextVar[dict[Any, np.ndarray] | None] = ContextVar("nonlin_pool", default=None)


class using:
    """Within the block (``with using(pool):``), ``buffer`` hands out ``pool``'s buffers.

    A class rather than a ``@contextmanager`` generator: entered on every training step
    of a loss without a fused path, it costs five Python calls instead of eight.
    """

    __slots__ = ("pool", "token")

    def __init__(self, pool: dict[Any, np.ndarray]) -> None:
        self.pool = pool

    def __enter__(self) -> None:
        self.token = _POOL.set(self.pool)

    def __exit__(self, *exc_info: object) -> None:
        _POOL.reset(self.token)


def lent() -> dict[Any, np.ndarray] | None:
    """The pool lent by ``using``, or None."""
    return _POOL.get()


def buffer(name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """The pool's buffer ``name`` of ``shape`` and ``dtype``, or a new array outside ``using``.

    A result held in one is valid until the next batch: the training step reduces it
    at once. A pool keeps at most ``POOL_SIZE`` buffers: a source whose batches come
    in ever new sizes would otherwise keep every size's for the whole fit. A full pool
    is emptied, which is safe at any point: what the math holds stays valid, and it
    never reads a buffer back by its name (outside ``using`` every buffer is new).
    """
    pool = _POOL.get()
    if pool is None:
        return np.empty(shape, dtype)
    key = (name, shape, dtype)
    buf = pool.get(key)
    if buf is None:
        if len(pool) >= POOL_SIZE:  # a new shape: only then, off the steady path
            pool.clear()
        buf = pool[key] = np.empty(shape, dtype)
    return buf


def like(name: str, a: np.ndarray, b: Any = None) -> np.ndarray:
    """``buffer`` shaped like ``a``, of the dtype of ``a`` (with ``b``: of ``a op b``)."""
    return buffer(name, a.shape, a.dtype if b is None else np.result_type(a, b))


def rows(name: str, a: np.ndarray, dtype: Any = None) -> np.ndarray:
    """``buffer`` of one value per row of ``a``, in its dtype (or ``dtype``)."""
    return buffer(name, a.shape[:1], a.dtype if dtype is None else dtype)


def row_means(a: np.ndarray, name: str) -> np.ndarray:
    """``a.mean(axis=1)``; within ``using`` for float32 and float64, into a buffer: the row
    sums divided by the row length (NumPy divides in float64 and rounds once, which
    gives the float32 quotient: the same bits)."""
    if lent() is None or a.dtype not in (np.float32, np.float64):
        return a.mean(axis=1)
    sums = np.add.reduce(a, 1, out=rows(name, a))
    return np.divide(sums, float(a.shape[1]), out=sums)


def flat_copy(arrays: list[np.ndarray], dtype: np.dtype) -> np.ndarray:
    """The arrays laid end to end in one flat array of ``dtype`` (an optimizer's slots for
    packed parameters)."""
    return np.concatenate([a.reshape(-1) for a in arrays]).astype(dtype, copy=False)


def flat_views(buffer: np.ndarray, shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    """Consecutive views of the flat ``buffer`` with the given shapes."""
    views, start = [], 0
    for shape in shapes:
        stop = start + math.prod(shape)
        views.append(buffer[start:stop].reshape(shape))
        start = stop
    return views
