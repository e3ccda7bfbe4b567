"""LambdaCallback: plain functions called by fit as Keras 3 calls them."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin.callbacks import CallbackList, LambdaCallback


def _fit(*callbacks, epochs=2):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, 3)), np.arange(10) % 2
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    return model.fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=epochs, batch_size=4,
                     verbose=0, callbacks=list(callbacks))


def test_fit_calls_each_function_with_keras_arguments_in_order() -> None:
    calls = []
    callback = LambdaCallback(
        lambda epoch, logs: calls.append(("epoch_begin", epoch, dict(logs))),
        lambda epoch, logs: calls.append(("epoch_end", epoch, sorted(logs))),
        on_train_begin=lambda logs: calls.append(("train_begin", dict(logs))),
        on_train_end=lambda logs: calls.append(("train_end", sorted(logs))),
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch)),
        on_batch_end=lambda batch, logs: calls.append(("batch_end", batch, logs["size"])))
    _fit(callback)
    epoch = [("batch_begin", 0), ("batch_end", 0, 4), ("batch_begin", 1), ("batch_end", 1, 4),
             ("batch_begin", 2), ("batch_end", 2, 2)]
    assert calls == [("train_begin", {}),
                     ("epoch_begin", 0, {}), *epoch, ("epoch_end", 0, ["loss", "lr"]),
                     ("epoch_begin", 1, {}), *epoch, ("epoch_end", 1, ["loss", "lr"]),
                     ("train_end", ["loss", "lr"])]


def test_only_the_functions_given_are_called_and_batch_work_only_when_asked() -> None:
    ends = []
    callback = LambdaCallback(on_epoch_end=lambda epoch, logs: ends.append(logs["loss"]))
    cbs = CallbackList([callback], model=None)
    assert not cbs.wants_batches and [len(cbs._by_hook[h]) for h in (
        "on_epoch_end", "on_epoch_begin", "on_train_begin")] == [1, 0, 0]
    history = _fit(callback)
    assert ends == history.history["loss"]


def test_a_function_can_stop_training_through_the_model_as_in_keras() -> None:
    callback = LambdaCallback()

    def stop(epoch, logs):
        callback.model.stop_training = True

    callback.on_epoch_end = stop  # set on the callback afterwards, as Keras allows
    history = _fit(callback, epochs=5)
    assert history.epoch == [0]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(on_epoch_end=3), TypeError, r"Received: on_epoch_end=3"),
    (dict(on_train_begin="print"), TypeError, r"Received: on_train_begin='print'"),
    (dict(on_batch_end=lambda b, logs: None, on_train_batch_end=lambda b, logs: None),
     ValueError, r"on_train_batch_end and on_batch_end \(the same hook\)\. Received both: "
                 r"on_train_batch_end=<function .*, on_batch_end=<function"),
    (dict(on_predict_begins=lambda logs: None), TypeError, "on_predict_begins"),  # no such hook
])
def test_bad_arguments_are_refused_with_a_clear_message(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        LambdaCallback(**kwargs)
    with pytest.raises(TypeError):
        LambdaCallback(None, None, None)  # keyword-only after on_epoch_end


def test_it_is_exported_where_keras_users_look() -> None:
    assert nonlin.LambdaCallback is LambdaCallback is nonlin.callbacks.LambdaCallback
    assert repr(LambdaCallback()) == "LambdaCallback()"
