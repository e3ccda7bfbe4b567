"""Review s12 (fuzzing), findings 3 and 7: the public ``Metric.update_state`` checks its
input as a call does and takes ``sample_weight`` on every built-in metric, while ``fit``
and ``evaluate`` stream through the unchecked ``_update_state`` (or a subclass's own
``update_state``); ``ModelCheckpoint`` refuses a ``monitor`` that is not a log key."""

from __future__ import annotations

import copy
import math
import re

import numpy as np
import pytest

import nonlin
from nonlin.metrics import (
    AUC,
    METRICS,
    BinaryAccuracy,
    MeanAbsoluteError,
    Metric,
    Precision,
    R2Score,
    TopKAccuracy,
    get_metric,
)

# --- update_state refuses what a call refuses ---------------------------------------------

Y = np.array([0, 1, 1, 0])
P = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]])
CASES = {  # (y_true, y_pred, sample_weight): the reviewer's inputs (t17.py, repro_metrics.py)
    "None": (None, None, None),
    "empty": (np.empty(0), np.empty((0, 2)), None),
    "all-NaN y_pred": (Y, np.full((4, 2), np.nan), None),
    "inf y_true": (np.where(Y == 1, np.inf, 0.0), P, None),
    "str y_true": (Y.astype(str), P, None),
    "str y_pred": (Y, P.astype(str), None),
    "3 labels for 4 rows": (Y[:3], P, None),
    "3-D y_pred": (Y, P[..., None], None),
    "0-d": (np.array(1), np.array(0.5), None),
    "labels 0/5": (Y * 5, P, None),
    "fractional labels": (Y + 0.5, P, None),
    "negative weights": (Y, P, -np.ones(4)),
    "3 weights for 4 rows": (Y, P, np.ones(3)),
    "NaN weight": (Y, P, np.array([1.0, np.nan, 1.0, 1.0])),
    "str weights": (Y, P, np.array(["1"] * 4)),
}


def _outcome(f):
    try:
        return f()
    except (TypeError, ValueError) as error:
        return error


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("name", sorted(METRICS))
def test_update_state_refuses_what_a_call_refuses(name, case):
    y_true, y_pred, w = CASES[case]
    weights = {} if w is None else {"sample_weight": w}
    called = _outcome(lambda: get_metric(name)(y_true, y_pred, **weights))
    metric = get_metric(name)
    metric.update_state(np.eye(2)[Y], P)  # a batch before: a refused one changes nothing
    before = copy.deepcopy(metric.state_dict())
    if isinstance(called, Exception):
        with pytest.raises(type(called), match=re.escape(str(called))):
            metric.update_state(y_true, y_pred, **weights)
        assert metric.state_dict() == before
    else:  # accepted by both (e.g. MAE of labels 0/5): the same value
        metric.reset_state()
        metric.update_state(y_true, y_pred, **weights)
        assert metric.result() == pytest.approx(called, rel=1e-12)


def test_update_state_names_what_it_refuses():
    with pytest.raises(ValueError, match=r"class labels in \[0, 2\).*Received label 5"):
        TopKAccuracy(k=1).update_state(Y * 5, np.eye(2)[Y])
    with pytest.raises(ValueError, match=r"one row per row of y_pred \(4\)"):
        Precision().update_state(Y[:3], np.eye(2)[Y])
    with pytest.raises(TypeError, match="real numeric array for y_true"):
        get_metric("mse").update_state(np.array(["0", "1", "1", "0"]), P[:, 1:])
    with pytest.raises(ValueError, match=r"finite y_pred. Received nan at index \(0,\)"):
        AUC().update_state(Y, np.full(4, np.nan))


# --- update_state with sample_weight: as a weighted call ----------------------------------

N = 23
CUTS = [5, 6, 17]  # batches of 5, 1, 11 and 6 rows


def _data(metric, rng):
    """(y_true, y_pred) of the kind ``metric`` reads."""
    if isinstance(metric, BinaryAccuracy):
        return rng.integers(0, 2, (N, 1)), rng.uniform(size=(N, 1))
    if type(metric).__module__.endswith("_regression_metrics"):
        return rng.normal(size=(N, 2)) + 3.0, rng.normal(size=(N, 2)) + 3.0
    return rng.integers(0, 7, N), rng.dirichlet(np.full(7, 0.2), N)  # top-5 can miss


def _streamed(metric, y, p, w, cuts=CUTS):
    metric.reset_state()
    for rows in np.split(np.arange(len(y)), cuts):
        metric.update_state(y[rows], p[rows], sample_weight=None if w is None else w[rows])
    return metric.result()


@pytest.mark.parametrize("name", sorted(METRICS))
def test_update_state_with_sample_weight_equals_a_weighted_call(name):
    rng = np.random.default_rng(3)
    metric = get_metric(name)
    y, p = _data(metric, rng)
    w = rng.uniform(0.0, 2.0, N)
    w[[2, 5, 11]] = 0.0  # rows of weight 0, one a whole batch (row 5)
    expected = metric(y, p, w)
    assert expected != pytest.approx(metric(y, p), rel=1e-9)  # the weights matter here
    assert _streamed(metric, y, p, w) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert _streamed(metric, y, p, w, cuts=[]) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    # unweighted batches weigh 1 per row, mixed with weighted ones
    metric.reset_state()
    metric.update_state(y[:9], p[:9])
    metric.update_state(y[9:], p[9:], sample_weight=w[9:])
    mixed = metric(y, p, np.concatenate([np.ones(9), w[9:]]))
    assert metric.result() == pytest.approx(mixed, rel=1e-12, abs=1e-15)
    resumed = get_metric(name)  # a weighted state round-trips
    resumed.load_state_dict(copy.deepcopy(metric.state_dict()))
    assert resumed.result() == metric.result()


