"""Plots, drawn with matplotlib (the ``plot`` extra), imported only when used.

Every function writes a PNG file with a title, axis labels and a legend (or a
colour bar, for the confusion matrix); it returns the path it wrote. A path
ending in the suffix of another format matplotlib writes (``.svg``, ``.pdf``,
``.jpg``, ``.eps``, ``.webp``..., any case: ``_plot_formats``) gets that format
instead. The file is drawn in memory, then replaces ``path`` atomically, as
models are saved: a plot that fails leaves an existing file intact. Figures
are drawn on the non-interactive Agg canvas (matplotlib's backend, ``pyplot``
and rcParams are left alone), so no display is needed, and their pixel size is
fixed (``figsize * 100``): ``savefig`` never crops.

Non-goals: interactive figures, styling options beyond titles.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._atomic import file_path, write_atomic
from ._optional import require
from ._plot_formats import plot_format
from ._plot_inputs import (
    NOT_DRAWN,
    boundary_inputs,
    check_validation_freq,
    curve_points,
    history_dict,
    plane_limits,
    predicted_classes,
)
from ._plot_marks import _MOST_ANNOTATED, _annotate_cells, _class_colors
from ._quoting import quoted

PathLike = str | bytes | os.PathLike[str]


def require_matplotlib() -> Any:
    """Import matplotlib's object-oriented API, or raise ``MissingExtraError`` naming ``plot``."""
    require("matplotlib", "plot", "plotting")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    return Figure, FigureCanvasAgg


def _figure(size: tuple[float, float]) -> Any:
    figure_cls, _ = require_matplotlib()
    return figure_cls(figsize=size)


def _save(fig: Any, path: PathLike) -> str:
    """Draw ``fig`` in memory, then replace ``path`` atomically (``_atomic.write_atomic``):
    a plot that fails midway leaves an existing file as it was."""
    _, canvas_cls = require_matplotlib()
    canvas_cls(fig)
    fig.tight_layout()
    path = file_path(path)  # str, bytes or os.PathLike, as nonlin.save takes
    buffer = io.BytesIO()
    fig.savefig(  # the whole figure, whatever the user's rcParams["savefig.bbox"]
        buffer, format=plot_format(path) or "png", dpi=100,
        bbox_inches=fig.bbox_inches,
    )
    write_atomic(path, buffer.getbuffer())
    return path


def plot_error_curve(errors: Any, path: PathLike, *, title: str = "Tutorial network on XOR") -> str:
    """The tutorial's plot: mean absolute error at every training step (log scale;
    linear when no error is positive, as when every one is 0).

    Parameters
    ----------
    errors : array-like of shape (n_steps,)
    path : where to write the PNG (800 x 500 pixels)
    title : the figure's title
    """
    errors = np.asarray(errors, dtype=float)
    if errors.ndim != 1 or errors.size == 0:
        raise ValueError(
            "Expected at least one error value to plot, in an array of shape (n_steps,). "
            f"Received errors of shape {errors.shape}"
        )
    fig = _figure((8, 5))
    ax = fig.add_subplot()
    ax.plot(np.arange(errors.size), errors, color="tab:blue", linewidth=1.2, label="training")
    ax.set_yscale("log" if np.any(errors > 0) else "linear")  # log needs a positive value
    ax.set_xlabel("training step")
    ax.set_ylabel("mean absolute error")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return _save(fig, path)


_MOST_MARKED = 100  # epochs; a longer curve is drawn without a dot per epoch


def plot_history(history: Any, path: PathLike, *, title: str = "Training curves",
                 validation_freq: int | None = None) -> str:
    """Training and validation loss, and each metric, against the epoch.

    Parameters
    ----------
    history : History or dict
        ``{"loss": [...], "val_loss": [...], "accuracy": [...], ...}``: one value per
        epoch; keys starting with ``val_`` are drawn dashed next to their training twin
        (in a panel of their own when there is none), through their epochs that are not NaN
        (``fit(validation_freq=2)`` validates every other epoch: NaN between);
        the learning rate (``"lr"``, ``"learning_rate"``) is left out. Epochs are
        numbered from 1, or from a History's ``epoch`` list (``fit(initial_epoch=...)``)
        plus 1. Up to 100 epochs, each is marked with a dot. A panel without a finite value says so.
    path : where to write the PNG: 600 x 450 pixels per panel, one panel for the
        loss and one per metric, side by side.
    title : each panel's title starts with it ("Training curves: loss")
    validation_freq : int, optional
        ``fit``'s, for ``val_`` lists shorter than the others (Keras' History lists the
        validated epochs only): drawn at the epochs it validated, its multiples.
    """
    data = history_dict(history)
    freq = check_validation_freq(validation_freq)
    require_matplotlib()
    from matplotlib.ticker import MaxNLocator

    names = ["loss"] + [k for k in data if k != "loss" and k not in NOT_DRAWN
                        and not k.startswith("val_")]
    names += [k[4:] for k, v in data.items() if k.startswith("val_") and v and k[4:] not in data]
    points = {key: curve_points(history, data, key, freq)  # checked before drawing
              for name in names for key in (name, f"val_{name}") if data.get(key)}
    fig = _figure((6 * len(names), 4.5))
    for i, name in enumerate(names):
        ax = fig.add_subplot(1, len(names), i + 1)
        for key, style, label in ((name, "-", "training"), (f"val_{name}", "--", "validation")):
            if key in points:
                epochs, values = points[key]
                marker = "o" if len(epochs) <= _MOST_MARKED else None  # dots hide long curves
                ax.plot(epochs, values, style, marker=marker, markersize=3, label=label)
        if not any(np.isfinite(data.get(key) or []).any() for key in (name, f"val_{name}")):
            ax.text(0.5, 0.5, "no finite values", ha="center", va="center",  # all NaN or inf
                    transform=ax.transAxes)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(name.replace("_", " "))
        ax.set_title(f"{title}: {name.replace('_', ' ')}")
        ax.grid(True, alpha=0.3)
        ax.legend()
    return _save(fig, path)


