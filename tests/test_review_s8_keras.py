"""Callbacks and metrics against Keras 3's semantics (its source, written out here)."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin


def _fit(callbacks, epochs=2, n=10, batch_size=4, **kw):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    y = (X[:, 0] > 0).astype(float)
    model = nonlin.Sequential([nonlin.Dense(1), nonlin.Sigmoid()])
    history = model.fit(X, y, loss="binary_crossentropy", optimizer=nonlin.SGD(0.1),
                        epochs=epochs, batch_size=batch_size, seed=0, verbose=0,
                        callbacks=callbacks, **kw)
    return model, history


class _Recorder(nonlin.Callback):
    def __init__(self):
        self.calls = []

    def on_train_batch_begin(self, batch, logs=None):
        self.calls.append(("train_batch_begin", batch))

    def on_train_batch_end(self, batch, logs=None):
        self.calls.append(("train_batch_end", batch, sorted(logs)))

    def on_train_end(self, logs=None):
        self.calls.append(("train_end", dict(logs)))


def test_keras3_train_batch_hooks_are_called():
    # Keras 3's loop calls on_train_batch_begin/end (on_batch_* are their aliases)
    recorder = _Recorder()
    _fit([recorder], epochs=1)
    batches = [c for c in recorder.calls if c[0].startswith("train_batch")]
    assert [c[:2] for c in batches] == [("train_batch_begin", 0), ("train_batch_end", 0),
                                        ("train_batch_begin", 1), ("train_batch_end", 1),
                                        ("train_batch_begin", 2), ("train_batch_end", 2)]
    assert "loss" in batches[1][2]


def test_on_batch_hooks_still_called_as_the_keras_aliases():
    class Old(nonlin.Callback):
        def __init__(self):
            self.seen = []

        def on_batch_begin(self, batch, logs=None):
            self.seen.append(("begin", batch))

        def on_batch_end(self, batch, logs=None):
            self.seen.append(("end", batch))

    class Both(Old):  # overriding the Keras 3 name wins, as in Keras (no super call)
        def on_train_batch_end(self, batch, logs=None):
            self.seen.append(("train_end", batch))

    old, both = Old(), Both()
    _fit([old, both], epochs=1, n=4)
    assert old.seen == [("begin", 0), ("end", 0)]
    assert both.seen == [("begin", 0), ("train_end", 0)]


def test_on_train_end_gets_the_last_epoch_logs():
    # Keras 3: callbacks.on_train_end(logs=training_logs), the last on_epoch_end's logs
    recorder = _Recorder()
    _, history = _fit([recorder], epochs=3)
    end = recorder.calls[-1]
    assert end[0] == "train_end"
    assert end[1] == {k: v[-1] for k, v in history.history.items()}


def test_on_train_end_logs_empty_when_no_epoch_runs():
    recorder = _Recorder()
    _fit([recorder], epochs=0)
    assert recorder.calls == [("train_end", {})]


def test_callbacks_get_keras_params():
    class Params(nonlin.Callback):
        def on_train_begin(self, logs=None):
            self.seen = self.params

    cb = Params()
    _, history = _fit([cb], epochs=3, n=10, batch_size=4)
    assert cb.seen == {"verbose": 0, "epochs": 3, "steps": 3}
    assert history.params == {"verbose": 0, "epochs": 3, "steps": 3}


def test_top_k_accuracy_counts_a_nan_true_score_as_lowest_as_keras_in_top_k():
    from nonlin.metrics import TopKAccuracy

    # Keras 3's in_top_k: a NaN score at the label is -inf, rank = 1 + #(scores > it)
    y_pred = np.array([[np.nan, 0.2, 0.3, 0.5],     # label 0 NaN: rank 4 > 2: miss
                       [0.1, np.nan, np.nan, 0.9],   # label 1 NaN: rank 3 > 2: miss
                       [np.nan, np.nan, np.nan, 0.9],  # label 0 NaN: rank 2: hit
                       [0.1, 0.6, 0.3, 0.5]])         # label 1: rank 1: hit
    y = np.array([0, 1, 0, 1])
    metric = TopKAccuracy(k=2)
    metric._update_state(y, y_pred)  # streamed (fit, unchecked): Keras' rule
    assert metric.result() == 0.5
    with pytest.raises(ValueError, match=r"finite y_pred. Received nan at index \(0, 0\)"):
        metric(y, y_pred)  # a direct call refuses NaN, as the losses do (review s12)


def test_r2_score_averages_outputs_uniformly_as_keras():
    from nonlin.metrics import R2Score

    # Keras 3 R2Score, class_aggregation="uniform_average": mean over outputs of 1 - ss_res/ss_tot
    y = np.array([[1.0, 2.0], [2.0, 0.0], [4.0, 1.0]])
    p = np.array([[2.0, 1.5], [4.0, 0.5], [4.0, 1.0]])
    ss_tot = ((y - y.mean(axis=0)) ** 2).sum(axis=0)
    ss_res = ((y - p) ** 2).sum(axis=0)
    expected = np.mean(1 - ss_res / ss_tot)
    metric = R2Score()
    assert np.isclose(metric(y, p), expected, rtol=1e-12)
    metric.update_state(y[:2], p[:2])
    metric.update_state(y[2:], p[2:])
    assert np.isclose(metric.result(), expected, rtol=1e-12)
    # Keras' docstring example: 0.57142854
    assert np.isclose(R2Score()(np.array([[1.0], [4.0], [3.0]]), np.array([[2.0], [4.0], [4.0]])),
                      4 / 7)
