"""Review s12 (fuzzing): the learning rate checked whenever it is set, and a model rebuilt
during fit refused."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import Dense, ReLU, Sequential, Softmax
from nonlin.schedules import ExponentialDecay

X = np.random.default_rng(0).normal(size=(30, 3))
Y = np.arange(30) % 2


def _model() -> Sequential:
    return Sequential([Dense(4), ReLU(), Dense(2), Softmax()])


class _SetLR(nonlin.Callback):
    def __init__(self, value, name: str = "lr") -> None:
        self.value, self.name = value, name

    def on_epoch_begin(self, epoch, logs=None) -> None:
        if epoch == 1:
            setattr(self.model.optimizer, self.name, self.value)


def _fit(callback: nonlin.Callback, optimizer=None):
    return _model().fit(X, Y, loss="cross_entropy", optimizer=optimizer or nonlin.SGD(0.5),
                        epochs=3, seed=0, verbose=0, callbacks=[callback])


# -- 1. optimizer.lr set during fit ------------------------------------------------------------
@pytest.mark.parametrize("value", [np.float32(0.05), 1, np.int64(1)])
@pytest.mark.parametrize("name", ["lr", "learning_rate"])
def test_lr_set_in_a_callback_to_a_number_is_stored_as_a_float(value, name) -> None:
    history = _fit(_SetLR(value, name))
    assert history.history["lr"][1:] == [float(value)] * 2
    assert all(isinstance(v, float) for v in history.history["lr"])


@pytest.mark.parametrize("value", [-0.5, float("nan"), float("inf"), None, "x", np.ones(2)])
@pytest.mark.parametrize("name", ["lr", "learning_rate"])
def test_lr_set_in_a_callback_to_a_bad_value_is_refused_naming_it(value, name) -> None:
    with pytest.raises(ValueError, match=r"learning rate >= 0\. Received: lr="):
        _fit(_SetLR(value, name))


def test_lr_set_to_a_schedule_is_kept_and_survives_state_and_config() -> None:
    opt = nonlin.Adam(0.01)
    opt.lr = ExponentialDecay(0.1, 10, 0.5)
    assert isinstance(opt.learning_rate, ExponentialDecay)
    assert opt.current_lr() == pytest.approx(0.1)
    again = nonlin.Adam.from_config(opt.get_config())
    assert again.get_config() == opt.get_config()
    opt.lr = np.float32(0.25)
    assert type(opt.lr) is float and opt.state_dict()["lr"] == 0.25
    fresh = nonlin.Adam(0.01)
    fresh.load_state_dict(opt.state_dict())
    assert type(fresh.lr) is float and fresh.lr == 0.25


def test_lr_given_to_the_constructor_as_an_int_is_a_float() -> None:
    assert type(nonlin.SGD(1).lr) is float
    assert type(nonlin.SGD(learning_rate=np.int8(2)).lr) is float
