"""``CategoricalFocalCrossentropy`` with a finite but huge ``gamma`` (accepted by its
constructor; ``nonlin train --loss focal:GAMMA`` takes GAMMA up to 23):
``(1 - p)^gamma`` underflows to 0 and the gradient is 0 there (its limit), not
``inf * 0 = NaN``; a gamma beyond float32's range works in float32 as at its largest float."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nonlin import cli
from nonlin.losses_extra import CategoricalFocalCrossentropy

LOGITS = np.array([[1.0, 2.0, 0.0], [3.0, -1.0, 0.0], [200.0, -200.0, 0.0]])
LABELS = np.array([0, 1, 1])


def _inputs(dtype: type, from_logits: bool) -> np.ndarray:
    z = LOGITS.astype(dtype)
    if from_logits:
        return z
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(dtype)


@pytest.mark.parametrize("gamma", [1e30, 1e39, 1e300, 1e308])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("from_logits", [True, False])
def test_the_gradient_of_a_huge_gamma_is_finite(gamma, dtype, from_logits) -> None:
    loss = CategoricalFocalCrossentropy(gamma=gamma, from_logits=from_logits)
    inputs = _inputs(dtype, from_logits)
    with np.errstate(over="ignore", under="ignore"):  # gamma log p: inf, times 0
        value, grad = loss(LABELS, inputs), loss.grad(LABELS, inputs)
    assert np.isfinite(value)
    assert np.isfinite(grad).all(), grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_moderate_gamma_is_as_before(dtype) -> None:
    loss = CategoricalFocalCrossentropy(gamma=2.0, from_logits=True)
    z = LOGITS[:2].astype(dtype)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = -0.25 * np.mean([(1 - p[0, 0]) ** 2 * np.log(p[0, 0]),
                                (1 - p[1, 1]) ** 2 * np.log(p[1, 1])])
    np.testing.assert_allclose(loss(LABELS[:2], z), expected, rtol=1e-5)


def test_train_with_the_largest_focal_gamma_does_not_diverge(tmp_path: Path) -> None:
    """``nonlin train`` takes GAMMA up to 23 (s20: a larger one learns nothing in float32,
    refused at parse time: ``test_cli_loss_bounds``); the largest trains."""
    rows = [f"{i % 7},{(3 * i) % 5},{'pq'[i % 2]}" for i in range(40)]
    (tmp_path / "d.csv").write_text("a,b,y\n" + "\n".join(rows) + "\n")
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--loss",
                     "focal:23", "--epochs", "2", "--quiet",
                     "--out", str(tmp_path / "m.st")]) == 0
