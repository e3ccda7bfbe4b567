"""Column variances of a large array (``Normalization.adapt``) without a temporary its size.

``np.var(X, axis=0, dtype=np.float64)`` subtracts the mean from all of ``X`` at once: a
float64 temporary of ``X``'s shape (800 MB for a 400 MB float32 memmap). ``variance``
computes the same sums block by block of rows, in a buffer of about 4 MB: the running sums
are the first row of the buffer, the block's squared deviations the rows after, and
``np.add.reduce`` over axis 0 adds the rows one after another, as it adds the rows of the
whole array (a float64 array of two columns or more laid out row after row: one row after
the other, each column on its own). So the result is ``np.var``'s bit for bit. That holds
for a view whose rows lie one after another (a slice of rows or of columns of a C-ordered
array: ``np.var``'s deviations are laid out as it is, row after row). A single column
(summed pairwise when whole) and an array laid out column after column (Fortran order:
its deviations too) take ``np.var`` itself.
"""

from __future__ import annotations

import numpy as np

_BLOCK = 1 << 19  # entries of a block: 4 MiB of float64


def variance(X: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """``X.var(axis=0, dtype=np.float64)`` of the 2-D ``X``, given ``mean``, its
    ``X.mean(axis=0, dtype=np.float64)``: the mean of ``(X - mean)**2`` over the rows."""
    n, k = X.shape
    if k < 2 or abs(X.strides[0]) <= abs(X.strides[1]) or n * k <= _BLOCK:  # see the module
        return X.var(axis=0, dtype=np.float64)
    rows = max(1, _BLOCK // k)
    buffer = np.empty((rows + 1, k), dtype=np.float64)
    total = np.zeros(k, dtype=np.float64)
    for start in range(0, n, rows):
        block = X[start : start + rows]
        deviations = buffer[1 : len(block) + 1]
        np.subtract(block, mean, out=deviations)
        np.multiply(deviations, deviations, out=deviations)
        buffer[0] = total
        np.add.reduce(buffer[: len(block) + 1], axis=0, out=total)
    return np.true_divide(total, n)
