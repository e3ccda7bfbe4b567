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


def test_guard_stratify_moves_the_weights_with_their_rows() -> None:
    """Guard (passes before and after): ``--stratify``'s reordering keeps each row's
    features, class and weight together."""
    import argparse

    from nonlin._cli_split import _shuffle_and_split

    rng = np.random.default_rng(5)
    codes = rng.integers(0, 3, 50)
    X = np.column_stack([np.arange(50.0), codes.astype(float)])
    weights = np.arange(50.0) * 10
    args = argparse.Namespace(seed=4, val_split=0.3, missing="error")
    n_val = _shuffle_and_split(args, X, codes, ["id", "c"], weights, stratify=True)
    assert n_val == 15
    np.testing.assert_array_equal(X[:, 1], codes)
    np.testing.assert_array_equal(X[:, 0] * 10, weights)
    share = n_val * np.bincount(codes, minlength=3) / codes.size
    assert np.all(np.abs(np.bincount(codes[-n_val:], minlength=3) - share) < 1)


def test_guard_a_stratified_run_resumed_is_the_uninterrupted_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard (passes before and after): ``--resume`` takes ``--stratify`` from the
    checkpoint (left out of the command line) and ends with the same file."""
    from cli_helpers import interrupt_after
    from nonlin import cli_train_model

    rng = np.random.default_rng(0)
    lines = [f"{a},{b},{int(a + 0.3 * b > 1.0)}\n" for a, b in rng.normal(size=(80, 2))]
    (tmp_path / "d.csv").write_text("a,b,y\n" + "".join(lines))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    run = ["train", "d.csv", "--target", "y", "--epochs", "4", "--quiet", "--seed", "2",
           "--val-split", "0.3"]
    assert cli.main([*run, "--stratify", "--out", "full.safetensors"]) == 0
    assert cli.main([*run, "--out", "plain.safetensors"]) == 0
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
    assert cli.main([*run, "--stratify", "--out", "r.safetensors"]) == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [])
    assert cli.main([*run, "--out", "r.safetensors", "--resume",
                     "r.checkpoint.safetensors"]) == 0
    full = (tmp_path / "full.safetensors").read_bytes()
    assert (tmp_path / "r.safetensors").read_bytes() == full
    assert (tmp_path / "plain.safetensors").read_bytes() != full
