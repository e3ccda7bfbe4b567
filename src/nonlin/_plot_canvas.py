"""Where ``nonlin.plots`` draws, and what each plot returns (``render``).

Three cases, as scikit-learn's displays (``DecisionBoundaryDisplay.from_estimator(...,
ax=)``) and pandas' ``plot(ax=)`` take them:

- ``path`` given, no ``ax``: a figure of nonlin's own, made without ``pyplot`` and drawn
  on the non-interactive Agg canvas, written to ``path`` and dropped: nothing is shown,
  no figure stays open however many are written, the user's backend is never touched;
  the path (str) is returned, as before ``ax`` existed.
- no ``path``, no ``ax``: a new ``pyplot`` figure in the user's backend, its layout
  tightened; its Axes are returned (as pandas and seaborn do). In a notebook the backend
  shows it once at the end of the cell (an Axes' repr is text, so a cell ending in the
  call does not show it a second time); in a script ``plt.show()`` opens it. nonlin never
  calls ``show`` nor picks a backend.
- ``ax`` given: drawn into the user's Axes (one per panel), whose figure keeps its size
  and layout; they are returned, or, with ``path`` too, the whole figure they are in is
  written there and the path returned.

nonlin's own figure is made and written at 100 dots per inch (``figsize * 100`` pixels,
the sizes the docstrings give, whatever the user's rcParams); the user's is written at
the dpi ``fig.savefig(path)`` writes it at (``rcParams["savefig.dpi"]``: by default
``"figure"``, its own); ``dpi=`` (Keras' ``plot_model(dpi=)``) writes either at that, the
user's figure itself unchanged (``check_dpi``: only with ``path``, nothing else is
written; ``_check_pixels``: under matplotlib's 2**16 pixels on a side).

``check_where`` checks ``ax`` and ``path`` before anything is drawn: each Axes a plane (not
3-D nor polar) in a figure, none twice, all in one figure when that figure is written.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._atomic import file_path, write_atomic
from ._optional import require
from ._plot_formats import plot_format
from ._quoting import quoted


def require_matplotlib() -> Any:
    """Import matplotlib's object-oriented API, or raise ``MissingExtraError`` naming ``plot``."""
    require("matplotlib", "plot", "plotting")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    return Figure, FigureCanvasAgg


def write_figure(fig: Any, path: Any, dpi: float | str | None = "figure") -> str:
    """Draw the whole of ``fig`` in memory (at ``dpi``: the figure's own, ``figsize * dpi``
    pixels, by default; None: the user's ``rcParams["savefig.dpi"]``, as ``fig.savefig``;
    whatever the user's ``rcParams["savefig.bbox"]``), in the format ``path``'s suffix
    names, then replace ``path`` atomically (``_atomic.write_atomic``): a plot that fails
    midway leaves an existing file as it was. Returns the path as a str."""
    path = file_path(path)  # str, bytes or os.PathLike, as nonlin.save takes
    buffer = io.BytesIO()
    fig.savefig(buffer, format=plot_format(path) or "png", dpi=dpi, bbox_inches=fig.bbox_inches)
    write_atomic(path, buffer.getbuffer())
    return path


def tighten(fig: Any) -> None:
    """``fig.tight_layout()``, unless the figure has a layout engine of its own (the user's
    ``rcParams["figure.constrained_layout.use"]`` or ``"figure.autolayout"``), which lays it
    out when drawn: tight layout over constrained warned, and failed once a colour bar was
    drawn ("Colorbar layout of new layout engine not compatible")."""
    if getattr(fig, "get_layout_engine", lambda: None)() is None:  # matplotlib >= 3.6
        fig.tight_layout()


def user_axes(ax: Any, panels: Sequence[str]) -> list[Any]:
    """``ax`` as a list of ``len(panels)`` matplotlib Axes: one Axes, or a list, tuple or
    array of them (``plt.subplots(1, 2)[1]``), each a plane in a figure (``_check_axes``);
    a TypeError or ValueError naming it."""
    from matplotlib.axes import Axes

    n = len(panels)
    axes = ([ax] if isinstance(ax, Axes) else list(np.ravel(np.array(ax, dtype=object)))
            if isinstance(ax, list | tuple | np.ndarray) else None)
    if axes is None or not all(isinstance(a, Axes) for a in axes):
        many = f", or a sequence of {n} (one per panel)" if n > 1 else ""
        raise TypeError(f"Expected ax as a matplotlib Axes{many}. Received: ax={quoted(ax, 200)}")
    if len(axes) != n:
        raise ValueError(
            f"Expected {n} Axes for ax, one per panel ({', '.join(panels)}). "
            f"Received {len(axes)}")
    _check_axes(axes, panels)
    return axes


def _check_axes(axes: list[Any], panels: Sequence[str]) -> None:
    """Each Axes a plane (a 3-D Axes fails midway, matplotlib's ``Axes3D.text`` taking other
    arguments; a polar one wraps the data round a circle), in a figure (``ax.remove()``
    leaves none), and each once (two panels in one Axes draw over each other)."""
    for a in axes:
        if a.figure is None:
            raise ValueError(f"Expected ax as a matplotlib Axes in a figure. Received ax="
                             f"{quoted(a, 120)}, removed from its figure")
        if getattr(a, "name", "rectilinear") != "rectilinear":
            raise ValueError(f"Expected ax as a matplotlib Axes of a plane (rectilinear). "
                             f"Received ax={quoted(a, 120)}, a {a.name} Axes")
    if len({id(a) for a in axes}) != len(axes):
        raise ValueError(f"Expected {len(axes)} different Axes for ax, one per panel "
                         f"({', '.join(panels)}). Received the same Axes twice")


