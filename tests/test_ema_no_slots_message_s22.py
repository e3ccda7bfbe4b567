"""``use_ema`` switched on after the first step of an optimizer that made no slots (SGD
without momentum): the step's message read "its slots  were made", a name missing between
two spaces; it says that first step made none (session 22). ``fit`` refuses it first, with
the settings' message (tests/test_slot_setting_mid_fit_s22.py): a step by hand reaches this."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import Dense

X = np.random.default_rng(0).normal(size=(8, 3))
Y = X @ np.ones((3, 1))


@pytest.mark.parametrize(("optimizer", "said"), [
    (nonlin.SGD(0.1), "after its first step (which made no slots): make a new optimizer"),
])
def test_the_use_ema_message_names_the_slots_or_none(optimizer, said) -> None:
    model = nonlin.Sequential([Dense(1)]).build(3, seed=0)
    model.fit(X, Y, loss="mse", optimizer=optimizer, epochs=1, verbose=0)
    optimizer.use_ema = True
    with pytest.raises(ValueError, match="use_ema=True set after") as caught:
        optimizer.step(model.parameters())  # the grads of fit's last step
    assert str(caught.value).endswith(said) and "  " not in str(caught.value)
