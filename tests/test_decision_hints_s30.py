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


@pytest.mark.parametrize("y, hint", [
    (np.eye(3)[np.arange(8) % 3], "; for one-hot rows of 3 classes use Dense(3) + Softmax() "
                                  "with loss='cross_entropy'"),  # no argmax for 3 classes
    (np.eye(2)[np.arange(8) % 2], "; for one-hot rows of 2 classes use Dense(2) + Softmax() "
                                  "with loss='cross_entropy' (or y.argmax(axis=1) for one "
                                  "Sigmoid output)"),
    (np.random.default_rng(0).normal(size=(8, 3)), ""),  # regression targets: no class hint
])
def test_the_one_hot_hint_of_a_one_output_fit_fits_the_targets(y, hint):
    # was: the one-hot hint for any width (regression targets too), with "y.argmax(axis=1)
    # for a Sigmoid output" given for 3 classes, which a Sigmoid output cannot take
    import nonlin

    X = np.random.default_rng(0).normal(size=(8, 2))
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(1)])
    with pytest.raises(ValueError, match="Expected targets with 1 column") as info:
        model.fit(X, y, loss="mse", optimizer="sgd", epochs=1, seed=0, verbose=0)
    assert str(info.value).endswith(f"Received shape {y.shape}{hint}")
