"""evaluate(callbacks=...) and predict(callbacks=...): a pass refused after its begin hook
ran (a value beyond float32 found chunk by chunk) still runs the end hook, so a callback
that changed the model for the pass (SwapEMAWeights) puts it back (review21i's finding)."""

import numpy as np
import pytest

import nonlin
from nonlin.callbacks import Callback, SwapEMAWeights


class Recorder(Callback):
    def __init__(self) -> None:
        self.calls: list[str] = []

    def on_test_begin(self, logs=None):
        self.calls.append("test_begin")

    def on_test_end(self, logs=None):
        self.calls.append("test_end")

    def on_predict_begin(self, logs=None):
        self.calls.append("predict_begin")

    def on_predict_end(self, logs=None):
        self.calls.append("predict_end")


def _model() -> tuple[nonlin.Sequential, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.random((40, 3), dtype=np.float32)
    y = (X.sum(axis=1) > 1.5).astype(np.int64)
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2)]).build(
        3, seed=0, dtype=np.float32)
    model.fit(X, y, loss=nonlin.CrossEntropy(from_logits=True),
              optimizer=nonlin.Adam(1e-2, use_ema=True), epochs=2, batch_size=8, verbose=0)
    model.train_on_batch(X[:8], y[:8])  # fit ended on the average: now they differ
    average = model.optimizer._param_slots["average"]
    pairs = zip(model.parameters(), average, strict=True)
    assert any(not np.array_equal(p.value, a) for p, a in pairs)
    return model, X, y


def _beyond_float32(X: np.ndarray) -> np.ndarray:
    bad = X.astype(np.float64)
    bad[-1, 0] = 1e39  # past float32's range: found by the chunked pass, after the checks
    return bad


@pytest.mark.parametrize("kind", ["predict", "evaluate"])
def test_a_pass_refused_after_its_begin_hook_runs_its_end_hook(kind):
    model, X, y = _model()
    recorder = Recorder()
    bad = _beyond_float32(X)
    with pytest.raises(ValueError):
        if kind == "predict":
            model.predict(bad, batch_size=8, callbacks=[recorder])
        else:
            model.evaluate(bad, y, batch_size=8, callbacks=[recorder])
    assert recorder.calls in (["predict_begin", "predict_end"], ["test_begin", "test_end"])


@pytest.mark.parametrize("kind", ["predict", "evaluate"])
def test_swap_ema_weights_puts_the_weights_back_after_a_refused_pass(kind):
    model, X, y = _model()
    before = [p.value.copy() for p in model.parameters()]
    bad = _beyond_float32(X)
    with pytest.raises(ValueError):
        if kind == "predict":
            model.predict(bad, batch_size=8, callbacks=[SwapEMAWeights()])
        else:
            model.evaluate(bad, y, batch_size=8, callbacks=[SwapEMAWeights()])
    for p, b in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.value, b)


def test_a_pass_refused_before_its_begin_hook_runs_no_hook():
    model, X, y = _model()
    recorder = Recorder()
    with pytest.raises(ValueError):
        model.predict(X[:, :2], callbacks=[recorder])  # the width: refused before begin
    assert recorder.calls == []
