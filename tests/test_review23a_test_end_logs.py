"""Review 23a: what a callback writes into ``on_test_end``'s logs is in the results, as in
Keras 3, whose ``evaluate`` returns the dict it gave ``on_test_end`` and whose ``fit``
prefixes that dict with ``val_``."""

from __future__ import annotations

import numpy as np

import nonlin

RNG = np.random.default_rng(23)
X = RNG.normal(size=(40, 3))
Y = (X[:, 0] > 0).astype(np.int64)


class ExtraScore(nonlin.Callback):
    """A validation score of one's own, added where Keras users add it."""

    def on_test_end(self, logs=None):
        logs["extra"] = 0.25


def _model():
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    return model


def test_fit_logs_a_key_added_in_on_test_end_as_val_key():
    seen = []
    history = _model().fit(X, Y, epochs=2, seed=0, verbose=0, validation_split=0.25,
                           callbacks=[ExtraScore(), nonlin.LambdaCallback(
                               on_epoch_end=lambda epoch, logs: seen.append(sorted(logs)))])
    assert history.history["val_extra"] == [0.25, 0.25]  # before: no val_extra
    assert seen[0] == ["accuracy", "loss", "lr", "val_accuracy", "val_extra", "val_loss"]


def test_fit_training_bits_do_not_change_with_the_hook():
    plain = _model().fit(X, Y, epochs=2, seed=0, verbose=0, validation_split=0.25)
    hooked = _model().fit(X, Y, epochs=2, seed=0, verbose=0, validation_split=0.25,
                          callbacks=[ExtraScore()])
    for key, values in plain.history.items():
        assert hooked.history[key] == values


def test_evaluate_returns_a_key_added_in_on_test_end():
    model = _model()
    model.fit(X, Y, epochs=1, seed=0, verbose=0)
    results = model.evaluate(X, Y, callbacks=[ExtraScore()])
    assert results["extra"] == 0.25  # before: the hook got a copy
    assert list(results)[:2] == ["loss", "accuracy"]
    listed = model.evaluate(X, Y, callbacks=[ExtraScore()], return_dict=False)
    assert listed == [results["loss"], results["accuracy"], 0.25]  # Keras: extras after
