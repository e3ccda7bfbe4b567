"""``on_train_batch_end``'s logs as Keras 3 gives them: "Aggregated metric results up until
this batch" (keras/src/callbacks/callback.py), the epoch's running loss and the streaming
metrics' running results, so the last batch's logs are the epoch's training logs. nonlin
keeps its ``batch`` and ``size``; a metric that does not stream (a plain function) gives
Keras 3's running mean of its value on each batch, weighted by the batches' rows (session
22: it was left out). The logs are built only when a callback reads them."""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
import pytest

import nonlin
import nonlin.progress
from nonlin import Dense, LambdaCallback, ReLU, Softmax
from nonlin.checkpoint import ModelCheckpoint
from nonlin.progress import ProgbarLogger
from source_helpers import Seq

RNG = np.random.default_rng(20)
X = RNG.normal(size=(72, 3))
Y = (X[:, 0] - 0.5 * X[:, 2] > 0).astype(np.int64)
SIZE = 16  # 72 rows: batches of 16, 16, 16, 16 and 8


def hits(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Arg-max accuracy as a plain function: it does not stream."""
    return float(np.mean(y_pred.argmax(axis=1) == y_true))


def _model(metrics: tuple[Any, ...] = ("accuracy", hits)) -> nonlin.Sequential:
    model = nonlin.Sequential([Dense(5), ReLU(), Dense(2), Softmax()]).build(3, seed=3)
    model.compile(nonlin.SGD(0.1, momentum=0.9), "cross_entropy", list(metrics))
    return model


def _recorder() -> tuple[LambdaCallback, dict[str, list[Any]]]:
    """A Keras-style LambdaCallback (the ``on_batch_end`` alias) keeping copies of the logs."""
    seen: dict[str, list[Any]] = {"begin": [], "end": [], "epoch": []}
    return LambdaCallback(
        on_train_batch_begin=lambda batch, logs: seen["begin"].append(dict(logs)),
        on_batch_end=lambda batch, logs: seen["end"].append((batch, dict(logs))),
        on_epoch_end=lambda epoch, logs: seen["epoch"].append(dict(logs)),
    ), seen


def test_batch_end_logs_are_the_running_loss_and_metrics() -> None:
    """Against a direct computation: the batches' own losses (train_on_batch on a twin,
    bit for bit fit's steps), weighted by their rows, and the accuracy over the rows so far."""
    fitted, twin = _model(), _model(("accuracy", hits))
    recorder, seen = _recorder()
    fitted.fit(X, Y, epochs=2, batch_size=SIZE, shuffle=False, verbose=0, callbacks=[recorder])
    ends = seen["end"]
    assert len(ends) == 10 and [b for b, _ in ends] == [0, 1, 2, 3, 4] * 2
    for epoch in range(2):
        total, right, rows = 0.0, 0.0, 0
        for batch, start in enumerate(range(0, 72, SIZE)):
            m = min(SIZE, 72 - start)
            loss, accuracy, _ = twin.train_on_batch(X[start:start + m], Y[start:start + m])
            total, right, rows = total + loss * m, right + accuracy * m, rows + m
            logs = ends[5 * epoch + batch][1]
            assert list(logs) == ["batch", "size", "loss", "accuracy", "hits"]
            assert (logs["batch"], logs["size"]) == (batch, m)
            assert logs["loss"] == total / rows  # the running loss, bit for bit
            assert logs["accuracy"] == pytest.approx(right / rows, abs=1e-12)
            assert logs["hits"] == pytest.approx(right / rows, abs=1e-12)  # a mean over rows
            assert all(type(v) in (int, float) for v in logs.values())
        # the last batch's logs are the epoch's training logs (Keras 3)
        last, epoch_logs = ends[5 * epoch + 4][1], seen["epoch"][epoch]
        assert last["loss"] == epoch_logs["loss"]
        assert last["accuracy"] == epoch_logs["accuracy"]
        assert last["hits"] == pytest.approx(epoch_logs["hits"], abs=1e-12)
    # the batch-begin logs are as before: the batch and its rows (Keras 3: none)
    assert seen["begin"][:5] == [{"batch": b, "size": s} for b, s in
                                 enumerate([16, 16, 16, 16, 8])]


def test_a_summed_loss_with_a_penalty_runs_up_to_the_epochs() -> None:
    """``reduction="sum"``: the running total (plus the current L2 term), which after the
    last batch is the epoch's loss; shuffled, as fit's default."""
    model = nonlin.Sequential([Dense(5, l2=1e-2), ReLU(), Dense(2), Softmax()]).build(3, seed=3)
    recorder, seen = _recorder()
    loss = nonlin.losses.CrossEntropy(reduction="sum")
    model.fit(X, Y, loss=loss, optimizer=nonlin.SGD(0.01), epochs=2, batch_size=SIZE,
              seed=0, metrics=["accuracy"], verbose=0, callbacks=[recorder])
    for epoch in range(2):
        last = seen["end"][5 * epoch + 4][1]
        assert last["loss"] == seen["epoch"][epoch]["loss"]
        assert last["accuracy"] == seen["epoch"][epoch]["accuracy"]


def test_a_batch_source_gives_the_arrays_batch_end_logs() -> None:
    on_arrays, on_source = _model(), _model()
    (rec_a, seen_a), (rec_s, seen_s) = _recorder(), _recorder()
    on_arrays.fit(X, Y, epochs=2, batch_size=SIZE, shuffle=False, verbose=0, callbacks=[rec_a])
    on_source.fit(Seq(X, Y, size=SIZE), epochs=2, shuffle=False, verbose=0, callbacks=[rec_s])
    assert seen_s["end"] == seen_a["end"]
    assert "accuracy" in seen_s["end"][0][1] and "hits" in seen_s["end"][0][1]
    assert seen_s["end"][-1][1]["loss"] == seen_s["epoch"][-1]["loss"]


def test_train_on_batch_still_returns_the_steps_own_loss() -> None:
    """Its loss is the step's (read from the step, not the batch-end logs): one batch of a
    summed loss with a penalty, and two calls in a row (each its own epoch)."""
    model = nonlin.Sequential([Dense(5, l2=1e-2), ReLU(), Dense(2), Softmax()]).build(3, seed=3)
    model.compile(nonlin.SGD(0.01), nonlin.losses.CrossEntropy(reduction="sum"), ["accuracy"])
    before = model.evaluate(X[:8], Y[:8], return_dict=True)
    first = model.train_on_batch(X[:8], Y[:8], return_dict=True)
    assert first["loss"] == pytest.approx(before["loss"], rel=1e-12)
    assert first["accuracy"] == before["accuracy"]
    again = model.evaluate(X[8:16], Y[8:16], return_dict=True)["loss"]
    assert model.train_on_batch(X[8:16], Y[8:16])[0] == pytest.approx(again, rel=1e-12)


def test_model_checkpoint_with_an_int_save_freq_monitors_the_running_values(tmp_path) -> None:
    """As Keras 3's: the batch-end logs it monitors and names files with are the running
    loss and metrics (before: ``accuracy`` was missing, warned about, and every save made)."""
    saver = ModelCheckpoint(str(tmp_path / "ck-{epoch}-{batch}-{loss:.12f}.safetensors"),
                            monitor="accuracy", mode="max", save_best_only=True, save_freq=1)
    recorder, seen = _recorder()
    model = _model(("accuracy",))  # streaming only: a plain function is warned about
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X, Y, epochs=2, batch_size=SIZE, seed=1, verbose=0,
                  callbacks=[recorder, saver])
    best, expected = None, []
    for batch, logs in seen["end"]:
        if best is None or logs["accuracy"] > best:
            best = logs["accuracy"]
            expected.append((batch + 1, logs["loss"]))
    assert saver.best == best
    names = [p.rsplit("/", 1)[-1] for p in saver.saved]
    assert [(int(n.split("-")[2]), n.split("-")[3]) for n in names] == [
        (b, f"{loss:.12f}.safetensors") for b, loss in expected]


