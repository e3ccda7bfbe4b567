"""LambdaCallback takes any hook of Callback as a keyword, as Keras 3's ``**kwargs`` does:
``predict(callbacks=)`` and ``evaluate(callbacks=)`` call the ones they run; another name
is refused with a message naming it and the hooks taken."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin.callbacks import Callback, LambdaCallback


def _model() -> tuple[nonlin.Sequential, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 3)), np.arange(12) % 2
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=1, verbose=0)
    return model, X, y


def test_predict_and_evaluate_call_the_hooks_given_by_keyword() -> None:
    model, X, y = _model()
    calls: list[object] = []
    callback = LambdaCallback(
        on_predict_begin=lambda logs: calls.append(("predict_begin", dict(logs))),
        on_predict_end=lambda logs: calls.append(("predict_end", dict(logs))),
        on_test_begin=lambda logs: calls.append(("test_begin", dict(logs))),
        on_test_end=lambda logs: calls.append(("test_end", sorted(logs))),
        on_predict_batch_end=lambda batch, logs: calls.append("never"),
        on_test_batch_begin=lambda batch, logs: calls.append("never"))
    model.predict(X, callbacks=[callback])
    model.evaluate(X, y, callbacks=[callback])
    assert calls == [("predict_begin", {}), ("predict_end", {}), ("test_begin", {}),
                     ("test_end", ["loss"])]


def test_fit_calls_train_batch_end_and_epoch_hooks_given_by_keyword() -> None:
    model, X, y = _model()
    ends: list[int] = []
    model.fit(X, y, epochs=1, batch_size=6, verbose=0, callbacks=[
        LambdaCallback(on_train_batch_end=lambda batch, logs: ends.append(batch))])
    assert ends == [0, 1]


def test_every_hook_of_callback_is_taken_and_none_is_skipped() -> None:
    hooks = [name for name in vars(Callback) if name.startswith("on_")]
    assert len(hooks) == 16
    pairs = {"on_batch_begin": "on_train_batch_begin", "on_batch_end": "on_train_batch_end"}
    for name in hooks:
        if name in pairs:
            continue
        callback = LambdaCallback(**{name: print})
        assert callback.__dict__[name] is print
    assert "on_test_end" not in LambdaCallback(on_test_end=None).__dict__


def test_an_unknown_keyword_is_refused_naming_it_and_the_hooks_taken() -> None:
    with pytest.raises(TypeError, match=r"Expected a hook of Callback .*on_predict_end.*"
                                        r"Received: on_epoch_ends="):
        LambdaCallback(on_epoch_ends=print)
    with pytest.raises(TypeError, match=r"Expected a function \(or None\). "
                                        r"Received: on_predict_end=3"):
        LambdaCallback(on_predict_end=3)
    with pytest.raises(ValueError, match="Expected one of on_train_batch_end and on_batch_end"):
        LambdaCallback(on_train_batch_end=print, on_batch_end=print)
