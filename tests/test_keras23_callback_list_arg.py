"""``fit`` / ``evaluate`` / ``predict(callbacks=CallbackList(...))``: Keras 3 takes a
``CallbackList`` there and runs it as it is (its trainers build one only ``if not
isinstance(callbacks, CallbackList)``), so its callbacks run in its order and the ``History``
it holds (``add_history=True``) is the one ``fit`` returns, as ``model.history``."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import nonlin
from nonlin.callbacks import Callback, CallbackList, EarlyStopping, History


class _Calls(Callback):
    def __init__(self, name: str, calls: list) -> None:
        self.name, self.calls = name, calls

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.calls.append((self.name, "train_begin", self.model is not None))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.calls.append((self.name, epoch))

    def on_test_end(self, logs: dict | None = None) -> None:
        self.calls.append((self.name, "test_end", sorted(logs or {})))

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self.calls.append((self.name, "predict_begin"))


@pytest.fixture()
def data() -> Iterator[tuple[nonlin.Sequential, np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 3)), np.arange(16) % 2
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.compile(optimizer="sgd", loss="cross_entropy")
    yield model, X, y


def test_fit_runs_its_callbacks_in_order_and_returns_its_history(data: tuple) -> None:
    model, X, y = data
    calls: list = []
    hooks = CallbackList([_Calls("a", calls), _Calls("b", calls)], add_history=True,
                         model=model)
    history = model.fit(X, y, epochs=2, verbose=0, seed=0, callbacks=hooks)
    assert calls == [("a", "train_begin", True), ("b", "train_begin", True),
                     ("a", 0), ("b", 0), ("a", 1), ("b", 1)]
    assert history is hooks.history is model.history and history.epoch == [0, 1]
    assert isinstance(history, History) and len(history.history["loss"]) == 2


def test_fit_trains_the_same_bits_as_with_the_plain_list(data: tuple) -> None:
    model, X, y = data
    again = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    again.compile(optimizer="sgd", loss="cross_entropy")
    stop = EarlyStopping(monitor="loss", patience=1)
    plain = again.fit(X, y, epochs=3, verbose=0, seed=0, callbacks=[stop])
    listed = model.fit(X, y, epochs=3, verbose=0, seed=0,
                       callbacks=CallbackList([EarlyStopping(monitor="loss", patience=1)]))
    assert listed.history["loss"] == plain.history["loss"]
    for a, b in zip(model.get_weights(), again.get_weights(), strict=True):
        assert np.array_equal(a, b)


def test_evaluate_and_predict_call_its_callbacks(data: tuple) -> None:
    model, X, y = data
    model.fit(X, y, epochs=1, verbose=0, seed=0)
    calls: list = []
    hooks = CallbackList([_Calls("a", calls)], model=model)
    model.evaluate(X, y, callbacks=hooks)
    model.predict(X, callbacks=hooks)
    assert calls == [("a", "test_end", ["loss"]), ("a", "predict_begin")]


def test_other_objects_are_still_refused(data: tuple) -> None:
    model, X, y = data
    with pytest.raises(TypeError, match="Expected a list of Callback instances"):
        model.fit(X, y, epochs=1, verbose=0, callbacks={"a": 1})
    hooks = CallbackList()
    hooks.callbacks.append("not a callback")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Expected Callback instances. Received: 'not a"):
        model.fit(X, y, epochs=1, verbose=0, callbacks=hooks)
