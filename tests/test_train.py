"""The fit loop: targets, weights, determinism, dtype, divergence, interruption, resuming."""

from __future__ import annotations

import signal

import numpy as np
import pytest

import nonlin
from nonlin import (
    SGD,
    Adam,
    BinaryCrossEntropy,
    Callback,
    CrossEntropy,
    Dense,
    DivergenceError,
    MeanSquaredError,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)


def blobs(n: int = 200, k: int = 3, d: int = 4, seed: int = 0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    centers = rng.normal(scale=3.0, size=(k, d))
    y = rng.integers(0, k, size=n)
    X = centers[y] + rng.normal(size=(n, d))
    return X.astype(dtype), y


def mlp(k: int = 3, out=Softmax) -> Sequential:
    layers = [Dense(16), Tanh(), Dense(k)]
    return Sequential(layers + ([out()] if out else []))


def test_fit_learns_blobs_and_reports_history() -> None:
    X, y = blobs()
    model = mlp()
    history = model.fit(X, y, loss="cross_entropy", optimizer=Adam(0.01), epochs=20,
                        batch_size=16, seed=0, metrics=["accuracy"], validation_split=0.25,
                        verbose=0)
    assert history is model.history
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "lr"}
    assert all(len(v) == 20 for v in history.history.values())
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["val_accuracy"][-1] >= 0.95
    result = model.evaluate(X[150:], y[150:], metrics=["accuracy"])
    assert result["loss"] == pytest.approx(history.history["val_loss"][-1], rel=1e-12)
    assert result["accuracy"] == history.history["val_accuracy"][-1]


def test_recorded_loss_matches_the_loss_of_each_batch() -> None:
    # one batch, no shuffling: the epoch loss is the loss before the step
    X, y = blobs(n=64)
    model = mlp().build(4, seed=1)
    before = CrossEntropy()(y, model.predict(X))
    h = model.fit(X, y, loss=CrossEntropy(), optimizer=SGD(0.1), batch_size=64, verbose=0)
    assert h.history["loss"][0] == pytest.approx(before, rel=1e-12)


