"""Review s20c: ``fit`` on a batch source calls ``on_test_begin`` / ``on_test_end`` around
each validation, as ``fit`` on arrays does since s20-kerasaudit (Keras 3's ``fit`` validates
through ``evaluate``'s hooks); was: neither hook called when the training data was a source,
whether the validation data was arrays or a source."""

import numpy as np
import pytest

import nonlin
from nonlin.callbacks import Callback


class _Hooks(Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_test_begin(self, logs=None):
        self.events.append(("begin", dict(logs)))

    def on_test_end(self, logs=None):
        self.events.append(("end", dict(logs)))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch", logs["val_loss"]))


@pytest.mark.parametrize("val_source", [False, True])
def test_fit_on_a_source_calls_the_test_hooks_around_validation(val_source):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), rng.normal(size=40)
    batches = [(X[i:i + 10], y[i:i + 10]) for i in range(0, 40, 10)]
    val = iter(batches[:2]) if val_source else (X[:20], y[:20])
    hooks = _Hooks()
    model = nonlin.Sequential([nonlin.Dense(1)])
    model.fit(iter(batches), loss="mse", optimizer="sgd", epochs=1, seed=0, verbose=0,
              validation_data=val, callbacks=[hooks])
    (begin, b_logs), (end, e_logs), (epoch, val_loss) = hooks.events
    assert (begin, b_logs, end, epoch) == ("begin", {}, "end", "epoch")
    assert e_logs == {"loss": val_loss}
