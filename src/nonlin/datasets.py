"""Small data sets for examples, tests and the command line.

Toy problems (``xor``, ``moons``, ``circles``, ``spirals``) are generated here
with NumPy alone, from an explicit ``np.random.Generator``: the same seed
gives the same bits, and NumPy's global random state is never read or
written. Three classic real data sets (``digits``, ``iris``, ``breast_cancer``)
come from scikit-learn (an optional extra, through ``nonlin.sklearn.bundled``).

Non-goals: downloading data, caching, train/test splitting and scaling. Every
function returns raw ``(X, y)`` arrays and leaves preprocessing to the caller.
Labels are intp, NumPy's index type: int64, int32 on 32-bit platforms (a Raspberry Pi's
32-bit OS, Pyodide), where int64 labels would fail ``np.bincount`` and indexing.
"""

from __future__ import annotations

import inspect
import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from ._optional import require
from ._quoting import quoted
from ._toy_parts import (
    _check_n_samples,
    _check_noise,
    _class_sizes,
    _finish,
    _generator,
    _is_real,
    _two_halves,
)

__all__ = ["breast_cancer", "circles", "digits", "iris", "load", "moons", "spirals", "xor"]

Seed = int | np.random.Generator | None


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The seed tutorial's XOR table; the third input is a constant bias column.

    Returns
    -------
    X : ndarray of shape (4, 3), float64
        ``[[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]]``.
    y : ndarray of shape (4, 1), float64
        ``[[0], [1], [1], [0]]``: the XOR of the first two inputs.
    """
    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
    y = np.array([[0], [1], [1], [0]], dtype=np.float64)
    return X, y


def moons(
    n_samples: int = 1000, *, noise: float = 0.2, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, as in scikit-learn's ``make_moons``.

    Class 0 lies on the upper half of the unit circle centred at (0, 0); class 1
    on the lower half of the unit circle centred at (1, 0.5). Gaussian noise of
    standard deviation ``noise`` is added to both coordinates.

    Parameters
    ----------
    n_samples : total number of points: ``n_samples // 2`` in class 0, the rest in
        class 1 (as scikit-learn splits them; class 1 has the odd point)
    noise : standard deviation of the Gaussian noise, ``>= 0``
    seed : an int, ``None`` (fresh entropy) or a ``np.random.Generator`` used as is

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), intp, labels 0 and 1, shuffled with ``X``
    """
    sizes = _two_halves(_check_n_samples(n_samples))
    _check_noise(noise)
    rng = _generator(seed)
    outer = np.linspace(0.0, math.pi, sizes[0])
    inner = np.linspace(0.0, math.pi, sizes[1])
    points = [
        np.column_stack([np.cos(outer), np.sin(outer)]),
        np.column_stack([1.0 - np.cos(inner), 0.5 - np.sin(inner)]),
    ]
    return _finish(points, noise, rng)


