"""What ``nonlin.plots`` draws beside the data: class colours, a confusion matrix's counts,
and a panel of ``plot_history``.

``_class_colors`` is the colour map of a decision boundary's classes: matplotlib's ``tab10``
colours up to ten classes, then up to twenty ``tab20``'s lighter shades of them (class
``k + 10`` a lighter class ``k``: classes 0-9 keep their colours), then as many spread over
``turbo``, one per class (at most 100 are drawn): no two classes share a colour.
``_annotate_cells`` writes each count of a confusion matrix in its cell, up to
``_MOST_ANNOTATED`` classes. ``error_panel`` draws the tutorial's error curve,
``history_panel`` one quantity's training and validation curves, ``confusion_panel`` a
confusion matrix. A ``title`` of None (or "") leaves the Axes' title as it is, as pandas'
``plot(title=None)``; a ``label`` names the run in the legend (several drawn into one Axes
take the colour cycle's next colours; ``""`` leaves it out of the legend, as matplotlib).
All run once matplotlib is imported (``plots.require_matplotlib``).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _class_colors(n_classes: int) -> Any:
    from matplotlib.colors import ListedColormap

    if n_classes > 10:  # distinct colours past tab10's ten
        from matplotlib import colormaps

        if n_classes <= 20:  # tab20 pairs a hue's dark and light: darks (tab10's), then lights
            order = np.r_[0:20:2, 1:20:2][:n_classes]  # classes 0-9 as with ten, k + 10 light
            return ListedColormap(colormaps["tab20"](order))
        return ListedColormap(colormaps["turbo"](np.linspace(0.0, 1.0, n_classes)))
    base = [f"tab:{name}" for name in
            "blue orange green red purple brown pink gray olive cyan".split()]
    return ListedColormap(base[:max(n_classes, 1)])


_MOST_ANNOTATED = 30  # classes; beyond, the counts are illegible (and slow: n * n texts)


def _annotate_cells(ax: Any, matrix: np.ndarray) -> None:
    """Write each count in its cell, white on the darker half of the colour scale."""
    n = matrix.shape[0]
    threshold = matrix.max() / 2
    for i in range(n):
        for j in range(n):
            color = "white" if matrix[i, j] > threshold else "black"
            ax.text(j, i, f"{matrix[i, j]:g}", ha="center", va="center", color=color,
                    fontsize=8 if n > 10 else 11)


_MOST_MARKED = 100  # epochs; a longer curve is drawn without a dot per epoch


def history_panel(ax: Any, name: str, points: dict[str, tuple[np.ndarray, np.ndarray]],
                  finite: bool, title: str | None, run: str | None = None) -> None:
    """Draw ``name``'s training and validation curves (``points``) in ``ax``, or say that
    there is no finite value to draw; ``run`` (``label=``) prefixes their legend entries."""
    from matplotlib.ticker import MaxNLocator

    for key, style, label in ((name, "-", "training"), (f"val_{name}", "--", "validation")):
        if key in points:
            epochs, values = points[key]
            marker = "o" if len(epochs) <= _MOST_MARKED else None  # dots hide long curves
            ax.plot(epochs, values, style, marker=marker, markersize=3,
                    label=label if run is None else f"{run} ({label})" if run else "")
    if not finite:
        ax.text(0.5, 0.5, "no finite values", ha="center", va="center",  # all NaN or inf
                transform=ax.transAxes)
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(name.replace("_", " "))
    if title:
        ax.set_title(f"{title}: {name.replace('_', ' ')}")
    ax.grid(True, alpha=0.3)
    _legend(ax)


def error_panel(ax: Any, errors: np.ndarray, title: str | None, label: str | None) -> None:
    """The tutorial's error curve (one error per step; log scale when one is positive), in
    the colour cycle's next colour (its first: ``tab:blue``)."""
    ax.plot(np.arange(errors.size), errors, linewidth=1.2,
            label="training" if label is None else label)
    ax.set_yscale("log" if np.any(errors > 0) else "linear")  # log needs a positive value
    ax.set_xlabel("training step")
    ax.set_ylabel("mean absolute error")
    if title:
        ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    _legend(ax)


def confusion_panel(ax: Any, matrix: np.ndarray, names: list[str], title: str | None,
                    label: str, colorbar: bool) -> None:
    """A confusion matrix as a heat map, its counts written in up to ``_MOST_ANNOTATED``
    classes, every k-th class labelled beyond."""
    n = matrix.shape[0]
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
    if title:
        ax.set_title(title)


def _legend(ax: Any) -> None:
    """``ax.legend()``, unless nothing in ``ax`` has a label to show (``label=""`` or
    ``"_..."``, matplotlib's unlabelled curves): matplotlib warned "No artists with labels
    found to put in legend"."""
    if ax.get_legend_handles_labels()[0]:
        ax.legend()
