"""``Dense``'s weight gradient ``x.T @ g`` written into ``W.grad`` without a zeroing pass.

``np.dot(a, b, out)`` fills ``out`` with zeros before it calls BLAS's GEMM (NumPy's
``cblasfuncs.c``), a pass over the weights: 784 x 256 float32 on the MNIST-shaped
workload, ~40 us of a ~1.1 ms step. ``np.matmul(a, b, out)`` makes the same GEMM call
without it, so its bits are ``np.dot``'s wherever both operands are C- or
F-contiguous arrays of ``out``'s dtype (checked over ~400,000 shapes, dtypes and thread
counts, session 22). Elsewhere the two differ: ``np.dot`` copies other layouts first,
``np.matmul`` may loop without BLAS or cast silently; and for small gradients
``np.matmul``'s own overhead outweighs the pass. So the product goes through
``np.matmul`` only for a large gradient with operands of that kind, through ``np.dot``
otherwise, with the same bits either way. ``Dense``'s training forward ``x @ W`` and input
gradient ``g @ W.T`` take the same rule (written inline there: no Python call per step).
"""

from __future__ import annotations

import numpy as np

MATMUL_BYTES = 131072  # from 128 KiB of gradient the zeroing pass costs more than matmul's call


def weight_grad(x: np.ndarray, g: np.ndarray, out: np.ndarray) -> None:
    """``out <- x.T @ g``: ``x`` (n_samples, n_in), ``g`` (n_samples, units), ``out``
    (n_in, units). Raises ``np.dot``'s ``ValueError``/``TypeError`` for operands it refuses."""
    if (out.nbytes >= MATMUL_BYTES and type(g) is np.ndarray and type(x) is np.ndarray
            and g.dtype == x.dtype == out.dtype and x.flags.forc and g.flags.forc):
        np.matmul(x.T, g, out)
    else:
        np.dot(x.T, g, out)
