"""``reduction="sum"`` in ``fit`` and ``evaluate``: a final Sigmoid / Softmax with its
cross-entropy (and ``from_logits=True``, and MSE) trains through the fused paths as
``"mean"`` does, without the ``1 / n``; the epoch's ``loss`` is the total over its rows,
on ``val_loss``'s and ``evaluate``'s scale."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from nonlin import (
    SGD,
    BinaryCrossEntropy,
    Callback,
    CrossEntropy,
    Dense,
    MeanSquaredError,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
    progress,
)
from nonlin.checkpoint import load_checkpoint, save_checkpoint
from nonlin.data import make_dataset
from nonlin.objective import Objective

RNG = np.random.default_rng(5)
N = 23  # a batch size of 7 does not divide it
X = RNG.normal(size=(N, 4))
LABELS = RNG.integers(0, 3, N)
BITS = (RNG.random((N, 2)) > 0.5).astype(float)
REALS = RNG.normal(size=(N, 2))
SW = RNG.uniform(0.1, 2.0, N)
CW = {0: 2.0, 1: 0.5}

# name: (last layer or None, loss class, loss keywords, targets, class weights allowed)
CASES = {
    "softmax+ce labels": (Softmax, CrossEntropy, {}, LABELS, True),
    "softmax+ce one-hot": (Softmax, CrossEntropy, {}, np.eye(3)[LABELS], True),
    "ce logits labels": (None, CrossEntropy, {"from_logits": True}, LABELS, True),
    "ce logits one-hot": (None, CrossEntropy, {"from_logits": True}, np.eye(3)[LABELS], True),
    "sigmoid+bce": (Sigmoid, BinaryCrossEntropy, {}, BITS, True),
    "bce logits": (None, BinaryCrossEntropy, {"from_logits": True}, BITS, True),
    "mse": (None, MeanSquaredError, {}, REALS, False),
}


def _model(last, k, dtype, l2=0.0):
    layers = [Dense(5, l2=l2), Tanh(), Dense(k)] + ([last()] if last else [])
    return Sequential(layers).build(4, seed=0, dtype=dtype)


def _step(name, reduction, dtype, weights):
    """One fused step through ``Objective``, weights prepared as ``fit`` prepares them:
    the batch's value and the parameters' gradients."""
    last, loss_cls, kw, y, classes = CASES[name]
    k = 2 if y.ndim == 2 and y.shape[1] == 2 else 3
    model, loss = _model(last, k, dtype), loss_cls(reduction=reduction, **kw)
    data = make_dataset(X, y, loss, model, sample_weight=SW if "sample" in weights else None,
                        class_weight=CW if "class" in weights and classes else None)
    objective = Objective(model, loss, N, data.labels)
    w = data.weight
    if w is not None and reduction == "mean":
        w = (w / N).astype(dtype)
    for p in model.parameters():
        p.grad[...] = 0
    value = objective.step(data.X, data.y, w)
    return objective.kind, value, [p.grad.copy() for p in model.parameters()]


@pytest.mark.parametrize("weights", ["none", "sample", "class", "sample+class"])
@pytest.mark.parametrize("dtype, rel", [(np.float64, 1e-12), (np.float32, 2e-6)])
@pytest.mark.parametrize("name", list(CASES))
def test_fused_sum_is_fused_mean_times_n(name, dtype, rel, weights) -> None:
    kind, mean, mean_grads = _step(name, "mean", dtype, weights)
    summed_kind, total, grads = _step(name, "sum", dtype, weights)
    assert kind != "generic" and summed_kind == kind  # the same fused path
    assert total == pytest.approx(mean * N, rel=rel)
    for g, g_mean in zip(grads, mean_grads, strict=True):
        assert g.dtype == dtype
        np.testing.assert_allclose(g, g_mean * N, rtol=rel * 10, atol=rel * np.abs(g).max())


def _saturated(last, dtype):
    """Logits of +-50 on three rows; rows 0 and 2 are confidently wrong."""
    k = 1 if last is Sigmoid else 2
    model = Sequential([Dense(k), last()]).build(1, seed=0, dtype=dtype)
    model.layers[0].W.value[...] = 50.0 if k == 1 else [[50.0, -50.0]]
    model.layers[0].b.value[...] = 0.0
    y = np.array([[0.0], [1.0], [1.0]]) if k == 1 else np.array([0, 1, 1])
    return model, np.array([[1.0], [1.0], [-1.0]]), y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("last, loss_cls, expected", [(Sigmoid, BinaryCrossEntropy, [[2.0]]),
                                                      (Softmax, CrossEntropy, [[1.0, -1.0]])])
def test_a_confidently_wrong_batch_trains_through_the_logits(dtype, last, loss_cls,
                                                             expected) -> None:
    """The clipped probability loss would give a gradient of about 0 (1e-7 in float64,
    1e-15 or less in float32) and cap each wrong row's loss near -log(eps)."""
    model, x, y = _saturated(last, dtype)
    before = model.layers[0].W.value.copy()
    history = model.fit(x, y, loss=loss_cls(reduction="sum"), optimizer=SGD(0.01), epochs=1,
                        batch_size=3, shuffle=False, verbose=0)
    assert history.history["loss"][0] == pytest.approx(100.0, rel=1e-6)  # 50 + 0 + 50
    step = (before - model.layers[0].W.value) / 0.01  # dL/dW of the sum: x^T (p - y)
    np.testing.assert_allclose(step, expected, rtol=1e-3)


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("case", ["mse", "softmax+ce labels", "sigmoid+bce"])
def test_the_epoch_loss_of_a_sum_is_the_total_evaluate_gives(case, shuffle) -> None:
    last, loss_cls, kw, y, _ = CASES[case]
    k = 2 if y.ndim == 2 else 3
    # (an L2 term, which the epoch's loss counts once, as evaluate does)
    model, loss = _model(last, k, np.float64, l2=1e-2), loss_cls(reduction="sum", **kw)
    history = model.fit(X, y, loss=loss, optimizer=SGD(0.0), epochs=2, batch_size=7,
                        shuffle=shuffle, seed=0, sample_weight=SW, verbose=0,
                        validation_data=(X, y, SW))
    expected = model.evaluate(X, y, loss=loss, sample_weight=SW)["loss"]
    for key in ("loss", "val_loss"):
        assert history.history[key] == pytest.approx([expected] * 2, rel=1e-12)
    # and n times the "mean" model's, whatever the batch size
    mean = model.fit(X, y, loss=loss_cls(**kw), optimizer=SGD(0.0), batch_size=7,
                     shuffle=shuffle, sample_weight=SW, verbose=0).history["loss"][0]
    penalty = model.layers[0].penalty()
    assert expected - penalty == pytest.approx((mean - penalty) * N, rel=1e-12)


