"""A fit that starts anew makes its own random stream, as before the reseeding of
continuing fits (review 23i): the network a user kept from the last fit (``model_``, its
``rng`` drawing dropout masks and shuffles when it trains on) is not reseeded and drawn
from by the new fit."""

import numpy as np
import pytest

pytest.importorskip("sklearn")

from nonlin.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

rng = np.random.RandomState(0)
X = rng.randn(30, 4)
y = rng.randint(0, 3, 30)


def _state(stream: np.random.RandomState) -> tuple:
    name, key, pos, has_gauss, cached = stream.get_state()
    return name, key.copy(), pos, has_gauss, cached


@pytest.mark.parametrize("make", [
    lambda: MLPClassifier(hidden_layer_sizes=(3,), max_iter=2, dropout=0.2, random_state=3),
    lambda: MLPRegressor(hidden_layer_sizes=(3,), max_iter=2, random_state=3),
])
def test_a_refit_leaves_the_kept_network_stream(make) -> None:
    import warnings

    est = make()
    target = y if isinstance(est, MLPClassifier) else y.astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, target)
        kept = est.model_
        before = _state(kept.rng)
        est.fit(X, target)  # warm_start=False: a new network, a new stream
    after = _state(kept.rng)
    assert est.model_ is not kept
    assert est.model_.rng is not kept.rng
    assert before[0] == after[0] and before[2:] == after[2:]
    np.testing.assert_array_equal(before[1], after[1])


def test_partial_fit_after_fit_still_repeats() -> None:
    a = MLPClassifier(hidden_layer_sizes=(3,), random_state=3)
    b = MLPClassifier(hidden_layer_sizes=(3,), random_state=3)
    for est in (a, b):
        est.partial_fit(X, y, classes=[0, 1, 2])
        est.partial_fit(X, y)
    for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert a._random_state.randint(10**9) == b._random_state.randint(10**9)
