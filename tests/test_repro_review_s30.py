"""Review of session 30's reproducibility change: ``ModelState.__getstate__`` without the
id-keyed entries returned the instance dict alone, so a ``Sequential`` subclass with
``__slots__`` lost its slot values in ``copy.copy``, ``copy.deepcopy`` and pickles, silently
(before it, ``NamedModel.__setstate__`` failed on Python's ``(dict, slots)`` pair).
"""

from __future__ import annotations

import copy
import pickle
from typing import Any

import numpy as np
import pytest

import nonlin as nl


class _Tagged(nl.Sequential):
    __slots__ = ("tag", "note")


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 3))
    return X, (X[:, 0] > 0).astype(int)


_COPIES: dict[str, Any] = {
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
    **{f"pickle{p}": (lambda m, p=p: pickle.loads(pickle.dumps(m, protocol=p)))
       for p in (0, 2, 5)},
}


@pytest.mark.parametrize("how", sorted(_COPIES))
def test_a_subclass_with_slots_keeps_them_through_copies_and_pickles(how: str) -> None:
    X, y = _data()
    model = _Tagged([nl.Dense(4), nl.ReLU(), nl.Dense(2), nl.Softmax()])
    model.tag = {"run": "a"}  # "note" left unset: not made up in the copy
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, seed=0, verbose=0)
    twin = _COPIES[how](model)
    assert twin.tag == {"run": "a"} and not hasattr(twin, "note")
    assert "_grads_written" not in twin.__dict__ and "_fit_running" not in twin.__dict__
    if how != "copy":  # a shallow copy shares its layers: trained on, it trains the original's
        twin.fit(X, y, epochs=2, verbose=0)
        model.fit(X, y, epochs=2, verbose=0)
        assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), twin.get_weights(),
                                                       strict=True))


def test_identical_slotted_models_pickle_to_the_same_bytes() -> None:
    X, y = _data()
    models = [_Tagged([nl.Dense(4), nl.Dense(2), nl.Softmax()]) for _ in range(2)]
    for model in models:
        model.tag = "t"
        model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, seed=0, verbose=0)
    assert pickle.dumps(models[0]) == pickle.dumps(models[1])
