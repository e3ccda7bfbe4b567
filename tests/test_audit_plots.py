"""Adversarial audit of nonlin.plots: what a failed plot leaves behind, file formats, odd
inputs (wrong shapes, many classes, constant features, resumed histories)."""

from __future__ import annotations

import errno
import warnings
from pathlib import Path

import numpy as np
import pytest

from nonlin import plots

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def test_a_plot_that_fails_while_writing_leaves_the_existing_file_intact(tmp_path, monkeypatch):
    # was: savefig opened the path itself, so a full disk midway left a truncated file
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    print_png = FigureCanvasAgg.print_png

    def print_png_then_fail(self, target, *, metadata=None, pil_kwargs=None, **print_figure):
        # the full image (tight_layout's renderer probe stops inside), then a full disk
        print_png(self, target, metadata=metadata, pil_kwargs=pil_kwargs)
        if not hasattr(target, "write"):  # a path: left half written
            Path(target).write_bytes(b"\x89PNG half")
        raise OSError(errno.ENOSPC, "No space left on device")

    path = tmp_path / "curve.png"
    path.write_bytes(b"the previous plot")
    monkeypatch.setattr(FigureCanvasAgg, "print_png", print_png_then_fail)
    with pytest.raises(OSError, match="No space"):
        plots.plot_error_curve([1.0, 0.5], path)
    assert path.read_bytes() == b"the previous plot"
    assert [p.name for p in tmp_path.iterdir()] == ["curve.png"]  # no temporary file left


@pytest.mark.parametrize(
    "name, magic",
    [("a.svg", b"<?xml"), ("a.PDF", b"%PDF"), ("a.jpg", b"\xff\xd8\xff"), ("a.PNG", b"\x89PNG"),
     ("no_extension", b"\x89PNG"), ("a.unknown", b"\x89PNG")],
)
def test_the_file_has_the_format_its_extension_names(tmp_path, name, magic) -> None:
    # was: PNG bytes whatever the name, so an .svg or .pdf path held a PNG no viewer opened
    path = plots.plot_error_curve([1.0, 0.5], tmp_path / name)
    assert Path(path).read_bytes().startswith(magic)


def _figures(monkeypatch: pytest.MonkeyPatch, draw: bool = True) -> list:
    """The figures the plot functions save, captured on their way to the file (which is
    not written when ``draw`` is False: rendering is most of a plot's time)."""
    figures: list = []
    save = plots._save

    def spy(fig, path):
        figures.append(fig)
        return save(fig, path) if draw else str(path)

    monkeypatch.setattr(plots, "_save", spy)
    return figures


def test_a_confusion_matrix_of_100_classes_stays_legible(tmp_path, monkeypatch) -> None:
    # was: 10,000 overlapping counts and 100 overlapping labels per axis (and ~30 s to draw)
    figures = _figures(monkeypatch, draw=False)
    matrix = np.arange(100 * 100).reshape(100, 100) % 7
    plots.plot_confusion_matrix(matrix, tmp_path / "c.png", classes=[f"c{k}" for k in range(100)])
    ax = figures[0].axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert not ax.texts and 10 <= len(labels) <= 30 and labels[:2] == ["c0", "c4"]
    plots.plot_confusion_matrix(np.eye(30), tmp_path / "c30.png")
    ax = figures[1].axes[0]
    assert len(ax.texts) == 900 and len(ax.get_yticklabels()) == 30  # up to 30: every count


@pytest.mark.parametrize("classes", [["a", "b"], ["a", "b", "c", "d"]])
def test_confusion_matrix_class_names_must_name_every_class(tmp_path, classes) -> None:
    # was matplotlib's 'The number of FixedLocator locations (3) ... does not match'
    with pytest.raises(ValueError, match=rf"Expected 3 class names.*Received {len(classes)}"):
        plots.plot_confusion_matrix(np.eye(3), tmp_path / "c.png", classes=classes)
    assert not (tmp_path / "c.png").exists()


_POINTS = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]