def test_a_progress_bar_of_ones_own_shows_the_running_logs(monkeypatch) -> None:
    """A ``ProgbarLogger`` given as a callback (no live feed from fit) shows the batch-end
    logs: the running loss and the metrics (a plain function's too)."""
    monkeypatch.setattr(nonlin.progress, "redraws", lambda file: True)  # as on a terminal
    out = io.StringIO()
    bar = ProgbarLogger(1, steps=5, epochs=1, file=out)
    bar._tqdm = False
    recorder, seen = _recorder()
    _model().fit(X, Y, epochs=1, batch_size=SIZE, verbose=0, callbacks=[recorder, bar])
    last = seen["end"][-1][1]
    shown = out.getvalue().split("\r")[-2]  # the bar after the last batch
    assert shown == (f"5/5 - loss: {last['loss']:.4f} - accuracy: {last['accuracy']:.4f} - "
                     f"hits: {last['hits']:.4f}")


def test_no_batch_logs_are_built_without_a_callback_reading_them(monkeypatch) -> None:
    """fit's own progress bar reads the running logs itself: ``verbose=1`` alone builds no
    batch-end logs (no per-step work); a callback reading them gets them at each step."""
    from nonlin._epoch_loop import _Loop

    built: list[int] = []
    real = _Loop.batch_end_logs

    def counting(self: _Loop, batch: int, size: int) -> dict[str, float]:
        built.append(batch)
        return real(self, batch, size)

    monkeypatch.setattr(_Loop, "batch_end_logs", counting)
    monkeypatch.setattr("sys.stderr", io.StringIO())
    _model().fit(X, Y, epochs=1, batch_size=SIZE, verbose=1)
    _model().fit(X, Y, epochs=1, batch_size=SIZE, verbose=0,
                 callbacks=[LambdaCallback(on_train_batch_begin=lambda b, logs: None)])
    assert built == []
    recorder, seen = _recorder()
    _model().fit(X, Y, epochs=1, batch_size=SIZE, verbose=1, callbacks=[recorder])
    assert built == [0, 1, 2, 3, 4] and "loss" in seen["end"][0][1]