@pytest.mark.parametrize(
    "out, loss, target",
    [
        (Softmax, CrossEntropy(), "labels"),
        (Softmax, CrossEntropy(), "onehot"),
        (None, CrossEntropy(from_logits=True), "labels"),
        (Sigmoid, BinaryCrossEntropy(), "multilabel"),
        (None, BinaryCrossEntropy(from_logits=True), "multilabel"),
        (None, MeanSquaredError(), "regression"),
        (None, nonlin.Huber(), "regression"),
    ],
)
def test_one_step_equals_the_step_from_loss_grad(out, loss, target) -> None:
    """Fused paths give the gradient of the loss as the public Loss.grad computes it."""
    X, labels = blobs(n=40)
    y = {"labels": labels, "onehot": np.eye(3)[labels],
         "multilabel": (X[:, :3] > 0).astype(float), "regression": X[:, :3] * 2}[target]
    weights = np.linspace(0.5, 2.0, 40)
    model = mlp(out=out).build(4, seed=3)
    reference = mlp(out=out).build(4, seed=3)
    out_ref = reference.forward(X, training=True)
    reference.backward(loss.grad(y, out_ref, weights))
    expected = [p.value - 0.1 * p.grad for p in reference.parameters()]
    model.fit(X, y, loss=loss, optimizer=SGD(0.1), batch_size=40, shuffle=False,
              sample_weight=weights, verbose=0)
    for got, want in zip(model.get_weights(), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    assert model.history.history["loss"][0] == pytest.approx(loss(y, out_ref, weights), rel=1e-10)


def test_class_weight_scales_each_sample_gradient() -> None:
    X, y = blobs(n=30)
    cw = {0: 1.0, 1: 3.0, 2: 0.5}
    a = mlp().build(4, seed=2)
    b = mlp().build(4, seed=2)
    a.fit(X, y, loss="cross_entropy", optimizer=SGD(0.1), batch_size=30, class_weight=cw,
          verbose=0)
    weights = np.array([cw[int(c)] for c in y])
    out = b.forward(X, training=True)
    b.backward(CrossEntropy().grad(y, out, weights))  # (p - y) * w_i / n
    for got, p in zip(a.get_weights(), b.parameters(), strict=True):
        np.testing.assert_allclose(got, p.value - 0.1 * p.grad, rtol=1e-10, atol=1e-12)


def test_same_seed_same_bits_whatever_the_global_state() -> None:
    X, y = blobs()
    runs = []
    for global_seed in (1, 2):
        np.random.seed(global_seed)  # noqa: NPY002  (must not matter)
        model = Sequential([Dense(8), ReLU(), nonlin.layers.Dropout(0.3), Dense(3), Softmax()])
        h = model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=3, seed=7, verbose=0)
        runs.append((model.get_weights(), h.history))
    for wa, wb in zip(runs[0][0], runs[1][0], strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert runs[0][1] == runs[1][1]


def test_float32_kept_end_to_end() -> None:
    X, y = blobs(dtype=np.float32)
    model = Sequential([Dense(8), ReLU(), Dense(3), Softmax()])
    opt = Adam(0.01)
    model.fit(X, y, loss="cross_entropy", optimizer=opt, epochs=2, verbose=0,
              validation_split=0.2, metrics=["accuracy"])
    assert model.dtype == np.float32
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert all(v.dtype == np.float32 for k, v in opt.state_dict().items() if "." in k)
    for layer in model.layers:
        for name, value in vars(layer).items():
            if isinstance(value, np.ndarray) and value.dtype.kind == "f":
                assert value.dtype == np.float32, (layer, name)
    assert model.predict(X).dtype == np.float32


def test_divergence_raises_and_keeps_finite_weights() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    y = X @ np.array([[1.0], [2.0], [3.0]])
    model = Sequential([Dense(16), ReLU(), Dense(1)])
    with pytest.raises(DivergenceError, match=r"epoch \d+, batch \d+") as info:
        model.fit(X, y, loss="mse", optimizer=SGD(lr=1e6), epochs=50, batch_size=8, verbose=0)
    assert info.value.epoch >= 0 and info.value.batch >= 0
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert len(model.history.history.get("loss", [])) == info.value.epoch


def test_callback_keyboard_interrupt_keeps_history_and_weights() -> None:
    X, y = blobs()

    class Stop(Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.weights = self.model.get_weights()
            if epoch == 2:
                raise KeyboardInterrupt

    stop = Stop()
    model = mlp()
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=10, callbacks=[stop],
                  verbose=0)
    assert len(model.history.history["loss"]) == 3
    for a, b in zip(model.get_weights(), stop.weights, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("send", ["raise_signal", "os.kill"])
def test_sigint_is_deferred_to_the_end_of_the_step(send) -> None:
    import os

    X, y = blobs()

    class Interrupt(Callback):
        def on_batch_begin(self, batch, logs=None):
            if self.model.history.epoch == [0] and batch == 3:  # arrives before this step runs
                if send == "os.kill":
                    os.kill(os.getpid(), signal.SIGINT)
                else:
                    signal.raise_signal(signal.SIGINT)

        def on_batch_end(self, batch, logs=None):
            self.last = (batch, self.model.get_weights())

    cb = Interrupt()
    model = mlp()
    previous = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        model.fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=5, callbacks=[cb],
                  verbose=0)
    assert signal.getsignal(signal.SIGINT) is previous
    assert cb.last[0] == 3  # the step in flight completed, no further one started
    for a, b in zip(model.get_weights(), cb.last[1], strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(model.history.history["loss"]) == 1


def test_resume_from_saved_state_is_bit_identical() -> None:
    X, y = blobs()
    kwargs = dict(loss="cross_entropy", batch_size=16, verbose=0, metrics=["accuracy"],
                  validation_split=0.2)
    straight = Sequential([Dense(8), ReLU(), nonlin.layers.Dropout(0.2), Dense(3), Softmax()])
    straight.fit(X, y, optimizer=Adam(0.01), epochs=4, seed=3, **kwargs)

    first = Sequential([Dense(8), ReLU(), nonlin.layers.Dropout(0.2), Dense(3), Softmax()])
    opt = Adam(0.01)
    first.fit(X, y, optimizer=opt, epochs=2, seed=3, **kwargs)
    saved = (first.get_weights(), first.rng.bit_generator.state, opt.state_dict(),
             first.history)

    resumed = Sequential([Dense(8), ReLU(), nonlin.layers.Dropout(0.2), Dense(3), Softmax()])
    resumed.build(4, seed=99)
    resumed.set_weights(saved[0])
    resumed.rng.bit_generator.state = saved[1]
    opt2 = Adam(0.01)
    opt2.load_state_dict(saved[2])
    resumed.history = saved[3]
    resumed.fit(X, y, optimizer=opt2, epochs=4, initial_epoch=2, **kwargs)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert straight.history.history == resumed.history.history


def test_validation_data_and_memmap_read_only_inputs(tmp_path) -> None:
    X, y = blobs(dtype=np.float32)
    path = tmp_path / "x.dat"
    mm = np.memmap(path, dtype=np.float32, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    ro = np.memmap(path, dtype=np.float32, mode="r", shape=X.shape)
    y_ro = y.copy()
    y_ro.flags.writeable = False
    model = mlp()
    h = model.fit(ro, y_ro, loss="cross_entropy", optimizer="adam", epochs=2, verbose=0,
                  validation_data=(ro[:50], y_ro[:50]))
    assert "val_loss" in h.history
    np.testing.assert_array_equal(np.asarray(ro), X)
    assert model.predict(ro, batch_size=7).shape == (200, 3)


@pytest.mark.parametrize(
    "X, y, kwargs, error, match",
    [
        (np.full((4, 2), np.nan), [0, 1, 0, 1], {}, ValueError, "finite"),
        (np.ones(4), [0, 1, 0, 1], {}, ValueError, "2-D"),
        (np.ones((0, 2)), [], {}, ValueError, "at least one row"),
        (np.ones((4, 0)), [0, 1, 0, 1], {}, ValueError, "at least one"),
        (np.array([["a", "b"]] * 4), [0, 1, 0, 1], {}, TypeError, "string"),
        (np.ones((4, 2), dtype=complex), [0, 1, 0, 1], {}, TypeError, "complex"),
        (np.ones((4, 2), dtype=object), [0, 1, 0, 1], {}, TypeError, "object"),
        (np.ones((4, 2)), [0, 1, 0], {}, ValueError, "3 rows"),
        (np.ones((4, 2)), [0, 1, 0, 5], {}, ValueError, "label 5"),
        (np.ones((4, 2)), [0, 1, 0, np.inf], {}, ValueError, "finite"),
        (np.ones((4, 2)), [0, 1, 0, 1], {"batch_size": 0}, ValueError, "batch_size=0"),
        (np.ones((4, 2)), [0, 1, 0, 1], {"epochs": -1}, ValueError, "epochs=-1"),
        (np.ones((4, 2)), [0, 1, 0, 1], {"validation_split": 1.0}, ValueError, "validation_split"),
        (np.ones((4, 2)), [0, 1, 0, 1], {"sample_weight": [1, 1]}, ValueError, "sample_weight"),
        (np.ones((4, 2)), [0, 1, 0, 1], {"class_weight": {"a": 1.0}}, ValueError, "key 'a'"),
    ],
)
def test_bad_inputs_raise_clear_errors(X, y, kwargs, error, match) -> None:
    model = Sequential([Dense(2), Softmax()])
    args = dict(loss="cross_entropy", optimizer="sgd", verbose=0) | kwargs
    with pytest.raises(error, match=match):
        model.fit(X, y, **args)


def test_wrong_feature_count_and_lr() -> None:
    model = Sequential([Dense(2), Softmax()]).build(3, seed=0)
    with pytest.raises(ValueError, match="3 features"):
        model.fit(np.ones((4, 2)), [0, 1, 0, 1], loss="cross_entropy", optimizer="sgd")
    with pytest.raises(ValueError, match="learning rate"):
        SGD(lr=float("inf"))
    with pytest.raises(ValueError, match="3 features"):
        model.predict(np.ones((4, 2)))


def test_inputs_are_not_mutated() -> None:
    X, y = blobs()
    X0, y0, w = X.copy(), y.copy(), np.ones(len(y))
    mlp().fit(X, y, loss="cross_entropy", optimizer="adam", sample_weight=w, epochs=2, verbose=0)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(w, np.ones(len(y)))


def test_verbose_modes(capsys) -> None:
    X, y = blobs(n=50)
    model = mlp()
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, verbose=0)
    assert capsys.readouterr() == ("", "")
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, verbose=2,
              metrics=["accuracy"])
    err = capsys.readouterr().err
    assert err.count("Epoch") == 2 and "accuracy" in err
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, verbose=1)
    assert "loss" in capsys.readouterr().err


