"""``nonlin evaluate --weight COLUMN --plot``: the confusion matrix's cells are sums of
weights, and its colour bar says so ("sum of weights"); without ``--weight`` it counts
rows ("samples"), as before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nonlin import cli, plots

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def _colour_bar_label(figure: object) -> str:
    axes = figure.axes  # type: ignore[attr-defined]
    assert len(axes) == 2  # the matrix, its colour bar
    return str(axes[1].get_ylabel())


@pytest.fixture
def figures(monkeypatch: pytest.MonkeyPatch) -> list:
    """The figures the plot functions save, in order."""
    saved: list = []
    original = plots._save

    def spy(fig: object, path: object) -> str:
        saved.append(fig)
        return original(fig, path)

    monkeypatch.setattr(plots, "_save", spy)
    return saved


def test_the_colour_bar_of_a_weighted_confusion_matrix_says_weights(
    tmp_path: Path, figures: list
) -> None:
    rows = [f"{i % 7},{(3 * i) % 5},{0.5 + (i % 4)},{'pq'[i % 2]}" for i in range(40)]
    (tmp_path / "d.csv").write_text("a,b,w,y\n" + "\n".join(rows) + "\n")
    model = str(tmp_path / "m.safetensors")
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--columns", "a,b",
                     "--epochs", "1", "--quiet", "--out", model]) == 0
    assert cli.main(["evaluate", model, str(tmp_path / "d.csv"), "--target", "y",
                     "--weight", "w", "--plot", str(tmp_path / "w.png")]) == 0
    assert cli.main(["evaluate", model, str(tmp_path / "d.csv"), "--target", "y",
                     "--plot", str(tmp_path / "c.png")]) == 0
    weighted, counted = figures
    assert _colour_bar_label(weighted) == "sum of weights"
    assert _colour_bar_label(counted) == "samples"
    # the cells of the weighted one are the weights' sums: they add up to the column's
    total = sum(0.5 + (i % 4) for i in range(40))
    cells = [float(t.get_text()) for t in weighted.axes[0].texts]
    assert np.isclose(sum(cells), total)


def test_plot_confusion_matrix_takes_the_colour_bar_label(tmp_path: Path, figures: list) -> None:
    plots.plot_confusion_matrix(np.eye(2), tmp_path / "a.png")
    plots.plot_confusion_matrix(np.eye(2) * 0.5, tmp_path / "b.png", label="sum of weights")
    assert [_colour_bar_label(f) for f in figures] == ["samples", "sum of weights"]
