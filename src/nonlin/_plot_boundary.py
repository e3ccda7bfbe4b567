"""The plane ``plots.plot_decision_boundary`` draws: which two columns of ``X`` span it, the
values the other columns are held at, the grid ``predict`` is asked about, and how many
classes, how large their dots, are drawn.

scikit-learn's ``DecisionBoundaryDisplay`` refuses an ``X`` of more than two columns
(the user picks two). Here ``features=(i, j)`` picks them, and without it an ``X``
whose columns but two are constant is drawn over those two: ``datasets.xor()`` (and
``tutorial.X_XOR``), whose third column is the network's bias input of ones, is drawn in
one call. The other columns are held at their median over ``X``: a constant one at its
value, so the picture is where the data lies; a varying one at its middle, so the
picture is one slice through the data (the points drawn over it are not all in it).
``decision_regions`` asks ``predict`` about a grid over the plane, ``boundary_panel`` draws
the classes predicted there and the data on top.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._plot_inputs import plane_limits, predicted_classes
from ._quoting import quoted, quoted_list
from .validation import is_integer

_MOST_CLASSES = 100  # in a decision boundary; 1000 took 17 s, a label of 10**9 never ended


def classes_to_draw(n_names: int | None, y: np.ndarray, regions: np.ndarray) -> int:
    """The number of classes a decision boundary plot draws: ``n_names`` (the legend's
    names) when given, else one past the highest class in ``y`` or ``regions`` (the
    predicted ones); a ``ValueError`` beyond ``_MOST_CLASSES``."""
    n_classes = n_names if n_names is not None else int(max(y.max(), regions.max())) + 1
    if n_classes > _MOST_CLASSES:  # each gets a scatter, a contour level and a legend entry
        raise ValueError(
            f"Expected at most {_MOST_CLASSES} classes to draw. Received {n_classes} "
            f"(classes 0 .. {n_classes - 1}, from classes, y or predict's output)"
        )
    return n_classes


def frame_columns(X: Any) -> list[str] | None:
    """The column names of a DataFrame ``X`` (pandas with ``str`` names, polars, pyarrow:
    those ``fit`` records as feature names, ``_feature_names.frame_names``), else None."""
    from ._feature_names import frame_names

    try:
        names = frame_names(X)
    except TypeError:  # a pandas frame mixing str and other names: no names, as fit
        return None
    return None if names is None else [str(name) for name in names]


def plane_axes(X: np.ndarray, frame: Any, features: Any,
               feature_names: Any) -> tuple[tuple[int, int], list[str]]:
    """The two columns drawn (``plane_columns``) and their axis labels (``axis_names``);
    ``frame``: the ``X`` given, whose column names, a DataFrame's, ``features`` may pick and
    label the axes unless ``feature_names`` are given."""
    names = frame_columns(frame)
    columns = plane_columns(X, features, names)
    return columns, axis_names(names if feature_names is None else feature_names, columns,
                               X.shape[1])


def plane_columns(X: np.ndarray, features: Any,
                  names: list[str] | None = None) -> tuple[int, int]:
    """The two columns of ``X`` (n_samples, n_features >= 2) on the axes: ``features``,
    two distinct column indices (or two of ``names``, a DataFrame's); by default the only
    two, or the only two not constant."""
    n = X.shape[1]
    if features is None:
        varying = [j for j in range(n) if np.ptp(X[:, j]) > 0]
        if n == 2 or len(varying) == 2:
            return (0, 1) if n == 2 else (varying[0], varying[1])
        raise ValueError(
            "Expected X with two columns, or with all but two constant (as a bias column of "
            f"ones). Received X of shape {X.shape}, with {len(varying)} columns that vary "
            f"({quoted(varying, 80)}): pick the two to draw with features=(i, j) (the others "
            "are held at their median)")
    picked = features
    if names is not None and isinstance(features, Sequence) and not isinstance(features, str):
        picked = [names.index(f) if isinstance(f, str) and f in names else f for f in features]
    if (isinstance(features, str | bytes) or not isinstance(features, Sequence | np.ndarray)
            or len(picked) != 2 or not all(is_integer(f) and 0 <= f < n for f in picked)
            or picked[0] == picked[1]):
        named = "" if names is None else f", or two of its column names ({quoted_list(names)})"
        raise ValueError(
            f"Expected features as two distinct column indices of X, in [0, {n}){named}. "
            f"Received: features={quoted(features, 200)}")
    return int(picked[0]), int(picked[1])


def axis_names(feature_names: Any, columns: tuple[int, int], n_features: int) -> list[str]:
    """The two axis labels: ``x{i + 1}`` of each column drawn (``x1``, ``x2``) by default;
    else ``feature_names``, one per column of ``X`` (picked by ``columns``) or two."""
    if feature_names is None:
        return [f"x{k + 1}" for k in columns]
    if isinstance(feature_names, str) or len(feature_names) not in (2, n_features):
        raise ValueError(
            "Expected two feature names. Received: feature_names="
            f"{quoted(feature_names)} (or one name per column of X: {n_features})")
    if len(feature_names) == n_features:
        return [feature_names[k] for k in columns]
    return list(feature_names)


def grid_points(X: np.ndarray, columns: tuple[int, int], gx: np.ndarray,
                gy: np.ndarray) -> np.ndarray:
    """The points (gx.size, n_features) ``predict`` is asked about: the grid's ``gx`` and
    ``gy`` in ``columns``, each other column of ``X`` held at its median."""
    points = np.tile(np.median(X, axis=0), (gx.size, 1))
    points[:, columns[0]] = gx.ravel()
    points[:, columns[1]] = gy.ravel()
    return points


def as_fitted(predict: Any, frame: Any, points: np.ndarray) -> Any:
    """``points`` as ``predict`` takes them: an array, or, when ``predict`` is the method
    of a model fitted on a pandas DataFrame's named columns (``feature_names_in_``, nonlin's
    or scikit-learn's, which warn "x does not have valid feature names" given an array),
    a DataFrame of ``frame``'s columns, as scikit-learn's ``DecisionBoundaryDisplay``."""
    fitted = getattr(getattr(predict, "__self__", None), "feature_names_in_", None)
    if (fitted is None or type(frame).__module__.split(".")[0] != "pandas"
            or frame_columns(frame) is None):
        return points
    return type(frame)(points, columns=frame.columns)


def check_threshold(threshold: Any) -> float | None:
    """None, or a finite real number (not a bool), as a float."""
    if threshold is None:
        return None
    if (isinstance(threshold, bool | np.bool_)
            or not isinstance(threshold, int | float | np.integer | np.floating)
            or not _is_finite(threshold)):
        raise ValueError(
            "Expected threshold as a finite number (class 1 where predict's one column is "
            "above it) or None (probabilities, cut at 0.5). "
            f"Received: threshold={quoted(threshold)}")
    return float(threshold)


def _is_finite(number: Any) -> bool:
    """Whether a real ``number`` is finite as a float (an int past 1.8e308 is not)."""
    try:
        return math.isfinite(float(number))
    except OverflowError:  # float(10**400)
        return False


def marker_size(n_samples: int) -> float:
    """The area (points squared) of each sample's dot: 12 from 100 samples on, larger
    for fewer, up to 60 (XOR's 4 points)."""
    return 12.0 if n_samples >= 100 else min(60.0, 12.0 * math.sqrt(100 / n_samples))


def decision_regions(predict: Any, X: np.ndarray, frame: Any, columns: tuple[int, int],
                     resolution: int, n_names: int | None,
                     cut: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grid over the plane drawn (``gx``, ``gy``: (resolution, resolution), from the
    data's ``plane_limits``) and the class ``predict`` gives each of its points (gx.size,),
    ``predicted_classes`` of its output (``cut``: the ``threshold``)."""
    lo, hi = plane_limits(X[:, columns])
    gx, gy = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    points = as_fitted(predict, frame, grid_points(X, columns, gx, gy))
    return gx, gy, predicted_classes(predict(points), gx.size, n_names, cut)


def boundary_panel(ax: Any, grid: tuple[np.ndarray, np.ndarray, np.ndarray], X: np.ndarray,
                   y: np.ndarray, columns: tuple[int, int], names: list[Any],
                   labels: list[str], title: str | None) -> None:
    """Draw the classes predicted over the plane (``grid``: ``decision_regions``'), one
    colour each (``_class_colors``), and the samples of ``X`` on top, coloured by ``y``; a
    ``title`` of None (or "") leaves the Axes' title as it is."""
    from ._plot_marks import _class_colors

    gx, gy, regions = grid
    n_classes = len(names)
    cmap = _class_colors(n_classes)
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(gx, gy, regions.reshape(gx.shape), levels=levels, cmap=cmap, alpha=0.3)
    size = marker_size(len(X))
    for k in range(n_classes):
        mask = y == k
        ax.scatter(X[mask, columns[0]], X[mask, columns[1]], s=size, color=cmap(k),
                   edgecolors="k", linewidths=0.3 if size <= 12 else 0.8,
                   label=f"class {names[k]}")
    ax.set_xlim(gx[0, 0], gx[0, -1])  # linspace's ends: the plane's limits
    ax.set_ylim(gy[0, 0], gy[-1, 0])
    ax.set_xlabel(labels[0])
    ax.set_ylabel(labels[1])
    if title:
        ax.set_title(title)
    ax.legend(loc="best", framealpha=0.8)