class _StopAfter(Callback):
    """Set ``stop_training`` after batch ``batch``: the epoch ends there."""

    def __init__(self, batch: int) -> None:
        self.batch = batch

    def on_batch_end(self, batch, logs=None):
        if batch == self.batch:
            self.model.stop_training = True


def test_an_epoch_a_batch_hook_ends_early_reports_the_total_of_its_rows() -> None:
    model, loss = _model(None, 2, np.float64), MeanSquaredError(reduction="sum")
    history = model.fit(X, REALS, loss=loss, optimizer=SGD(0.0), batch_size=7, shuffle=False,
                        callbacks=[_StopAfter(1)], verbose=0)
    expected = model.evaluate(X[:14], REALS[:14], loss=loss)["loss"]
    assert history.history["loss"] == [pytest.approx(expected, rel=1e-12)]


class _Interrupt(Callback):
    def __init__(self, epoch: int, batch: int) -> None:
        self.at, self.epoch = (epoch, batch), -1

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_batch_end(self, batch, logs=None):
        if (self.epoch, batch) == self.at:
            raise KeyboardInterrupt


def test_a_sum_run_stopped_mid_epoch_resumes_with_the_epochs_total(tmp_path) -> None:
    def fit(model, epochs, **kwargs):
        loss = CrossEntropy(from_logits=True, reduction="sum")
        model.fit(X, LABELS, loss=loss, optimizer=kwargs.pop("optimizer", SGD(1e-300)),
                  epochs=epochs, batch_size=7, sample_weight=SW, verbose=0, **kwargs)
        return model

    straight = fit(_model(None, 3, np.float64), 3, seed=1)
    stopped = _model(None, 3, np.float64)
    with pytest.raises(KeyboardInterrupt):
        fit(stopped, 3, seed=1, callbacks=[_Interrupt(1, 1)])
    path = tmp_path / "stopped.safetensors"
    save_checkpoint(stopped, path, epoch=stopped.history.epoch[-1] + 1)
    checkpoint = load_checkpoint(path)
    assert checkpoint.partial["rows"] == 14
    resumed = fit(_model(None, 3, np.float64), 3, optimizer="sgd", resume_from=path)
    assert resumed.history.history == straight.history.history
    total = straight.evaluate(X, LABELS, sample_weight=SW)["loss"]
    assert straight.history.history["loss"] == pytest.approx([total] * 3, rel=1e-12)


def test_the_progress_bar_runs_on_the_epochs_scale(capsys, monkeypatch) -> None:
    monkeypatch.setattr(progress, "redraws", lambda file: True)  # as on a terminal
    monkeypatch.setitem(sys.modules, "tqdm", None)  # the plain-text bar
    model, loss = _model(None, 2, np.float64), MeanSquaredError(reduction="sum")
    history = model.fit(X, REALS, loss=loss, optimizer=SGD(0.0), batch_size=7,
                        shuffle=False, verbose=1)
    err = capsys.readouterr().err
    running = err.split("\r4/4 - loss: ")[1].split("\r")[0].strip()
    total = model.evaluate(X, REALS, loss=loss)["loss"]
    assert running == f"{history.history['loss'][0]:.4f}" == f"{total:.4f}"


@pytest.mark.parametrize("batch_size", [None, 7])
@pytest.mark.parametrize("dtype, rel", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_evaluate_scores_a_saturated_sum_model_through_the_logits(dtype, rel,
                                                                  batch_size) -> None:
    model = _model(Softmax, 3, dtype)
    model.set_weights([w * 200 for w in model.get_weights()])  # logits of a few hundred
    logits = X.astype(dtype)
    for layer in model.layers[:-1]:
        logits = layer.forward(logits, training=False)
    expected = CrossEntropy(from_logits=True, reduction="sum")(LABELS, logits, SW)
    loss = CrossEntropy(reduction="sum")
    result = model.evaluate(X, LABELS, loss=loss, batch_size=batch_size, sample_weight=SW)
    assert expected > 50 * SW.sum() / 4  # far above what clipped probabilities give
    assert result["loss"] == pytest.approx(expected, rel=rel)
    mean = model.evaluate(X, LABELS, loss=CrossEntropy(), batch_size=batch_size,
                          sample_weight=SW)
    assert result["loss"] == pytest.approx(mean["loss"] * N, rel=rel)
