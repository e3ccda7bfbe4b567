"""Review 23e: classification metrics against their targets' shapes (hostile review)."""

from __future__ import annotations

import numpy as np
import pytest

from nonlin.metrics import Accuracy, BinaryAccuracy, TopKAccuracy

SCORES = np.array([[0.1, 0.9], [0.7, 0.3], [0.4, 0.6]])
WIDE_ONE_HOT = np.eye(3)[[2, 0, 2]]  # three columns for a two-column y_pred


@pytest.mark.parametrize("metric", [Accuracy(), TopKAccuracy(1), TopKAccuracy(2)],
                         ids=["accuracy", "top_1", "top_2"])
@pytest.mark.parametrize("streamed", [False, True], ids=["call", "update_state"])
def test_one_hot_rows_of_another_width_are_refused(metric, streamed):
    # before: Accuracy scored the arg-max 2 as a miss (1/3, silently) and TopKAccuracy
    # raised numpy's IndexError; the loss-like metrics refuse this shape with this message
    with pytest.raises(ValueError, match=r"Expected y_true of shape \(3,\), \(3, 1\) or "
                                         r"\(3, 2\) .* Received shape \(3, 3\)"):
        if streamed:
            metric.reset_state()
            metric.update_state(WIDE_ONE_HOT, SCORES)
        else:
            metric(WIDE_ONE_HOT, SCORES)


def test_one_hot_rows_of_the_outputs_width_still_score():
    one_hot = np.eye(2)[[1, 0, 0]]
    assert Accuracy()(one_hot, SCORES) == pytest.approx(2 / 3)
    assert TopKAccuracy(1)(one_hot, SCORES) == pytest.approx(2 / 3)
    assert Accuracy()(np.array([1, 0, 0]), SCORES) == pytest.approx(2 / 3)


WIDER = (np.eye(3), SCORES, r"\(3,\), \(3, 1\) or \(3, 2\) for y_pred of shape \(3, 2\)\. "
                            r"Received shape \(3, 3\)")
TWO_FOR_ONE = (np.eye(3)[:, :2], SCORES[:, 1:], r"\(3,\) or \(3, 1\) for y_pred of shape "
                                                r"\(3, 1\)\. Received shape \(3, 2\)")


@pytest.mark.parametrize(("metric", "case"), [
    (BinaryAccuracy(), WIDER), (BinaryAccuracy(), TWO_FOR_ONE), (Accuracy(), TWO_FOR_ONE),
], ids=["binary-wider", "binary-two_for_one", "accuracy-two_for_one"])
def test_binary_targets_of_another_width_are_refused(metric, case):
    # before: numpy's broadcasting error for the first, and for the others a silent score of
    # the one output against both target columns (1/3 here)
    y_true, y_pred, expected = case
    with pytest.raises(ValueError, match="Expected y_true of shape " + expected):
        metric(y_true, y_pred)


def test_binary_targets_of_the_outputs_shape_still_score():
    assert BinaryAccuracy()(np.array([1, 0, 0]), SCORES[:, 1:]) == pytest.approx(2 / 3)
    assert BinaryAccuracy()(np.array([[1], [0], [1]]), SCORES) == pytest.approx(1 / 2)
    assert BinaryAccuracy()(np.eye(2)[[1, 0, 0]], SCORES) == pytest.approx(2 / 3)
    assert Accuracy()(np.array([[1], [0], [0]]), SCORES[:, 1:]) == pytest.approx(2 / 3)
