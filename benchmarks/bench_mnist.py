"""MNIST-shaped training benchmark: one epoch of 784-256-128-10, ReLU, softmax CE.

60,000 x 784 float32 synthetic inputs in [0, 1), 10 classes that are a linear
function of the inputs, batch 128, SGD with momentum 0.9, 2 BLAS threads.
Prints nonlin's epoch time, PyTorch's and scikit-learn's when installed, the
floor (the epoch's matrix-multiply FLOPs / the measured float32 GEMM rate),
the ratios, and the memory fit allocates beyond the data and the model.

It also times the same GEMMs alone at batch 128, which shows how much of the epoch
goes to everything else (gather, elementwise passes, update, Python), and a lean
hand-written NumPy loop of the same network (``handwritten_mnist.py``): what plain
NumPy reaches here without anything a library needs.

Each library runs ``--repeats`` epochs in interleaved rounds; the figures are medians, and
the ratios to PyTorch and scikit-learn are also given as the median of the per-round ratios
(steadier when slow spells come and go between rounds).

Run: PYTHONPATH=src python3 benchmarks/bench_mnist.py [--repeats 5]
On a busy machine wall-clock figures with 2 threads swing widely (OpenBLAS threads
wait on each other); ``--threads 1 --cpu-time`` gives steadier relative figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import tracemalloc
import warnings

import numpy as np
from handwritten_mnist import handwritten_epoch
from threadpoolctl import threadpool_info, threadpool_limits

import nonlin

N, D, H1, H2, K, BATCH, THREADS = 60_000, 784, 256, 128, 10, 128, 2


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((N, D), dtype=np.float32)
    W = rng.standard_normal((D, K), dtype=np.float32)
    y = ((X - 0.5) @ W).argmax(axis=1)
    return X, y


def epoch_flops() -> float:
    """Forward (3 GEMMs), weight gradients (3) and input gradients of layers 2 and 3 (2)."""
    sizes = [(D, H1), (H1, H2), (H2, K)]
    forward = sum(2 * N * a * b for a, b in sizes)
    input_grads = sum(2 * N * a * b for a, b in sizes[1:])
    return 2 * forward + input_grads


def gemm_rate(size: int = 1536, repeats: int = 30) -> float:
    """Best float32 GEMM rate (FLOP/s) on a square product (best of many short runs,
    so that a busy machine still shows its peak)."""
    rng = np.random.default_rng(1)
    a = rng.random((size, size), dtype=np.float32)
    b = rng.random((size, size), dtype=np.float32)
    out = np.empty_like(a)
    np.dot(a, b, out)
    best = min(_timed(lambda: np.dot(a, b, out)) for _ in range(repeats))
    return 2 * size**3 / best


CLOCK = time.perf_counter


def gemm_only_epoch() -> float:
    """The epoch's matrix products alone, at their real shapes (batch 128): what an
    implementation with free elementwise work, gather and update would take."""
    rng = np.random.default_rng(2)
    sizes = [(D, H1), (H1, H2), (H2, K)]
    xs = [rng.random((BATCH, a), dtype=np.float32) for a, _ in sizes]
    ws = [rng.random((a, b), dtype=np.float32) for a, b in sizes]
    gs = [rng.random((BATCH, b), dtype=np.float32) for _, b in sizes]
    outs = [np.empty((BATCH, b), np.float32) for _, b in sizes]
    dws = [np.empty_like(w) for w in ws]
    dxs = [np.empty_like(x) for x in xs]

    def epoch() -> None:  # np.matmul: np.dot with out= zeroes it before the GEMM
        for _ in range(-(-N // BATCH)):
            for i in range(3):
                np.matmul(xs[i], ws[i], outs[i])
            for i in (2, 1, 0):
                np.matmul(xs[i].T, gs[i], dws[i])
                if i:
                    np.matmul(gs[i], ws[i].T, dxs[i])

    epoch()
    return min(_timed(epoch) for _ in range(2))


def _timed(fn) -> float:
    start = CLOCK()
    fn()
    return CLOCK() - start


def nonlin_model() -> nonlin.Sequential:
    return nonlin.Sequential([
        nonlin.Dense(H1), nonlin.ReLU(), nonlin.Dense(H2), nonlin.ReLU(),
        nonlin.Dense(K), nonlin.Softmax(),
    ])


def nonlin_runner(X: np.ndarray, y: np.ndarray):
    """A function running one nonlin epoch (warmed up), and one giving the train accuracy."""
    model = nonlin_model().build(D, seed=0, dtype=np.float32)
    opt = nonlin.SGD(lr=0.01, momentum=0.9)
    fit = dict(loss="cross_entropy", optimizer=opt, batch_size=BATCH, verbose=0)
    model.fit(X[:2048], y[:2048], **fit)  # warm-up: buffers, BLAS threads

    def accuracy() -> float:
        return float((model.predict(X, batch_size=4096).argmax(axis=1) == y).mean())

    return (lambda: model.fit(X, y, **fit)), accuracy


def fit_memory(X: np.ndarray, y: np.ndarray) -> float:
    """Peak bytes allocated during one epoch of fit (tracemalloc sees NumPy's buffers)."""
    model = nonlin_model().build(D, seed=0, dtype=np.float32)
    opt = nonlin.SGD(lr=0.01, momentum=0.9)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    model.fit(X, y, loss="cross_entropy", optimizer=opt, batch_size=BATCH, verbose=0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


def sklearn_runner(X: np.ndarray, y: np.ndarray):
    """A function fitting scikit-learn's MLPClassifier for one epoch, or None."""
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return None
    clf = MLPClassifier(hidden_layer_sizes=(H1, H2), solver="sgd", momentum=0.9,
                        nesterovs_momentum=False, learning_rate_init=0.01, batch_size=BATCH,
                        max_iter=1, alpha=0.0, random_state=0)

    def epoch() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(X, y)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X[:2048], y[:2048])
    return epoch


def torch_runner(X: np.ndarray, y: np.ndarray):
    """A function running one PyTorch epoch (warmed up), or None."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threadpool_info()[0]["num_threads"] if threadpool_info() else THREADS)
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(D, H1), torch.nn.ReLU(), torch.nn.Linear(H1, H2),
                              torch.nn.ReLU(), torch.nn.Linear(H2, K))
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    lossf = torch.nn.CrossEntropyLoss()

    def epoch() -> None:
        perm = torch.randperm(N)
        for start in range(0, N, BATCH):
            idx = perm[start : start + BATCH]
            opt.zero_grad()
            lossf(net(Xt[idx]), yt[idx]).backward()
            opt.step()

    epoch()
    return epoch


def interleaved(runners: dict, repeats: int) -> dict[str, list[float]]:
    """Each runner timed ``repeats`` times, in rounds (nonlin, PyTorch, scikit-learn, ...),
    so that a slow spell on a busy machine hits every library alike."""
    times: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            times[name].append(_timed(run))
    return times


def paired(times: dict[str, list[float]], other: str) -> float:
    """Median over rounds of nonlin's time / ``other``'s in the same round: on a machine
    with slow spells the two medians can come from different spells (one library's
    median from a quiet round, the other's from a busy one), the paired ratio cannot."""
    return statistics.median([a / b for a, b in zip(times["nonlin"], times[other], strict=True)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="interleaved epochs per library")
    parser.add_argument("--skip-sklearn", action="store_true")
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument(
        "--cpu-time", action="store_true",
        help="time with process CPU time instead of wall time: steadier on a busy machine, "
        "meaningful with --threads 1")
    args = parser.parse_args()
    global CLOCK
    if args.cpu_time:
        CLOCK = time.process_time
    print(f"clock: {'process CPU time' if args.cpu_time else 'wall time'}; "
          f"BLAS threads: {args.threads}")
    X, y = make_data()
    with threadpool_limits(args.threads):
        blas = [f"{i['internal_api']} {i.get('version')} ({i.get('architecture')}, "
                f"{i['num_threads']} threads)" for i in threadpool_info()]
        env = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
               if k in os.environ}
        print(f"BLAS: {'; '.join(blas)}; environment: {env or 'none set'}; "
              f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        rate = gemm_rate()
        floor = epoch_flops() / rate
        gemm_epoch = gemm_only_epoch()
        ours_epoch, accuracy = nonlin_runner(X, y)
        lean_epoch, lean_accuracy = handwritten_epoch(X, y, [(D, H1), (H1, H2), (H2, K)], BATCH)
        lean_epoch()  # warm-up
        runners = {"nonlin": ours_epoch, "numpy": lean_epoch, "torch": torch_runner(X, y),
                   "sklearn": None if args.skip_sklearn else sklearn_runner(X, y)}
        times = interleaved({k: f for k, f in runners.items() if f is not None}, args.repeats)
        acc, lean_acc = accuracy(), lean_accuracy()
        mem = fit_memory(X, y)
    ours = statistics.median(times["nonlin"])
    torch_s = statistics.median(times["torch"]) if "torch" in times else None
    sk_s = statistics.median(times["sklearn"]) if "sklearn" in times else None
    print(f"medians of {args.repeats} interleaved epochs each; per-run times (s): " + "; ".join(
        f"{k} {' '.join(f'{t:.3f}' for t in v)}" for k, v in times.items()))
    print(f"float32 GEMM rate: {rate / 1e9:.1f} GFLOP/s; "
          f"epoch GEMM FLOPs: {epoch_flops() / 1e9:.1f} G; load average after: "
          f"{os.getloadavg()[0]:.2f} (timings are unreliable when it exceeds the CPU count)")
    print(f"floor (FLOPs / GEMM rate): {floor:.3f} s")
    print(f"nonlin epoch: {ours:.3f} s  ({floor / ours:.0%} of the floor; goal >= 65%); "
          f"train accuracy after the runs {acc:.3f}")
    print(f"the same GEMMs alone at batch 128: {gemm_epoch:.3f} s ({floor / gemm_epoch:.0%} of "
          "the floor: the ceiling of any loop calling this BLAS at these shapes); nonlin spends "
          f"{ours - gemm_epoch:.3f} s ({(ours - gemm_epoch) / ours:.0%}) on everything else")
    lean = statistics.median(times["numpy"])
    print(f"hand-written NumPy loop: {lean:.3f} s  ({floor / lean:.0%} of the floor; "
          f"nonlin / hand-written = {ours / lean:.2f}); train accuracy {lean_acc:.3f}")
    if torch_s is None:
        print("PyTorch: not installed, skipped")
    else:
        print(f"PyTorch epoch: {torch_s:.3f} s  "
              f"(nonlin / PyTorch = {ours / torch_s:.2f}, paired by round "
              f"{paired(times, 'torch'):.2f}; goal <= 0.8)")
    if sk_s is None:
        print("scikit-learn: skipped")
    else:
        print(f"scikit-learn MLPClassifier epoch: {sk_s:.3f} s  "
              f"(nonlin / scikit-learn = {ours / sk_s:.2f}, paired by round "
              f"{paired(times, 'sklearn'):.2f}; goal <= 0.65)")
    print(f"memory allocated by fit beyond data and model: {mem / 2**20:.1f} MiB (goal <= 16 MB)")


if __name__ == "__main__":
    main()