def circles(
    n_samples: int = 1000, *, noise: float = 0.1, factor: float = 0.5, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """A circle inside a circle, as in scikit-learn's ``make_circles``.

    Class 0 is the unit circle, class 1 the concentric circle of radius
    ``factor``; points are evenly spaced in angle, then Gaussian noise of
    standard deviation ``noise`` is added to both coordinates.

    Parameters
    ----------
    n_samples : total number of points: ``n_samples // 2`` on the outer circle (class 0),
        the rest on the inner one (class 1), as scikit-learn splits them
    noise : standard deviation of the Gaussian noise, ``>= 0``
    factor : radius of the inner circle relative to the outer one, ``0 < factor < 1``
    seed : an int, ``None`` (fresh entropy) or a ``np.random.Generator`` used as is

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64
    y : ndarray of shape (n_samples,), intp, labels 0 and 1, shuffled with ``X``
    """
    sizes = _two_halves(_check_n_samples(n_samples))
    _check_noise(noise)
    if not _is_real(factor) or not 0.0 < factor < 1.0:
        raise ValueError("Expected a number strictly between 0 and 1. "
                         f"Received: factor={quoted(factor)}")
    rng = _generator(seed)
    points = []
    for radius, size in zip((1.0, float(factor)), sizes, strict=True):
        angle = np.linspace(0.0, 2.0 * math.pi, size, endpoint=False)
        points.append(radius * np.column_stack([np.cos(angle), np.sin(angle)]))
    return _finish(points, noise, rng)


def spirals(
    n_samples: int = 1000, *, n_classes: int = 2, noise: float = 0.2, seed: Seed = None
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the CS231n spiral problem).

    Arm ``c`` runs from the centre out to radius 1, turning through 1.5 turns
    from the start angle ``2 pi c / n_classes``:
    ``x = r (cos theta, sin theta)``, ``theta = 2 pi c / n_classes + 3 pi r + noise * e``,
    ``e ~ N(0, 1)``. Here ``noise`` perturbs the angle (radians), not the coordinates.

    Parameters
    ----------
    n_samples : total number of points, ``>= n_classes``, split as evenly as possible
        between the classes (the first classes get the remainder); an arm of one
        point holds its tip (radius 1), the centre being shared by every arm
    n_classes : number of arms, ``>= 2``
    noise : standard deviation of the angular noise in radians, ``>= 0``
    seed : an int, ``None`` (fresh entropy) or a ``np.random.Generator`` used as is

    Returns
    -------
    X : ndarray of shape (n_samples, 2), float64, inside the unit disc
    y : ndarray of shape (n_samples,), intp, labels ``0 .. n_classes - 1``, shuffled with ``X``
    """
    n_samples = _check_n_samples(n_samples)
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or n_classes < 2:
        raise ValueError(f"Expected an integer >= 2. Received: n_classes={n_classes!r}")
    if n_samples < n_classes:
        raise ValueError(
            f"Expected n_samples >= n_classes (at least one point per arm). "
            f"Received: n_samples={n_samples}, n_classes={n_classes!r}"
        )
    _check_noise(noise)
    rng = _generator(seed)
    points = []
    for label, size in enumerate(_class_sizes(n_samples, int(n_classes))):
        # a lone point sits at its arm's tip: the centre is shared by every arm
        radius = np.linspace(0.0, 1.0, size) if size > 1 else np.ones(1)
        angle = 2.0 * math.pi * label / n_classes + 3.0 * math.pi * radius
        angle = angle + noise * rng.standard_normal(size)
        points.append(radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)]))
    return _finish(points, 0.0, rng)


def digits() -> tuple[np.ndarray, np.ndarray]:
    """The 8 x 8 handwritten digits (UCI), loaded through scikit-learn.

    Pixels are grey levels 0..16 as stored, not scaled to [0, 1] (divide by 16).

    Returns
    -------
    X : ndarray of shape (1797, 64), float64, values 0..16
    y : ndarray of shape (1797,), intp, labels 0..9
    """
    return _load_sklearn("load_digits", "loading the digits data set")


def iris() -> tuple[np.ndarray, np.ndarray]:
    """Fisher's iris flowers, loaded through scikit-learn.

    Returns
    -------
    X : ndarray of shape (150, 4), float64, sepal and petal length and width in cm
    y : ndarray of shape (150,), intp, labels 0..2 (setosa, versicolor, virginica)
    """
    return _load_sklearn("load_iris", "loading the iris data set")


def breast_cancer() -> tuple[np.ndarray, np.ndarray]:
    """The Wisconsin diagnostic breast cancer data, loaded through scikit-learn.

    Returns
    -------
    X : ndarray of shape (569, 30), float64, unscaled cell-nucleus measurements
    y : ndarray of shape (569,), intp, 0 = malignant, 1 = benign
    """
    return _load_sklearn("load_breast_cancer", "loading the breast cancer data set")


_LOADERS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "xor": xor,
    "moons": moons,
    "circles": circles,
    "spirals": spirals,
    "digits": digits,
    "iris": iris,
    "breast_cancer": breast_cancer,
}


def load(name: str, **kwargs: Any) -> tuple[np.ndarray, np.ndarray]:
    """Load a data set by name, passing ``kwargs`` on (e.g. ``seed``, ``n_samples``).

    Parameters
    ----------
    name : one of ``"xor"``, ``"moons"``, ``"circles"``, ``"spirals"``,
        ``"digits"``, ``"iris"``, ``"breast_cancer"``
    **kwargs : keyword arguments of the function of that name

    Returns
    -------
    X, y : as returned by the function of that name

    Raises
    ------
    TypeError
        If ``name`` is not a string, or a keyword is not one the data set takes
        (``digits``, ``iris``, ``breast_cancer`` and ``xor`` take none).
    ValueError
        If ``name`` is not a known data set.
    """
    known = ", ".join(repr(key) for key in sorted(_LOADERS))
    if not isinstance(name, str):
        raise TypeError(f"Expected a data set name (a str), one of {known}. "
                        f"Received: name={quoted(name)}")
    if name not in _LOADERS:
        raise ValueError(f"Unknown data set. Expected one of {known}. Received: "
                         f"name={quoted(name)}")
    loader = _LOADERS[name]
    accepted = inspect.signature(loader).parameters
    for key, value in kwargs.items():
        if key not in accepted:
            expected = ", ".join(accepted) if accepted else "no keyword arguments"
            raise TypeError(
                f"Unexpected argument for data set {quoted(name)} (it takes {expected}). "
                f"Received: {key}={quoted(value)}"
            )
    return loader(**kwargs)


def _load_sklearn(loader: str, purpose: str) -> tuple[np.ndarray, np.ndarray]:
    require("sklearn", "sklearn", purpose)  # a missing extra named for this purpose
    from .sklearn import bundled  # the one module that imports scikit-learn

    X, y = bundled(loader)
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.intp)
