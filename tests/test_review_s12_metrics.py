"""Review s12 (numerics): R2Score on constant targets, AUC's comparison dtype, NaN
predictions in metrics, cross-entropy gradients at clipped entries, and the documented
factors against Keras' losses and its top-k ties."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
from io_helpers import edit_meta
from nonlin.checkpoint import load_checkpoint
from nonlin.metrics import (
    AUC,
    METRICS,
    MeanAbsoluteError,
    Precision,
    R2Score,
    get_metric,
)
from test_checkpoint import _data
from test_metrics_keras import _run, _stopped

# --- R2Score: constant targets decided exactly --------------------------------------------


def _streamed(y, p, cuts):
    metric = R2Score()
    for rows in np.split(np.arange(len(y)), cuts):
        metric.update_state(y[rows, None], p[rows, None])
    return metric.result()


@pytest.mark.parametrize("c", [0.1, 0.3, 1 / 3, 1e-3, 123.456])
@pytest.mark.parametrize("n", [3, 7, 10, 53])
def test_r2_of_a_constant_target_is_0_or_1_one_shot_weighted_and_streamed(c, n):
    y = np.full(n, c)
    w = np.linspace(0.5, 2.0, n)
    for p, expected in ((y + 0.05, 0.0), (y.copy(), 1.0)):
        assert R2Score()(y, p) == expected
        assert R2Score()(y, p, w) == expected
        for cuts in ([2], [1, n - 1], list(range(1, n))):
            assert _streamed(y, p, cuts) == expected


def test_r2_constant_over_the_weighted_rows_and_per_output():
    y = np.array([0.1, 0.1, 0.1, 7.0])
    p = np.array([0.1, 0.1, 0.1, 0.0])
    assert R2Score()(y, p, [1.0, 1.0, 1.0, 0.0]) == 1.0  # the row of weight 0 does not count
    assert R2Score()(y, p + 0.01, [1.0, 1.0, 1.0, 0.0]) == 0.0
    Y = np.column_stack([np.full(7, 0.1), np.arange(7.0)])
    P = np.column_stack([np.full(7, 0.2), np.arange(7.0) + 0.5])
    varied = 1.0 - np.sum(0.5**2 * np.ones(7)) / np.sum((np.arange(7.0) - 3.0) ** 2)
    assert R2Score()(Y, P) == pytest.approx(varied / 2, rel=1e-15)
    metric = R2Score()
    metric.update_state(Y[:1], P[:1])
    metric.update_state(Y[1:], P[1:])
    assert metric.result() == pytest.approx(varied / 2, rel=1e-15)


@pytest.mark.parametrize("batch_size", [None, 1, 3, 4])
def test_evaluate_r2_of_a_constant_target_does_not_depend_on_the_batch_size(batch_size):
    X = np.random.default_rng(0).normal(size=(10, 2))
    y = np.full(10, 0.1)
    model = nonlin.Sequential([nonlin.Dense(1)])
    model.build(2, seed=0)
    scores = model.evaluate(X, y, loss="mse", metrics=["r2"], batch_size=batch_size)
    assert scores["r2"] == 0.0


def test_r2_state_keeps_min_and_max_and_loads_a_state_saved_without_them():
    y, p = np.full(10, 0.1), np.full(10, 0.15)
    first = R2Score()
    first.update_state(y[:2, None], p[:2, None])
    state = first.state_dict()
    assert state["min"] == state["max"] == [0.1]
    resumed = R2Score()
    resumed.load_state_dict(state)
    resumed.update_state(y[2:, None], p[2:, None])
    assert resumed.result() == 0.0
    older = {k: state[k] for k in ("n", "mean", "m2", "ss_res")}  # before min / max
    resumed.load_state_dict(older)
    resumed.update_state(np.array([[1.0]]), np.array([[1.0]]))
    assert 0.0 < resumed.result() < 1.0  # spread by then: not a constant target
    for bad in ({**state, "min": [0.2]}, {**state, "max": [0.0, 1.0]}, {**older, "min": [0.1]}):
        with pytest.raises(ValueError, match="Expected R2Score state"):
            R2Score().load_state_dict(bad)


def test_a_checkpoint_with_an_r2_state_saved_before_min_and_max_still_loads(tmp_path):
    y = _data()[0][:, :3] * 2.0 + 1.0
    path = _stopped(tmp_path, ["r2"], "mse", y)
    assert set(load_checkpoint(path).partial["metrics"][0]) >= {"min", "max"}
    older = tmp_path / "older.safetensors"

    def drop(record):
        state = {k: v for k, v in record["partial"]["metrics"][0].items()
                 if k not in ("min", "max")}
        return {**record, "partial": {**record["partial"], "metrics": [state]}}

    older.write_bytes(edit_meta(path.read_bytes(), "checkpoint", drop))
    assert set(load_checkpoint(older).partial["metrics"][0]) == {"n", "mean", "m2", "ss_res"}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # "the epoch starts again": not taken
        _run(["r2"], "mse", y, epochs=3, optimizer="adam", resume_from=older)


# --- AUC: compared in the predictions' dtype; NaN below every threshold --------------------


def test_auc_compares_float32_predictions_with_float32_thresholds():
    y = np.array([1, 0, 1, 0])
    p = np.array([0.9, 0.1, 0.1, 0.05])  # float32(0.1) > 0.1 in float64, == in float32
    assert AUC(num_thresholds=11)(y, p) == 0.75
    assert AUC(num_thresholds=11)(y, p.astype(np.float32)) == 0.75
    on = np.float32([0.3, 0.3])  # exactly on a threshold: not above it, as Precision(0.3) says
    auc = AUC(thresholds=[0.3])
    auc.update_state(np.array([1, 0]), on)
    assert auc.state_dict()["true_positives"][1] == auc.state_dict()["false_positives"][1] == 0
    assert Precision(0.3)(np.array([1, 0]), on) == 0.0
    logits = np.log(on / (1 - on))  # float32 logits whose sigmoid rounds to float32(0.3)
    auc = AUC(thresholds=[0.3], from_logits=True)
    auc.update_state(np.array([1, 0]), logits)
    assert auc.state_dict()["true_positives"][1] == 0


def test_auc_streams_a_nan_prediction_as_a_negative_at_every_threshold():
    auc = AUC(num_thresholds=3)  # thresholds -eps, 0.5, 1 + eps
    # fit's and evaluate's unchecked entry (the public update_state refuses NaN)
    auc._update_state(np.array([1, 0, 1, 0]), np.array([[0.9], [np.nan], [0.1], [0.2]]))
    assert auc.state_dict() == {"true_positives": [2.0, 1.0, 0.0],
                                "false_positives": [1.0, 0.0, 0.0],
                                "true_negatives": [1.0, 2.0, 2.0],
                                "false_negatives": [0.0, 1.0, 2.0]}
    multi = AUC(num_thresholds=3, multi_label=True)
    multi._update_state(np.array([[1, 0], [0, 1]]), np.array([[np.nan, 0.7], [0.2, np.nan]]))
    assert multi.state_dict() == {"true_positives": [[0.0, 0.0]] * 3,
                                  "false_positives": [[1.0, 1.0], [0.0, 1.0], [0.0, 0.0]],
                                  "true_negatives": [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]],
                                  "false_negatives": [[1.0, 1.0]] * 3}


# --- a direct metric call refuses NaN and infinities ----------------------------------------


@pytest.mark.parametrize("name", sorted(METRICS))
def test_a_metric_called_on_nan_or_inf_raises_naming_the_index(name):
    metric = get_metric(name)
    y = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    p = np.array([[0.9, 0.1], [0.2, 0.7], [0.6, 0.4]])
    assert np.isfinite(metric(y, p))
    with pytest.raises(ValueError, match=r"finite y_pred. Received nan at index \(1, 1\)"):
        metric(y, np.where(p == 0.7, np.nan, p))
    with pytest.raises(ValueError, match=r"finite y_pred. Received -inf at index \(2,\)"):
        metric(y[:, 0], np.array([0.9, 0.2, -np.inf]))
    with pytest.raises(ValueError, match=r"finite y_true. Received inf at index \(2, 0\)"):
        metric(np.where(np.arange(6).reshape(3, 2) == 4, np.inf, y), p)


def test_metric_update_state_and_call_keep_no_check():
    p = np.array([[0.9], [np.nan]])
    metric = MeanAbsoluteError()
    metric._update_state(np.array([1.0, 0.0]), p)  # fit's per-batch entry: no added cost
    assert np.isnan(metric.result())
    assert np.isnan(metric._call(np.array([1.0, 0.0]), p))


# --- cross-entropies from probabilities: the gradient at clipped entries ----------------------


@pytest.mark.parametrize("dtype, eps", [(np.float32, 1e-7), (np.float64, 1e-15)])
def test_bce_gradient_is_0_where_p_equals_its_target_and_large_where_confidently_wrong(
        dtype, eps):
    bce = nonlin.BinaryCrossEntropy(reduction="sum")
    y = np.array([[1.0, 0.0, 1.0, 0.0]], dtype)
    p = np.array([[1.0, 0.0, 0.0, 1.0]], dtype)  # right, right, wrong, wrong
    grad = bce.grad(y, p)
    assert grad.dtype == dtype
    assert grad[0, 0] == grad[0, 1] == 0.0  # as torch's BCELoss
    assert np.isfinite(grad).all()
    # -1/eps and +1/(p_c (1 - p_c)) at p_c = 1 - eps, which rounds (8.4e6 in float32)
    assert grad[0, 2] == pytest.approx(-1 / eps, rel=1e-6) and 0.8 / eps < grad[0, 3] < 1.2 / eps
    inside = np.array([[1 - 2 * eps, 2 * eps, 2 * eps, 1 - 2 * eps]], dtype)  # unclipped
    assert np.all(np.sign(bce.grad(y, inside)) == [-1, 1, -1, 1])
    soft = np.array([[0.3]], dtype)  # a soft target: p = 0 is wrong by 0.3
    np.testing.assert_allclose(bce.grad(soft, np.zeros((1, 1), dtype)), [[-0.3 / eps]],
                               rtol=1e-6)


def test_cross_entropy_gradient_below_eps_is_that_at_eps():
    ce = nonlin.CrossEntropy(reduction="sum")
    grad = ce.grad(np.array([0]), np.array([[0.0, 1.0]]))
    assert grad[0, 0] == pytest.approx(-1e15, rel=1e-12) and grad[0, 1] == 0.0


# --- the losses against the examples of Keras' docstrings ------------------------------------


def test_keras_doc_examples_differ_by_the_documented_factors():
    """Keras averages MSE / MAE / Huber / BCE over the outputs, nonlin sums them: k = 2
    outputs here, so k times Keras' value (k / 2 for MSE); categorical cross-entropy agrees."""
    from nonlin import losses as L

    y = np.array([[0.0, 1.0], [0.0, 0.0]])
    soft = np.array([[0.6, 0.4], [0.4, 0.6]])
    k = y.shape[1]
    bce_none = L.BinaryCrossEntropy(reduction="none")(y, soft)
    np.testing.assert_allclose(bce_none, k * np.array([0.916, 0.714]), atol=k * 5e-4)
    z = np.array([[-18.6, 0.51], [2.94, -12.8]])
    bce = L.BinaryCrossEntropy(from_logits=True)
    assert bce(y, z) == pytest.approx(k * 0.865, abs=k * 5e-4)
    assert bce(y, z, [0.8, 0.2]) == pytest.approx(k * 0.243, abs=k * 1e-3)  # 0.2436: cut
    hard = np.array([[1.0, 1.0], [1.0, 0.0]])
    assert L.MeanSquaredError()(y, hard) == pytest.approx(k / 2 * 0.5)
    assert L.MeanAbsoluteError()(y, hard) == pytest.approx(k * 0.5)
    assert L.Huber()(y, soft) == pytest.approx(k * 0.155, abs=k * 5e-4)
    labels = np.array([[0, 1, 0], [0, 0, 1]])
    p = np.array([[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]])
    assert L.CrossEntropy()(labels, p) == pytest.approx(1.177, abs=5e-4)
    assert L.CrossEntropy()(labels, p, [0.3, 0.7]) == pytest.approx(0.814, abs=5e-4)
    assert L.CrossEntropy()(np.array([1, 2]), p) == pytest.approx(1.177, abs=5e-4)


