"""The losses' shared math, and the buffers it writes into while ``fit`` steps.

Called on its own (``loss(y_true, y_pred)``, ``evaluate``), every function here
makes new arrays, as NumPy's operators would. While ``fit`` runs a batch through a
loss without a fused path (``nonlin.objective``: MAE, Huber, the ``"sum"``
reductions, cross-entropies on unactivated outputs), it lends the loss a pool of
buffers (``using``): each function then writes into the pool's buffer of that name
and shape, and the step allocates nothing. Same operations, same order: the same
bits either way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np

from .core import spread

# 1e-7 in float32 (Keras' backend.epsilon()), 1e-15 in float64: see BinaryCrossEntropy
EPS = {np.dtype(np.float32): 1e-7, np.dtype(np.float64): 1e-15}

_POOL: ContextVar[dict[Any, np.ndarray] | None] = ContextVar("nonlin_loss_pool", default=None)


@contextmanager
def using(pool: dict[Any, np.ndarray]) -> Iterator[None]:
    """Within the block, the losses' math writes into ``pool``'s buffers."""
    token = _POOL.set(pool)
    try:
        yield
    finally:
        _POOL.reset(token)


def buffer(name: str, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """The pool's buffer ``name`` of ``shape`` and ``dtype``, or a new array outside ``using``.

    A result held in one is valid until the next batch: the training step reduces it
    at once; nothing else runs with a pool.
    """
    pool = _POOL.get()
    if pool is None:
        return np.empty(shape, dtype)
    key = (name, shape, dtype)
    buf = pool.get(key)
    if buf is None:
        buf = pool[key] = np.empty(shape, dtype)
    return buf


def like(name: str, a: np.ndarray, b: Any = None) -> np.ndarray:
    """``buffer`` shaped like ``a``, of the dtype of ``a`` (with ``b``: of ``a op b``)."""
    return buffer(name, a.shape, a.dtype if b is None else np.result_type(a, b))


def rows(name: str, a: np.ndarray) -> np.ndarray:
    """``buffer`` of one value per row of ``a``, in its dtype."""
    return buffer(name, a.shape[:1], a.dtype)


def wide(name: str, a: np.ndarray, col: np.ndarray) -> np.ndarray | None:
    """The ``core.spread`` buffer for ``col`` over the rows of ``a``: None outside ``using``
    (NumPy broadcasts then)."""
    return None if _POOL.get() is None else buffer(name, a.shape, col.dtype)


def take_labels(a: np.ndarray, labels: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out[i] = a[i, labels[i]]``: fancy indexing, or within ``using`` (labels checked)
    a ``take`` through flat indices into ``out``."""
    if _POOL.get() is None or not a.flags.c_contiguous:
        out[...] = a[np.arange(a.shape[0]), labels]
        return out
    return np.take(a.reshape(-1), _flat(a, labels), out=out, mode="clip")


def put_labels(a: np.ndarray, labels: np.ndarray, values: np.ndarray) -> None:
    """``a[i, labels[i]] = values[i]``, as ``take_labels`` reads them."""
    if _POOL.get() is None or not a.flags.c_contiguous:
        a[np.arange(a.shape[0]), labels] = values
    else:
        np.put(a.reshape(-1), _flat(a, labels), values)


def _flat(a: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Flat index of ``a[i, labels[i]]`` for every row, in a pool buffer (within ``using``)."""
    pool, (n, k) = _POOL.get() or {}, a.shape
    starts = pool.get(("row starts", n, k))  # i * k, made once per shape
    if starts is None:
        starts = pool[("row starts", n, k)] = np.arange(n, dtype=np.intp) * k
    return np.add(starts, labels, out=buffer("flat", (n,), np.intp))


def log_softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise ``z - logsumexp(z)``, stable for any finite ``z``.

    ``z - max`` overflows to ``-inf`` where a row spans more than the float range
    (+-1e308); it is floored at the most negative float, so that a zero target
    there contributes ``0``, not ``0 * -inf = nan``.
    """
    top = np.max(z, axis=1, out=rows("row", z))
    shifted = like("log_p", z)
    with np.errstate(over="ignore"):
        spread(np.subtract, z, top[:, None], shifted, wide("wide", z, top))
    np.maximum(shifted, np.finfo(shifted.dtype).min, out=shifted)
    sums = np.add.reduce(np.exp(shifted, out=like("exp", z)), 1, out=top)
    np.log(sums, out=sums)
    return spread(np.subtract, shifted, sums[:, None], shifted, wide("wide", z, sums))


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Stable logistic: never evaluates ``exp`` of a positive number.

    ``where(z >= 0, 1, e) / (1 + e)`` with ``e = exp(-|z|)``.
    """
    e = np.abs(z, out=like("e", z))
    np.exp(np.negative(e, out=e), out=e)
    p = like("sigmoid", e)
    np.copyto(p, e)
    np.copyto(p, 1.0, where=np.greater_equal(z, 0, out=buffer("mask", z.shape, bool)))
    return np.divide(p, np.add(e, 1.0, out=e), out=p)