def test_fit_in_a_worker_thread_and_constants_do_not_pile_up() -> None:
    import threading

    from nonlin.core import _CONSTANTS
    from nonlin.schedules import CosineDecay

    X, y = blobs()
    result = {}

    def work() -> None:
        model = mlp()
        before = len(_CONSTANTS)
        model.fit(X, y, loss="cross_entropy", optimizer=Adam(CosineDecay(0.01, 100)),
                  epochs=5, verbose=0)
        result["growth"] = len(_CONSTANTS) - before

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert result["growth"] < 20  # not one per step


def test_plain_text_progress_without_tqdm(capsys, monkeypatch) -> None:
    import nonlin.progress
    from nonlin.progress import ProgbarLogger

    monkeypatch.setattr(nonlin.progress, "redraws", lambda file: True)  # as on a terminal
    X, y = blobs(n=50)
    bar = ProgbarLogger(1, steps=2, epochs=1)
    bar._tqdm = False

    model = mlp()
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, batch_size=25,
              verbose=0, callbacks=[bar])
    err = capsys.readouterr().err
    assert "Epoch 1/1" in err and "2/2" in err and "loss" in err


def test_a_bar_fed_by_fits_running_logs_reads_no_batch_loss(monkeypatch) -> None:
    import io

    import nonlin.progress
    from nonlin.progress import ProgbarLogger

    monkeypatch.setattr(nonlin.progress, "redraws", lambda file: True)  # as on a terminal
    out = io.StringIO()
    bar = ProgbarLogger(1, steps=2, epochs=1, file=out)
    bar._tqdm = False
    bar.live = lambda: {"loss": 1.5, "accuracy": 0.25}  # what fit sets: the running logs
    bar.on_epoch_begin(0)
    bar.on_batch_end(0, {"size": 4})  # no per-batch "loss" needed (none summed per batch)
    bar.on_batch_end(1, {"size": 4})
    assert out.getvalue().endswith("2/2 - loss: 1.5000 - accuracy: 0.2500")


