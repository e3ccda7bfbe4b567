"""Session 30 review of the decision boundary's refusal of a one-column output outside
[0, 1]: the hint fits what was passed (class indices in a column, a linear output)."""

from __future__ import annotations

import numpy as np
import pytest


def test_a_column_of_class_indices_is_told_to_ravel(tmp_path):
    # was: told about logits, whose lambda would cut class 2 at 0 (class 1 for 1 and 2)
    pytest.importorskip("matplotlib")
    from nonlin import plots

    X = np.random.default_rng(0).uniform(-1, 2, size=(30, 2))
    y = np.digitize(X[:, 0], [0.0, 1.0])  # classes 0, 1, 2
    column = lambda points: np.digitize(points[:, :1], [0.0, 1.0])  # noqa: E731  # (n, 1)
    with pytest.raises(ValueError, match=r"Received 2 .*class indices.*\.ravel\(\)") as info:
        plots.plot_decision_boundary(column, X, y, tmp_path / "b.png")
    assert "logits" not in str(info.value)
    assert plots.plot_decision_boundary(lambda p: column(p).ravel(), X, y, tmp_path / "b.png")


def test_a_linear_output_is_told_its_cut_in_full(tmp_path):
    pytest.importorskip("matplotlib")
    from nonlin import plots

    X = np.random.default_rng(0).uniform(-1, 2, size=(30, 2))
    y = (X[:, 0] > 0.5).astype(int)
    linear = lambda points: points[:, :1] / 1.5  # noqa: E731  # fit to 0 and 1: cut at 0.5
    with pytest.raises(ValueError, match=r"logits.*linear output fit to 0 and 1.*> 0\.5"):
        plots.plot_decision_boundary(linear, X, y, tmp_path / "b.png")
