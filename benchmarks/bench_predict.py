"""Inference benchmark: ``Sequential.predict`` and ``evaluate`` against PyTorch and scikit-learn.

Two networks with the same weights in every library: the MNIST-shaped
784-256-128-10 ReLU / softmax network in float32 (``bench_mnist.py``'s) and a
small tabular one, 20-64-64-1 ReLU / sigmoid in float64. For each it times

* ``predict`` on 1 row and on 32 rows (per call: the Python overhead of a
  served model), on 100,000 rows at once and with ``batch_size=4096``;
* ``evaluate`` on 100,000 rows with ``metrics=["accuracy"]`` (the loss and
  accuracy computed the same way in the others);

against PyTorch on the CPU (``torch.inference_mode``, the weights copied in, the
same number of threads) and scikit-learn's ``MLPClassifier.predict_proba`` (its
``coefs_`` / ``intercepts_`` set to the same weights after a tiny fit), each
where installed. The libraries run in interleaved rounds (nonlin, PyTorch,
scikit-learn, nonlin, ...) and the figures are medians, so a slow spell on a
busy machine hits all alike; the ratios nonlin / other come from the same
process. It also checks that the outputs agree and prints the peak memory that
``predict`` and ``evaluate`` allocate on 100,000 rows beyond the output
(tracemalloc sees NumPy's buffers).

Run: PYTHONPATH=src python3 benchmarks/bench_predict.py [--repeats 5] [--threads 2] [--cpu-time]
On a busy machine ``--threads 1 --cpu-time`` gives steadier figures (process CPU
time), the 1-row case especially.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import tracemalloc
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

import nonlin

N_LARGE, CHUNK, THREADS = 100_000, 4096, 2
NETWORKS = {  # name: (widths, dtype, output activation)
    "mnist 784-256-128-10 f32": ((784, 256, 128, 10), np.float32, "softmax"),
    "tabular 20-64-64-1 f64": ((20, 64, 64, 1), np.float64, "sigmoid"),
}
CLOCK = time.perf_counter


def make_model(widths: tuple[int, ...], dtype: type, head: str) -> nonlin.Sequential:
    layers: list = []
    for units in widths[1:-1]:
        layers += [nonlin.Dense(units), nonlin.ReLU()]
    output = nonlin.Softmax() if head == "softmax" else nonlin.Sigmoid()
    layers += [nonlin.Dense(widths[-1]), output]
    return nonlin.Sequential(layers).build(widths[0], seed=0, dtype=dtype)


def make_data(model: nonlin.Sequential, n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Inputs in [0, 1) and labels that the model gets right about half the time."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, model.n_features_in), dtype=model.dtype)
    p = model.predict(X, batch_size=CHUNK)
    y = p.argmax(axis=1) if p.shape[1] > 1 else (p[:, 0] > np.median(p)).astype(np.int64)
    flip = rng.random(n) < 0.5
    y[flip] = rng.integers(0, max(p.shape[1], 2), flip.sum())
    return X, y


def weights(model: nonlin.Sequential) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(layer.W.value, layer.b.value) for layer in model.layers if hasattr(layer, "W")]


def torch_runners(model: nonlin.Sequential, head: str, threads: int) -> dict | None:
    """PyTorch's predict and evaluate on the same weights, or None."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    mods: list = []
    for W, b in weights(model):
        lin = torch.nn.Linear(*W.shape, dtype=torch.float32 if W.dtype == np.float32
                              else torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b))
        mods += [lin, torch.nn.ReLU()]
    logits = torch.nn.Sequential(*mods[:-1]).eval()
    act = (lambda z: torch.softmax(z, 1)) if head == "softmax" else torch.sigmoid

    def predict(X: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        with torch.inference_mode():
            if batch_size is None:
                return act(logits(torch.from_numpy(X))).numpy()
            out = np.empty((X.shape[0], model.n_outputs), X.dtype)
            for start in range(0, X.shape[0], batch_size):
                out[start : start + batch_size] = act(logits(
                    torch.from_numpy(X[start : start + batch_size]))).numpy()
            return out

    def evaluate(X: np.ndarray, y: np.ndarray) -> dict:
        with torch.inference_mode():
            z, yt = logits(torch.from_numpy(X)), torch.from_numpy(y)
            if head == "softmax":
                return {"loss": float(torch.nn.functional.cross_entropy(z, yt)),
                        "accuracy": float((z.argmax(1) == yt).double().mean())}
            z = z[:, 0]
            return {"loss": float(torch.nn.functional.binary_cross_entropy_with_logits(
                        z, yt.to(z.dtype))),
                    "accuracy": float(((z > 0) == yt.bool()).double().mean())}

    return {"predict": predict, "evaluate": evaluate}


def sklearn_runners(model: nonlin.Sequential, X: np.ndarray, y: np.ndarray) -> dict | None:
    """scikit-learn's MLPClassifier with the same weights, or None."""
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.metrics import accuracy_score, log_loss
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return None
    pairs = weights(model)
    clf = MLPClassifier(hidden_layer_sizes=[W.shape[1] for W, _ in pairs[:-1]], max_iter=1,
                        random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X[:64], np.arange(64) % max(model.n_outputs, 2))  # every class present
    clf.coefs_ = [W.copy() for W, _ in pairs]
    clf.intercepts_ = [b.copy() for _, b in pairs]

    def predict(X: np.ndarray, batch_size: int | None = None) -> np.ndarray:
        if batch_size is None:
            return clf.predict_proba(X)
        return np.concatenate([clf.predict_proba(X[s : s + batch_size])
                               for s in range(0, X.shape[0], batch_size)])

    def evaluate(X: np.ndarray, y: np.ndarray) -> dict:
        p = clf.predict_proba(X)
        return {"loss": log_loss(y, p), "accuracy": accuracy_score(y, p.argmax(axis=1))}

    return {"predict": predict, "evaluate": evaluate}


def nonlin_runners(model: nonlin.Sequential, head: str) -> dict:
    loss = "cross_entropy" if head == "softmax" else "bce"
    return {"predict": lambda X, batch_size=None: model.predict(X, batch_size=batch_size),
            "evaluate": lambda X, y: model.evaluate(X, y, loss=loss, metrics=["accuracy"])}


def workloads(X: np.ndarray, y: np.ndarray, calls_1: int, calls_32: int) -> dict:
    """Name -> (function of a library's runners, calls per timing)."""
    one, few = X[:1].copy(), X[:32].copy()
    return {
        "predict 1 row": (lambda r: r["predict"](one), calls_1),
        "predict 32 rows": (lambda r: r["predict"](few), calls_32),
        f"predict {N_LARGE:,} rows": (lambda r: r["predict"](X), 1),
        f"predict {N_LARGE:,} batch {CHUNK}": (lambda r: r["predict"](X, CHUNK), 1),
        f"evaluate {N_LARGE:,} rows": (lambda r: r["evaluate"](X, y), 1),
    }


def time_per_call(fn, runners: dict, calls: int) -> float:
    start = CLOCK()
    for _ in range(calls):
        fn(runners)
    return (CLOCK() - start) / calls


def compare(libs: dict, X: np.ndarray, y: np.ndarray, repeats: int) -> None:
    """Print each workload's median per library and the ratios nonlin / other."""
    for name, (fn, calls) in workloads(X, y, 500, 200).items():
        for runners in libs.values():  # warm-up: buffers, threads, caches
            time_per_call(fn, runners, max(1, calls // 20))
        times: dict = {lib: [] for lib in libs}
        for _ in range(repeats):
            for lib, runners in libs.items():
                times[lib].append(time_per_call(fn, runners, calls))
        med = {lib: statistics.median(t) for lib, t in times.items()}
        ratios = "  ".join(f"nonlin/{lib} {med['nonlin'] / med[lib]:.2f}"
                           for lib in libs if lib != "nonlin")
        cells = "  ".join(f"{lib} {_fmt(t)}" for lib, t in med.items())
        print(f"  {name:<26} {cells}  |  {ratios}")


def _fmt(seconds: float) -> str:
    return f"{seconds * 1e6:8.1f} us" if seconds < 0.01 else f"{seconds * 1e3:8.1f} ms"


def check_agreement(libs: dict, X: np.ndarray, y: np.ndarray) -> None:
    ours = libs["nonlin"]["predict"](X[:1000])
    for lib, runners in libs.items():
        if lib == "nonlin":
            continue
        theirs = runners["predict"](X[:1000])
        theirs = theirs[:, 1:] if theirs.shape[1] == 2 and ours.shape[1] == 1 else theirs
        print(f"  max |nonlin - {lib}| on predict: {np.abs(ours - theirs).max():.2e}; "
              f"evaluate: nonlin {_rounded(libs['nonlin']['evaluate'](X, y))} "
              f"{lib} {_rounded(runners['evaluate'](X, y))}")


def _rounded(results: dict) -> dict:
    return {k: round(float(v), 5) for k, v in results.items()}


def peak_memory(fn) -> float:
    """Peak bytes ``fn`` allocates beyond what it returns."""
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    result = fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base - getattr(result, "nbytes", 0)


def run_network(name: str, widths: tuple[int, ...], dtype: type, head: str, repeats: int,
                threads: int) -> None:
    """Agreement, timings and memory of one network, printed."""
    model = make_model(widths, dtype, head)
    X, y = make_data(model, N_LARGE)
    libs = {"nonlin": nonlin_runners(model, head), "torch": torch_runners(model, head, threads),
            "sklearn": sklearn_runners(model, X, y)}
    libs = {k: v for k, v in libs.items() if v is not None}
    print(f"{name} (medians of {repeats}; {', '.join(libs)})")
    check_agreement(libs, X, y)
    compare(libs, X, y, repeats)
    mems = {"predict": lambda: model.predict(X),
            f"predict batch {CHUNK}": lambda: model.predict(X, batch_size=CHUNK),
            "evaluate": lambda: libs["nonlin"]["evaluate"](X, y)}
    print("  peak memory beyond the output, 100,000 rows: " + "; ".join(
        f"{k} {peak_memory(f) / 2**20:.1f} MiB" for k, f in mems.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds per workload")
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--cpu-time", action="store_true",
                        help="time with process CPU time instead of wall time")
    parser.add_argument("--only", choices=["mnist", "tabular"], help="one network only")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.cpu_time else time.perf_counter
    print(f"clock: {'process CPU time' if args.cpu_time else 'wall time'}; threads: "
          f"{args.threads}; load average before: {os.getloadavg()[0]:.2f} on "
          f"{os.cpu_count()} CPUs; nonlin {nonlin.__file__}")
    with threadpool_limits(args.threads):
        for name, network in NETWORKS.items():
            if not args.only or name.startswith(args.only):
                run_network(name, *network, args.repeats, args.threads)
    print(f"load average after: {os.getloadavg()[0]:.2f} (timings are unreliable when it "
          "exceeds the CPU count)")


if __name__ == "__main__":
    main()
