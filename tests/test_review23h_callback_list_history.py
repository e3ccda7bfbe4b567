"""Review 23h: ``CallbackList(..., add_history=True)`` holding more than one ``History`` takes
the last as its ``history`` (and ``model.history``), as Keras 3's ``_add_default_callbacks``
and as ``fit`` picks the one it returns, so ``fit(callbacks=that_list)`` returns
``that_list.history`` (before: the list kept the first, ``fit`` returned the last)."""

from __future__ import annotations

import numpy as np

import nonlin
from nonlin.callbacks import CallbackList, History

RNG = np.random.default_rng(23)
X = RNG.normal(size=(16, 3))
Y = np.arange(16) % 2


def test_the_last_history_is_the_lists_and_the_one_fit_returns() -> None:
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.compile(optimizer="sgd", loss="cross_entropy")
    first, last = History(), History()
    hooks = CallbackList([first, last], add_history=True, model=model)
    assert hooks.history is last and model.history is last  # before: first
    assert len(hooks.callbacks) == 2  # none added
    returned = model.fit(X, Y, epochs=2, verbose=0, seed=0, callbacks=hooks)
    assert returned is hooks.history is model.history
    assert first.epoch == last.epoch == [0, 1]
