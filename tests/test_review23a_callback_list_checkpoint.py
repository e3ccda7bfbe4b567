"""Review 23a: ``ModelCheckpoint`` in a loop of your own driven by Keras 3's
``CallbackList(..., add_history=True)``: every epoch's file written, with the epochs so far."""

from __future__ import annotations

import warnings

import numpy as np

import nonlin
from nonlin.callbacks import CallbackList

RNG = np.random.default_rng(23)
X = RNG.normal(size=(40, 3))
Y = (X[:, 0] > 0).astype(np.int64)


def _loop(tmp_path, epochs=3):
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])
    model.build(3, seed=0)
    model.compile(optimizer="adam", loss="cross_entropy", metrics=["accuracy"])
    saver = nonlin.ModelCheckpoint(str(tmp_path / "ck-{epoch}.safetensors"))
    callbacks = CallbackList([saver], add_history=True, model=model, epochs=epochs, steps=2)
    callbacks.on_train_begin()
    logs: dict = {}
    for epoch in range(epochs):
        callbacks.on_epoch_begin(epoch)
        for step in range(2):
            callbacks.on_train_batch_begin(step)
            logs = model.train_on_batch(X[step * 20:(step + 1) * 20],
                                        Y[step * 20:(step + 1) * 20], return_dict=True)
            callbacks.on_train_batch_end(step, logs)
        logs = dict(logs)
        callbacks.on_epoch_end(epoch, logs)
    callbacks.on_train_end(logs)
    return model


def test_model_checkpoint_writes_every_epoch_in_a_callback_list_loop(tmp_path):
    # before: from the second epoch on, "ModelCheckpoint did not write 'ck-2.safetensors':
    # Expected epoch=1, the epoch after the history's last. Received: epoch=2", as History,
    # last in the list, had not yet recorded the ending epoch
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = _loop(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ck-1.safetensors", "ck-2.safetensors", "ck-3.safetensors"]
    assert model.history.epoch == [0, 1, 2]
    restored = nonlin.load_checkpoint(str(tmp_path / "ck-3.safetensors"))
    assert restored.history.epoch == [0, 1, 2]  # before: the first file held no epoch at all
    assert restored.history.history["loss"] == model.history.history["loss"]
    first = nonlin.load_checkpoint(str(tmp_path / "ck-1.safetensors"))
    assert first.history.epoch == [0]


def test_the_epoch_logs_are_not_left_on_the_model(tmp_path):
    model = _loop(tmp_path, epochs=1)
    assert getattr(model, "_epoch_logs", None) is None
