"""The plots: each writes a non-empty PNG of the documented size, with labels and legend."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import png_size
from nonlin import plots
from nonlin._optional import MissingExtraError

pytest.importorskip("matplotlib")


def _capture_figures(monkeypatch: pytest.MonkeyPatch) -> list:
    """Capture the figures the plot functions save."""
    figures: list = []
    original = plots._save

    def spy(fig, path):
        figures.append(fig)
        return original(fig, path)

    monkeypatch.setattr(plots, "_save", spy)
    return figures


def _labelled(ax) -> bool:
    return bool(ax.get_title() and ax.get_xlabel() and ax.get_ylabel())


def test_history_curves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    figures = _capture_figures(monkeypatch)
    history = {
        "loss": [1.0, 0.5, 0.3],
        "val_loss": [1.1, 0.6, 0.4],
        "accuracy": [0.5, 0.8, 0.9],
        "val_accuracy": [0.4, 0.7, 0.85],
    }
    path = plots.plot_history(history, tmp_path / "h.png")
    assert png_size(path) == (1200, 450) and Path(path).stat().st_size > 5000
    loss_ax, acc_ax = figures[0].axes
    assert all(_labelled(ax) for ax in (loss_ax, acc_ax))
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == ["training", "validation"]
    np.testing.assert_allclose(loss_ax.lines[1].get_ydata(), history["val_loss"])


def test_history_object_with_loss_only(tmp_path: Path) -> None:
    class History:
        history = {"loss": [3.0, 2.0]}

    assert png_size(plots.plot_history(History(), tmp_path / "h.png")) == (600, 450)
    with pytest.raises(ValueError, match="loss"):
        plots.plot_history({"accuracy": [1.0]}, tmp_path / "x.png")


def test_decision_boundary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    figures = _capture_figures(monkeypatch)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 2))
    y = (X[:, 0] > 0).astype(int)

    def predict(points: np.ndarray) -> np.ndarray:
        return np.column_stack([points[:, 0] <= 0, points[:, 0] > 0]).astype(float)

    path = plots.plot_decision_boundary(predict, X, y, tmp_path / "d.png", classes=["l", "r"])
    assert png_size(path) == (700, 600) and Path(path).stat().st_size > 5000
    ax = figures[0].axes[0]
    assert _labelled(ax)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["class l", "class r"]
    with pytest.raises(ValueError, match="shape"):
        plots.plot_decision_boundary(predict, X[:, :1], y, tmp_path / "bad.png")


def _regions(ax) -> set[int]:
    """The classes that fill part of the plane: the filled contour levels with vertices."""
    contours = ax.collections[0]
    return {k for k, path in enumerate(contours.get_paths()) if len(path.vertices)}


def test_decision_boundary_of_a_one_output_binary_classifier(tmp_path, monkeypatch) -> None:
    # A sigmoid output gives (n, 1) probabilities of class 1: its argmax is always 0.
    figures = _capture_figures(monkeypatch)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] > 0).astype(int)

    def predict(points: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-5.0 * points[:, :1]))  # P(class 1), shape (n, 1)

    plots.plot_decision_boundary(predict, X, y, tmp_path / "b.png")
    assert _regions(figures[0].axes[0]) == {0, 1}


@pytest.mark.parametrize(
    "X, y, options, message",
    [
        (np.zeros((0, 2)), np.zeros(0), {}, "at least one row"),  # was numpy's 'zero-size array'
        ([[0.0, np.nan], [1.0, 1.0]], [0, 1], {}, "finite"),  # was matplotlib's 'Axis limits'
        ([[0.0, 0.0], [1.0, 1.0]], [0, 1], {"resolution": 0}, "resolution=0"),
        ([[0.0, 0.0], [1.0, 1.0]], [0, 1], {"resolution": 1}, "resolution=1"),
        ([[0.0, 0.0], [1.0, 1.0]], [0, 1], {"resolution": 2.5}, "resolution=2.5"),
    ],
)
def test_decision_boundary_bad_input_is_named(tmp_path, X, y, options, message) -> None:
    def predict(points: np.ndarray) -> np.ndarray:
        return np.zeros((len(points), 2))

    with pytest.raises(ValueError, match=message):
        plots.plot_decision_boundary(predict, X, y, tmp_path / "d.png", **options)
    assert not (tmp_path / "d.png").exists()


def test_confusion_matrix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    figures = _capture_figures(monkeypatch)
    matrix = np.array([[5, 1], [2, 7]])
    path = plots.plot_confusion_matrix(matrix, tmp_path / "c.png", classes=["no", "yes"])
    assert png_size(path) == (700, 600) and Path(path).stat().st_size > 5000
    ax = figures[0].axes[0]
    assert _labelled(ax)
    assert sorted(t.get_text() for t in ax.texts) == ["1", "2", "5", "7"]
    assert png_size(plots.plot_confusion_matrix(np.eye(12), tmp_path / "big.png")) == (900, 800)
    with pytest.raises(ValueError, match="square"):
        plots.plot_confusion_matrix(np.ones((2, 3)), tmp_path / "bad.png")


def test_error_curve(tmp_path: Path) -> None:
    path = plots.plot_error_curve(np.geomspace(0.5, 0.003, 500), tmp_path / "e.png")
    assert png_size(path) == (800, 500) and Path(path).stat().st_size > 5000


def test_missing_matplotlib_names_the_extra(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(MissingExtraError, match=r"nonlin\[plot\]"):
        plots.plot_error_curve([1.0, 0.5], tmp_path / "e.png")


@pytest.mark.parametrize(
    "y, options, message",
    [
        ([0, 1.5, 1, 0.25], {}, r"Received y\[1\]=1\.5"),  # was truncated to class 1
        ([0, 1, -1, 1], {}, r"whole numbers >= 0\. Received y\[2\]=-1"),  # was never drawn
        ([0.0, 1.0, 1.0, -2.0], {}, r"Received y\[3\]=-2\.0"),
        ([0, np.nan, 1, 0], {}, r"Received y\[1\]=nan"),
        ([0, 1, 2, 1], {"classes": ["a", "b"]}, r"in \[0, 2\)\. Received y\[2\]=2"),
    ],
)
def test_decision_boundary_refuses_labels_that_are_not_class_indices(tmp_path, y, options,
                                                                      message) -> None:
    X = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]
    with pytest.raises(ValueError, match=message):
        plots.plot_decision_boundary(lambda p: np.zeros((len(p), 2)), X, y, tmp_path / "d.png",
                                     resolution=4, **options)
    assert not (tmp_path / "d.png").exists()


def test_decision_boundary_takes_whole_float_and_bool_labels(tmp_path, monkeypatch) -> None:
    X = [[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]]
    figures = _capture_figures(monkeypatch)
    for y in ([0.0, 1.0, 1.0, 0.0], [False, True, True, False]):
        plots.plot_decision_boundary(lambda p: np.zeros((len(p), 2)), X, y, tmp_path / "d.png",
                                     resolution=4)
    for figure in figures:
        assert [len(c.get_offsets()) for c in figure.axes[0].collections[-2:]] == [2, 2]
    assert len(figures) == 2


@pytest.mark.parametrize(
    "history, message",
    [
        ({"loss": []}, r"for 'loss'\. Received an empty history: loss=\[\]"),
        ({"loss": [], "val_loss": []}, "loss=\\[\\]"),
        ({"loss": [0.5], "accuracy": []}, "accuracy=\\[\\]"),
    ],
)
def test_empty_history_is_refused(tmp_path, history, message) -> None:
    # was a matplotlib UserWarning ('No artists with labels') and an empty figure
    with pytest.raises(ValueError, match=message):
        plots.plot_history(history, tmp_path / "h.png")
    assert not (tmp_path / "h.png").exists()


def test_history_without_validation_epochs_still_plots(tmp_path) -> None:
    path = plots.plot_history({"loss": [0.5, 0.4], "val_loss": [], "lr": []}, tmp_path / "h.png")
    assert Path(path).exists()


def test_empty_error_curve_is_refused(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"at least one error value.*shape \(0,\)"):
        plots.plot_error_curve([], tmp_path / "e.png")
    assert not (tmp_path / "e.png").exists()


def test_empty_confusion_matrix_is_refused(tmp_path) -> None:
    # was matplotlib's 'identical low and high xlims' warning and an empty figure
    with pytest.raises(ValueError, match=r"at least one class\. Received shape \(0, 0\)"):
        plots.plot_confusion_matrix(np.zeros((0, 0)), tmp_path / "c.png")
    assert not (tmp_path / "c.png").exists()