@pytest.mark.parametrize("name", sorted(METRICS))
def test_update_state_with_zero_weights_scores_as_a_call(name):
    metric = get_metric(name)
    y, p = _data(metric, np.random.default_rng(0))
    expected, streamed = metric(y, p, np.zeros(N)), _streamed(metric, y, p, np.zeros(N))
    assert streamed == expected or (math.isnan(streamed) and math.isnan(expected))


def test_r2_streamed_with_weights_keeps_constant_targets_exact():
    y, p = np.full(7, 0.1), np.full(7, 0.1)
    y[3], w = 5.0, np.array([1.0, 2.0, 1.0, 0.0, 1.0, 3.0, 1.0])  # the outlier weighs 0
    assert R2Score()(y, p, w) == 1.0
    assert _streamed(R2Score(), y[:, None], p[:, None], w, cuts=[2, 3, 4]) == 1.0
    assert _streamed(R2Score(), y[:, None], p[:, None] + 0.01, w, cuts=[2, 3, 4]) == 0.0


# --- fit and evaluate: the unchecked path, or a subclass's own update_state ----------------

X = np.random.default_rng(0).normal(size=(30, 3))
LABELS = (X[:, 0] > 0).astype(int)


def _model():
    return nonlin.Sequential([nonlin.Dense(4), nonlin.Tanh(), nonlin.Dense(2),
                              nonlin.Softmax()]).build(3, seed=0)


class BatchCounter(MeanAbsoluteError):
    """A Keras-style subclass: counts the batches, then defers to the built-in metric."""

    def __init__(self) -> None:
        super().__init__(name="counted_mae")
        self.batches = 0

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        self.batches += 1
        super().update_state(y_true, y_pred, sample_weight)


class RowsSeen(Metric):
    """A subclass of the base with its own two-argument update_state (no _update_state)."""

    name = "rows_seen"
    streams = True

    def __init__(self) -> None:
        self.reset_state()

    def reset_state(self) -> None:
        self.rows = 0

    def update_state(self, y_true, y_pred) -> None:
        self.rows += len(y_true)

    def result(self) -> float:
        return float(self.rows)


def test_a_subclass_overriding_update_state_streams_in_fit_and_evaluate():
    counted, rows = BatchCounter(), RowsSeen()
    model = _model()
    history = model.fit(X, np.eye(2)[LABELS], loss="cross_entropy", optimizer="sgd", epochs=2,
                        batch_size=8, seed=0, verbose=0, metrics=["mae", counted, rows])
    assert counted.batches == 2 * 4  # four batches (8, 8, 8, 6) per epoch
    assert history.history["counted_mae"] == history.history["mae"]
    assert history.history["rows_seen"] == [30.0, 30.0]
    scores = model.evaluate(X, np.eye(2)[LABELS], metrics=["mae", counted, rows], batch_size=7)
    assert counted.batches == 2 * 4 + 5
    assert scores["counted_mae"] == scores["mae"] and scores["rows_seen"] == 30.0


def test_fit_and_evaluate_stream_the_built_in_metrics_unchecked(monkeypatch):
    def checked(self, *args, **kwargs):
        raise AssertionError("the checked update_state ran on a training batch")

    monkeypatch.setattr(Metric, "update_state", checked)
    names = ["accuracy", "top_k_accuracy", "precision", "recall", "auc", "mae", "mse",
             "rmse", "mape", "r2"]
    model = _model()
    model.fit(X, LABELS, loss="cross_entropy", optimizer="sgd", epochs=1, batch_size=8,
              seed=0, verbose=0, metrics=names[:5], validation_data=(X, LABELS))
    model.evaluate(X, LABELS, metrics=names[:5], batch_size=7)
    model.evaluate(X, np.eye(2)[LABELS], loss="mse", metrics=names[5:], batch_size=7)


# --- ModelCheckpoint(monitor=...): a log key, as EarlyStopping and ReduceLROnPlateau --------


@pytest.mark.parametrize("monitor", [None, 3, "", b"val_loss", ["val_loss"], np.str_("")])
def test_model_checkpoint_refuses_a_monitor_that_is_no_log_key(monitor, tmp_path):
    with pytest.raises(TypeError) as early:
        nonlin.EarlyStopping(monitor=monitor)
    with pytest.raises(TypeError) as plateau:
        nonlin.ReduceLROnPlateau(monitor=monitor)
    with pytest.raises(TypeError, match=r"Expected a log key \(a non-empty str\)") as saving:
        nonlin.ModelCheckpoint(tmp_path / "ck.safetensors", monitor=monitor)
    assert str(saving.value) == str(early.value) == str(plateau.value)
