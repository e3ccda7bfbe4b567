"""Review of cliimb32 (session 32): ``_exact_auc.binary_auc`` with weights spanning more
than float64's range of ratios (a tiny weight beside a huge one) is scikit-learn's, not
None: the weights are no longer divided by the largest one, which sent a weight below
``largest * 2**-1074`` to 0 and called its class absent."""

from __future__ import annotations

import numpy as np
import pytest

from nonlin._exact_auc import binary_auc


@pytest.mark.parametrize(("tiny", "huge"), [(1e-300, 1e300), (5e-324, 1.0), (1e-200, 1e200)])
def test_a_tiny_weight_beside_a_huge_one_still_counts(tiny: float, huge: float) -> None:
    from sklearn.metrics import average_precision_score, roc_auc_score

    y = np.array([0, 0, 1, 1, 0])
    score = np.array([0.1, 0.7, 0.4, 0.9, 0.4])
    weights = np.array([huge, 0.0, tiny, tiny, 1.0])
    result = binary_auc(y, score, weights)
    assert result is not None
    expected = (roc_auc_score(y, score, sample_weight=weights),
                average_precision_score(y, score, sample_weight=weights))
    np.testing.assert_allclose(result, expected, rtol=1e-12)


def test_weights_whose_sum_passes_float64s_range_still_give_the_scores() -> None:
    from sklearn.metrics import average_precision_score, roc_auc_score

    y = np.array([0, 1, 1, 0, 1])
    score = np.array([0.2, 0.8, 0.3, 0.6, 0.6])
    weights = np.array([1e308, 1e308, 5e307, 1e308, 3.0])
    result = binary_auc(y, score, weights)
    assert result is not None and np.isfinite(result).all()
    scaled = weights / 1e308  # scikit-learn's sums overflow: compare at a smaller scale
    expected = (roc_auc_score(y, score, sample_weight=scaled),
                average_precision_score(y, score, sample_weight=scaled))
    np.testing.assert_allclose(result, expected, rtol=1e-12)
