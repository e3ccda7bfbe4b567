"""Plots, drawn with matplotlib (the ``plot`` extra), imported only when used.

Each function draws with a title, axis labels and a legend (or a colour bar, for the
confusion matrix), and, as scikit-learn's displays and pandas' ``plot`` do:

- ``path`` given: writes the figure there and returns the path (str). A path ending in
  the suffix of another format matplotlib writes (``.svg``, ``.pdf``, ``.jpg``, ``.eps``,
  ``.webp``..., any case: ``_plot_formats``) gets that format instead of PNG. The file is
  drawn in memory, then replaces ``path`` atomically, as models are saved: a plot that
  fails leaves an existing file intact. The figure is nonlin's own, on the
  non-interactive Agg canvas without ``pyplot``: nothing is shown, no figure stays open
  however often it runs, and its pixel size is fixed (``figsize * 100``).
- no ``path``: draws on a new ``pyplot`` figure, shown inline once in a notebook (or by
  ``plt.show()`` in a script), and returns its Axes to adjust or save.
- ``ax=``: draws into the user's matplotlib Axes (a list of them for ``plot_history``'s
  panels) and returns them; with ``path`` too, the figure they are in is written there.

matplotlib's backend, ``pyplot``'s state and rcParams are never changed, and ``show`` is
never called (``_plot_canvas``). Non-goals: interactive figures, styling options beyond
titles and labels (adjust the returned Axes).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._plot_boundary import (
    as_fitted,
    check_threshold,
    classes_to_draw,
    grid_points,
    marker_size,
    plane_axes,
)
from ._plot_canvas import check_where, render, require_matplotlib, tighten, write_figure
from ._plot_inputs import (
    NOT_DRAWN,
    boundary_inputs,
    check_validation_freq,
    confusion_inputs,
    curve_points,
    history_dict,
    plane_limits,
    predicted_classes,
)
from ._plot_marks import _MOST_ANNOTATED, _annotate_cells, _class_colors, history_panel

PathLike = str | bytes | os.PathLike[str]


def _save(fig: Any, path: PathLike) -> str:
    """Write a figure of nonlin's own (made for ``path``, without pyplot) there: on the Agg
    canvas, its layout tightened (``_plot_canvas.write_figure``)."""
    _, canvas_cls = require_matplotlib()
    canvas_cls(fig)
    tighten(fig)
    return write_figure(fig, path)


def plot_error_curve(errors: Any, path: PathLike | None = None, *,
                     title: str = "Tutorial network on XOR", ax: Any = None) -> Any:
    """The tutorial's plot: mean absolute error at every training step (log scale;
    linear when no error is positive, as when every one is 0).

    Parameters
    ----------
    errors : array-like of shape (n_steps,)
    path : str or os.PathLike, optional
        Where to write the figure (a PNG of 800 x 500 pixels, or the format the suffix
        names). None: drawn on a new pyplot figure (shown inline in a notebook).
    title : the Axes' title
    ax : matplotlib Axes, optional
        Draw into it (its figure keeps its size); with ``path`` its figure is written.

    Returns
    -------
    str or matplotlib Axes
        The path written (str) when ``path`` is given, else the Axes drawn on.
    """
    errors = np.asarray(errors, dtype=float)
    if errors.ndim != 1 or errors.size == 0:
        raise ValueError(
            "Expected at least one error value to plot, in an array of shape (n_steps,). "
            f"Received errors of shape {errors.shape}"
        )

    def draw(axes: list[Any]) -> None:
        ax = axes[0]
        ax.plot(np.arange(errors.size), errors, color="tab:blue", linewidth=1.2,
                label="training")
        ax.set_yscale("log" if np.any(errors > 0) else "linear")  # log needs a positive value
        ax.set_xlabel("training step")
        ax.set_ylabel("mean absolute error")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()

    return render(draw, ax=ax, path=path, size=(8, 5), panels=["errors"], save=_save)


def plot_history(history: Any, path: PathLike | None = None, *, title: str = "Training curves",
                 validation_freq: int | None = None, ax: Any = None) -> Any:
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
    path : str or os.PathLike, optional
        Where to write the figure: 600 x 450 pixels per panel, one panel for the loss
        and one per metric, side by side. None: drawn on a new pyplot figure (shown
        inline in a notebook).
    title : each panel's title starts with it ("Training curves: loss")
    validation_freq : int, optional
        ``fit``'s, for ``val_`` lists shorter than the others (Keras' History lists the
        validated epochs only): drawn at the epochs it validated, its multiples.
    ax : matplotlib Axes or sequence of Axes, optional
        One Axes per panel, in order (loss first; an Axes alone for a history of the
        loss only): drawn into (their figure keeps its size); with ``path`` their figure
        is written.

    Returns
    -------
    str or numpy.ndarray of matplotlib Axes
        The path written (str) when ``path`` is given, else the Axes drawn on, one per
        panel (shape ``(n_panels,)``, as ``plt.subplots(1, n_panels)`` gives them).
    """
    data = history_dict(history)
    freq = check_validation_freq(validation_freq)
    names = ["loss"] + [k for k in data if k != "loss" and k not in NOT_DRAWN
                        and not k.startswith("val_")]
    names += [k[4:] for k, v in data.items() if k.startswith("val_") and v and k[4:] not in data]
    points = {key: curve_points(history, data, key, freq)  # checked before drawing
              for name in names for key in (name, f"val_{name}") if data.get(key)}

    def draw(axes: list[Any]) -> None:
        for ax, name in zip(axes, names, strict=True):
            finite = any(np.isfinite(data.get(key) or []).any() for key in (name, f"val_{name}"))
            history_panel(ax, name, points, finite, title)

    return render(draw, ax=ax, path=path, size=(6 * len(names), 4.5), panels=names,
                  save=_save, many=True)


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X: Any,
    y: Any,
    path: PathLike | None = None,
    *,
    classes: Sequence[Any] | None = None,
    resolution: int = 200,
    title: str = "Decision boundary",
    feature_names: Sequence[str] | None = None,
    features: Sequence[int] | None = None,
    threshold: float | None = None,
    ax: Any = None,
) -> Any:
    """The classes a classifier predicts over a plane of two features, with the data on top.

    Parameters
    ----------
    predict : callable
        Maps points of shape (n, n_features) (an array; a DataFrame of ``X``'s columns for
        the method of a model fitted on them) to scores (n, n_classes) (the arg-max is the
        class), to one column (n, 1) (probabilities of class 1, a one-output sigmoid
        classifier, class 1 above 0.5: a value outside [0, 1] is a ``ValueError``; or, given
        ``threshold``, any score, class 1 above it) or to class indices of shape (n,).
        Another shape, NaN, or class indices that are not whole numbers >= 0: ``ValueError``.
    X : array-like of shape (n_samples, n_features >= 2), finite values within +-1e305
        Two columns, or more: ``features`` picks the two drawn; without it, all but two
        must be constant (``datasets.xor()``'s bias column of ones). The other columns
        are held at their median over ``X`` (``_plot_boundary``).
    y : array-like of shape (n_samples,) or (n_samples, 1)
        Class indices in ``[0, n_classes)``: integers, or floats holding whole
        numbers; a fractional, negative or non-finite label is a ``ValueError``.
    path : str or os.PathLike, optional
        Where to write the figure (a PNG of 700 x 600 pixels, or the format the suffix
        names). None: drawn on a new pyplot figure (shown inline in a notebook).
    classes : names shown in the legend (default ``0 .. n_classes - 1``, the classes
        in ``y`` or predicted, whichever reaches higher); at most 100 classes
    resolution : grid points per axis
    title : the Axes' title
    feature_names : sequence of str, optional
        One name per column of ``X``, or the two axis labels (default: a DataFrame's column
        names, else ``x{i + 1}`` of each column drawn: ``x1``, ``x2``).
    features : (int, int) or (str, str), optional
        The columns of ``X`` on the horizontal and vertical axes (a DataFrame's by name).
    threshold : float, optional
        For a one-column ``predict``: class 1 where it is above this (0 for logits, a
        model without its Sigmoid; 0.5 for a linear output fit to 0 and 1).
    ax : matplotlib Axes, optional
        Draw into it (its figure keeps its size); with ``path`` its figure is written.

    Returns
    -------
    str or matplotlib Axes
        The path written (str) when ``path`` is given, else the Axes drawn on.
    """
    n_names = None if classes is None else len(classes)
    frame, (X, y) = X, boundary_inputs(X, y, resolution, n_names)  # a DataFrame's names too
    columns, labels = plane_axes(X, frame, features, feature_names)
    cut = check_threshold(threshold)
    check_where(ax, path, ["boundary"])  # before predict is asked about the grid
    lo, hi = plane_limits(X[:, columns])
    gx, gy = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    points = as_fitted(predict, frame, grid_points(X, columns, gx, gy))
    regions = predicted_classes(predict(points), gx.size, n_names, cut)
    n_classes = classes_to_draw(n_names, y, regions)
    names = list(classes) if classes is not None else list(range(n_classes))

    def draw(axes: list[Any]) -> None:
        ax = axes[0]
        cmap = _class_colors(n_classes)
        levels = np.arange(n_classes + 1) - 0.5
        ax.contourf(gx, gy, regions.reshape(gx.shape), levels=levels, cmap=cmap, alpha=0.3)
        size = marker_size(len(X))
        for k in range(n_classes):
            mask = y == k
            ax.scatter(X[mask, columns[0]], X[mask, columns[1]], s=size, color=cmap(k),
                       edgecolors="k", linewidths=0.3 if size <= 12 else 0.8,
                       label=f"class {names[k]}")
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        ax.set_xlabel(labels[0])
        ax.set_ylabel(labels[1])
        ax.set_title(title)
        ax.legend(loc="best", framealpha=0.8)

    return render(draw, ax=ax, path=path, size=(7, 6), panels=["boundary"], save=_save)


