"""A fitted estimator's ``partial_fit`` takes and refuses the ``callbacks`` its ``fit`` does
(session 30): ``fit``'s parameter check (scikit-learn's, against the estimator's
constraint) refused a tuple that a fitted estimator's ``partial_fit``, which validates no
parameters (as scikit-learn's), trained."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn import config_context  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402

from nonlin.callbacks import Callback, History  # noqa: E402
from nonlin.sklearn import MLPClassifier, MLPRegressor  # noqa: E402

X = np.random.default_rng(0).normal(size=(20, 3))
Y = (X[:, 0] > 0).astype(np.int64)
KINDS = [MLPClassifier, MLPRegressor]
REFUSED = [lambda: (History(),), lambda: (), lambda: History(), lambda: {History()}]


def _fitted(kind: Any) -> Any:
    est = kind(hidden_layer_sizes=(3,), max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converged in 2 iterations
        return est.fit(X, Y)


def _message(call: Any) -> str:
    with pytest.raises(InvalidParameterError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        call()
    return str(info.value)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("make", REFUSED)
def test_a_fitted_partial_fit_refuses_the_callbacks_fit_refuses(kind: Any, make: Any) -> None:
    fresh = kind(hidden_layer_sizes=(3,), max_iter=2, random_state=0, callbacks=make())
    by_fit = _message(lambda: fresh.fit(X, Y))
    est = _fitted(kind)
    coefs, n_iter, kept = [c.copy() for c in est.coefs_], est.n_iter_, est.callbacks_
    est.set_params(callbacks=make())
    by_partial = _message(lambda: est.partial_fit(X, Y))
    assert by_partial.split(" Got ")[0] == by_fit.split(" Got ")[0]
    assert "'callbacks' parameter" in by_partial
    assert est.n_iter_ == n_iter and est.callbacks_ is kept
    assert all(np.array_equal(a, b) for a, b in zip(coefs, est.coefs_, strict=True))


@pytest.mark.parametrize("kind", KINDS)
def test_a_fitted_partial_fit_takes_a_list_or_none(kind: Any) -> None:
    est = _fitted(kind)
    for callbacks in ([History()], [], None):
        est.set_params(callbacks=callbacks)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.partial_fit(X, Y)
        assert len(est.callbacks_) == len(callbacks or [])


@pytest.mark.parametrize("kind", KINDS)
def test_with_validation_switched_off_both_take_a_tuple(kind: Any) -> None:
    seen: list[int] = []

    class Count(Callback):
        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            seen.append(epoch)

    with config_context(skip_parameter_validation=True), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = kind(hidden_layer_sizes=(3,), max_iter=2, random_state=0, callbacks=(Count(),))
        est.fit(X, Y)
        est.partial_fit(X, Y)
    assert len(seen) == 3