_MOST_CLASSES = 100  # in a decision boundary; 1000 took 17 s, a label of 10**9 never ended


def _classes_to_draw(n_names: int | None, y: np.ndarray, regions: np.ndarray) -> int:
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


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X: Any,
    y: Any,
    path: PathLike,
    *,
    classes: Sequence[Any] | None = None,
    resolution: int = 200,
    title: str = "Decision boundary",
    feature_names: Sequence[str] = ("x1", "x2"),
) -> str:
    """The classes a 2-D classifier predicts over the plane, with the data on top.

    Parameters
    ----------
    predict : callable
        Maps points of shape (n, 2) to scores of shape (n, n_classes) (the
        predicted class is the arg-max), to probabilities of class 1 of shape
        (n, 1) (a one-output sigmoid classifier: class 1 above 0.5; a value outside
        [0, 1], a logit, is a ``ValueError``) or to class indices of shape (n,).
        Another shape, NaN, or class indices that are not whole numbers >= 0 are a
        ``ValueError``.
    X : array-like of shape (n_samples, 2), finite values within +-1e305
    y : array-like of shape (n_samples,)
        Class indices in ``[0, n_classes)``: integers, or floats holding whole
        numbers; a fractional, negative or non-finite label is a ``ValueError``.
    path : where to write the PNG (700 x 600 pixels)
    classes : names shown in the legend (default ``0 .. n_classes - 1``, the classes
        in ``y`` or predicted, whichever reaches higher); at most 100 classes
    resolution : grid points per axis
    title : the figure's title
    feature_names : the two axis labels
    """
    n_names = None if classes is None else len(classes)
    X, y = boundary_inputs(X, y, resolution, n_names)
    if isinstance(feature_names, str) or len(feature_names) != 2:
        raise ValueError("Expected two feature names. "
                         f"Received: feature_names={quoted(feature_names)}")
    lo, hi = plane_limits(X)
    gx, gy = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    regions = predicted_classes(
        predict(np.column_stack([gx.ravel(), gy.ravel()])), gx.size, n_names
    )
    n_classes = _classes_to_draw(n_names, y, regions)
    names = list(classes) if classes is not None else list(range(n_classes))
    fig = _figure((7, 6))
    ax = fig.add_subplot()
    cmap = _class_colors(n_classes)
    levels = np.arange(n_classes + 1) - 0.5
    ax.contourf(gx, gy, regions.reshape(gx.shape), levels=levels, cmap=cmap, alpha=0.3)
    for k in range(n_classes):
        mask = y == k
        ax.scatter(
            X[mask, 0],
            X[mask, 1],
            s=12,
            color=cmap(k),
            edgecolors="k",
            linewidths=0.3,
            label=f"class {names[k]}",
        )
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])
    ax.set_title(title)
    ax.legend(loc="best", framealpha=0.8)
    return _save(fig, path)


def plot_confusion_matrix(
    matrix: Any,
    path: PathLike,
    *,
    classes: Sequence[Any] | None = None,
    title: str = "Confusion matrix",
    label: str = "samples",
) -> str:
    """Counts of (true class, predicted class) pairs as an annotated heat map.

    Parameters
    ----------
    matrix : array-like of shape (n_classes, n_classes)
        ``matrix[i, j]`` counts samples of true class ``i`` predicted as ``j`` (or sums
        their weights: give ``label``).
    path : where to write the PNG (700 x 600 pixels; 900 x 800 above 10 classes)
    classes : tick labels, one per class (default ``0 .. n_classes - 1``). Above 30
        classes the cells carry no counts (the colour bar reads them) and every
        k-th class is labelled, so that the labels stay legible.
    title : the figure's title
    label : what a cell holds, the colour bar's label: ``"samples"`` (counts), or
        ``"sum of weights"`` for a matrix of summed sample weights
    """
    matrix = np.asarray(matrix)
    if matrix.dtype.kind not in "biuf":  # text or objects: matplotlib's "Image data of dtype"
        raise TypeError(f"Expected a real numeric matrix. Received dtype {matrix.dtype}")
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"Expected a square matrix. Received shape {matrix.shape}")
    if matrix.size == 0:
        raise ValueError(
            f"Expected a square matrix of at least one class. Received shape {matrix.shape}"
        )
    n = matrix.shape[0]
    names = [str(c) for c in (classes if classes is not None else range(n))]
    if len(names) != n:
        raise ValueError(
            f"Expected {n} class names, one per row of the matrix. "
            f"Received {len(names)}: classes={quoted(names, 200)}"
        )
    fig = _figure((9, 8) if n > 10 else (7, 6))
    ax = fig.add_subplot()
    image = ax.imshow(matrix, cmap="Blues", interpolation="nearest")
    fig.colorbar(image, ax=ax, label=label)
    if n <= _MOST_ANNOTATED:
        _annotate_cells(ax, matrix)
    ticks = range(0, n, -(-n // _MOST_ANNOTATED))  # every class up to 30, then every k-th
    shown = [names[k] for k in ticks]
    ax.set_xticks(ticks, shown, rotation=45 if sum(map(len, shown)) > 40 else 0)
    ax.set_yticks(ticks, shown)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    return _save(fig, path)
