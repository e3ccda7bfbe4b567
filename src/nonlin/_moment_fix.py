"""``BatchNorm``'s batch moments where the mean's rounding dominates the variance.

``normalization._batch_moments`` takes the mean ``m`` of a feature (its column sum in
float64, rounded once to the batch's dtype) and the biased variance as the mean of
``(x - m)^2``: the two-pass formula, no cancellation. But a rounded ``m`` may be an ulp
off: a float64 feature constant at 1e30 has ``x - m`` of 1.4e14 in every row, a
"variance" of 2e28 and outputs of +-1 instead of 0 (float32's float64 sums hide it there).
Where a feature's variance is within that rounding, ``(0, (n eps m)^2]`` for ``n`` rows,
``corrected`` takes the corrected two-pass formula (Chan, Golub and LeVeque, 1983), in
float64, on those columns only:

    d = mean(x - m),   m' = m + d,   var = mean((x - m')^2) - mean(x - m')^2

so a constant feature gets its own value as mean and a variance of 0 (outputs 0, as a
float64 reference gives), and a near-constant one keeps its few significant bits. Other
features keep their bits; imported lazily, for such a batch only. ``LayerNormalization``'s
rows take the same formula (``layer_norm._fix_rounded_means``, on the transposed rows), and
so do ``Normalization.adapt``'s float64 columns (``corrected_columns``).
"""

from __future__ import annotations

import numpy as np


def corrected(x: np.ndarray, centered: np.ndarray, mean: np.ndarray, var: np.ndarray,
              suspect: np.ndarray) -> None:
    """Recompute, in place, ``mean``, ``var`` (n_features,) and ``centered = x - mean``
    (n_samples, n_features) of the columns where ``suspect`` (bool, (n_features,)) holds."""
    cols = np.flatnonzero(suspect)
    block = x[:, cols].astype(np.float64)
    shift = mean[cols].astype(np.float64)
    shift += (block - shift).mean(axis=0)  # m' = m + mean(x - m)
    mean[cols] = shift  # rounded once to x's dtype
    rest = block - mean[cols].astype(np.float64)  # exact where x and m' are close
    drift = rest.mean(axis=0)
    var[cols] = np.maximum(np.mean(rest * rest, axis=0) - drift * drift, 0.0)
    centered[:, cols] = rest - drift  # x - mean(x), to float64's rounding


def corrected_columns(X: np.ndarray, mean: np.ndarray, var: np.ndarray) -> None:
    """``Normalization.adapt``'s float64 column ``mean`` and biased ``var`` (n_features,) of
    ``X`` (n_samples, n_features), ``np.mean``'s and ``np.var``'s, recomputed in place by
    ``corrected`` where ``var`` is within the mean's rounding, ``(0, (n eps mean)^2]`` (a
    constant feature at 1e30 got a variance of 2e28 and outputs of -1, not 0); only those
    columns are copied."""
    bound = np.minimum(np.abs(mean) * (X.shape[0] * float(np.finfo(np.float64).eps)), 6.7e153)
    suspect = (var > 0) & (var <= bound * bound)
    if not suspect.any():
        return
    cols = np.flatnonzero(suspect)
    block = np.asarray(X[:, cols], dtype=np.float64)
    part_mean, part_var = mean[cols], var[cols]
    corrected(block, np.empty_like(block), part_mean, part_var, np.ones(len(cols), bool))
    mean[cols], var[cols] = part_mean, part_var
