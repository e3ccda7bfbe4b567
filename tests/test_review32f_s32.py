"""Session 32, review of the plots32 merge: the user's figure written at the dpi
``fig.savefig(path)`` writes it at (``rcParams["savefig.dpi"]``), as the guide says; a ``dpi``
past matplotlib's 2**16 pixels on a side refused before drawing (was a ``MemoryError``), and
``dpi=10**400`` refused as a ValueError (was an ``OverflowError``); ``label=""`` leaves a run
out of the legend without matplotlib's "No artists with labels" warning."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import matplotlib  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.image import imread  # noqa: E402

from nonlin import plots  # noqa: E402

HISTORY = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.6]}


@pytest.fixture(autouse=True)
def _close_figures():
    plt.close("all")
    yield
    plt.close("all")


def test_the_users_figure_is_written_at_savefig_dpi_as_fig_savefig_writes_it(tmp_path) -> None:
    # was: at the figure's own 100 dpi, 400 x 300 pixels, whatever rcParams["savefig.dpi"]
    with matplotlib.rc_context({"savefig.dpi": 50}):
        fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
        path = plots.plot_error_curve([1.0, 0.5], tmp_path / "u.png", ax=ax)
        fig.savefig(tmp_path / "theirs.png")
    assert imread(path).shape[:2] == imread(tmp_path / "theirs.png").shape[:2] == (150, 200)
    assert fig.dpi == 100


def test_nonlins_own_figure_keeps_its_size_whatever_savefig_dpi(tmp_path) -> None:
    # guard (passes before and after): the documented 800 x 500 pixels
    with matplotlib.rc_context({"savefig.dpi": 50, "figure.dpi": 150}):
        path = plots.plot_error_curve([1.0, 0.5], tmp_path / "own.png")
    assert imread(path).shape[:2] == (500, 800)


def test_a_dpi_past_matplotlibs_pixel_limit_is_refused_before_drawing(tmp_path) -> None:
    # was: MemoryError (std::bad_alloc) from matplotlib's renderer, after drawing
    fig, ax = plt.subplots(figsize=(1, 1))
    with pytest.raises(ValueError, match=r"under 65536 pixels on a side .*at most 65535\. "
                                         r"Received: dpi=200000, 200000 x 200000 pixels"):
        plots.plot_confusion_matrix(np.eye(2), tmp_path / "m.png", ax=ax, dpi=200000)
    assert not ax.images and not (tmp_path / "m.png").exists()
    with pytest.raises(ValueError, match=r"figure of 8 x 5 inches .*at most 8191"):
        plots.plot_error_curve([1.0, 0.5], tmp_path / "e.png", dpi=8192)


def test_an_integer_dpi_too_large_for_a_float_is_a_value_error(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"Expected dpi as a number > 0 .*Received: dpi=1000"):
        plots.plot_error_curve([1.0, 0.5], tmp_path / "e.png", dpi=10**400)  # was OverflowError


def test_an_empty_label_leaves_the_run_out_of_the_legend_without_a_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was: "No artists with labels found to put in legend"
        ax = plots.plot_error_curve([1.0, 0.5], label="")
        axes = plots.plot_history(HISTORY, label="")  # was: " (training)", " (validation)"
    assert ax.get_legend() is None and axes[0].get_legend() is None
    assert len(ax.lines) == 1 and len(axes[0].lines) == 2


def test_an_empty_label_beside_a_labelled_run_keeps_that_runs_legend() -> None:
    fig, ax = plt.subplots()
    plots.plot_error_curve([1.0, 0.5], ax=ax, label="lr=0.1")
    plots.plot_error_curve([1.0, 0.2], ax=ax, label="")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lr=0.1"]