def test_the_docs_state_the_keras_factors_and_the_top_k_ties():
    from pathlib import Path

    from nonlin import losses
    from nonlin.metrics import TopKAccuracy

    guide = " ".join((Path(__file__).parents[1] / "docs" / "guide.md").read_text().split())
    assert "nonlin's are `n_outputs` times Keras' (`n_outputs / 2` for MSE" in guide
    assert "``k`` times Keras' (``k / 2`` for MSE)" in " ".join(losses.__doc__.split())
    assert "ties with the k-th highest score" in guide
    assert "ties with the k-th highest score counts as a hit" in " ".join(
        TopKAccuracy.__doc__.split())
    scores = np.full((3, 3), 1 / 3)  # a tie everywhere: every class is in the top 1
    assert TopKAccuracy(1)(np.array([0, 1, 2]), scores) == 1.0


def test_evaluate_and_validation_score_overflowing_outputs_as_the_streamed_path_does():
    X = np.random.default_rng(0).normal(size=(40, 2))
    y = X[:, :1] * 2.0
    X_val = X.copy()
    X_val[0], X_val[1] = 1.79e308, -1.79e308  # finite inputs whose outputs overflow
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.Dense(1)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        history = model.fit(X, y, loss="mse", optimizer="sgd", metrics=["mae"], epochs=1,
                            validation_data=(X_val, y), verbose=0, seed=0)
        streamed = model.evaluate(X_val, y, loss="mse", metrics=["mae"], batch_size=8)
        whole = model.evaluate(X_val, y, loss="mse", metrics=["mae"])
    assert history.history["val_mae"] == [np.inf]
    assert whole == streamed == {"loss": np.inf, "mae": np.inf}