@pytest.mark.parametrize(
    "predict, message",
    [
        (lambda p: np.zeros((10, 2)), r"shape \(16,\), \(16, 1\).*Received shape \(10, 2\)"),
        (lambda p: np.zeros((len(p), 2, 1)), r"Received shape \(16, 2, 1\)"),
        (lambda p: 1.0, r"Received shape \(\)"),
        (lambda p: np.full((len(p), 2), np.nan), "Received NaN for 16 of the 16 grid points"),
        (lambda p: np.full((len(p), 1), np.nan), "NaN"),
        (lambda p: np.full(len(p), 0.3), r"numbers >= 0\. Received predict's output\[0\]=0\.3"),
        (lambda p: np.full(len(p), -1), r"Received predict's output\[0\]=-1$"),
    ],
)
def test_decision_boundary_names_what_predict_returned(tmp_path, predict, message) -> None:
    # was numpy's 'cannot reshape array of size 10 into shape (4,4)', or a silent picture:
    # NaN scores drawn as class 0, 0.3 * x truncated to class 0, -1 left blank
    with pytest.raises(ValueError, match=message):
        plots.plot_decision_boundary(predict, _POINTS, [0, 1, 1, 0], tmp_path / "d.png",
                                     resolution=4)
    assert not (tmp_path / "d.png").exists()


def test_decision_boundary_draws_a_predicted_class_that_y_lacks(tmp_path, monkeypatch) -> None:
    # was: the region of class 2 (predicted, but absent from y) was left blank
    figures = _figures(monkeypatch, draw=False)

    def predict(points: np.ndarray) -> np.ndarray:
        return np.where(points[:, 0] > 0.5, 2, 0)

    plots.plot_decision_boundary(predict, _POINTS, [0, 0, 0, 0], tmp_path / "d.png", resolution=4)
    ax = figures[0].axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"class {k}" for k in range(3)]
    assert ax.collections[0].levels.tolist()[-1] == 2.5  # the contour levels reach class 2
    with pytest.raises(ValueError, match=r"classes in \[0, 2\).*Received class 2"):
        plots.plot_decision_boundary(lambda p: np.tile([0.0, 0.0, 1.0], (len(p), 1)), _POINTS,
                                     [0, 1, 1, 0], tmp_path / "e.png", classes=["a", "b"])


