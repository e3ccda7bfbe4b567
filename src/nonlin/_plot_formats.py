"""Which file formats ``nonlin.plots`` writes: the one a path's suffix names.

A plot is written in the format its path's suffix names, among those matplotlib's
canvas writes (``FigureCanvasBase.get_supported_filetypes``: ``png``, ``svg``,
``pdf``, ``jpg``, ``eps``, ``webp``...; ``pgf`` is left out: it needs LaTeX). A
path without a suffix gets a PNG. The command line refuses any other suffix
before any work (``x.abc``); ``nonlin.plots`` called from Python writes a PNG there.
"""

from __future__ import annotations

import os
from typing import Any

_NEEDS_LATEX = ("pgf",)


def plot_formats() -> list[str]:
    """The suffixes (lower case, no dot) of the formats matplotlib writes here, sorted."""
    from matplotlib.backend_bases import FigureCanvasBase

    types = FigureCanvasBase.get_supported_filetypes()
    return sorted(name for name in types if name not in _NEEDS_LATEX)


def plot_format(path: Any) -> str | None:
    """The format of a plot written to ``path`` (str): its suffix, lower case, when
    matplotlib writes it; ``"png"`` without a suffix; None for any other suffix."""
    suffix = os.path.splitext(os.fsdecode(path))[1][1:].lower()
    if not suffix:
        return "png"
    return suffix if suffix in plot_formats() else None
