"""The hint to swap a loss's arguments names only PyTorch's order (review30c, session 30).

``_loss_checks.swapped_hint`` adds "swapped, they pass: swap them" to a target check's error
when ``y_pred`` holds whole numbers and the swapped arguments pass. Outputs can be whole
numbers too (a zero-initialized output layer's zeros), and targets in the right order can be
wrong (labels in {-1, 1} or {1, 2} for a loss of {0, 1}, soft targets pushed out of [0, 1]):
the hint then told the user to swap arguments that were in the right order, which trains on
the model's outputs as targets. The hint now needs labels (whole numbers, two or more
values) as ``y_pred`` and outputs (not all whole numbers) as ``y_true``.
"""

from __future__ import annotations

import numpy as np
import pytest

import nonlin

RNG = np.random.default_rng(0)
LABELS = RNG.integers(0, 2, (8, 1)).astype(float)
ZEROS = np.zeros((8, 1))  # an output layer initialized with zeros, before its first step


@pytest.mark.parametrize(("loss", "y_true"), [
    (nonlin.BinaryCrossEntropy(from_logits=True), 2 * LABELS - 1),  # labels in {-1, 1}
    (nonlin.BinaryCrossEntropy(from_logits=True), LABELS + 1),  # labels in {1, 2}
    (nonlin.BinaryCrossEntropy(from_logits=True), LABELS * 1.1 - 0.05),  # smoothing gone wrong
    (nonlin.Hinge(), LABELS + 1),
])
def test_targets_in_the_right_order_get_no_hint_to_swap(loss, y_true):
    for call in (loss, loss.grad):
        with pytest.raises(ValueError, match="Expected targets") as caught:
            call(y_true, ZEROS)  # loss(y_true, y_pred): the right order, wrong targets
        assert "swap" not in str(caught.value)


def test_pytorchs_order_still_gets_the_hint() -> None:
    logits = RNG.normal(size=(8, 1))
    with pytest.raises(ValueError, match="swapped, they pass: swap them"):
        nonlin.BinaryCrossEntropy(from_logits=True)(logits, LABELS)
    with pytest.raises(ValueError, match="swapped, they pass: swap them"):
        nonlin.Hinge().grad(logits, 2 * LABELS - 1)
    probabilities = np.full((4, 3), 1 / 3)
    with pytest.raises(ValueError, match="swap them"):
        nonlin.CrossEntropy()(probabilities, np.array([0, 1, 2, 0]))
