"""Accuracy and training time on scikit-learn's digits and two moons (the figures of issue 3).

digits: scaled to [0, 1], stratified 75/25 split (random_state=0), 64-128-10 ReLU
network, Adam with cosine decay, 40 epochs of batch 32; median over 5 seeds.
moons: 1,000 points, noise 0.2, same split, 2-64-64-1 ReLU network.

Run: PYTHONPATH=src python3 benchmarks/bench_real_data.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np
from sklearn.datasets import load_digits, make_moons
from sklearn.model_selection import train_test_split

import nonlin
from nonlin.schedules import CosineDecay


def split(X, y):
    return train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)


def digits(seed: int) -> tuple[float, float]:
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = split(X / 16.0, y)
    steps = 40 * int(np.ceil(len(X_train) / 32))
    model = nonlin.Sequential([nonlin.Dense(128, l2=1e-4), nonlin.ReLU(), nonlin.Dense(10),
                               nonlin.Softmax()])
    start = time.perf_counter()
    optimizer = nonlin.Adam(CosineDecay(3e-3, steps))
    model.fit(X_train, y_train, loss="cross_entropy", optimizer=optimizer,
              epochs=40, batch_size=32, seed=seed, verbose=0)
    seconds = time.perf_counter() - start
    return model.evaluate(X_test, y_test, metrics=["accuracy"])["accuracy"], seconds


def moons(seed: int) -> tuple[float, float]:
    X, y = make_moons(1000, noise=0.2, random_state=0)
    X_train, X_test, y_train, y_test = split(X, y)
    model = nonlin.Sequential([nonlin.Dense(64), nonlin.ReLU(), nonlin.Dense(64), nonlin.ReLU(),
                               nonlin.Dense(1), nonlin.Sigmoid()])
    start = time.perf_counter()
    model.fit(X_train, y_train, loss="binary_crossentropy",
              optimizer=nonlin.Adam(CosineDecay(0.01, 100 * 24)), epochs=100, batch_size=32,
              seed=seed, verbose=0)
    seconds = time.perf_counter() - start
    return model.evaluate(X_test, y_test, metrics=["accuracy"])["accuracy"], seconds


def main() -> None:
    for name, run in (("digits", digits), ("moons", moons)):
        results = [run(seed) for seed in range(5)]
        accs = [a for a, _ in results]
        secs = [s for _, s in results]
        print(f"{name}: test accuracy median {statistics.median(accs):.4f} "
              f"(min {min(accs):.4f}, max {max(accs):.4f}); training time median "
              f"{statistics.median(secs):.2f} s over 5 seeds")


if __name__ == "__main__":
    main()
