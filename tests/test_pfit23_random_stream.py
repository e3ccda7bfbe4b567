"""A fit's random stream is seeded again, not made anew, when ``random_state`` is an int.

``RandomState(seed)`` costs ~80 us (NumPy draws entropy before seeding); ``seed(seed)`` on
the estimator's stream of its last fit ~1.5 us. The stream must then be in the state a new
one has, and a stream sharing another generator (NumPy's global one, the user's
``RandomState``) must never be seeded.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from nonlin._sklearn_random import ShuffleStream, random_state  # noqa: E402
from nonlin.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

RNG = np.random.default_rng(3)
X = RNG.random((40, 4))
Y = RNG.integers(0, 3, 40)


def _state(stream: np.random.RandomState) -> list:
    kind, keys, pos, has_gauss, gauss = stream.get_state(legacy=True)
    return [kind, keys.tobytes(), pos, has_gauss, gauss]


def test_an_int_seeds_the_previous_stream_as_a_new_one() -> None:
    first = random_state(5)
    first.permutation(10)
    first.standard_normal()  # a cached second Gaussian: seeding must forget it
    first.order = np.arange(3)
    again = random_state(5, first)
    assert again is first
    assert _state(again) == _state(np.random.RandomState(5))
    assert again.order is None


@pytest.mark.parametrize("previous", [None, np.random.RandomState(5), "a stream of another's"])
def test_a_stream_not_seeded_here_is_not_seeded_again(previous: object) -> None:
    if previous == "a stream of another's":
        previous = random_state(np.random.RandomState(9))  # shares that generator
    global_state = _state(np.random.mtrand._rand)
    stream = random_state(5, previous)
    assert stream is not previous
    assert _state(stream) == _state(np.random.RandomState(5))
    assert _state(np.random.mtrand._rand) == global_state  # NumPy's global one untouched


def test_none_and_a_random_state_still_share_their_generator() -> None:
    user = np.random.RandomState(1)
    previous = random_state(4)
    stream = random_state(user, previous)
    assert stream is not previous and stream._bit_generator is user._bit_generator
    assert isinstance(random_state(None, previous), ShuffleStream)
    assert random_state(None, previous)._bit_generator is np.random.mtrand._rand._bit_generator


def test_from_none_to_an_int_leaves_the_global_stream_alone() -> None:
    np.random.seed(0)
    est = MLPClassifier(hidden_layer_sizes=(3,), max_iter=2)
    est.partial_fit(X, Y, classes=[0, 1, 2])  # a stream on NumPy's global generator
    est.set_params(random_state=7)
    before = _state(np.random.mtrand._rand)
    est.partial_fit(X, Y)
    assert _state(np.random.mtrand._rand) == before
    assert est._random_state.__dict__.get("seeded_here")


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
def test_partial_fits_reuse_the_stream_and_train_as_fresh_ones(cls: type) -> None:
    kw = {"classes": [0, 1, 2]} if cls is MLPClassifier else {}
    reused = cls(hidden_layer_sizes=(3,), random_state=2, batch_size=8)
    fresh = cls(hidden_layer_sizes=(3,), random_state=2, batch_size=8)
    reused.partial_fit(X, Y, **kw)
    fresh.partial_fit(X, Y, **kw)
    stream = reused._random_state
    for _ in range(3):
        reused.partial_fit(X, Y)
        fresh._random_state = None  # no previous stream: a new one each call
        fresh.partial_fit(X, Y)
    assert reused._random_state is stream
    for a, b in zip(reused.coefs_ + reused.intercepts_, fresh.coefs_ + fresh.intercepts_,
                    strict=True):
        assert a.tobytes() == b.tobytes()