def test_evaluate_and_predict_checks() -> None:
    X, y = blobs(n=40)
    model = mlp().build(4, seed=0)
    w = np.zeros(40)
    w[:10] = 1.0
    weighted = model.evaluate(X, y, loss="cross_entropy", sample_weight=w)["loss"]
    first = model.evaluate(X[:10], y[:10], loss="cross_entropy")["loss"]
    assert weighted == pytest.approx(first * 10 / 40)
    with pytest.raises(ValueError, match="Expected a loss"):
        model.evaluate(X, y)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="row 3"):
        model.predict(bad)
    with pytest.raises(ValueError, match="batch_size"):
        model.predict(X, batch_size=0)


def test_non_finite_gradient_with_finite_loss_is_caught_before_the_update() -> None:
    class BadGradient(MeanSquaredError):
        def _grad_terms(self, y_true, y_pred, out):
            out[...] = np.inf
            return out

    X, y = blobs(n=32)
    model = Sequential([Dense(4), Tanh(), Dense(1)]).build(4, seed=0)
    before = model.get_weights()
    with pytest.raises(DivergenceError, match="gradient or update.*epoch 0, batch 0"):
        model.fit(X, y.astype(float), loss=BadGradient(), optimizer=Adam(0.1), verbose=0)
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fused_softmax_survives_rows_far_below_the_batch_max(dtype) -> None:
    from nonlin.objective import Objective

    model = Sequential([Dense(3)]).build(2, seed=0, dtype=dtype)
    objective = Objective(model, CrossEntropy(from_logits=True), 4, labels=True)
    z = np.array([[0, 1, 2], [-900, -899, -901], [5, 5, 5], [1e3, 0, -1e3]], dtype=dtype)
    y = np.array([2, 0, 1, 1])
    total, grad = objective._softmax(z.copy(), y, None, None)
    loss = CrossEntropy(from_logits=True)
    assert total / 4 == pytest.approx(loss(y, z.astype(np.float64)), rel=1e-6)
    np.testing.assert_allclose(grad, loss.grad(y, z.astype(np.float64)), rtol=1e-5, atol=1e-9)


def test_progress_values_take_keras_format() -> None:
    """Keras 3's Progbar: four decimals above 1e-3 in magnitude, else four in exponent form."""
    from nonlin.progress import format_logs

    logs = {"loss": 0.56501, "accuracy": 1.0, "mae": 0.001, "val_loss": -2.5e-5,
            "r2": -12.34567, "val_mse": 0.0, "lr": 0.01}
    assert format_logs(logs) == ("loss: 0.5650 - accuracy: 1.0000 - mae: 1.0000e-03 - "
                                 "val_loss: -2.5000e-05 - r2: -12.3457 - val_mse: 0.0000e+00")
    assert format_logs({"loss": float("nan"), "val_loss": float("inf")}) == (
        "loss: nan - val_loss: inf")
