"""Review s20c: ``train_on_batch(X, None)``, ``test_on_batch(X, None)`` and the tutorial's
``train(X, None)`` no longer hear that "y may be left out ... when X is a batch source": none
of them takes a source. The hint says what is true everywhere: ``fit`` and ``evaluate`` leave
``y`` out only with a batch source."""

import numpy as np
import pytest

import nonlin
from nonlin import tutorial

HINT = ("Expected a real numeric array for y. Received: None (fit and evaluate leave y out "
        "only when x is a batch source of (x, y) batches)")


def _model():
    model = nonlin.Sequential([nonlin.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model.build(3, seed=0)


@pytest.mark.parametrize("call", [
    lambda X: _model().train_on_batch(X, None),
    lambda X: _model().test_on_batch(X, None),
    lambda X: _model().fit(X, None, verbose=0),
    lambda X: _model().evaluate(X, verbose=0),
    lambda X: tutorial.train(X, None),
])
def test_y_none_says_where_y_may_be_left_out(call):
    X = np.random.default_rng(0).normal(size=(8, 3))
    with pytest.raises(TypeError) as info:
        call(X)
    assert str(info.value) == HINT
