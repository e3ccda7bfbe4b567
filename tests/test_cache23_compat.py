"""A model unpickled or copied without its caches trains, predicts and differentiates as
before; pickles written before the caches were left out (with them) still load."""

from __future__ import annotations

import copy
import pickle
import warnings
from typing import Any

import numpy as np
import pytest

import nonlin
from cache23_helpers import LAYER_TYPES, batch_arrays, data, model
from nonlin.core import Layer

pytest.importorskip("sklearn")  # the sklearn extra: skipped where it is not installed

from nonlin.sklearn import MLPClassifier  # noqa: E402


def _net(dtype: Any = np.float64) -> nonlin.Sequential:
    return nonlin.Sequential([
        nonlin.Dense(8, l2=0.01), nonlin.BatchNorm(), nonlin.ReLU(), nonlin.Dropout(0.25),
        nonlin.Dense(6, activation="gelu"), nonlin.GaussianNoise(0.1), nonlin.Dense(3),
        nonlin.Softmax()]).build(5, seed=0, dtype=dtype)


def _train(m: nonlin.Sequential, X: np.ndarray, y: np.ndarray, epochs: int = 2) -> list:
    hist = m.fit(X, y, loss="cross_entropy", optimizer=m.__dict__.get("optimizer") or "adam",
                 epochs=epochs, batch_size=16, verbose=0)
    return [*m.get_weights(), np.array(hist.history["loss"])]


def _same(a: list, b: list) -> None:
    assert len(a) == len(b)
    for u, v in zip(a, b, strict=True):
        assert u.dtype == v.dtype and u.tobytes() == v.tobytes()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("how", ["pickle", "deepcopy"])
def test_training_a_copy_gives_the_same_bits(how: str, dtype: Any) -> None:
    X, y = data(dtype)
    m = _net(dtype)
    _train(m, X, y, epochs=1)
    twin = pickle.loads(pickle.dumps(m)) if how == "pickle" else copy.deepcopy(m)
    assert batch_arrays(twin) == []
    _same(_train(twin, X, y), _train(m, X, y))
    _same([twin.predict(X)], [m.predict(X)])


def test_an_estimator_unpickled_continues_with_the_same_bits() -> None:
    X, y = data()
    est = MLPClassifier((6,), solver="adam", max_iter=2, batch_size=16, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
        twin = pickle.loads(pickle.dumps(est))
        est.partial_fit(X, y)
        twin.partial_fit(X, y)
    _same(twin.coefs_ + twin.intercepts_, est.coefs_ + est.intercepts_)


@pytest.mark.parametrize(("name", "cls"), LAYER_TYPES)
def test_backward_on_an_unpickled_model_asks_for_a_forward(name: str, cls: type) -> None:
    X, y = data()
    m = model(cls, np.float64, X)
    m.fit(X, y, loss="cross_entropy", optimizer="sgd", epochs=1, batch_size=16, verbose=0)
    twin = pickle.loads(pickle.dumps(m))
    for layer in twin.layers:
        if name == "Dropout" or not isinstance(layer, type(m.layers[0])) or layer is twin.layers[0]:
            with pytest.raises(RuntimeError, match="forward pass with training=True first"):
                layer.backward(np.ones((16, 3 if layer is twin.layers[-1] else 6)))
    out = twin.forward(X[:16], training=True)  # then it works
    twin.backward(np.ones_like(out))


def _old_pickle(obj: Any, protocol: int, monkeypatch: pytest.MonkeyPatch) -> bytes:
    """``obj`` pickled as before ``Layer.__getstate__``: every cache in it."""
    with monkeypatch.context() as patch:
        patch.delattr(Layer, "__getstate__")
        return pickle.dumps(obj, protocol=protocol)


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_a_pickle_with_caches_still_loads_and_trains_the_same(
        protocol: int, monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = data()
    m = _net()
    _train(m, X, y, epochs=1)
    m.backward(np.ones_like(m.forward(X[:16], training=True)))  # every cache filled
    old = _old_pickle(m, protocol, monkeypatch)
    assert batch_arrays(pickle.loads(old))  # what the fix leaves out
    twin = pickle.loads(old)
    _same([twin.predict(X)], [m.predict(X)])
    assert batch_arrays(pickle.loads(pickle.dumps(twin, protocol=protocol))) == []
    _same(_train(twin, X, y), _train(m, X, y))


def test_an_estimator_pickled_with_caches_still_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    X, y = data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # 7 hidden units: the weights packed together (5*7 + 7*3 of them, a slice of one
        # buffer since an unpickled estimator packs them again) are not N or BATCH long
        est = MLPClassifier((7,), solver="lbfgs", max_iter=3, random_state=0).fit(X, y)
    twin = pickle.loads(_old_pickle(est, pickle.DEFAULT_PROTOCOL, monkeypatch))
    np.testing.assert_array_equal(twin.predict_proba(X), est.predict_proba(X))
    assert batch_arrays(pickle.loads(pickle.dumps(twin))) == []
