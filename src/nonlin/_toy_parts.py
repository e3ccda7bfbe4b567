"""The toy data sets' shared parts: argument checks, class sizes, noise and shuffling.

Used by ``nonlin.datasets``' ``xor``, ``moons``, ``circles`` and ``spirals``; every
draw comes from the explicit generator ``_generator`` makes of the caller's seed.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, cast

import numpy as np

from ._quoting import quoted
from .core import as_rng


def _finish(
    points: list[np.ndarray], noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Stack the classes' points, add coordinate noise, shuffle X and y together."""
    X = np.concatenate(points)
    y = np.concatenate([np.full(len(p), label, dtype=np.intp) for label, p in enumerate(points)])
    if noise > 0:
        X += noise * rng.standard_normal(X.shape)
    order = rng.permutation(len(y))
    return X[order], y[order]


def _generator(seed: Any) -> np.random.Generator:
    """The generator for ``seed`` (``core.as_rng``'s checks name a bad one)."""
    if isinstance(seed, np.random.RandomState):
        return np.random.default_rng(seed)  # a Generator over its bit generator
    return cast(np.random.Generator, as_rng(seed))  # not a RandomState: a Generator


def _class_sizes(n_samples: int, n_classes: int) -> list[int]:
    """``n_samples`` split as evenly as possible; the first classes get the remainder."""
    base, extra = divmod(n_samples, n_classes)
    return [base + (label < extra) for label in range(n_classes)]


def _two_halves(n_samples: int) -> list[int]:
    """Class sizes ``[n_samples // 2, n_samples - n_samples // 2]``: scikit-learn's
    ``make_moons`` and ``make_circles`` give the odd point to class 1."""
    return [n_samples // 2, n_samples - n_samples // 2]


def _check_n_samples(n_samples: Any) -> int:
    if isinstance(n_samples, bool) or not isinstance(n_samples, numbers.Integral) or n_samples < 1:
        raise ValueError(f"Expected a positive integer. Received: n_samples={quoted(n_samples)}")
    return int(n_samples)


def _check_noise(noise: Any) -> None:
    if not _is_real(noise) or not noise >= 0.0:
        raise ValueError(f"Expected a finite number >= 0. Received: noise={quoted(noise)}")


def _is_real(value: Any) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )
