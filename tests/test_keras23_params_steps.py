"""``Callback.params["steps"]`` is ``steps_per_epoch`` when ``fit`` is given one, as Keras 3
reports it (``EpochIterator.num_batches`` returns ``steps_per_epoch`` when set), also when
the rows run out first; without it, the batches of one pass, as before."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import nonlin
from nonlin.callbacks import Callback


class _Params(Callback):
    def __init__(self) -> None:
        self.seen: list[dict] = []
        self.batches = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.seen.append(dict(self.params or {}))

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.batches += 1


def _fit(**kwargs: object) -> _Params:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, 3)), rng.normal(size=(10, 1))
    probe = _Params()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # steps beyond the rows: Keras' warning
        nonlin.Sequential([nonlin.Dense(1)]).fit(X, y, loss="mse", optimizer="sgd", epochs=2,
                                                 verbose=0, seed=0, callbacks=[probe],
                                                 **kwargs)
    return probe


@pytest.mark.parametrize(("kwargs", "steps", "batches"), [
    ({"batch_size": 4, "steps_per_epoch": 7}, 7, 6),   # 3 batches a pass, 2 epochs
    ({"steps_per_epoch": 6}, 6, 10),                  # batch_size ceil(10 / 6) = 2: 5 a pass
])
def test_steps_per_epoch_beyond_the_rows_is_what_params_report(kwargs: dict, steps: int,
                                                               batches: int) -> None:
    probe = _fit(**kwargs)
    assert probe.seen == [{"verbose": 0, "epochs": 2, "steps": steps}]
    assert probe.batches == batches  # the rows still run out first, as before


@pytest.mark.parametrize(("kwargs", "steps"), [
    ({"batch_size": 4}, 3), ({}, 1), ({"batch_size": 4, "steps_per_epoch": 3}, 3),
    ({"steps_per_epoch": 4}, 4),
])
def test_without_more_steps_than_batches_params_are_unchanged(kwargs: dict, steps: int) -> None:
    assert _fit(**kwargs).seen == [{"verbose": 0, "epochs": 2, "steps": steps}]
