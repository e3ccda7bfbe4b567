"""The tutorial's workload (60,000 full-batch steps of the 3-4-1 net): nonlin vs its own loop.

Run: python benchmarks/bench_tutorial.py [--steps N] [--repeats R]

Both run in this process, interleaved, R times; the medians and their ratio are
printed. A ratio under 1.0 means the library is faster than the tutorial's code.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from nonlin import tutorial


def tutorial_loop(steps: int) -> list[float]:
    """The seed tutorial's code, verbatim apart from a local RandomState."""

    def nonlim(x, deriv=False):
        if deriv:
            return x * (1 - x)
        return 1 / (1 + np.exp(-x))

    X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    y = np.array([[0], [1], [1], [0]])
    rs = np.random.RandomState(1)
    syn0 = 2 * rs.random((3, 4)) - 1
    syn1 = 2 * rs.random((4, 1)) - 1
    errors = []
    for _ in range(steps):
        l1 = nonlim(np.dot(X, syn0))
        l2 = nonlim(np.dot(l1, syn1))
        l2_error = y - l2
        errors.append(np.mean(np.abs(l2_error)))
        l2_delta = l2_error * nonlim(l2, deriv=True)
        l1_error = l2_delta.dot(syn1.T)
        l1_delta = l1_error * nonlim(l1, deriv=True)
        syn1 += l1.T.dot(l2_delta)
        syn0 += X.T.dot(l1_delta)
    return errors


def timed(fn, steps: int) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    out = fn(steps)
    return time.perf_counter() - start, np.asarray(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    runs = {"tutorial": [], "nonlin": []}
    for _ in range(args.repeats):
        t_ref, ref = timed(tutorial_loop, args.steps)
        t_lib, lib = timed(lambda n: tutorial.train(steps=n).errors, args.steps)
        runs["tutorial"].append(t_ref)
        runs["nonlin"].append(t_lib)
    worst = float(np.max(np.abs(lib - ref) / np.abs(ref)))
    med = {k: statistics.median(v) for k, v in runs.items()}
    for name, t in med.items():
        per_step = t / args.steps * 1e6
        print(f"{name:>9}: {t:.3f} s  ({per_step:.2f} us/step, median of {args.repeats})")
    print(f"ratio nonlin / tutorial: {med['nonlin'] / med['tutorial']:.2f}")
    print(f"largest relative difference of the per-step errors: {worst:.1e}")


if __name__ == "__main__":
    main()
