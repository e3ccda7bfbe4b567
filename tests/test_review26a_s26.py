"""Review 26a: what the hostile review of session 26's merges found."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from test_load_bounds_s24 import _lines_run


def test_counting_lines_gives_back_the_tracer_set_before() -> None:
    # pytest-cov (coverage's CTracer on Python 3.11) traces through sys.settrace: a count
    # that ended with settrace(None) switched coverage off for the rest of the session
    calls: list[str] = []

    def outer(frame: Any, event: str, arg: Any) -> Any:
        calls.append(frame.f_code.co_name)

    def counted(n: int) -> int:
        total = 0
        for i in range(n):
            total += i
        return total

    def after() -> None:
        pass

    before = sys.gettrace()
    sys.settrace(outer)
    try:
        lines = _lines_run(counted, 3)
        still = sys.gettrace()
        after()
    finally:
        sys.settrace(before)
    assert lines >= 7  # total = 0, three loops of two lines, return
    assert still is outer and "after" in calls


def test_an_init_with_a_generator_of_its_own_is_called_once_per_layer_with_threads() -> None:
    # d7d0143 called init again on a copy of rng when the global state moved while other
    # threads ran: an init drawing from a generator it closes over stepped that generator
    # twice, and the next layer's weights depended on another thread's timing
    import warnings

    import numpy as np

    import nonlin
    from test_init_draws_threads_s26 import _other_thread

    mine, calls = np.random.default_rng(1), [0]

    def init(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
        calls[0] += 1
        draw()  # another thread draws from np.random while init runs
        return mine.normal(0.0, 0.1, size=(fan_in, fan_out))

    with _other_thread() as draw:
        model = nonlin.Sequential([nonlin.Dense(3, init=init), nonlin.Dense(2, init=init)])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # warned: the global state moved meanwhile
            model.build(2, seed=0)
    expected = np.random.default_rng(1)
    first, second = expected.normal(0.0, 0.1, (2, 3)), expected.normal(0.0, 0.1, (3, 2))
    weights = model.get_weights()
    assert calls[0] == 2
    assert np.array_equal(weights[0], first) and np.array_equal(weights[2], second)


def _fitted(solver: str) -> Any:
    pytest.importorskip("sklearn")
    import warnings

    import numpy as np

    from nonlin.sklearn import MLPClassifier

    X = np.random.default_rng(0).normal(size=(60, 4))
    y = (X[:, 0] > 0).astype(int)
    est = MLPClassifier((5,), solver=solver, max_iter=4, random_state=0, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    return est, X, y


@pytest.mark.parametrize(("first", "then"), [("sgd", "sgd"), ("adam", "adam"),
                                             ("lbfgs", "lbfgs"), ("adam", "lbfgs")])
def test_lists_with_an_item_assigned_stay_coefs_and_intercepts_as_scikit_learns(
        first: str, then: str) -> None:
    # est.coefs_[0] = W, then a warm start: scikit-learn's lists stay coefs_ / intercepts_
    # (SGD/Adam step their arrays, L-BFGS's _unpack assigns items); bind made new lists, so
    # the lists held kept the old arrays, intercepts_ (not touched) too
    import warnings

    import numpy as np

    est, X, y = _fitted(first)
    coefs, intercepts, bias = est.coefs_, est.intercepts_, est.intercepts_[0]
    mine = np.full_like(coefs[0], 0.1)
    coefs[0] = mine
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.set_params(solver=then).fit(X, y)
    assert est.coefs_ is coefs and est.intercepts_ is intercepts
    assert (mine == 0.1).all() and coefs[0] is not mine  # the user's array copied in
    # (the parameters packed again, with the copy: the other arrays held are left behind)
    assert intercepts[0] is not bias


def test_a_list_of_ones_own_arrays_is_left_as_it_was() -> None:
    pytest.importorskip("sklearn")
    import warnings

    import numpy as np

    est, X, y = _fitted("adam")
    mine = [np.full_like(a, 0.1) for a in est.coefs_]
    listed = list(mine)
    est.coefs_ = listed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
    assert est.coefs_ is not listed and all(a is b for a, b in zip(listed, mine, strict=True))