def plot_confusion_matrix(
    matrix: Any,
    path: PathLike | None = None,
    *,
    classes: Sequence[Any] | None = None,
    title: str = "Confusion matrix",
    label: str = "samples",
    colorbar: bool = True,
    ax: Any = None,
) -> Any:
    """Counts of (true class, predicted class) pairs as an annotated heat map.

    Parameters
    ----------
    matrix : array-like of shape (n_classes, n_classes)
        ``matrix[i, j]`` counts samples of true class ``i`` predicted as ``j`` (or sums
        their weights: give ``label``).
    path : str or os.PathLike, optional
        Where to write the figure (a PNG of 700 x 600 pixels, 900 x 800 above 10 classes,
        or the format the suffix names). None: drawn on a new pyplot figure (shown inline
        in a notebook).
    classes : tick labels, one per class (default ``0 .. n_classes - 1``). Above 30
        classes the cells carry no counts (the colour bar reads them) and every
        k-th class is labelled, so that the labels stay legible.
    title : the Axes' title
    label : what a cell holds, the colour bar's label: ``"samples"`` (counts), or
        ``"sum of weights"`` for a matrix of summed sample weights
    colorbar : whether to draw the colour bar (beside the Axes, taking from its room)
    ax : matplotlib Axes, optional
        Draw into it (its figure keeps its size); with ``path`` its figure is written.

    Returns
    -------
    str or matplotlib Axes
        The path written (str) when ``path`` is given, else the Axes drawn on.
    """
    matrix, names = confusion_inputs(matrix, classes)
    n = matrix.shape[0]

    def draw(axes: list[Any]) -> None:
        ax = axes[0]
        image = ax.imshow(matrix, cmap="Blues", interpolation="nearest")
        if colorbar:
            ax.figure.colorbar(image, ax=ax, label=label)
        if n <= _MOST_ANNOTATED:
            _annotate_cells(ax, matrix)
        ticks = range(0, n, -(-n // _MOST_ANNOTATED))  # every class up to 30, then every k-th
        shown = [names[k] for k in ticks]
        ax.set_xticks(ticks, shown, rotation=45 if sum(map(len, shown)) > 40 else 0)
        ax.set_yticks(ticks, shown)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.set_title(title)

    return render(draw, ax=ax, path=path, size=(9, 8) if n > 10 else (7, 6),
                  panels=["confusion matrix"], save=_save)
