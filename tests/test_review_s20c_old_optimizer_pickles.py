"""Review s20c: a model pickled before RMSprop's momentum/centered and Adam's amsgrad existed
(its optimizer's ``__dict__`` without them, as the release before wrote it) trains on when
loaded, as the original does (was: ``AttributeError: 'Adam' object has no attribute
'amsgrad'``, and ``'RMSprop' object has no attribute 'momentum'``, at the first step)."""

import copyreg
import io
import pickle

import numpy as np
import pytest

import nonlin

NEW = ("amsgrad", "momentum", "centered", "_slot_names", "clipvalue")


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
    """The optimizer's state as the release before pickled it: none of today's attributes
    (its __getstate__ kept the whole dict, flat slots and scratch arrays too, less the binding)."""
    whole = {**obj.__dict__, "_bound": [], "_grads": []}
    state = {k: v for k, v in whole.items() if k not in NEW}
    return copyreg.__newobj__, (type(obj),), state


def _pickled_as_before(model):
    table = copyreg.dispatch_table.copy()
    table[type(model.optimizer)] = _as_before
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=5)
    pickler.dispatch_table = table
    pickler.dump(model)
    return pickle.loads(buffer.getvalue())


@pytest.mark.parametrize("make", [lambda: nonlin.RMSprop(lr=0.01),
                                  lambda: nonlin.Adam(lr=0.01),
                                  lambda: nonlin.AdamW(lr=0.01),
                                  lambda: nonlin.optimizers.Adamax(lr=0.01),
                                  lambda: nonlin.optimizers.Nadam(lr=0.01)])
def test_an_optimizer_pickled_before_amsgrad_and_momentum_trains_on(make):
    X, y = _data()
    model = _fitted(make())
    old = _pickled_as_before(model)
    assert not any(k in old.optimizer.__dict__ for k in NEW)
    old.fit(X, y, epochs=1, batch_size=16, seed=1, verbose=0)
    model.fit(X, y, epochs=1, batch_size=16, seed=1, verbose=0)
    for a, b in zip(old.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert old.optimizer.get_config() == model.optimizer.get_config()
