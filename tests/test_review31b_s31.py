"""Session 31, review of the merge of s31-plots31 (``ax=``, optional ``path``, ``threshold=``,
``features=``): the ``ax`` and ``path`` a plot is given are checked before anything is
drawn, and an Axes nonlin cannot draw into is refused with a message naming it, not left
half drawn; a huge ``threshold`` is named as the others are."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import matplotlib.pyplot as plt  # noqa: E402

from nonlin import plots  # noqa: E402

HISTORY = {"loss": [1.0, 0.5, 0.25], "accuracy": [0.5, 0.7, 0.9]}
POINTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


@pytest.fixture(autouse=True)
def _close_figures():
    plt.close("all")
    yield
    plt.close("all")


def _xor_predict(points: np.ndarray) -> np.ndarray:
    return ((points[:, 0] > 0.5) != (points[:, 1] > 0.5)).astype(int)


def _drawn(fig) -> list:
    """What each Axes of ``fig`` holds: images, collections, lines, texts."""
    return [(len(a.images), len(a.collections), len(a.lines), len(a.texts)) for a in fig.axes]


@pytest.mark.parametrize("projection", ["3d", "polar"])
def test_an_axes_that_is_not_a_plane_is_refused_before_drawing(projection) -> None:
    # was: a 3-D Axes got the confusion matrix's image and colour bar, then matplotlib's
    # "Axes3D.text() missing 1 required positional argument: 's'"; a polar one a
    # "decision boundary" wrapped round a circle, without a word
    fig = plt.figure()
    ax = fig.add_subplot(projection=projection)
    message = (r"Expected ax as a matplotlib Axes of a plane \(rectilinear\)\. Received ax="
               rf".*, a {projection} Axes")
    with pytest.raises(ValueError, match=message):
        plots.plot_confusion_matrix(np.eye(2), ax=ax)
    with pytest.raises(ValueError, match=message):
        plots.plot_decision_boundary(_xor_predict, POINTS, [0, 1, 1, 0], resolution=5, ax=ax)
    assert len(fig.axes) == 1 and _drawn(fig) == [(0, 0, 0, 0)]


def test_an_axes_that_is_twice_in_ax_is_refused() -> None:
    # was: both panels drawn into the one Axes, the accuracy's title over the loss's
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match=r"Expected 2 different Axes for ax, one per panel "
                                         r"\(loss, accuracy\)\. Received the same Axes twice"):
        plots.plot_history(HISTORY, ax=[ax, ax])
    assert _drawn(fig) == [(0, 0, 0, 0)]


def test_ax_with_a_path_refuses_axes_of_several_figures(tmp_path) -> None:
    # was: the first figure written, the second drawn into and written nowhere
    fig1, ax1 = plt.subplots()
    fig2, ax2 = plt.subplots()
    with pytest.raises(ValueError, match=r"Expected Axes of one figure for ax with a path "
                                         r"\(the figure written\)\. Received Axes of 2 figures"):
        plots.plot_history(HISTORY, tmp_path / "h.png", ax=[ax1, ax2])
    assert _drawn(fig1) == [(0, 0, 0, 0)] and _drawn(fig2) == [(0, 0, 0, 0)]
    assert not (tmp_path / "h.png").exists()
    axes = plots.plot_history(HISTORY, ax=[ax1, ax2])  # without a path: each drawn into
    assert list(axes) == [ax1, ax2]


def test_ax_in_subfigures_of_one_figure_is_written_with_a_path(tmp_path) -> None:
    fig = plt.figure(figsize=(8, 3))
    left, right = fig.subfigures(1, 2)
    path = plots.plot_history(HISTORY, tmp_path / "h.png", ax=[left.subplots(), right.subplots()])
    from matplotlib.image import imread

    assert imread(path).shape[:2] == (300, 800)


def test_an_axes_removed_from_its_figure_is_named() -> None:
    # was: AttributeError "'NoneType' object has no attribute 'figure'"
    fig, ax = plt.subplots()
    ax.remove()
    with pytest.raises(ValueError, match=r"Expected ax as a matplotlib Axes in a figure\. "
                                         r"Received ax=.*, removed from its figure"):
        plots.plot_error_curve([1.0, 0.5], ax=ax)


@pytest.mark.parametrize("path, error, message", [
    (3, TypeError, r"Expected a file path \(a str, bytes or os\.PathLike\)\. Received: path=3"),
    ("a\0b.png", ValueError, r"Expected a file path\. Received a str value with a NUL"),
])
def test_a_bad_path_with_ax_is_refused_before_the_users_axes_are_drawn_into(
        path, error, message) -> None:
    # was: the confusion matrix and its colour bar drawn into the user's figure, then the
    # path refused
    fig, ax = plt.subplots()
    with pytest.raises(error, match=message):
        plots.plot_confusion_matrix(np.eye(2), path, ax=ax)
    assert len(fig.axes) == 1 and _drawn(fig) == [(0, 0, 0, 0)]


def test_a_wrong_ax_is_refused_before_predict_is_asked_about_the_grid() -> None:
    asked = []

    def predict(points: np.ndarray) -> np.ndarray:
        asked.append(len(points))
        return _xor_predict(points)

    with pytest.raises(TypeError, match=r"Expected ax as a matplotlib Axes\. Received: ax='x'"):
        plots.plot_decision_boundary(predict, POINTS, [0, 1, 1, 0], ax="x")
    assert asked == []


def test_a_threshold_too_large_for_a_float_is_named() -> None:
    # was: OverflowError "int too large to convert to float", naming nothing
    with pytest.raises(ValueError, match=r"Expected threshold as a finite number .*Received: "
                                         r"threshold=1000000000000"):
        plots.plot_decision_boundary(lambda p: p[:, :1] * 0.5, POINTS, [0, 1, 1, 0],
                                     resolution=5, threshold=10**400)
    assert plt.get_fignums() == []


def _frame():
    pd = pytest.importorskip("pandas")
    return pd.DataFrame({"age": [0.0, 1.0, 2.0], "income": [5.0, 7.0, 6.0],
                         "score": [1.0, 2.0, 3.0]})


def test_a_dataframe_names_the_axes_and_its_columns_can_be_picked_by_name() -> None:
    # was: axes labelled x1 and x3, and features=("age", "score") refused
    frame = _frame()
    asked = []

    def predict(points: np.ndarray) -> np.ndarray:
        asked.append(points)
        return (points[:, 0] > 1).astype(int)  # an array, as the docstring promises

    ax = plots.plot_decision_boundary(predict, frame, [0, 0, 1], resolution=4,
                                      features=("age", "score"))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("age", "score")
    assert isinstance(asked[0], np.ndarray) and np.all(asked[0][:, 1] == 6.0)  # the median
    ax = plots.plot_decision_boundary(predict, frame, [0, 0, 1], resolution=4, features=(2, 1))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("score", "income")
    ax = plots.plot_decision_boundary(predict, frame, [0, 0, 1], resolution=4, features=(2, 1),
                                      feature_names=["a", "b"])
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("a", "b")
    with pytest.raises(ValueError, match=r"Expected features as two distinct column indices "
                                         r"of X, in \[0, 3\), or two of its column names "
                                         r"\('age', 'income', 'score'\)\. Received: "
                                         r"features=\('age', 'height'\)"):
        plots.plot_decision_boundary(predict, frame, [0, 0, 1], features=("age", "height"))


def test_a_model_fitted_on_a_dataframe_is_asked_about_the_grid_by_its_column_names() -> None:
    # was: "UserWarning: x does not have valid feature names, but Sequential was fitted with
    # feature names" at every plot of a model fitted on a DataFrame
    import warnings

    import nonlin

    frame = _frame()
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.fit(frame, np.array([0, 0, 1]), loss="cross_entropy", optimizer="sgd", epochs=1,
              verbose=0, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plots.plot_decision_boundary(model.predict, frame, [0, 0, 1], resolution=4,
                                          features=(0, 2))
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("age", "score")


@pytest.mark.parametrize("n_classes", [11, 12, 20])
def test_classes_past_ten_keep_the_first_tens_colours_and_no_two_neighbours_share_a_hue(
        n_classes) -> None:
    # was: tab20 in its order, a dark and a light of one hue for classes 0 and 1 (blue and
    # light blue, near alike at the regions' alpha 0.3), class 1 no longer orange
    from matplotlib.colors import to_hex

    from nonlin._plot_marks import _class_colors

    ten = [to_hex(c) for c in _class_colors(10)(np.arange(10))]
    colours = [to_hex(c) for c in _class_colors(n_classes)(np.arange(n_classes))]
    assert colours[:10] == ten and len(set(colours)) == n_classes
