"""Plots, drawn with matplotlib (the ``plot`` extra), imported only when used.

Every function writes a PNG file with a title, axis labels and, where there is
more than one series, a legend; it returns the path it wrote. Figures are
drawn on the non-interactive Agg canvas, so no display is needed.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from ._optional import require


def require_matplotlib() -> Any:
    """Import matplotlib's object-oriented API, or raise ``MissingExtraError`` naming ``plot``."""
    require("matplotlib", "plot", "plotting")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    return Figure, FigureCanvasAgg


def _save(fig: Any, path: str | os.PathLike[str]) -> str:
    _, canvas_cls = require_matplotlib()
    canvas_cls(fig)
    fig.tight_layout()
    fig.savefig(os.fspath(path), format="png", dpi=100)
    return os.fspath(path)


def plot_error_curve(
    errors: Any, path: str | os.PathLike[str], *, title: str = "Tutorial network on XOR"
) -> str:
    """The tutorial's plot: mean absolute error at every training step (log scale).

    Parameters
    ----------
    errors : array-like of shape (n_steps,)
    path : where to write the PNG (800 x 500 pixels)
    """
    errors = np.asarray(errors, dtype=float)
    figure_cls, _ = require_matplotlib()
    fig = figure_cls(figsize=(8, 5))
    ax = fig.add_subplot()
    ax.plot(np.arange(errors.size), errors, color="tab:blue", linewidth=1.2)
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("mean absolute error")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    return _save(fig, path)
