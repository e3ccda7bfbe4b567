"""Session 31: ``nonlin.plots`` as a notebook user takes matplotlib, scikit-learn's displays
and pandas' ``plot``: ``path`` optional (a pyplot figure, its Axes returned), ``ax=`` (the
user's Axes drawn into), no figure left open by plots written to files, ``threshold=`` for a
one-column output, ``X`` with a bias column (``datasets.xor()``) or ``features=``, dots
sized to the data, distinct colours past ten classes."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from nonlin import datasets, plots  # noqa: E402

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
HISTORY = {"loss": [1.0, 0.5, 0.25], "val_loss": [1.1, 0.6, 0.4], "accuracy": [0.5, 0.7, 0.9]}
POINTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


@pytest.fixture(autouse=True)
def _close_figures():
    plt.close("all")
    yield
    plt.close("all")


def _xor_predict(points: np.ndarray) -> np.ndarray:
    return ((points[:, 0] > 0.5) != (points[:, 1] > 0.5)).astype(int)


def test_without_a_path_each_plot_draws_a_pyplot_figure_and_returns_its_axes() -> None:
    # was: TypeError, path required; a notebook user had to write a file and load it back
    ax = plots.plot_error_curve([1.0, 0.1, 0.01])
    assert isinstance(ax, Axes) and ax.get_yscale() == "log"
    assert ax.get_title() == "Tutorial network on XOR"
    ax = plots.plot_decision_boundary(_xor_predict, POINTS, [0, 1, 1, 0], resolution=5)
    assert isinstance(ax, Axes) and ax.get_xlabel() == "x1"
    ax = plots.plot_confusion_matrix([[3, 1], [0, 4]], classes=["no", "yes"])
    assert isinstance(ax, Axes) and len(ax.figure.axes) == 2  # and its colour bar
    axes = plots.plot_history(HISTORY)
    assert isinstance(axes, np.ndarray) and axes.shape == (2,)
    assert [a.get_title() for a in axes] == ["Training curves: loss", "Training curves: accuracy"]
    assert len(plt.get_fignums()) == 4  # pyplot figures: the backend shows them


def test_ax_is_drawn_into_and_returned_and_its_figure_keeps_its_size() -> None:
    fig, axes = plt.subplots(2, 3, figsize=(12, 7))
    before = plt.get_fignums()
    assert plots.plot_error_curve([1.0, 0.5], ax=axes[0, 0]) is axes[0, 0]
    got = plots.plot_history(HISTORY, ax=axes[0, 1:])
    assert list(got) == list(axes[0, 1:]) and axes[0, 2].get_ylabel() == "accuracy"
    assert plots.plot_decision_boundary(_xor_predict, POINTS, [0, 1, 1, 0], resolution=5,
                                        ax=axes[1, 0]) is axes[1, 0]
    assert plots.plot_confusion_matrix(np.eye(2), ax=axes[1, 1], colorbar=False) is axes[1, 1]
    assert plt.get_fignums() == before and tuple(fig.get_size_inches()) == (12, 7)
    assert len(fig.axes) == 6 and not axes[1, 2].has_data()  # no colour bar added


def test_ax_and_path_write_the_users_whole_figure_and_leave_its_canvas(tmp_path) -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
    canvas = fig.canvas
    path = plots.plot_error_curve([1.0, 0.5], tmp_path / "e.png", ax=right)
    assert path == str(tmp_path / "e.png") and fig.canvas is canvas
    from matplotlib.image import imread

    assert imread(path).shape[:2] == (300, 800)  # the whole figure, at 100 dots per inch


def test_history_ax_names_the_panels_it_needs_and_a_wrong_ax_is_named() -> None:
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"Expected 2 Axes for ax, one per panel "
                                         r"\(loss, accuracy\)\. Received 1"):
        plots.plot_history(HISTORY, ax=ax)
    with pytest.raises(TypeError, match=r"Expected ax as a matplotlib Axes\. Received: ax='x'"):
        plots.plot_error_curve([1.0], ax="x")
    with pytest.raises(TypeError, match=r"a sequence of 2 .*Received: ax=\[1, 2\]"):
        plots.plot_history(HISTORY, ax=[1, 2])
    assert plt.get_fignums() == [fig.number]


def test_a_drawing_that_fails_closes_the_pyplot_figure_it_made(monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("broken panel")

    monkeypatch.setattr(plots, "history_panel", broken)
    with pytest.raises(RuntimeError, match="broken panel"):
        plots.plot_history(HISTORY)
    assert plt.get_fignums() == []  # an empty figure would show in the notebook


def test_plots_written_to_files_in_a_loop_leave_no_figure_open(tmp_path) -> None:
    # guards what main did already: figures of nonlin's own, without pyplot (no leak, no
    # "More than 20 figures have been opened" warning in a loop)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(21):  # pyplot warns past 20 open figures
            plots.plot_error_curve([1.0, 0.5, 0.25], tmp_path / "e.png")
    assert plt.get_fignums() == []


def _run(code: str, **env: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": SRC, **env}, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_plots_to_files_never_import_pyplot_and_importing_plots_imports_no_matplotlib(
        tmp_path) -> None:
    out = _run(
        "import sys; import nonlin.plots, nonlin._plot_canvas, nonlin._plot_boundary; "
        "print('matplotlib' in sys.modules); from nonlin import plots; "
        f"plots.plot_error_curve([1.0, 0.5], {str(tmp_path / 'e.png')!r}); "
        "print('matplotlib.pyplot' in sys.modules)")
    assert out.split() == ["False", "False"]


def test_a_notebook_shows_a_plot_without_path_once_and_one_with_a_path_not_at_all(
        tmp_path) -> None:
    # a pyplot figure returned as a cell's value is shown twice (the backend and the
    # value's repr): the Axes are returned, whose repr is text
    pytest.importorskip("IPython")
    pytest.importorskip("matplotlib_inline")
    code = """
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shown = []
shell.display_pub.publish = lambda data, metadata=None, **kw: shown.append(sorted(data))
shell.displayhook.write_format_data = lambda data, md=None: shown.append(sorted(data))
shell.run_cell("from nonlin import plots")
counts = []
for cell in ["plots.plot_error_curve([1.0, 0.5, 0.25])",
             "plots.plot_history({'loss': [1.0, 0.5], 'accuracy': [0.5, 0.9]})",
             "plots.plot_error_curve([1.0, 0.5], PATH)"]:
    shown.clear()
    assert shell.run_cell(cell).success
    counts.append(str(sum('image/png' in d for d in shown)))
