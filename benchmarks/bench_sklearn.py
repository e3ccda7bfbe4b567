"""nonlin.sklearn.MLPClassifier against scikit-learn's, same settings, same process.

Prints, for load_digits and an MNIST-shaped float32 workload (784 pixel-like
features, 10 classes), each library's test accuracy and fit time and the ratio
nonlin / scikit-learn; then the time of a single-row ``predict_proba``.

Goals (issue 5): same accuracy within run-to-run noise, fit time ratio <= 0.65,
single-row predict_proba ratio <= 0.3.

    python benchmarks/bench_sklearn.py [--mnist-samples 20000] [--epochs 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLP

from nonlin.sklearn import MLPClassifier as NlMLP


def mnist_shaped(n_samples: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-like float32 data (n_samples, 784) in [0, 1] with 10 learnable classes."""
    rng = np.random.default_rng(seed)
    prototypes = rng.random((10, 784)) < 0.2
    y = rng.integers(0, 10, n_samples)
    flips = rng.random((n_samples, 784)) < 0.12
    X = (prototypes[y] ^ flips).astype(np.float32)
    X *= rng.uniform(0.5, 1.0, (n_samples, 1)).astype(np.float32)
    return X, y


def best_time(fn, repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def compare_fit(name: str, X, y, params: dict, repeats: int) -> None:
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
    rows = []
    for cls in (SkMLP, NlMLP):
        seconds, est = best_time(lambda cls=cls: cls(**params).fit(X_train, y_train), repeats)
        rows.append((cls.__module__.split(".")[0], seconds, est.score(X_test, y_test)))
    (_, sk_t, sk_acc), (_, nl_t, nl_acc) = rows
    print(
        f"{name:<14} fit  sklearn {sk_t:7.3f} s acc {sk_acc:.4f} | nonlin {nl_t:7.3f} s "
        f"acc {nl_acc:.4f} | ratio {nl_t / sk_t:.2f} (goal <= 0.65)"
    )


def compare_predict_row(X, y, params: dict) -> None:
    times = []
    row = X[:1]
    for cls in (SkMLP, NlMLP):
        est = cls(**params).fit(X, y)
        est.predict_proba(row)
        n = 2000
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(n):
                est.predict_proba(row)
            best = min(best, (time.perf_counter() - start) / n)
        times.append(best)
    print(
        f"single-row predict_proba  sklearn {times[0] * 1e6:6.1f} us | nonlin "
        f"{times[1] * 1e6:6.1f} us | ratio {times[1] / times[0]:.2f} (goal <= 0.3)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mnist-samples", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    digits = dict(hidden_layer_sizes=(100,), max_iter=args.epochs * 3, random_state=0)
    compare_fit("load_digits", X, y, digits, args.repeats)

    Xm, ym = mnist_shaped(args.mnist_samples)
    mnist = dict(hidden_layer_sizes=(128,), max_iter=args.epochs, random_state=0)
    compare_fit("mnist-shaped", Xm, ym, mnist, max(1, args.repeats - 1))

    compare_predict_row(X, y, dict(hidden_layer_sizes=(100,), max_iter=20, random_state=0))


if __name__ == "__main__":
    main()
