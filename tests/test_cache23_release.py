"""After ``fit`` / ``train_on_batch`` return, a model keeps no reference to the user's ``X``
(the first layer's cached input): ``nonlin._layer_caches.release``."""

from __future__ import annotations

import gc
import warnings
import weakref

import numpy as np
import pytest

import nonlin
from cache23_helpers import LAYER_TYPES, N, data, model


def _check_released(train: str, cls: type, dtype: type, rate: float = 0.3) -> None:
    X, y = data(dtype)
    ref = weakref.ref(X)
    m = model(cls, dtype, X, first=True, rate=rate)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if train == "fit":  # one batch, in order: the layers see X itself
            m.fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=2, batch_size=N,
                  shuffle=False, verbose=0)
        else:
            m.compile(loss="cross_entropy", optimizer="sgd")
            m.train_on_batch(X, y)
    expected = m.predict(X)
    del X
    gc.collect()
    assert ref() is None, cls.__name__
    np.testing.assert_array_equal(m.predict(data(dtype)[0]), expected)  # the model is kept


@pytest.mark.parametrize("train", ["fit", "train_on_batch"])
@pytest.mark.parametrize(("name", "cls"), LAYER_TYPES)
def test_a_fitted_model_keeps_no_reference_to_x(name: str, cls: type, train: str) -> None:
    for dtype in (np.float32, np.float64):
        _check_released(train, cls, dtype)


@pytest.mark.parametrize("cls", [nonlin.Dropout, nonlin.AlphaDropout, nonlin.GaussianDropout,
                                 nonlin.GaussianNoise])
def test_a_layer_of_rate_zero_in_front_keeps_no_reference_either(cls: type) -> None:
    _check_released("fit", cls, np.float64, rate=0.0)


def test_a_fit_that_raises_keeps_no_reference_either() -> None:
    X, y = data()
    ref = weakref.ref(X)
    m = model(nonlin.Identity, np.float64, X, first=True)

    class Stop(nonlin.callbacks.Callback):
        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            raise KeyError("stop")

    with pytest.raises(KeyError):
        m.fit(X, y, loss="cross_entropy", optimizer="sgd", batch_size=N, shuffle=False,
              callbacks=[Stop()], verbose=0)
    del X
    gc.collect()
    assert ref() is None


def test_a_forward_by_hand_still_caches_for_backward() -> None:
    X, y = data()
    m = model(nonlin.Identity, np.float64, X, first=True)
    out = m.forward(X, training=True)
    assert m.layers[0]._x is X  # the protocol: backward needs it
    m.backward(np.ones_like(out))
