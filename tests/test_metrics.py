"""Metrics against scikit-learn's definitions, and name resolution."""

from __future__ import annotations

import numpy as np
import pytest

from nonlin import BinaryCrossEntropy, CrossEntropy
from nonlin.metrics import (
    Accuracy,
    BinaryAccuracy,
    MeanAbsoluteError,
    MeanSquaredError,
    R2Score,
    RootMeanSquaredError,
    TopKAccuracy,
    get_metric,
)

skm = pytest.importorskip("sklearn.metrics")


def test_classification_metrics() -> None:
    rng = np.random.default_rng(0)
    scores = rng.random((50, 4))
    labels = rng.integers(0, 4, 50)
    w = rng.random(50)
    pred = scores.argmax(axis=1)
    assert Accuracy()(labels, scores) == pytest.approx(skm.accuracy_score(labels, pred))
    assert Accuracy()(np.eye(4)[labels], scores) == Accuracy()(labels, scores)
    assert Accuracy()(labels, scores, w) == pytest.approx(
        skm.accuracy_score(labels, pred, sample_weight=w))
    assert TopKAccuracy(2)(labels, scores) == pytest.approx(
        skm.top_k_accuracy_score(labels, scores, k=2))
    assert TopKAccuracy(4)(labels, scores) == 1.0
    p = rng.random((50, 1))
    t = rng.integers(0, 2, 50)
    assert BinaryAccuracy()(t, p) == pytest.approx(np.mean((p[:, 0] > 0.5) == t))
    assert BinaryAccuracy(threshold=0.0)(t, p - 0.5) == BinaryAccuracy()(t, p)


def test_regression_metrics() -> None:
    rng = np.random.default_rng(1)
    y, p = rng.normal(size=(40, 3)), rng.normal(size=(40, 3))
    assert MeanAbsoluteError()(y, p) == pytest.approx(skm.mean_absolute_error(y, p))
    assert MeanSquaredError()(y, p) == pytest.approx(skm.mean_squared_error(y, p))
    assert RootMeanSquaredError()(y, p) == pytest.approx(np.sqrt(skm.mean_squared_error(y, p)))
    assert R2Score()(y, p) == pytest.approx(skm.r2_score(y, p))
    assert R2Score()(y[:, 0], p[:, :1]) == pytest.approx(skm.r2_score(y[:, 0], p[:, 0]))
    assert R2Score()(np.ones(5), np.ones((5, 1))) == 1.0


def test_names_resolve_like_keras() -> None:
    assert isinstance(get_metric("accuracy", loss=CrossEntropy(), n_outputs=3), Accuracy)
    binary = get_metric("accuracy", loss=BinaryCrossEntropy(from_logits=True), n_outputs=1)
    assert isinstance(binary, BinaryAccuracy) and binary.threshold == 0.0
    assert binary.name == "accuracy"
    assert get_metric("top_k_accuracy").name == "top_k_accuracy"  # the name as given
    rmse = get_metric("RMSE")
    assert rmse.name == "RMSE" and isinstance(rmse, RootMeanSquaredError)
    assert TopKAccuracy(3).name == "top_3_accuracy"  # an object keeps its own name
    with pytest.raises(ValueError, match="Unknown metric 'f1'"):
        get_metric("f1")

    def hits(y_true, y_pred):
        return 1.0

    assert get_metric(hits).name == "hits"


def _in_batches(metric, y, p, size):
    metric.reset_state()
    for start in range(0, len(y), size):
        metric.update_state(y[start : start + size], p[start : start + size])
    return metric.result()


@pytest.mark.parametrize("size", [1, 7, 50])
def test_streaming_in_batches_matches_the_whole_array(size: int) -> None:
    rng = np.random.default_rng(3)
    scores, labels = rng.random((50, 4)), rng.integers(0, 4, 50)
    for metric in (Accuracy(), TopKAccuracy(2)):
        assert _in_batches(metric, labels, scores, size) == metric(labels, scores)
    t, p = rng.integers(0, 2, (50, 3)), rng.random((50, 3))
    assert _in_batches(BinaryAccuracy(), t, p, size) == pytest.approx(BinaryAccuracy()(t, p))
    # targets far from zero: the merged variance must not cancel
    y = 1e6 + rng.normal(size=(50, 2))
    p = y + 0.3 * rng.normal(size=(50, 2))
    for metric in (MeanAbsoluteError(), MeanSquaredError(), RootMeanSquaredError(), R2Score()):
        assert _in_batches(metric, y, p, size) == pytest.approx(metric(y, p), rel=1e-9)
    assert R2Score()(y, p) == pytest.approx(skm.r2_score(y, p), rel=1e-9)


def test_streaming_state_resets_and_starts_empty() -> None:
    metric = Accuracy()
    assert np.isnan(metric.result())
    metric.update_state(np.array([0, 1]), np.array([[1.0, 0.0], [1.0, 0.0]]))
    assert metric.result() == 0.5
    metric.reset_state()
    metric.update_state(np.array([1]), np.array([[0.0, 1.0]]))
    assert metric.result() == 1.0
    r2 = R2Score()
    assert np.isnan(r2.result())
    r2.update_state(np.ones(3), np.ones((3, 1)))
    assert r2.result() == 1.0  # constant targets predicted exactly


def test_a_plain_function_does_not_stream() -> None:
    metric = get_metric(lambda y, p: 0.0)
    assert not metric.streams
    with pytest.raises(NotImplementedError, match="does not stream"):
        metric.update_state(np.zeros(1), np.zeros((1, 1)))


@pytest.mark.parametrize("metric", [Accuracy(), TopKAccuracy(k=2)])
def test_a_direct_call_checks_class_labels_like_the_losses(metric):
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.8, 0.1], [0.2, 0.2, 0.6]])
    assert metric(np.array([0.0, 1.0, 2.0], dtype=np.float32), proba) == 1.0  # integral floats
    with pytest.raises(ValueError, match=r"y_true\[1\]=1.5"):
        metric(np.array([0.0, 1.5, 2.0]), proba)  # was silently a miss
    with pytest.raises(ValueError, match="Received label 3"):
        metric(np.array([0, 1, 3]), proba)  # was a raw IndexError (TopKAccuracy)
    with pytest.raises(ValueError, match="one row per row of y_pred"):
        metric(np.array([0, 1]), proba)
