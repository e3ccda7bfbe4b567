"""Real data: digits and two moons reach known test accuracies (scikit-learn ships the data)."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin.schedules import CosineDecay

datasets = pytest.importorskip("sklearn.datasets")
model_selection = pytest.importorskip("sklearn.model_selection")


def split(X, y):
    return model_selection.train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


def test_digits_one_hidden_layer_reaches_97_5_percent() -> None:
    X, y = datasets.load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = split(X / 16.0, y)
    epochs, batch_size = 40, 32
    steps = epochs * int(np.ceil(len(X_train) / batch_size))
    accuracies = []
    for seed in range(5):
        model = nonlin.Sequential([nonlin.Dense(128, l2=1e-4), nonlin.ReLU(), nonlin.Dense(10),
                                   nonlin.Softmax()])
        model.fit(X_train, y_train, loss="cross_entropy",
                  optimizer=nonlin.Adam(CosineDecay(3e-3, steps)), epochs=epochs,
                  batch_size=batch_size, seed=seed, verbose=0)
        accuracies.append(model.evaluate(X_test, y_test, metrics=["accuracy"])["accuracy"])
    # the "in under 5 seconds" is measured by benchmarks/bench_real_data.py
    assert np.median(accuracies) >= 0.975, accuracies


def test_two_moons_reach_97_percent() -> None:
    X, y = datasets.make_moons(1000, noise=0.2, random_state=0)
    X_train, X_test, y_train, y_test = split(X, y)
    model = nonlin.Sequential([nonlin.Dense(64), nonlin.ReLU(), nonlin.Dense(64), nonlin.ReLU(),
                               nonlin.Dense(1), nonlin.Sigmoid()])
    model.fit(X_train, y_train, loss="binary_crossentropy",
              optimizer=nonlin.Adam(CosineDecay(0.01, 100 * 24)), epochs=100, batch_size=32,
              seed=0, verbose=0)
    assert model.evaluate(X_test, y_test, metrics=["accuracy"])["accuracy"] >= 0.97


def test_multioutput_regression_and_multilabel_learn() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5))
    Y = np.column_stack([X[:, 0] * X[:, 1], np.sin(X[:, 2]), X[:, 3] - X[:, 4]])
    model = nonlin.Sequential([nonlin.Dense(32), nonlin.Tanh(), nonlin.Dense(3)])
    h = model.fit(X, Y, loss="mse", optimizer=nonlin.Adam(0.01), epochs=60, seed=0,
                  metrics=["r2", "rmse", "mae"], verbose=0)
    assert h.history["r2"][-1] > 0.9
    labels = (Y > np.median(Y, axis=0)).astype(float)  # three 0/1 labels per row
    clf = nonlin.Sequential([nonlin.Dense(32), nonlin.Tanh(), nonlin.Dense(3)])
    h = clf.fit(X, labels, loss=nonlin.BinaryCrossEntropy(from_logits=True),
                optimizer=nonlin.Adam(0.01), epochs=60, seed=0, metrics=["binary_accuracy"],
                verbose=0)
    assert h.history["binary_accuracy"][-1] > 0.9
