"""Review 23h: ``evaluate(return_dict=False, callbacks=...)`` after an ``on_test_end`` hook
changed the results dict (which it gets itself since review 23a), listed as Keras 3's
``_flatten_metrics_in_order``: the pass's keys that remain in their order, then the keys the
hook added, sorted; no key left: ``[]`` (before: an ``IndexError``)."""

from __future__ import annotations

import numpy as np

import nonlin
from nonlin.callbacks import LambdaCallback

RNG = np.random.default_rng(23)
X = RNG.normal(size=(24, 3))
Y = (X[:, 0] > 0).astype(np.int64)


def _model() -> nonlin.Sequential:
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.compile(optimizer="sgd", loss="cross_entropy", metrics=["accuracy"])
    return model.build(3, seed=0)


def test_a_hook_that_empties_the_results_gives_an_empty_list() -> None:
    model = _model()
    emptied = LambdaCallback(on_test_end=lambda logs: logs.clear())
    assert model.evaluate(X, Y, callbacks=[emptied], return_dict=False) == []  # before: IndexError
    assert model.evaluate(X, Y, callbacks=[emptied]) == {}


def test_added_keys_follow_sorted_and_removed_ones_are_left_out() -> None:
    model = _model()
    plain = model.evaluate(X, Y, return_dict=False)
    added = LambdaCallback(on_test_end=lambda logs: logs.update(zeta=2.0, alpha=1.0))
    assert model.evaluate(X, Y, callbacks=[added], return_dict=False) == [*plain, 1.0, 2.0]
    # the loss removed and put back: still first, in metrics_names' order (Keras 3's)
    again = LambdaCallback(on_test_end=lambda logs: logs.update(loss=logs.pop("loss")))
    assert model.evaluate(X, Y, callbacks=[again], return_dict=False) == plain
    left = LambdaCallback(on_test_end=lambda logs: logs.pop("accuracy"))
    assert model.evaluate(X, Y, callbacks=[left], return_dict=False) == plain[0]
