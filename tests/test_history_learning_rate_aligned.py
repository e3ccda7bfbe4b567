"""Guard (passes on the code before too: History pads a key an epoch's logs lack with NaN
since fc13e48): ``history["learning_rate"]`` stays as long as ``history["loss"]`` when one
History spans fits with and without a learning-rate callback, NaN where no callback logged it,
as val_* keys are NaN on the epochs validation_freq skips. Keras 3's History appends whatever
keys the logs hold, so its learning_rate list would be shorter there."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nonlin

X = np.random.default_rng(0).normal(size=(16, 3))
Y = np.random.default_rng(1).normal(size=(16, 1))


@pytest.mark.parametrize("first", [True, False])
@pytest.mark.parametrize("make", [lambda: nonlin.LearningRateScheduler(lambda epoch, lr: lr),
                                  lambda: nonlin.ReduceLROnPlateau(monitor="loss")])
def test_learning_rate_lines_up_with_loss_across_fits(first, make) -> None:
    model = nonlin.Sequential([nonlin.Dense(1)]).build(3, seed=0)
    model.compile("sgd", "mse")
    for start, with_callback in ((0, first), (2, not first)):
        model.fit(X, Y, epochs=start + 2, initial_epoch=start, verbose=0,
                  callbacks=[make()] if with_callback else [], validation_split=0.25,
                  validation_freq=2)
    history = model.history.history
    assert model.history.epoch == [0, 1, 2, 3]
    assert {len(values) for values in history.values()} == {4}
    logged = [not math.isnan(v) for v in history["learning_rate"]]
    assert logged == ([True, True, False, False] if first else [False, False, True, True])
    assert [not math.isnan(v) for v in history["val_loss"]] == [False, True, False, True]
