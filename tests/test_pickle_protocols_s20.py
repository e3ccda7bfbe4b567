"""Pickle protocols 0 to 5 and ``copy`` for ``Param``, a ``Sequential`` (built, fitted) and a
fitted ``nonlin.sklearn.MLPClassifier`` (session 20's leftover: protocols 0 and 1 refused a
class with ``__slots__`` and no ``__getstate__``)."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest

import nonlin
from nonlin.core import Param

PROTOCOLS = range(pickle.HIGHEST_PROTOCOL + 1)


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    return X, (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(5), nonlin.BatchNorm(), nonlin.ReLU(),
                              nonlin.Dense(3), nonlin.Softmax()], name="net")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_param_round_trips_with_every_protocol(protocol: int) -> None:
    p = Param(np.arange(6.0).reshape(2, 3), "W")
    p.grad[:] = 0.5
    q = pickle.loads(pickle.dumps(p, protocol=protocol))
    assert type(q) is Param and q.name == "W"
    np.testing.assert_array_equal(q.value, p.value)
    np.testing.assert_array_equal(q.grad, np.zeros((2, 3)))  # no gradient pickled (s24)
    assert q.value.dtype == p.value.dtype and q.grad.dtype == p.grad.dtype


class _Tagged(Param):
    """A subclass with a slot of its own."""

    __slots__ = ("tag",)


class _Loose(Param):
    """A subclass without slots: it has a __dict__."""


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_param_subclass_keeps_its_own_slots_and_attributes(protocol: int) -> None:
    tagged, loose = _Tagged(np.ones(2), "b"), _Loose(np.ones(2), "b")
    tagged.tag, loose.note = "t", "n"
    t, n = (pickle.loads(pickle.dumps(x, protocol=protocol)) for x in (tagged, loose))
    assert (type(t), t.tag, t.name) == (_Tagged, "t", "b")
    assert (type(n), n.note, n.name) == (_Loose, "n", "b")


def test_an_unset_slot_stays_unset() -> None:
    p = Param.__new__(Param)
    p.value = np.ones(2)
    q = pickle.loads(pickle.dumps(p, protocol=0))
    assert not hasattr(q, "grad") and not hasattr(q, "name")


def test_the_state_python_wrote_before_getstate_existed_still_loads() -> None:
    """Protocols 2-5 pickled a Param as Python's ``(None, {slot: value})`` pair."""
    p = Param.__new__(Param)
    p.__setstate__((None, {"value": np.ones(2), "grad": np.zeros(2), "name": "W"}))
    assert p.name == "W" and p.value.tolist() == [1.0, 1.0] and p.grad.tolist() == [0.0, 0.0]


def test_copy_and_deepcopy_of_a_param() -> None:
    p = Param(np.ones(3), "W")
    shallow, deep = copy.copy(p), copy.deepcopy(p)
    assert shallow.value is p.value and shallow.grad is p.grad and shallow.name == "W"
    assert deep.value is not p.value and deep.grad is not p.grad and deep.name == "W"
    np.testing.assert_array_equal(deep.value, p.value)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_built_and_a_fitted_sequential_round_trip(protocol: int) -> None:
    X, y = _data()
    built = _model().build(4, seed=0)
    fitted = _model()
    fitted.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=2, seed=0, verbose=0)
    for model in (built, fitted):
        q = pickle.loads(pickle.dumps(model, protocol=protocol))
        assert q.get_config() == model.get_config() and q.name == "net"
        assert [layer.name for layer in q.layers] == [layer.name for layer in model.layers]
        for a, b in zip(q.get_weights(), model.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(q.predict(X), model.predict(X))
    assert pickle.loads(pickle.dumps(fitted, protocol=protocol)).history.epoch == [0, 1]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_fitted_mlp_classifier_round_trips(protocol: int) -> None:
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier

    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        est = MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, y)
    q = pickle.loads(pickle.dumps(est, protocol=protocol))
    np.testing.assert_array_equal(q.predict_proba(X), est.predict_proba(X))
    for a, b in zip(q.coefs_ + q.intercepts_, est.coefs_ + est.intercepts_, strict=True):
        np.testing.assert_array_equal(a, b)
    assert q.get_params() == est.get_params()
    for e in (q, est):
        e.partial_fit(X, y)  # goes on from the same optimizer state
    for a, b in zip(q.coefs_, est.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)


def _copies(model: nonlin.Sequential) -> list[nonlin.Sequential]:
    return [pickle.loads(pickle.dumps(model, protocol=p)) for p in PROTOCOLS] + [
        copy.deepcopy(model)]


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_an_unpickled_fitted_model_goes_on_training_as_the_original(optimizer: str) -> None:
    """The model's own optimizer came along bound to the flat buffer of the original's
    packed parameters; the copy's arrays are no views of it, so fit stepped a buffer no
    layer reads and the weights did not move."""
    X, y = _data()
    model = _model()
    model.fit(X, y, loss="cross_entropy", optimizer=optimizer, epochs=2, seed=0, verbose=0)
    copies = _copies(model)
    before = model.get_weights()
    for m in [*copies, model]:
        m.fit(X, y, epochs=2, seed=1, verbose=0)
    assert not np.array_equal(model.get_weights()[0], before[0])
    for c in copies:
        for a, b in zip(c.get_weights(), model.get_weights(), strict=True):
            np.testing.assert_array_equal(a, b)
        assert c.optimizer.iterations == model.optimizer.iterations


def test_the_original_keeps_its_binding_when_pickled() -> None:
    X, y = _data()
    model = _model()
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, seed=0, verbose=0)
    bound = model.optimizer._bound
    pickle.dumps(model)
    copy.copy(model.optimizer)
    assert model.optimizer._bound is bound and bound
