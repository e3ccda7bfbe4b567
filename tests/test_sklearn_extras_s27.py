"""The scikit-learn estimators' extras as a scikit-learn user meets them (session 27)."""

from __future__ import annotations

import io
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn")
pytest.importorskip("tqdm")

from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from nonlin.sklearn import MLPClassifier  # noqa: E402


def _data() -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(0).normal(size=(120, 4))
    return X, np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")


def test_verbose_2_lines_do_not_run_into_the_open_progress_bar(monkeypatch):
    """scikit-learn's ``Iteration n, loss = ...`` line was written while the epoch's bar was
    still open, on the bar's line (``Epoch 1/3:  0%|...| 0/4 [...]Iteration 1, loss = ...``);
    each now starts its own line after the bar, and the warning still names the user's fit."""
    out = io.StringIO()  # a terminal shows both streams on one screen
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", out)
    X, y = _data()
    est = MLPClassifier((8,), max_iter=3, batch_size=30, random_state=0, verbose=2)
    with pytest.warns(ConvergenceWarning, match=r"Maximum iterations \(3\)") as caught:
        est.fit(X, y)
    assert caught[0].filename == __file__
    lines = [part for line in out.getvalue().split("\n") for part in line.split("\r")]
    iterations = [line for line in lines if "Iteration" in line]
    expected = [f"Iteration {i + 1}, loss = {v:.8f}" for i, v in enumerate(est.loss_curve_)]
    assert iterations == expected
    assert "Epoch 3/3" in out.getvalue()
    est.set_params(n_iter_no_change=1, tol=1e9, max_iter=20)  # the stopping line too
    out.seek(0)
    out.truncate()
    est.fit(X, y)
    lines = [part for line in out.getvalue().split("\n") for part in line.split("\r")]
    said = [line for line in lines if "Iteration" in line or "Stopping" in line]
    assert said == [*(f"Iteration {i + 1}, loss = {v:.8f}" for i, v in enumerate(est.loss_curve_)),
                    "Training loss did not improve more than tol=1000000000.000000 for 1 "
                    "consecutive epochs. Stopping."]
