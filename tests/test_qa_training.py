"""QA of the training API and the layers against what Keras 3 and PyTorch users expect."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import Identity, Sequential, Softmax


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_a_model_without_trainable_weights_fits_as_in_keras(optimizer) -> None:
    # Keras fits a model with no trainable weights (e.g. trainable=False): the loss is
    # logged, nothing is updated. nonlin raised AttributeError '_work' from the optimizer.
    X = np.random.default_rng(0).normal(size=(6, 3))
    y = np.array([0, 1, 2, 0, 1, 2])
    model = Sequential([Identity(), Softmax()])
    history = model.fit(X, y, loss="cross_entropy", optimizer=optimizer, epochs=2,
                        batch_size=4, verbose=0, validation_data=(X, y))
    expected = nonlin.CrossEntropy()(y, model.predict(X))
    np.testing.assert_allclose(history.history["loss"], [expected, expected])
    np.testing.assert_allclose(history.history["val_loss"], [expected, expected])
