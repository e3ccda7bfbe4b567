"""Review s20a: a fitted model pickled before ``Optimizer.__getstate__`` dropped the binding
(the optimizer's whole ``__dict__``, as the release before wrote it) trains on when loaded:
the binding is dropped on loading too (was: its ``_bound`` arrays, by pickle's memo the
loaded layers' own, passed as bound, so the optimizer stepped its copy of the old flat
buffer, which no layer reads, and the weights did not move)."""

import copy
import copyreg
import io
import pickle

import numpy as np
import pytest

import nonlin


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(48, 4)), rng.integers(0, 3, 48)


def _fitted(optimizer):
    X, y = _data()
    model = nonlin.Sequential([nonlin.Dense(6), nonlin.ReLU(), nonlin.Dense(3),
                               nonlin.Softmax()])
    model.fit(X, y, loss="cross_entropy", optimizer=optimizer, epochs=2, batch_size=16,
              seed=0, verbose=0)
    return model


def _as_before(obj):
    """What ``Optimizer.__reduce_ex__`` gave before ``__getstate__``: the whole dict."""
    return copyreg.__newobj__, (type(obj),), dict(obj.__dict__)


def _pickled_as_before(model):
    table = copyreg.dispatch_table.copy()
    table[type(model.optimizer)] = _as_before
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.dispatch_table = table
    pickler.dump(model)
    return pickle.loads(buffer.getvalue())


@pytest.mark.parametrize("make", [lambda: nonlin.Adam(lr=0.01),
                                  lambda: nonlin.SGD(lr=0.05, momentum=0.9)])
def test_a_pickle_from_before_trains_on_as_the_original(make):
    X, y = _data()
    model = _fitted(make())
    old = _pickled_as_before(model)
    before = [w.copy() for w in old.get_weights()]
    old.fit(X, y, epochs=1, batch_size=16, seed=1, verbose=0)
    model.fit(X, y, epochs=1, batch_size=16, seed=1, verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(before, old.get_weights(), strict=True))
    for a, b in zip(old.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_loading_keeps_everything_but_the_binding():
    model = _fitted(nonlin.Adam(lr=0.01))
    old = _pickled_as_before(model)
    assert old.optimizer._bound == [] and old.optimizer._grads == []
    assert old.optimizer.iterations == model.optimizer.iterations
    assert old.optimizer.lr == 0.01
    for name, slots in model.optimizer._param_slots.items():
        for a, b in zip(old.optimizer._param_slots[name], slots, strict=True):
            np.testing.assert_array_equal(a, b)
    twin = copy.deepcopy(model)
    assert twin.optimizer._bound == [] and twin.optimizer.iterations == 2 * 3
