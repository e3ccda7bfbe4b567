"""``softmax_into``: a row-wise softmax into a given array, ``Softmax``'s forward and
``evaluate``'s cross-entropy on probabilities (moved here from ``nonlin.activations``, which
imports it back)."""

from __future__ import annotations

import numpy as np


def softmax_into(x: np.ndarray, out: np.ndarray, m: np.ndarray | None = None,
                 s: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``out = softmax(x)`` by rows, as ``Softmax`` computes it.

    Parameters
    ----------
    x : ndarray of shape (n_samples, n_classes)
        Logits; not modified.
    out : ndarray of shape (n_samples, n_classes)
        Receives ``p_ij = exp(x_ij - m_i) / s_i`` (may not be ``x``).
    m, s : ndarray of shape (n_samples,)
        Buffers for the row maxima and sums (a training forward's), or None for new arrays.

    Returns
    -------
    m, s : ndarray of shape (n_samples, 1)
        The row maxima and the row sums ``s_i = sum_k exp(x_ik - m_i)``, so that
        ``log p_ij = (x_ij - m_i) - log s_i`` without the underflow of
        ``log(out)`` (``evaluate`` scores cross-entropy so).
    """
    m = np.max(x, axis=1, out=m)
    with np.errstate(over="ignore"):  # x - m may be -inf for rows spanning +-1e308
        np.subtract(x, m[:, None], out=out)
    np.exp(out, out=out)
    s = np.add.reduce(out, 1, out=s)
    np.divide(out, s[:, None], out=out)
    return m[:, None], s[:, None]
