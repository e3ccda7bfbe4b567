"""review22c: a step refused for a slot that a setting switched on since the first step needs
(a callback's ``amsgrad=True`` mid-fit: a ValueError saying to make a new optimizer or to
set the setting back) left the slots it had already updated updated: Adam's ``m`` and ``v``,
RMSprop's first ``v``, advanced by a gradient whose update was never applied, so setting
the setting back and fitting on went on from moments that no step made. The slots a
setting needs are now looked up before any slot is updated."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import Dense, LambdaCallback, ReLU

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 3))
Y = X @ RNG.normal(size=(3, 1))


@pytest.mark.parametrize(("make", "name", "value"), [
    (lambda: nonlin.Adam(0.01), "amsgrad", True),
    (lambda: nonlin.AdamW(0.01), "amsgrad", True),
    (lambda: nonlin.RMSprop(0.01), "centered", True),
    (lambda: nonlin.RMSprop(0.01), "momentum", 0.5),
    (lambda: nonlin.SGD(0.01), "momentum", 0.5),
])
def test_a_refused_step_leaves_the_slots_as_the_last_step_left_them(make, name, value) -> None:
    optimizer = make()
    model = nonlin.Sequential([Dense(4), ReLU(), Dense(1)]).build(3, seed=0)
    kept: dict[str, np.ndarray] = {}

    def switch(epoch: int, logs: object) -> None:
        if epoch == 1:
            kept.update({k: np.copy(v) for k, v in optimizer.state_dict().items()})
            setattr(optimizer, name, value)

    with pytest.raises(ValueError, match=name):
        model.fit(X, Y, loss="mse", optimizer=optimizer, epochs=2, batch_size=16, verbose=0,
                  callbacks=[LambdaCallback(on_epoch_begin=switch)])
    setattr(optimizer, name, type(value)(0))  # set back, as the message says
    after = optimizer.state_dict()
    assert sorted(after) == sorted(kept)
    for key, array in kept.items():
        np.testing.assert_array_equal(after[key], array, err_msg=key)
