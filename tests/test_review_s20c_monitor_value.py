"""Review s20c: an ``EarlyStopping`` subclass whose ``get_monitor_value`` returns no number
(a list, an array of two, a string) gets a ``TypeError`` naming the method and the value
(was: numpy's or float's bare words, "only 0-dimensional arrays can be converted to Python
scalars", which name neither); a 0-d array, a numpy float and NaN stay accepted."""

import numpy as np
import pytest

import nonlin
from nonlin.callbacks import EarlyStopping


def _fit(value):
    class Mine(EarlyStopping):
        def get_monitor_value(self, logs):
            return value

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 3))
    model = nonlin.Sequential([nonlin.Dense(1)])
    return model.fit(X, X[:, 0], loss="mse", optimizer="sgd", epochs=3, seed=0, verbose=0,
                     callbacks=[Mine(monitor="mine", mode="min", patience=1)])


@pytest.mark.parametrize("value", [np.array([1.0, 2.0]), [1.0], "low", np.array([0.5])])
def test_a_value_that_is_no_number_is_named(value):
    with pytest.raises(TypeError, match=r"Expected a number or None from Mine\.get_monitor_value"
                                        r"\. Received: "):
        _fit(value)


@pytest.mark.parametrize("value", [np.array(1.0), np.float32(1.0), float("nan"), 2])
def test_numbers_stay_accepted(value):
    assert len(_fit(value).epoch) == 2  # no improvement after the first: patience 1
