"""Optimizer state: ``load_state_dict`` refuses NaN and infinite slot values (naming the slot,
the parameter's index and the value), as a negative squared gradient; ``nonlin.sklearn`` moves
its own state (NaN moments of a diverged fit included) through the internal path; what
``_trainable`` reads of an optimizer goes through ``_held_state``."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest

from nonlin import optimizers as O
from nonlin.core import Param

MAKERS = [lambda: O.SGD(0.1, momentum=0.9), O.Adam, O.AdamW, O.RMSprop, O.Adagrad, O.Adamax,
          O.Nadam, O.Adadelta, O.Lion]


def _stepped(make):
    """An optimizer after one step on two parameters, and its state."""
    rng = np.random.default_rng(0)
    params = [Param(rng.normal(size=(2, 3)), "W"), Param(rng.normal(size=3), "b")]
    for p in params:
        p.grad[...] = rng.normal(size=p.value.shape)
    optimizer = make()
    optimizer.step(params)
    return optimizer, optimizer.state_dict()


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_load_state_dict_refuses_a_non_finite_slot_naming_it(make, bad):
    optimizer, state = _stepped(make)
    slots = [key for key, value in state.items() if isinstance(value, np.ndarray)]
    assert slots, state
    for key in slots:
        name, _, index = key.rpartition(".")
        hostile = {k: np.copy(v) if isinstance(v, np.ndarray) else v for k, v in state.items()}
        hostile[key].reshape(-1)[1] = bad
        fresh = make()
        with pytest.raises(ValueError, match="Expected finite values") as info:
            fresh.load_state_dict(hostile)
        message = str(info.value)
        assert f"slot {name!r} of parameter {index}" in message, message
        assert f"Received {key}[" in message and message.endswith(f"={float(bad)!r}"), message
        after = fresh.state_dict()  # nothing loaded
        assert after["iterations"] == 0
        assert not any(isinstance(v, np.ndarray) for v in after.values())
        optimizer.load_state_dict(state)  # the finite state still loads


def test_a_negative_squared_gradient_names_the_parameter_and_value():
    _, state = _stepped(O.Adam)
    state["v.1"][2] = -0.5
    with pytest.raises(ValueError, match=r"slot 'v' \(squared gradients\) of parameter 1 "
                                         r"\(key 'v.1'\)\. Received v.1\[2\]=-0.5"):
        O.Adam().load_state_dict(state)


def test_a_diverged_sklearn_estimator_warm_starts_on_after_a_pickle():
    """scikit-learn's optimizer keeps a diverged fit's NaN velocity and trains on with it;
    the estimator's re-homed state (unpickled) goes through the internal load that keeps it."""
    pytest.importorskip("sklearn")
    import nonlin.sklearn as nls

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 5)) * 100
    y = X @ rng.normal(size=5) * 1000
    est = nls.MLPRegressor(hidden_layer_sizes=(10,), solver="sgd", max_iter=15,
                           learning_rate_init=0.5, random_state=0, early_stopping=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, y)
        assert not np.isfinite(est._optimizer.state_dict()["velocity.0"]).all()
        again = pickle.loads(pickle.dumps(est))
        again.set_params(warm_start=True, max_iter=2)
        again.fit(X, y)
    assert again.n_iter_ == 2


# -- what _trainable reads of an optimizer: _held_state, not its private slots ---------------
def test_trainable_reads_the_optimizer_through_held_state_only():
    import inspect

    from nonlin import _trainable

    source = inspect.getsource(_trainable)
    for private in ("_param_slots", "_owners", "__dict__.get(\"_owners\")"):
        assert private not in source, private


def test_held_state_names_the_slots_shapes_and_owners():
    rng = np.random.default_rng(0)
    params = [Param(rng.normal(size=(2, 3)), "W"), Param(rng.normal(size=3), "b")]
    optimizer = O.Adam()
    assert optimizer._held_state() is None  # no step yet
    optimizer.step(params)
    held = optimizer._held_state()
    assert held.names == ("m", "v") and held.shapes == [(2, 3), (3,)]
    assert all(a is b for a, b in zip(held.owners, params, strict=True))
    loaded = O.Adam()
    loaded.load_state_dict(optimizer.state_dict())
    assert loaded._held_state() == (("m", "v"), [(2, 3), (3,)], [])  # loaded: no owners yet
    assert O.SGD(0.1)._held_state() is None  # plain SGD holds nothing
