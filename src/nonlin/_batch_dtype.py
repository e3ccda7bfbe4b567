"""Training data left in float64 for a float32 model: converted batch by batch.

``fit`` converts ``X`` to the model's dtype once, a full copy, unless ``X`` is large or on
disk: a C-contiguous float64 ``np.memmap`` (or an array viewing one), or a float64 array
whose float32 copy would take ``COPY_LIMIT`` bytes or more, given to a float32 model,
stays as it is. Its values are checked to be within float32's range block by block (as
``validation.as_dtype`` checks a whole array, with the same message naming the row), and
the training loop (``nonlin._epoch_loop``) converts each batch: it gathers the batch's
rows into a float64 buffer of a batch (a slice, unshuffled, is read in place) and copies
them into its float32 buffer. A cast is elementwise, so the batches, and the trained
weights, are those of the converted copy bit for bit. Nothing else changes: other dtypes
(integers, booleans, float16) and other layouts are converted once as before.
"""

from __future__ import annotations

import mmap

import numpy as np

from .validation import as_dtype

COPY_LIMIT = 1 << 26  # 64 MiB of float32
_BLOCK = 1 << 18  # entries checked at a time: a float32 copy of 1 MiB


def _mapped(arr: np.ndarray) -> bool:
    """Whether ``arr`` is, or views, a memory-mapped buffer (``np.memmap``, ``mmap.mmap``)."""
    base: object = arr
    while base is not None:
        if isinstance(base, np.memmap | mmap.mmap):
            return True
        base = getattr(base, "base", None)
    return False


def by_batch(X: np.ndarray, dtype: np.dtype) -> bool:
    """Whether ``fit`` leaves ``X`` in its float64 for a float32 model (see the module)."""
    return (X.dtype == np.float64 and np.dtype(dtype) == np.float32 and X.ndim == 2
            and bool(X.flags.c_contiguous) and (X.size * 4 >= COPY_LIMIT or _mapped(X)))


def training_inputs(X: np.ndarray, dtype: np.dtype, name: str) -> np.ndarray:
    """``X`` for the training loop: itself when ``by_batch``, its values checked block by
    block to be within ``dtype``'s range (``as_dtype``'s error, naming the row); else
    ``as_dtype(X, dtype, name)``, one converted copy (or ``X`` when it needs none)."""
    if not by_batch(X, dtype):
        return as_dtype(X, dtype, name)
    step = max(1, _BLOCK // X.shape[1])
    for start in range(0, X.shape[0], step):  # a block's float32 copy at a time
        as_dtype(X[start : start + step], dtype, name, first_row=start)
    return X