print("images", *counts)
""".replace("PATH", repr(str(tmp_path / "e.png")))
    out = _run(code, MPLBACKEND="module://matplotlib_inline.backend_inline")
    assert out.split("images")[-1].split() == ["1", "1", "0"]


def test_threshold_cuts_a_one_column_output_anywhere(tmp_path) -> None:
    # was: a linear output or a logit refused, the fix a lambda to write by hand
    logits = lambda p: (p[:, :1] - 0.25) * 10  # noqa: E731  # class 1 where x1 > 0.25
    with pytest.raises(ValueError, match=r"pass threshold=0 .*threshold=0\.5"):
        plots.plot_decision_boundary(logits, POINTS, [0, 0, 1, 1], resolution=5)
    ax = plots.plot_decision_boundary(logits, POINTS, [0, 0, 1, 1], resolution=5, threshold=0)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]
    from nonlin._plot_inputs import predicted_classes

    np.testing.assert_array_equal(predicted_classes(np.array([[-1.0], [0.0], [2.0]]), 3, None,
                                                    0.0), [0, 0, 1])  # class 1 above it


@pytest.mark.parametrize("threshold, message", [
    (float("nan"), r"Received: threshold=nan"), ("0.5", r"Received: threshold='0\.5'"),
    (True, r"Received: threshold=True"),
])
def test_a_threshold_that_is_no_finite_number_is_named(threshold, message) -> None:
    with pytest.raises(ValueError, match=message):
        plots.plot_decision_boundary(_xor_predict, POINTS, [0, 1, 1, 0], resolution=5,
                                     threshold=threshold)


def test_a_threshold_for_scores_of_several_columns_is_refused() -> None:
    scores = lambda p: np.column_stack([p[:, 0], 1 - p[:, 0]])  # noqa: E731
    with pytest.raises(ValueError, match=r"one column, shape \(25, 1\), with threshold=0\.0 "
                                         r".*Received shape \(25, 2\)"):
        plots.plot_decision_boundary(scores, POINTS, [0, 1, 1, 0], resolution=5, threshold=0)


def test_xor_with_its_bias_column_is_drawn_in_one_call() -> None:
    # was: "Expected X of shape (n_samples, 2)", for datasets.xor()'s (4, 3) and (4, 1)
    X, y = datasets.xor()
    asked = []

    def predict(points: np.ndarray) -> np.ndarray:
        asked.append(points)
        return _xor_predict(points)[:, None] * 0.8 + 0.1  # a sigmoid's probabilities

    ax = plots.plot_decision_boundary(predict, X, y, resolution=5)
    assert asked[0].shape == (25, 3) and np.all(asked[0][:, 2] == 1.0)  # the bias, held at 1
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x1", "x2")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class 0", "class 1"]


def test_features_picks_two_columns_and_holds_the_others_at_their_median() -> None:
    X = np.array([[0.0, 5.0, 1.0], [1.0, 7.0, 2.0], [2.0, 6.0, 3.0]])
    asked = []
    ax = plots.plot_decision_boundary(lambda p: asked.append(p) or (p[:, 0] > 1).astype(int),
                                      X, [0, 0, 1], resolution=4, features=(0, 2),
                                      feature_names=["a", "b", "c"])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("a", "c")
    assert np.all(asked[0][:, 1] == 6.0)  # column 1's median
    ax = plots.plot_decision_boundary(lambda p: (p[:, 0] > 1).astype(int), X, [0, 0, 1],
                                      resolution=4, features=(2, 1))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x3", "x2")


@pytest.mark.parametrize("features, message", [
    (None, r"Received X of shape \(3, 3\), with 3 columns that vary \(\[0, 1, 2\]\): pick "
           r"the two to draw with features=\(i, j\)"),
    ((0, 0), r"two distinct column indices of X, in \[0, 3\)\. Received: features=\(0, 0\)"),
    ((0, 3), r"Received: features=\(0, 3\)"), ("ab", r"Received: features='ab'"),
    ((0.0, 1), r"Received: features=\(0\.0, 1\)"),
])
def test_features_that_cannot_be_drawn_are_named(features, message) -> None:
    X = np.array([[0.0, 5.0, 1.0], [1.0, 7.0, 2.0], [2.0, 6.0, 3.0]])
    with pytest.raises(ValueError, match=message):
        plots.plot_decision_boundary(lambda p: np.zeros(len(p), int), X, [0, 0, 1],
                                     resolution=4, features=features)
    with pytest.raises(ValueError, match=r"Expected two feature names\. Received: "
                                         r"feature_names=\['a'\] \(or one name per column"):
        plots.plot_decision_boundary(lambda p: np.zeros(len(p), int), X, [0, 0, 1],
                                     resolution=4, features=(0, 1), feature_names=["a"])


def test_few_points_get_larger_dots_and_many_keep_theirs() -> None:
    # was: 12 points squared, XOR's four dots hard to see
    ax = plots.plot_decision_boundary(_xor_predict, POINTS, [0, 1, 1, 0], resolution=5)
    assert ax.collections[1].get_sizes()[0] == 60.0
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (200, 2))
    ax = plots.plot_decision_boundary(_xor_predict, X, _xor_predict(X), resolution=5)
    assert ax.collections[1].get_sizes()[0] == 12.0


@pytest.mark.parametrize("n_classes", [3, 11, 20, 21, 100])
def test_each_class_gets_a_colour_of_its_own(n_classes) -> None:
    # was: tab10's colours repeated past ten classes (class 10 as class 0)
    from matplotlib.colors import to_hex

    from nonlin._plot_marks import _class_colors

    cmap = _class_colors(n_classes)
    colours = {to_hex(cmap(k)) for k in range(n_classes)}
    assert len(colours) == n_classes
    if n_classes <= 10:
        assert to_hex(cmap(0)) == "#1f77b4"  # tab:blue, as before


@pytest.mark.parametrize("path", [None, "c.png"])
def test_a_users_constrained_layout_is_kept_with_a_colour_bar(tmp_path, path) -> None:
    # was: RuntimeError "Colorbar layout of new layout engine not compatible with old
    # engine" from plot_confusion_matrix, "The figure layout has changed to tight" from the
    # others, for a user whose rcParams ask for constrained layout
    import matplotlib

    with matplotlib.rc_context({"figure.constrained_layout.use": True}), \
            warnings.catch_warnings():
        warnings.simplefilter("error")
        where = None if path is None else tmp_path / path
        plots.plot_confusion_matrix(np.eye(3), where)
        plots.plot_history(HISTORY, where)
    assert path is None or (tmp_path / path).read_bytes().startswith(b"\x89PNG")
