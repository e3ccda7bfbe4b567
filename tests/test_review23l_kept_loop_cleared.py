"""The loop train_on_batch keeps holds neither the model nor the batch once a call ends,
however it ends: a Ctrl-C (or an error) between the loop's making and its step included."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import _on_batch


def _interrupted(*args: Any) -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize("calls_before", [0, 1])
def test_a_call_ended_before_its_step_holds_no_model_or_batch(
        monkeypatch: pytest.MonkeyPatch, calls_before: int) -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 4)), rng.integers(0, 2, 16)
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()]).build(4, seed=0)
    model.compile(nonlin.SGD(lr=0.1, momentum=0.9), "cross_entropy")
    for _ in range(calls_before):  # 1: the kept loop's path; 0: the checks' path
        model.train_on_batch(X, y)
    monkeypatch.setattr(_on_batch, "record_names", _interrupted)
    with pytest.raises(KeyboardInterrupt):
        model.train_on_batch(X, y)
    monkeypatch.undo()
    gone, batch = weakref.ref(model), weakref.ref(X)
    del model, X
    gc.collect()
    assert gone() is None and batch() is None
