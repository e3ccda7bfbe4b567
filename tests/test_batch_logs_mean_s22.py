"""A plain-function metric in ``on_train_batch_end``'s logs (session 22): Keras 3's running
mean of the function's value on each of the epoch's batches, weighted by their rows, so
each step evaluates the function on its own batch only (over every row so far, an epoch's
cost would grow with the square of its rows)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import Dense, LambdaCallback, ReLU, Softmax
from source_helpers import Seq

RNG = np.random.default_rng(22)
X = RNG.normal(size=(72, 3))
Y = (X[:, 0] - 0.5 * X[:, 2] > 0).astype(np.int64)
SIZE = 16  # batches of 16, 16, 16, 16 and 8


class Recall1:
    """Recall of class 1, not a mean over rows; records the rows it is called with."""

    __name__ = "recall1"

    def __init__(self) -> None:
        self.calls: list[int] = []

    def __call__(self, y_true: np.ndarray, y_pred: np.ndarray) -> float:
        self.calls.append(len(y_true))
        positive = y_true == 1
        return float(np.mean(y_pred.argmax(axis=1)[positive] == 1)) if positive.any() else 0.0


def _fit(x: Any, y: Any = None, **kwargs: Any) -> tuple[Recall1, list[dict[str, Any]]]:
    metric, ends = Recall1(), []
    model = nonlin.Sequential([Dense(5), ReLU(), Dense(2), Softmax()]).build(3, seed=3)
    model.compile(nonlin.SGD(0.1, momentum=0.9), "cross_entropy", [metric])
    callback = LambdaCallback(on_train_batch_end=lambda batch, logs: ends.append(dict(logs)))
    model.fit(x, y, epochs=2, verbose=0, callbacks=[callback], **kwargs)
    return metric, ends


@pytest.mark.parametrize("shuffle", [False, True])
def test_each_step_calls_the_function_on_its_own_batch_only(shuffle: bool) -> None:
    metric, ends = _fit(X, Y, batch_size=SIZE, shuffle=shuffle, seed=1)
    per_epoch = [16, 16, 16, 16, 8, 72]  # five batch logs, then the epoch's log over all rows
    assert metric.calls == per_epoch * 2
    assert len(ends) == 10


def test_the_batch_log_is_the_row_weighted_mean_of_the_batch_values() -> None:
    twin = Recall1()
    seen: list[float] = []
    model = nonlin.Sequential([Dense(5), ReLU(), Dense(2), Softmax()]).build(3, seed=3)
    metric, ends = _fit(X, Y, batch_size=SIZE, shuffle=False)
    # the same steps by hand: each batch's value from the twin model's outputs before its step
    model.compile(nonlin.SGD(0.1, momentum=0.9), "cross_entropy")
    for _epoch in range(2):
        total, rows = 0.0, 0
        for start in range(0, 72, SIZE):
            xb, yb = X[start:start + SIZE], Y[start:start + SIZE]
            out = model.predict(xb, verbose=0)
            model.train_on_batch(xb, yb)
            total, rows = total + twin(yb, out) * len(yb), rows + len(yb)
            seen.append(total / rows)
    assert [logs["recall1"] for logs in ends] == pytest.approx(seen, abs=1e-12)


def test_a_batch_source_gives_the_same_batch_logs() -> None:
    metric_a, on_arrays = _fit(X, Y, batch_size=SIZE, shuffle=False)
    metric_s, on_source = _fit(Seq(X, Y, size=SIZE), shuffle=False)
    assert [logs["recall1"] for logs in on_source] == [logs["recall1"] for logs in on_arrays]
    assert metric_s.calls[:5] == [16, 16, 16, 16, 8]
