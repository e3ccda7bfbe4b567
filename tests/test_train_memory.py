"""fit and evaluate hold a few batches beyond the data and the model: streaming
metrics, chunked evaluation, int32 shuffling order, labels used as given."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from nonlin import SGD, CrossEntropy, Dense, ReLU, Sequential
from nonlin.data import permutation


def data(n: int, d: int = 8, k: int = 10, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)).astype(np.float32)
    y = (X @ rng.normal(size=(d, k))).argmax(axis=1)
    return X, y


def model(k: int = 10) -> Sequential:
    return Sequential([Dense(16), ReLU(), Dense(k)]).build(8, seed=0, dtype=np.float32)


def accuracy_function(y_true, y_pred):
    return float(np.mean(y_pred.argmax(axis=1) == y_true))


def test_streamed_training_metrics_equal_the_metric_on_the_epochs_outputs() -> None:
    X, y = data(1000)
    net = model()
    history = net.fit(X, y, loss=CrossEntropy(from_logits=True), optimizer=SGD(0.1),
                      epochs=3, batch_size=64, metrics=["accuracy", "top_k_accuracy",
                                                        accuracy_function],
                      validation_split=0.2, verbose=0, seed=1)
    # "accuracy" streams; the plain function is computed on the kept outputs
    assert history.history["accuracy"] == history.history["accuracy_function"]
    assert history.history["val_accuracy"] == history.history["val_accuracy_function"]
    assert history.history["accuracy"][-1] > 0.3  # chance is 0.1


@pytest.mark.parametrize("weighted", [False, True])
def test_evaluate_in_chunks_equals_evaluate_at_once(weighted: bool) -> None:
    X, y = data(500)
    net = model()
    w = np.random.default_rng(2).random(500) if weighted else None
    loss = CrossEntropy(from_logits=True)
    metrics = ["accuracy", "top_k_accuracy"]
    chunked = net.evaluate(X, y, loss=loss, metrics=metrics, batch_size=7, sample_weight=w)
    whole = net.evaluate(X, y, loss=loss, metrics=metrics, batch_size=500, sample_weight=w)
    assert chunked["loss"] == pytest.approx(whole["loss"], rel=1e-6)
    assert chunked["accuracy"] == whole["accuracy"]
    assert chunked["top_k_accuracy"] == whole["top_k_accuracy"]  # keyed by the name given
    assert whole["loss"] == pytest.approx(loss(y, net.predict(X), sample_weight=w), rel=1e-6)


def test_fit_with_metrics_allocates_far_less_than_its_outputs() -> None:
    n = 100_000
    X, y = data(n)
    net = model()
    fit = dict(loss=CrossEntropy(from_logits=True), optimizer=SGD(0.05), batch_size=256,
               metrics=["accuracy"], validation_data=(X[:20_000], y[:20_000]), verbose=0)
    net.fit(X[:1000], y[:1000], **fit)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        net.fit(X, y, **fit)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    outputs = n * 10 * 4  # one epoch of float32 outputs: what keeping them would cost
    order = n * 4  # the int32 shuffling order
    assert peak < order + outputs / 4, f"fit allocated {peak / 2**20:.2f} MiB"


def test_int32_order_is_the_generators_permutation() -> None:
    for n in (1, 5, 1000):
        rng_a, rng_b = np.random.default_rng(7), np.random.default_rng(7)
        order = permutation(rng_a, n)
        assert order.dtype == np.int32
        assert np.array_equal(order, rng_b.permutation(n))
        assert rng_a.bit_generator.state == rng_b.bit_generator.state
    legacy = permutation(np.random.RandomState(0), 4)
    assert np.array_equal(legacy, np.random.RandomState(0).permutation(4))


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.uint64, np.float64])
def test_labels_of_any_integer_dtype_train_alike(dtype) -> None:
    X, y = data(300, k=3)
    results = []
    for labels in (y, y.astype(dtype)):
        net = model(3)
        history = net.fit(X, labels, loss=CrossEntropy(from_logits=True), optimizer=SGD(0.1),
                          epochs=2, batch_size=32, metrics=["accuracy"], verbose=0, seed=0)
        results.append((history.history, net.get_weights()))
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1], strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_loss_with_its_own_value_is_evaluated_on_all_rows_at_once() -> None:
    class MeanOfMax(CrossEntropy):
        """Not a sum of per-sample terms: the chunked sum would be wrong."""

        def _value(self, y_true, y_pred, sample_weight=None):
            return float(np.max(y_pred))

    X, y = data(3000)
    net = model()
    result = net.evaluate(X, y, loss=MeanOfMax(from_logits=True), batch_size=100)
    assert result["loss"] == pytest.approx(float(net.predict(X).max()))
