"""The adaptive optimizers' scaled step, ``-lr * numerator / root``, in place.

``_scaled_step`` adds epsilon to the root (Adam, AdamW; Keras 3 and scikit-learn),
``_keras_scaled_step`` puts it under the root (Keras 3's RMSprop and Adagrad);
used by the ``_deltas`` of ``nonlin.adaptive``.
"""

from __future__ import annotations

import numpy as np


def _scaled_step(
    numerator: np.ndarray, second_moment: np.ndarray, eps: np.ndarray, neg_lr: np.ndarray,
    out: np.ndarray,
) -> np.ndarray:
    """``out = neg_lr * numerator / (sqrt(second_moment) + eps)``, in place in ``out``."""
    np.sqrt(second_moment, out=out)
    np.add(out, eps, out=out)
    np.divide(numerator, out, out=out)
    return np.multiply(out, neg_lr, out=out)


def _keras_scaled_step(
    numerator: np.ndarray, second_moment: np.ndarray, eps: np.ndarray, neg_lr: np.ndarray,
    out: np.ndarray,
) -> np.ndarray:
    """``out = neg_lr * numerator / sqrt(second_moment + eps)``, in place in ``out``
    (Keras 3's RMSprop and Adagrad put epsilon under the root)."""
    np.add(second_moment, eps, out=out)
    np.sqrt(out, out=out)
    np.divide(numerator, out, out=out)
    return np.multiply(out, neg_lr, out=out)