@pytest.mark.parametrize("value", [0.0, 1.0, 1e12])
def test_a_constant_feature_gets_a_visible_range(tmp_path, monkeypatch, value) -> None:
    # was: limits value +- 1e-9 (an axis labelled '1e-9+1'); at 1e12 the two limits were
    # one float and matplotlib warned 'Attempting to set identical low and high ylims'
    figures = _figures(monkeypatch, draw=False)
    X = [[0.0, value], [1.0, value], [2.0, value]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plots.plot_decision_boundary(lambda p: (p[:, 0] > 1).astype(int), X, [0, 0, 1],
                                     tmp_path / "d.png", resolution=4)
    low, high = figures[0].axes[0].get_ylim()
    assert low < value < high and high - low >= 0.2 * max(abs(value), 1.0)
    assert figures[0].axes[0].get_xlim() == pytest.approx((-0.2 - 1e-9, 2.2 + 1e-9))


@pytest.mark.parametrize("names", [("x1",), ("a", "b", "c"), "ab"])
def test_decision_boundary_wants_two_feature_names(tmp_path, names) -> None:
    # was an IndexError for one name; three, or the string "ab", were taken silently
    with pytest.raises(ValueError, match=r"Expected two feature names\. Received: feature_names="):
        plots.plot_decision_boundary(lambda p: np.zeros(len(p), int), _POINTS, [0, 1, 1, 0],
                                     tmp_path / "d.png", resolution=4, feature_names=names)


def test_history_of_a_run_from_initial_epoch_is_drawn_at_its_epochs(tmp_path, monkeypatch):
    # was: epochs 1..3 on the axis for a fit(initial_epoch=5, epochs=8) run (epochs 6..8)
    import nonlin

    figures = _figures(monkeypatch, draw=False)
    model = nonlin.Sequential([nonlin.Dense(1)])
    X = np.linspace(-1.0, 1.0, 8)[:, None]
    history = model.fit(X, 2 * X, epochs=8, initial_epoch=5, loss="mse", optimizer="sgd",
                        verbose=0, seed=0)
    assert history.epoch == [5, 6, 7]
    plots.plot_history(history, tmp_path / "h.png")
    assert figures[0].axes[0].lines[0].get_xdata().tolist() == [6, 7, 8]
    plots.plot_history({"loss": [3.0, 2.0]}, tmp_path / "d.png")  # a dict: from epoch 1
    assert figures[1].axes[0].lines[0].get_xdata().tolist() == [1, 2]


@pytest.mark.parametrize(
    "values", ["abc", "123", 0.5, [0.5, None], [0.5, "x"], [[1.0, 2.0]], np.array(0.5)]
)
def test_history_values_that_are_not_numbers_are_named(tmp_path, values) -> None:
    # was Python's 'could not convert string to float', "'float' object is not iterable",
    # ... naming neither the key nor the value; "123" was drawn as the losses 1, 2, 3
    with pytest.raises(TypeError, match=r"one per epoch, for each key\. Received: loss="):
        plots.plot_history({"loss": values}, tmp_path / "h.png")


@pytest.mark.parametrize("errors", [[[0.5, 0.4], [0.3, 0.2]], 0.5])
def test_error_curve_wants_one_value_per_step(tmp_path, errors) -> None:
    # was matplotlib's 'x and y must have same first dimension' for a table; a number
    # drew a one-point curve
    with pytest.raises(ValueError, match=r"shape \(n_steps,\)\. Received errors of shape"):
        plots.plot_error_curve(errors, tmp_path / "e.png")
    assert not (tmp_path / "e.png").exists()


@pytest.mark.parametrize("errors", [[0.0, 0.0], [np.nan, np.nan], [0.0, np.nan]])
def test_error_curve_without_a_positive_value_is_drawn_on_a_linear_scale(tmp_path, monkeypatch,
                                                                         errors) -> None:
    # was an empty log-scale plot and matplotlib's 'Data has no positive values' warning
    figures = _figures(monkeypatch, draw=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plots.plot_error_curve(errors, tmp_path / "e.png")
    assert figures[0].axes[0].get_yscale() == "linear"
    plots.plot_error_curve([0.0, 0.5], tmp_path / "e.png")
    assert figures[1].axes[0].get_yscale() == "log"


def test_a_validation_metric_without_its_training_twin_gets_its_panel(tmp_path, monkeypatch):
    # was: val_accuracy (no accuracy) left out of the picture without a word
    figures = _figures(monkeypatch, draw=False)
    plots.plot_history({"loss": [0.5, 0.4], "val_accuracy": [0.7, 0.8]}, tmp_path / "h.png")
    loss_ax, accuracy_ax = figures[0].axes
    assert accuracy_ax.get_ylabel() == "accuracy"
    assert accuracy_ax.lines[0].get_ydata().tolist() == [0.7, 0.8]
    assert [t.get_text() for t in accuracy_ax.get_legend().get_texts()] == ["validation"]


def test_a_long_run_is_drawn_without_a_dot_per_epoch(tmp_path, monkeypatch) -> None:
    # was: a dot on each of 1e5 epochs, so the validation dots buried the training curve
    figures = _figures(monkeypatch, draw=False)
    long = np.geomspace(1.0, 0.01, 1000).tolist()
    plots.plot_history({"loss": long, "val_loss": long}, tmp_path / "h.png")
    plots.plot_history({"loss": long[:100]}, tmp_path / "h.png")
    assert [line.get_marker() for line in figures[0].axes[0].lines] == ["None", "None"]
    assert figures[1].axes[0].lines[0].get_marker() == "o"


def test_the_pixel_size_holds_whatever_the_users_savefig_bbox(tmp_path) -> None:
    # was 790 x 490: rcParams["savefig.bbox"] = "tight" (a common matplotlibrc line) cropped
    from cli_helpers import png_size

    with matplotlib.rc_context({"savefig.bbox": "tight"}):
        assert png_size(plots.plot_error_curve([1.0, 0.5], tmp_path / "e.png")) == (800, 500)


@pytest.mark.parametrize("X", [np.array([["0", "1"], ["1", "0"]]), np.eye(2) + 1j])
def test_decision_boundary_refuses_text_and_complex_x(tmp_path, X) -> None:
    # was: text parsed as numbers, complex silently cut to its real part (a ComplexWarning)
    with pytest.raises(TypeError, match=rf"real numeric array for X\. Received dtype {X.dtype}"):
        plots.plot_decision_boundary(lambda p: np.zeros(len(p), int), X, [0, 1],
                                     tmp_path / "d.png", resolution=4)


@pytest.mark.parametrize(
    "y, predict",
    [([0, 1, 1, 10**9], lambda p: np.zeros(len(p), int)),  # was: no end (a 10**9-entry legend)
     ([0, 1, 1, 0], lambda p: np.full(len(p), 100))],  # 101 classes: was ~3 s of legend
)
def test_decision_boundary_refuses_more_than_100_classes(tmp_path, y, predict) -> None:
    with pytest.raises(ValueError, match=r"at most 100 classes to draw\. Received 10"):
        plots.plot_decision_boundary(predict, _POINTS, y, tmp_path / "d.png", resolution=4)
