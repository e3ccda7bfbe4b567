"""Plots, drawn with matplotlib (the ``plot`` extra), imported only when used.

Each function draws with a title, axis labels and a legend (or a colour bar, for the
confusion matrix), and, as scikit-learn's displays and pandas' ``plot`` do:

- ``path`` given: writes the figure there and returns the path (str). A path ending in
  the suffix of another format matplotlib writes (``.svg``, ``.pdf``, ``.jpg``, ``.eps``,
  ``.webp``..., any case: ``_plot_formats``) gets that format instead of PNG. The file is
  drawn in memory, then replaces ``path`` atomically, as models are saved: a plot that
  fails leaves an existing file intact. The figure is nonlin's own, on the
  non-interactive Agg canvas without ``pyplot``: nothing is shown, no figure stays open
  however often it runs, and its pixel size is fixed (``figsize * 100``, or ``* dpi``).
- no ``path``: draws on a new ``pyplot`` figure, shown inline once in a notebook (or by
  ``plt.show()`` in a script), and returns its Axes to adjust or save.
- ``ax=``: draws into the user's matplotlib Axes (a list of them for ``plot_history``'s
  panels) and returns them; with ``path`` too, the figure they are in is written there, at
  the dots per inch ``fig.savefig(path)`` writes it at (``rcParams["savefig.dpi"]``).

``dpi=`` writes the file at that resolution (nonlin's figure: ``figsize * dpi`` pixels).
``title=None`` draws no title (the Axes' own is kept). The overloads, for type checkers,
name matplotlib's ``Axes`` (imported for them only); the functions' own hints say ``Any``,
so that ``typing.get_type_hints`` resolves them without matplotlib.

matplotlib's backend, ``pyplot``'s state and rcParams are never changed, and ``show`` is
never called (``_plot_canvas``). Non-goals: interactive figures, styling options beyond
titles and labels (adjust the returned Axes).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._plot_boundary import (
    boundary_panel,
    check_threshold,
    classes_to_draw,
    decision_regions,
    plane_axes,
)
from ._plot_canvas import check_dpi, check_where, render, require_matplotlib, tighten, write_figure
from ._plot_inputs import boundary_inputs, check_text, confusion_inputs, history_curves
from ._plot_marks import confusion_panel, error_panel, history_panel
from .validation import check_bool

if TYPE_CHECKING:
    from matplotlib.axes import Axes

PathLike = str | bytes | os.PathLike[str]


def _save(fig: Any, path: PathLike) -> str:
    """Write a figure of nonlin's own (made for ``path``, without pyplot) there: on the Agg
    canvas, its layout tightened (``_plot_canvas.write_figure``)."""
    _, canvas_cls = require_matplotlib()
    canvas_cls(fig)
    tighten(fig)
    return write_figure(fig, path)


@overload
def plot_error_curve(errors: ArrayLike, path: None = None, *, title: str | None = ...,
                     label: str | None = ..., ax: Axes | None = ..., dpi: None = ...) -> Axes: ...
@overload
def plot_error_curve(errors: ArrayLike, path: PathLike, *, title: str | None = ...,
                     label: str | None = ..., ax: Axes | None = ...,
                     dpi: float | None = ...) -> str: ...
def plot_error_curve(errors: Any, path: PathLike | None = None, *,
                     title: str | None = "Tutorial network on XOR", label: str | None = None,
                     ax: Any = None, dpi: float | None = None) -> Any:
    """The tutorial's plot: mean absolute error at every training step (log scale;
    linear when no error is positive, as when every one is 0).

    Parameters
    ----------
    errors : array-like of shape (n_steps,)
    path : str or os.PathLike, optional
        Where to write the figure (a PNG of 800 x 500 pixels, or the format the suffix
        names). None: drawn on a new pyplot figure (shown inline in a notebook).
    title : the Axes' title (None: none)
    label : the curve's legend entry (default ``"training"``; ``""``: none): a run's name,
        to draw several into one ``ax``
    ax : matplotlib Axes, optional
        Draw into it (its figure keeps its size); with ``path`` its figure is written.
    dpi : float, optional
        With ``path``: the file's dots per inch (default: 100 for nonlin's figure;
        the user's as ``fig.savefig(path)``).

    Returns
    -------
    str or matplotlib Axes
        The path written (str) when ``path`` is given, else the Axes drawn on.
    """
    label = check_text("label", label)
    errors = np.asarray(errors, dtype=float)
    if errors.ndim != 1 or errors.size == 0:
        raise ValueError(
            "Expected at least one error value to plot, in an array of shape (n_steps,). "
            f"Received errors of shape {errors.shape}"
        )
    return render(lambda axes: error_panel(axes[0], errors, title, label), ax=ax, path=path,
                  size=(8, 5), panels=["errors"], save=_save, dpi=dpi)


@overload
def plot_history(history: Any, path: None = None, *, title: str | None = ...,
                 validation_freq: int | None = ..., label: str | None = ...,
                 ax: Axes | Sequence[Axes] | NDArray[Any] | None = ...,
                 dpi: None = ...) -> NDArray[np.object_]: ...
@overload
def plot_history(history: Any, path: PathLike, *, title: str | None = ...,
                 validation_freq: int | None = ..., label: str | None = ...,
                 ax: Axes | Sequence[Axes] | NDArray[Any] | None = ...,
                 dpi: float | None = ...) -> str: ...
def plot_history(history: Any, path: PathLike | None = None, *,
                 title: str | None = "Training curves", validation_freq: int | None = None,
                 label: str | None = None, ax: Any = None, dpi: float | None = None) -> Any:
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
        Where to write the figure: 600 x 450 pixels per panel, one for the loss and one
        per metric, side by side in rows of at most 4. None: a new pyplot figure (shown
        inline in a notebook).
    title : each panel's title starts with it ("Training curves: loss"; None: no title)
    validation_freq : int, optional
        ``fit``'s, for ``val_`` lists shorter than the others (Keras' History lists the
        validated epochs only): drawn at the epochs it validated, its multiples.
    label : a run's name, to draw several into the same ``ax``: the legend reads
        ``"lr=0.1 (training)"``, ``"lr=0.1 (validation)"`` (default ``"training"``,
        ``"validation"``; ``""``: none)
    ax : matplotlib Axes or sequence of Axes, optional
        One Axes per panel, in order (loss first; an Axes alone for a history of the
        loss only): drawn into (their figure keeps its size); with ``path`` their figure
        is written.
    dpi : float, optional
        With ``path``: the file's dots per inch (default: 100 for nonlin's figure;
        the user's as ``fig.savefig(path)``).

    Returns
    -------
    str or numpy.ndarray of matplotlib Axes
        The path written (str) when ``path`` is given, else the Axes drawn on, one per
        panel (shape ``(n_panels,)``, as ``plt.subplots(1, n_panels)`` gives them).
    """
    data, names, points = history_curves(history, validation_freq)  # checked before drawing
    label = check_text("label", label)

    def draw(axes: list[Any]) -> None:
        for ax, name in zip(axes, names, strict=True):
            finite = any(np.isfinite(data.get(key) or []).any() for key in (name, f"val_{name}"))
            history_panel(ax, name, points, finite, title, label)

    return render(draw, ax=ax, path=path, size=(6 * len(names), 4.5), panels=names,
                  save=_save, many=True, dpi=dpi)


