"""The losses' shared math: stable log-softmax and sigmoid, values at integer labels.

Each function writes into ``nonlin._scratch`` buffers: new arrays when called on its
own, the pool ``fit`` lends while it steps (see there); the same bits either way.
"""

from __future__ import annotations

import numpy as np

from ._scratch import buffer, lent, like, rows

# 1e-7 in float32 (Keras' backend.epsilon()), 1e-15 in float64: see BinaryCrossEntropy
EPS = {np.dtype(np.float32): 1e-7, np.dtype(np.float64): 1e-15}


def take_labels(a: np.ndarray, labels: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out[i] = a[i, labels[i]]``: fancy indexing, or within ``using`` (labels checked)
    a ``take`` through flat indices into ``out``."""
    if lent() is None or not a.flags.c_contiguous:
        out[...] = a[np.arange(a.shape[0]), labels]
        return out
    return np.take(a.reshape(-1), _flat(a, labels), out=out, mode="clip")


def put_labels(a: np.ndarray, labels: np.ndarray, values: np.ndarray | bool) -> None:
    """``a[i, labels[i]] = values[i]``, as ``take_labels`` reads them."""
    if lent() is None or not a.flags.c_contiguous:
        a[np.arange(a.shape[0]), labels] = values
    else:
        np.put(a.reshape(-1), _flat(a, labels), values)


def _flat(a: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Flat index of ``a[i, labels[i]]`` for every row, in a pool buffer (within ``using``)."""
    pool, (n, k) = lent() or {}, a.shape
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
        np.subtract(z, top[:, None], out=shifted)
    np.maximum(shifted, np.finfo(shifted.dtype).min, out=shifted)
    sums = np.add.reduce(np.exp(shifted, out=like("exp", z)), 1, out=top)
    np.log(sums, out=sums)
    return np.subtract(shifted, sums[:, None], out=shifted)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Stable logistic: never evaluates ``exp`` of a positive number.

    ``where(z >= 0, 1, e) / (1 + e)`` with ``e = exp(-|z|)``.
    """
    e = np.abs(z, out=like("e", z))
    np.exp(np.negative(e, out=e), out=e)
    p = np.greater_equal(z, 0, out=like("sigmoid", e))  # 1.0 where z >= 0, else 0.0
    np.maximum(p, e, out=p)  # 1 or e (0 <= e <= 1): no masked copy, 30x slower
    return np.divide(p, np.add(e, 1.0, out=e), out=p)
