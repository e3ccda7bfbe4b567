"""Review 23e: differences from scikit-learn and Keras that the guide now names, checked."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")  # the sklearn extra: skipped where it is not installed

from sklearn.metrics import f1_score  # noqa: E402

from nonlin.metrics import (  # noqa: E402
    AUC,
    Accuracy,
    F1Score,
    MeanAbsoluteError,
    MeanIoU,
    Precision,
    R2Score,
)

GUIDE = re.sub(r"\s+", " ", (Path(__file__).resolve().parents[1] / "docs" / "guide.md")
               .read_text(encoding="utf-8").replace("`", ""))


def test_macro_f1_counts_a_class_absent_from_targets_and_predictions():
    # before: the guide named only the eps between nonlin's (Keras') and scikit-learn's scores
    assert ("a class neither true nor predicted in the data scores 0 and counts (Keras'; "
            "scikit-learn's f1_score(average=\"macro\") leaves it out") in GUIDE
    y = np.array([0, 1, 0, 1])
    scores = np.array([[0.9, 0.1, 0.0], [0.2, 0.7, 0.1], [0.3, 0.6, 0.1], [0.1, 0.8, 0.1]])
    ours = F1Score()(y, scores)  # class 2: never true, never predicted
    present = f1_score(y, scores.argmax(1), average="macro")
    assert ours == pytest.approx(2 / 3 * present, abs=1e-6)
    assert ours == pytest.approx(f1_score(y, scores.argmax(1), average="macro",
                                          labels=[0, 1, 2], zero_division=0), abs=1e-6)


def test_result_before_any_batch_is_as_the_guide_says():
    # before: the guide did not say; the means' NaN differs from Keras' 0
    assert ("before any batch: NaN for the means, the accuracies, regression and loss-like "
            "metrics, where Keras' read 0; 0, as Keras', for the confusion-count ones") in GUIDE
    for metric in (Accuracy(), MeanAbsoluteError(), R2Score()):
        assert math.isnan(metric.result())
    for metric in (Precision(), AUC(), F1Score(), MeanIoU(2)):
        assert metric.result() == 0.0


def test_precision_docstrings_say_how_a_negative_target_counts():
    # before: Precision's Notes and its module said "any nonzero is positive" (Keras' rule),
    # and its formula FP counted [y == 0]; a -1 (hinge) target is a negative here
    import nonlin._confusion_metrics as confusion

    for text in (Precision.__doc__, confusion.__doc__):
        assert "any nonzero" not in re.sub(r"\s+", " ", text or "")
    assert "[y_ij <= 0]" in (Precision.__doc__ or "")
    hinge_targets, scores = np.array([-1.0, 1.0]), np.array([[0.9], [0.9]])
    assert Precision()(hinge_targets, scores) == 0.5  # the -1 row: a false positive
