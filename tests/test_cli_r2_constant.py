"""R^2 in the CLI's reports is undefined (None, "n/a") for a constant target, also when the
target's mean rounds (0.1 ten times), which leaves a residue of about 1e-33 in ss_tot."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin.cli_report import regression_report
from nonlin.cli_train_model import _regression_scores


@pytest.mark.parametrize("value", [0.1, 0.3, 1 / 3, 123.456, 3.0])
@pytest.mark.parametrize("n", [3, 10, 53])
def test_evaluate_report_r2_of_a_constant_target_is_undefined(value, n):
    report = regression_report(np.full(n, value), np.full(n, value + 0.05))
    assert report["r2"] is None
    assert report["rmse"] == pytest.approx(0.05)


@pytest.mark.parametrize("value", [0.1, 0.3, 1 / 3, 123.456, 3.0])
def test_train_final_r2_of_a_constant_target_is_undefined(value):
    model = nonlin.Sequential([nonlin.Dense(1)]).build(2, seed=0)
    X = np.random.default_rng(0).normal(size=(10, 2))
    scores = _regression_scores(model, X, np.full((10, 1), value), 1.0)
    assert scores["r2"] is None and np.isfinite(scores["rmse"])


def test_a_varying_target_keeps_its_r2():
    y = np.array([0.1, 0.2, 0.4, 0.3])
    assert regression_report(y, y)["r2"] == 1.0
    assert regression_report(y, np.full(4, y.mean()))["r2"] == pytest.approx(0.0, abs=1e-12)
