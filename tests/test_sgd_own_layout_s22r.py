"""review22c: SGD reads its ``velocity`` slot by key only with ``momentum`` (session 22), so
that momentum switched on mid-fit is refused by name. An SGD subclass whose ``_slot_layout``
leaves ``velocity`` out (its own use of ``momentum``) has no such slot, and each step raised
a bare ``KeyError: 'velocity'``, where it stepped without a velocity before."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import Dense, LambdaCallback

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 3))
Y = X @ RNG.normal(size=(3, 1))


class NoVelocity(nonlin.SGD):
    def _slot_layout(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return (), ()


def _fit(optimizer: nonlin.SGD) -> list[np.ndarray]:
    model = nonlin.Sequential([Dense(2), Dense(1)]).build(3, seed=0)
    model.fit(X, Y, loss="mse", optimizer=optimizer, epochs=2, batch_size=16, verbose=0)
    return model.get_weights()


def test_an_sgd_subclass_laying_out_no_velocity_steps_without_one() -> None:
    for got, plain in zip(_fit(NoVelocity(0.01, momentum=0.5)), _fit(nonlin.SGD(0.01)),
                          strict=True):
        np.testing.assert_array_equal(got, plain)


def test_momentum_switched_on_mid_fit_is_still_named() -> None:
    optimizer = nonlin.SGD(0.01)
    switch = LambdaCallback(on_epoch_begin=lambda epoch, logs: epoch == 1 and setattr(
        optimizer, "momentum", 0.5))
    model = nonlin.Sequential([Dense(1)]).build(3, seed=0)
    with pytest.raises(ValueError, match="momentum.*velocity"):
        model.fit(X, Y, loss="mse", optimizer=optimizer, epochs=2, batch_size=16, verbose=0,
                  callbacks=[switch])
