"""Review of cliimb32 (session 32): ``_exact_auc.binary_auc`` with weights spanning more
than float64's range of ratios (a tiny weight beside a huge one) is scikit-learn's, not
None: the weights are no longer divided by the largest one, which sent a weight below
``largest * 2**-1074`` to 0 and called its class absent. ``predict --threshold`` refused
for a model that is not binary names the value given, not its ``%g`` rounding
(``0.99999999`` read ``--threshold 1``, a value the option itself refuses)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nonlin import cli
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


@pytest.mark.parametrize("given", ["0.99999999", "0.12345678", "0.000123456789"])
def test_threshold_refused_for_a_multiclass_model_names_the_value_given(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], given: str) -> None:
    rows = ["a,b,y", *(f"{i % 7 - 3},{i % 5},{'xyz'[i % 3]}" for i in range(30))]
    data = tmp_path / "train.csv"
    data.write_text("\n".join(rows) + "\n")
    model = tmp_path / "m.safetensors"
    assert cli.main(["train", str(data), "--target", "y", "--epochs", "1", "--quiet",
                     "-o", str(model)]) == 0
    capsys.readouterr()
    assert cli.main(["predict", str(model), str(data), "--threshold", given]) == 2
    err = capsys.readouterr().err
    assert f"--threshold {float(given)!r} needs a binary classifier (two classes); " in err
    assert "a classifier of 3 classes" in err
