"""``model.compile`` from a callback while the model's ``fit`` runs is refused with a
``RuntimeError`` (the running fit would go on with its own optimizer and loss while
``model.optimizer`` named another); after ``fit`` returns, compile works as before."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import nonlin
from nonlin.callbacks import Callback, LambdaCallback


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    return X, X @ np.array([[1.0], [-2.0], [0.5]])


def _model():
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(1)])
    model.compile(nonlin.SGD(0.01), "mse")
    return model


@pytest.mark.parametrize("hook", ["on_epoch_end", "on_train_batch_begin", "on_train_begin"])
def test_compile_from_a_callback_during_fit_is_refused(hook):
    model, X, y = _model(), *_data()
    sgd = model.optimizer
    recompile = LambdaCallback(**{hook: lambda *args: model.compile("adam", "mae")})
    with pytest.raises(RuntimeError, match="Cannot call compile on a model whose fit is "
                                           r"running .*model\.stop_training = True"):
        model.fit(X, y, epochs=2, batch_size=10, verbose=0, callbacks=[recompile])
    assert model.optimizer is sgd and type(model.loss).__name__ == "MeanSquaredError"
    model.compile("adam", "mae")  # after fit: as before
    assert type(model.optimizer).__name__ == "Adam"
    model.fit(X, y, epochs=1, batch_size=10, verbose=0)


def test_stop_then_compile_then_fit_is_the_way():
    class StopAfterFirstEpoch(Callback):
        def on_epoch_end(self, epoch, logs=None):
            self.model.stop_training = True

    model, X, y = _model(), *_data()
    model.fit(X, y, epochs=5, batch_size=10, verbose=0, callbacks=[StopAfterFirstEpoch()])
    model.compile(nonlin.Adam(0.01), "mse")
    model.fit(X, y, epochs=1, batch_size=10, verbose=0)
    assert model.optimizer.iterations == 3


def test_a_copy_of_the_running_model_may_compile():
    model, X, y = _model(), *_data()
    copies = []

    def compile_a_copy(epoch, logs):
        twin = copy.deepcopy(model)
        twin.compile("adam", "mse")
        copies.append(twin)

    model.fit(X, y, epochs=1, batch_size=10, verbose=0,
              callbacks=[LambdaCallback(on_epoch_end=compile_a_copy)])
    assert type(copies[0].optimizer).__name__ == "Adam" and model.optimizer is not None
