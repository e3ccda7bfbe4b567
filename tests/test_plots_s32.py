"""Session 32: ``nonlin.plots`` leftovers, as matplotlib, scikit-learn's displays, pandas'
``plot`` and Keras' ``plot_model`` users take them: a 1-D score cut at ``threshold`` (a binary
classifier's ``decision_function``), the file of the user's figure at its own dpi (``dpi=``
for either), ``label=`` for several runs in one Axes, ``colorbar`` a real bool,
``title=None`` no title in every function."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.image import imread  # noqa: E402

from nonlin import plots  # noqa: E402

POINTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
HISTORY = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.6]}


@pytest.fixture(autouse=True)
def _close_figures():
    plt.close("all")
    yield
    plt.close("all")


def _score(points: np.ndarray) -> np.ndarray:
    """A 1-D score of class 1, as ``decision_function`` of a binary classifier: x1 > 0.25."""
    return (points[:, 0] - 0.25) * 10


def test_a_1d_score_is_cut_at_the_threshold_as_a_column_is() -> None:
    # was: "Expected predict to return one column, shape (25, 1) ... Received shape (25,)"
    ax = plots.plot_decision_boundary(_score, POINTS, [0, 0, 1, 1], resolution=5, threshold=0)
    column = plots.plot_decision_boundary(lambda p: _score(p)[:, None], POINTS, [0, 0, 1, 1],
                                          resolution=5, threshold=0)
    got, want = ax.collections[0], column.collections[0]  # the regions' filled contours
    assert [p.vertices.tolist() for p in got.get_paths()] == \
        [p.vertices.tolist() for p in want.get_paths()]
    from nonlin._plot_inputs import predicted_classes

    np.testing.assert_array_equal(predicted_classes(np.array([-1.0, 0.0, 2.0]), 3, None, 0.0),
                                  [0, 0, 1])


def test_a_fractional_1d_output_without_threshold_names_the_threshold() -> None:
    with pytest.raises(ValueError, match=r"Received predict's output\[0\]=-3\.5.*"
                                         r"decision_function: threshold=0"):
        plots.plot_decision_boundary(_score, POINTS, [0, 0, 1, 1], resolution=5)


@pytest.mark.parametrize("fig_dpi", [50, 200])
def test_the_users_figure_is_written_at_its_own_dpi(tmp_path, fig_dpi) -> None:
    # was: always 100 dots per inch, 400 x 300 pixels for a (4, 3) figure of any dpi
    fig, ax = plt.subplots(figsize=(4, 3), dpi=fig_dpi)
    path = plots.plot_error_curve([1.0, 0.5], tmp_path / "e.png", ax=ax)
    assert imread(path).shape[:2] == (3 * fig_dpi, 4 * fig_dpi)  # as fig.savefig writes it
    assert fig.dpi == fig_dpi


def test_dpi_writes_either_figure_at_that_resolution_and_leaves_the_users(tmp_path) -> None:
    path = plots.plot_error_curve([1.0, 0.5], tmp_path / "own.png", dpi=50)
    assert imread(path).shape[:2] == (250, 400)  # figsize (8, 5)
    assert imread(plots.plot_error_curve([1.0, 0.5], tmp_path / "d.png"))[:, :, 0].shape == \
        (500, 800)  # nonlin's own figure: 100 by default, the sizes the docstrings give
    fig, ax = plt.subplots(figsize=(4, 3))
    path = plots.plot_confusion_matrix(np.eye(2), tmp_path / "u.png", ax=ax, dpi=150)
    assert imread(path).shape[:2] == (450, 600) and fig.dpi == 100
    path = plots.plot_history(HISTORY, tmp_path / "h.png", dpi=20)
    assert imread(path).shape[:2] == (90, 120)


@pytest.mark.parametrize("dpi, path, message", [
    (0, "x.png", r"Expected dpi as a number > 0 .*Received: dpi=0"),
    (True, "x.png", r"Received: dpi=True"), ("300", "x.png", r"Received: dpi='300'"),
    (float("inf"), "x.png", r"Received: dpi=inf"),
    (300, None, r"Expected dpi with a path .*Received: dpi=300 without one"),
])
def test_a_dpi_that_cannot_be_used_is_named_before_predict_runs(tmp_path, dpi, path,
                                                                message) -> None:
    asked = []
    where = None if path is None else tmp_path / path
    with pytest.raises(ValueError, match=message):
        plots.plot_decision_boundary(lambda p: asked.append(p) or p[:, 0] > 0.5, POINTS,
                                     [0, 0, 1, 1], where, resolution=5, dpi=dpi)
    assert asked == [] and not (tmp_path / "x.png").exists()


def test_label_names_each_run_drawn_into_one_axes_in_colours_of_their_own() -> None:
    # was: no label=: two runs read "training" twice, both in tab:blue
    fig, ax = plt.subplots()
    plots.plot_error_curve([1.0, 0.5], ax=ax, label="lr=1")
    plots.plot_error_curve([1.0, 0.7], ax=ax, label="lr=0.1")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lr=1", "lr=0.1"]
    first, second = ax.get_lines()
    assert first.get_color() != second.get_color()
    axes = plots.plot_history(HISTORY, label="Adam")
    plots.plot_history(HISTORY, ax=axes, label="SGD")
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == [
        "Adam (training)", "Adam (validation)", "SGD (training)", "SGD (validation)"]
    ax = plots.plot_error_curve([1.0, 0.5])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["training"]


@pytest.mark.parametrize("plot", ["error", "history"])
def test_a_label_that_is_no_str_is_named(plot) -> None:
    with pytest.raises(TypeError, match=r"Expected label as a str or None\. Received: label=3"):
        if plot == "error":
            plots.plot_error_curve([1.0], label=3)
        else:
            plots.plot_history(HISTORY, label=3)


@pytest.mark.parametrize("colorbar", ["no", 0, None, np.array([True])])
def test_colorbar_must_be_a_bool(colorbar) -> None:
    # was: colorbar="no" drew a colour bar, None none
    with pytest.raises(TypeError, match=r"Expected a bool\. Received: colorbar="):
        plots.plot_confusion_matrix([[1, 2], [3, 4]], colorbar=colorbar)
    assert plt.get_fignums() == []  # refused before a figure was made
    ax = plots.plot_confusion_matrix([[1, 2], [3, 4]], colorbar=np.bool_(False))
    assert len(ax.figure.axes) == 1


def _first_axes(drawn):
    return np.ravel(drawn)[0]


@pytest.mark.parametrize("title", [None, ""])
def test_title_none_draws_no_title_in_every_plot(title) -> None:
    # was: plot_history titled its panels "None: loss" (and ": loss" for "")
    fig, axes = plt.subplots(1, 5)
    for ax in axes:
        ax.set_title("mine")
    plots.plot_error_curve([1.0, 0.5], title=title, ax=axes[0])
    plots.plot_history(HISTORY, title=title, ax=axes[1])
    plots.plot_decision_boundary(lambda p: p[:, 0] > 0.5, POINTS, [0, 0, 1, 1], resolution=5,
                                 title=title, ax=axes[2])
    plots.plot_confusion_matrix(np.eye(2), title=title, ax=axes[3], colorbar=False)
    assert [ax.get_title() for ax in axes[:4]] == ["mine"] * 4  # the Axes' own kept
    drawn = _first_axes(plots.plot_history(HISTORY, title=title))
    assert drawn.get_title() == "" and drawn.get_ylabel() == "loss"
    assert _first_axes(plots.plot_history(HISTORY)).get_title() == "Training curves: loss"