@overload
def plot_decision_boundary(
    predict: Callable[[Any], Any], X: Any, y: Any, path: None = None, *,
    classes: Sequence[Any] | None = ..., resolution: int = ..., title: str | None = ...,
    feature_names: Sequence[str] | None = ..., features: Sequence[int | str] | None = ...,
    threshold: float | None = ..., ax: Axes | None = ..., dpi: None = ...) -> Axes: ...
@overload
def plot_decision_boundary(
    predict: Callable[[Any], Any], X: Any, y: Any, path: PathLike, *,
    classes: Sequence[Any] | None = ..., resolution: int = ..., title: str | None = ...,
    feature_names: Sequence[str] | None = ..., features: Sequence[int | str] | None = ...,
    threshold: float | None = ..., ax: Axes | None = ..., dpi: float | None = ...) -> str: ...
def plot_decision_boundary(
    predict: Callable[[Any], Any], X: Any, y: Any, path: PathLike | None = None, *,
    classes: Sequence[Any] | None = None, resolution: int = 200,
    title: str | None = "Decision boundary", feature_names: Sequence[str] | None = None,
    features: Sequence[int | str] | None = None, threshold: float | None = None,
    ax: Any = None, dpi: float | None = None,
) -> Any:
    """The classes a classifier predicts over a plane of two features, with the data on top.

    Parameters
    ----------
    predict : callable
        Maps points of shape (n, n_features) (an array; a DataFrame of ``X``'s columns for
        the method of a model fitted on them) to scores (n, n_classes) (the arg-max is the
        class), to one column (n, 1) (probabilities of class 1, a one-output sigmoid
        classifier, class 1 above 0.5: a value outside [0, 1] is a ``ValueError``; or, given
        ``threshold``, any score, class 1 above it, also of shape (n,), as a binary
        classifier's ``decision_function``) or to class indices of shape (n,).
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
    title : the Axes' title (None: none)
    feature_names : sequence of str, optional
        One name per column of ``X``, or the two axis labels (default: a DataFrame's column
        names, else ``x{i + 1}`` of each column drawn: ``x1``, ``x2``).
    features : (int, int) or (str, str), optional
        The columns of ``X`` on the horizontal and vertical axes (a DataFrame's by name).
    threshold : float, optional
        For a ``predict`` of one score per point, (n, 1) or (n,): class 1 where it is
        above this (0 for logits, a model without its Sigmoid, or ``decision_function``;
        0.5 for a linear output fit to 0 and 1).
    ax : matplotlib Axes, optional
        Draw into it (its figure keeps its size); with ``path`` its figure is written.
    dpi : float, optional
        With ``path``: the file's dots per inch (default: 100 for nonlin's figure;
        the user's as ``fig.savefig(path)``).

    Returns
    -------
    str or matplotlib Axes
        The path written (str) when ``path`` is given, else the Axes drawn on.
    """
    n_names = None if classes is None else len(classes)
    frame, (X, y) = X, boundary_inputs(X, y, resolution, n_names)  # a DataFrame's names too
    columns, labels = plane_axes(X, frame, features, feature_names)
    cut = check_threshold(threshold)
    check_where(ax, path, ["boundary"]), check_dpi(dpi, path)  # before predict is asked
    gx, gy, regions = decision_regions(predict, X, frame, columns, resolution, n_names, cut)
    n_classes = classes_to_draw(n_names, y, regions)
    names = list(classes) if classes is not None else list(range(n_classes))
    return render(lambda axes: boundary_panel(axes[0], (gx, gy, regions), X, y, columns,
                                              names, labels, title),
                  ax=ax, path=path, size=(7, 6), panels=["boundary"], save=_save, dpi=dpi)