def check_where(ax: Any, path: Any, panels: Sequence[str]) -> list[Any] | None:
    """Check where a plot goes before anything is drawn (nor ``predict`` asked): ``path``
    None or a file path (``_atomic.file_path``); ``ax`` None or the Axes, one per panel
    (``user_axes``), returned; with ``path`` too, all in one figure, the one written."""
    require_matplotlib()
    if path is not None:
        file_path(path)
    if ax is None:
        return None
    axes = user_axes(ax, panels)
    figures = {id(a.figure.figure) for a in axes}  # the root figure of each (subfigures)
    if path is not None and len(figures) > 1:
        raise ValueError("Expected Axes of one figure for ax with a path (the figure "
                         f"written). Received Axes of {len(figures)} figures")
    return axes


def check_dpi(dpi: Any, path: Any) -> float | None:
    """None, or, with a ``path``, a finite number > 0 (not a bool) as a float."""
    if dpi is None:
        return None
    number = (isinstance(dpi, int | float | np.integer | np.floating)
              and not isinstance(dpi, bool | np.bool_))
    value = (math.nan if not number else math.inf if isinstance(dpi, int) and abs(dpi) > 10**300
             else float(dpi))  # 10**400: refused, no OverflowError
    if not 0 < value < math.inf:
        raise ValueError("Expected dpi as a number > 0 (dots per inch of the file written) "
                         f"or None. Received: dpi={quoted(dpi)}")
    if path is None:
        raise ValueError(f"Expected dpi with a path (the file written at that resolution). "
                         f"Received: dpi={quoted(dpi)} without one: a figure drawn, not "
                         "written, keeps its own (plt.figure(dpi=...))")
    return value


_MOST_PIXELS = 2**16  # matplotlib's most pixels on a side (Agg); more is not drawn


def _check_pixels(fig: Any, dpi: float | None) -> None:
    """A ``dpi`` at which ``fig`` would be ``_MOST_PIXELS`` or more on a side is refused
    before anything is drawn: matplotlib's renderer raised ``MemoryError`` (dpi=100000 on
    an 8 x 5 inch figure). Under it, as matplotlib, any size is drawn (dpi=5000: 40000 x
    25000 pixels, 4 GB in memory): the user asked for it."""
    if dpi is None:
        return
    width, height = fig.get_size_inches()
    if max(width, height) * dpi >= _MOST_PIXELS:
        most = math.floor((_MOST_PIXELS - 1) / max(width, height))
        raise ValueError(
            f"Expected a dpi at which the figure of {width:g} x {height:g} inches is under "
            f"{_MOST_PIXELS} pixels on a side (matplotlib's limit): at most {most}. Received: "
            f"dpi={dpi:g}, {round(width * dpi)} x {round(height * dpi)} pixels")


ROW_PANELS = 4  # panels side by side, at most (plot_history's loss and metrics)


def _start(ax: Any, path: Any, size: tuple[float, float], panels: Sequence[str],
           dpi: float | None) -> tuple[Any, list[Any], bool]:
    """The figure to draw on, its Axes (one per panel) and whether it is a pyplot figure
    made here (see the module's docstring). ``size`` is that of one row of every panel;
    more than ``ROW_PANELS`` panels wrap into rows of that many, each panel its own size
    (a multilabel history of a dozen metrics stays readable)."""
    axes = check_where(ax, path, panels)
    if axes is not None:
        return axes[0].figure.figure, axes, False  # the root figure, for an Axes in a subfigure
    figure_cls, _ = require_matplotlib()
    n = len(panels)
    columns = min(n, ROW_PANELS)
    rows = -(-n // columns)
    size = (size[0] / n * columns, size[1] * rows)
    if path is not None:
        fig = figure_cls(figsize=size, dpi=100 if dpi is None else dpi)
    else:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=size)
    return fig, [fig.add_subplot(rows, columns, i + 1) for i in range(n)], path is None


def render(draw: Callable[[list[Any]], None], *, ax: Any, path: Any,
           size: tuple[float, float], panels: Sequence[str],
           save: Callable[[Any, Any], str], many: bool = False, dpi: Any = None) -> Any:
    """Call ``draw(axes)`` on the Axes ``_start`` gives, then return what the plot returns:
    the path ``save(figure, path)`` wrote when ``path`` is given (the user's figure: at
    ``dpi``, else at ``rcParams["savefig.dpi"]``, as ``fig.savefig``), else the Axes (an
    array of them when ``many``). A pyplot figure made here is closed when drawing fails
    (an empty figure would show in the notebook)."""
    dpi = check_dpi(dpi, path)
    fig, axes, made_by_pyplot = _start(ax, path, size, panels, dpi)
    _check_pixels(fig, dpi)  # dpi only with a path: no pyplot figure was made
    try:
        draw(axes)
    except BaseException:
        if made_by_pyplot:
            import matplotlib.pyplot as plt

            plt.close(fig)
        raise
    if path is not None:  # the user's figure keeps its canvas and layout
        return save(fig, path) if ax is None else write_figure(fig, path, dpi)
    if made_by_pyplot:
        tighten(fig)
    return np.array(axes, dtype=object) if many else axes[0]
