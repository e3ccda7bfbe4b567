"""A setting that needs a slot, switched on by a callback in the middle of a fit (settings are
checked once per fit, not per step): the next step's error names the setting and what to do,
where it was a bare ``KeyError`` of the missing slot (session 22)."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import Dense, LambdaCallback, ReLU

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 3))
Y = X @ RNG.normal(size=(3, 1))


@pytest.mark.parametrize(("optimizer", "name", "slot"), [
    (nonlin.Adam(0.01), "amsgrad", "v_hat"),
    (nonlin.RMSprop(0.01), "centered", "average_gradient"),
    (nonlin.RMSprop(0.01), "momentum", "momentum"),
    (nonlin.SGD(0.01), "momentum", "velocity"),  # it stepped on without momentum, silently
])
def test_a_slot_setting_switched_on_mid_fit_is_named(optimizer, name, slot) -> None:
    model = nonlin.Sequential([Dense(4), ReLU(), Dense(1)]).build(3, seed=0)
    value = 0.5 if name == "momentum" else True
    switch = LambdaCallback(on_epoch_begin=lambda epoch, logs: epoch == 1 and setattr(
        optimizer, name, value))
    with pytest.raises(ValueError, match=f"{name}.*{slot}|{slot}.*{name}") as caught:
        model.fit(X, Y, loss="mse", optimizer=optimizer, epochs=2, batch_size=16, verbose=0,
                  callbacks=[switch])
    assert "new optimizer" in str(caught.value)


def test_a_keyerror_of_ones_own_optimizer_is_left_as_it_is() -> None:
    class Broken(nonlin.SGD):
        def _deltas(self, params, lr):
            raise KeyError("mine")

    model = nonlin.Sequential([Dense(1)]).build(3, seed=0)
    with pytest.raises(KeyError, match="mine"):
        model.fit(X, Y, loss="mse", optimizer=Broken(0.1, momentum=0.5), epochs=1, verbose=0)


def test_a_velocity_kept_while_momentum_is_0_is_left_as_it_is() -> None:
    """PyTorch's SGD leaves its momentum buffer alone while momentum is 0; nonlin's stepped
    it to ``-lr g`` before session 22, so switched on again it went on from that."""
    model = nonlin.Sequential([Dense(4), ReLU(), Dense(1)]).build(3, seed=0)
    optimizer = nonlin.SGD(0.01, momentum=0.9)
    model.fit(X, Y, loss="mse", optimizer=optimizer, epochs=1, batch_size=16, verbose=0)
    kept = [v.copy() for v in optimizer._param_slots["velocity"]]
    optimizer.momentum = 0.0
    twin = nonlin.Sequential([Dense(4), ReLU(), Dense(1)]).build(3, seed=0)
    twin.set_weights(model.get_weights())
    model.fit(X, Y, loss="mse", optimizer=optimizer, epochs=1, batch_size=16, shuffle=False,
              verbose=0)
    twin.fit(X, Y, loss="mse", optimizer=nonlin.SGD(0.01), epochs=1, batch_size=16,
             shuffle=False, verbose=0)
    for v, before in zip(optimizer._param_slots["velocity"], kept, strict=True):
        np.testing.assert_array_equal(v, before)
    for a, b in zip(model.get_weights(), twin.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # plain SGD's steps, bit for bit


@pytest.mark.parametrize(("name", "value", "slot"), [("use_ema", True, "average"),
                                                     ("momentum", 0.9, "velocity")])
def test_fit_refuses_a_slot_setting_after_a_step_that_made_no_slots(name, value, slot) -> None:
    """SGD without momentum steps with no slots: a slot setting set after its first step is
    refused by ``fit`` before any weight changes, as for the other optimizers (use_ema passed
    fit's check and was refused by the step, after that step had changed the weights)."""
    model = nonlin.Sequential([Dense(4), ReLU(), Dense(1)]).build(3, seed=0)
    optimizer = nonlin.SGD(0.01)
    model.fit(X, Y, loss="mse", optimizer=optimizer, epochs=1, batch_size=16, verbose=0)
    setattr(optimizer, name, value)
    before = model.get_weights()
    with pytest.raises(ValueError, match=f"{name}.*{slot}|{slot}.*{name}"):
        model.fit(X, Y, loss="mse", optimizer=optimizer, epochs=1, batch_size=16, verbose=0)
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)