@overload
def plot_confusion_matrix(
    matrix: ArrayLike, path: None = None, *, classes: Sequence[Any] | None = ...,
    title: str | None = ..., label: str = ..., colorbar: bool = ..., ax: Axes | None = ...,
    dpi: None = ...) -> Axes: ...
@overload
def plot_confusion_matrix(
    matrix: ArrayLike, path: PathLike, *, classes: Sequence[Any] | None = ...,
    title: str | None = ..., label: str = ..., colorbar: bool = ..., ax: Axes | None = ...,
    dpi: float | None = ...) -> str: ...
def plot_confusion_matrix(
    matrix: Any, path: PathLike | None = None, *, classes: Sequence[Any] | None = None,
    title: str | None = "Confusion matrix", label: str = "samples", colorbar: bool = True,
    ax: Any = None, dpi: float | None = None,
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
    title : the Axes' title (None: none)
    label : what a cell holds, the colour bar's label: ``"samples"`` (counts), or
        ``"sum of weights"`` for a matrix of summed sample weights
    colorbar : bool
        Whether to draw the colour bar (beside the Axes, taking from its room); another
        value than True or False is a ``TypeError``.
    ax : matplotlib Axes, optional
        Draw into it (its figure keeps its size); with ``path`` its figure is written.
    dpi : float, optional
        With ``path``: the file's dots per inch (default: 100 for nonlin's figure;
        the user's as ``fig.savefig(path)``).

    Returns
    -------
    str or matplotlib Axes
        The path written (str) when ``path`` is given, else the Axes drawn on.
    """
    matrix, names = confusion_inputs(matrix, classes)
    colorbar = check_bool("colorbar", colorbar)
    return render(lambda axes: confusion_panel(axes[0], matrix, names, title, label, colorbar),
                  ax=ax, path=path, size=(9, 8) if len(names) > 10 else (7, 6),
                  panels=["confusion matrix"], save=_save, dpi=dpi)
