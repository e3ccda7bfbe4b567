"""One MNIST-shaped training step, phase by phase: nonlin against the hand-written loop.

The workload of ``bench_mnist.py`` (784-256-128-10, ReLU, softmax cross-entropy, batch
128, SGD with momentum 0.9, float32). Each phase of one step runs alone many times on
the same arrays (nonlin's own methods on a fitted model; the hand-written loop's calls
of ``handwritten_mnist.py`` on the same weights), in interleaved rounds, and the table
gives medians in microseconds of process CPU time and the ratio nonlin / hand-written
per phase: where nonlin spends time the lean loop does not. Phases run alone find the
weights in cache, so their sum is below a real step's; the last lines time whole
epochs (nonlin's ``fit``, its data checks included, and the hand-written epoch).
``step_in_loop.py`` times the same phases inside real epochs, where the gap shows.

Run: PYTHONPATH=src python3 benchmarks/step_phases.py [--rounds 7] [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from bench_mnist import BATCH, H1, H2, D, K, N, make_data, nonlin_model
from handwritten_mnist import handwritten_epoch
from threadpoolctl import threadpool_limits

import nonlin
from nonlin.losses import CrossEntropy
from nonlin.objective import Objective

Phases = dict[str, Callable[[], object]]


def _nonlin_phases(model: nonlin.Sequential, opt: nonlin.SGD, X: np.ndarray,
                   y: np.ndarray, rows: np.ndarray) -> Phases:
    obj = Objective(model, CrossEntropy(), BATCH, True)
    ibuf, xbuf, ybuf = np.empty(BATCH, np.intp), np.empty((BATCH, D), X.dtype), y[:BATCH].copy()
    np.copyto(ibuf, rows)
    xb, yb = X.take(ibuf, 0, xbuf, "clip"), y.take(ibuf, 0, ybuf, "clip")
    ins = [xb]
    for layer in obj.layers:
        ins.append(layer.forward(ins[-1], training=True))
    z = ins[-1].copy()
    grads = [obj._softmax(ins[-1], yb, None, None)[1].copy()]
    for layer in obj.reversed:
        grads.append(layer.backward(grads[-1]))
    params = model.parameters()
    names = ["dense 784-256", "relu 256", "dense 256-128", "relu 128", "dense 128-10"]
    phases: Phases = {"gather": lambda: (np.copyto(ibuf, rows), X.take(ibuf, 0, xbuf, "clip"),
                                         y.take(ibuf, 0, ybuf, "clip"))}
    for name, layer, x in zip(names, obj.layers, ins, strict=False):
        phases[f"forward {name}"] = lambda layer=layer, x=x: layer.forward(x, training=True)
    phases["softmax, loss, dL/dz"] = lambda: (np.copyto(ins[-1], z),
                                              obj._softmax(ins[-1], yb, None, None))
    kept = [g.copy() for g in grads[:-1]]  # the layers' buffers change with each backward
    for name, layer, g in zip(names[::-1], obj.reversed, kept, strict=False):
        phases[f"backward {name}"] = lambda layer=layer, g=g: layer.backward(g)
    phases["update (finite check included)"] = lambda: opt.step(params)
    return phases


def _handwritten_phases(model: nonlin.Sequential, X: np.ndarray, y: np.ndarray,
                        rows: np.ndarray) -> Phases:
    f32, p = np.float32, model.parameters()
    Ws, bs = [q.value.copy() for q in p[0::2]], [q.value.copy() for q in p[1::2]]
    xb = np.take(X, rows, axis=0)
    acts = [np.empty((BATCH, w.shape[1]), f32) for w in Ws]
    zeros = [np.zeros_like(a) for a in acts]
    masks, back = [np.empty_like(a) for a in acts], [np.empty((BATCH, w.shape[0]), f32) for w in Ws]
    dWs, dbs = [np.empty_like(w) for w in Ws], [np.empty_like(b) for b in bs]
    ins = [xb, acts[0], acts[1]]
    ones, sums, inv_n = np.ones(K, f32), np.empty(BATCH, f32), f32(1.0 / BATCH)
    flat, rowbase = np.empty(BATCH, np.int64), np.arange(BATCH) * K

    def forward(i: int) -> None:
        np.matmul(ins[i], Ws[i], acts[i])
        np.add(acts[i], bs[i], acts[i])
        if i < 2:
            np.maximum(acts[i], zeros[i], out=acts[i])

    for i in range(3):
        forward(i)
    z0 = acts[2].copy()

    def softmax() -> None:
        z = acts[2]
        np.copyto(z, z0)
        np.subtract(z, z.max(), z)
        np.exp(z, z)
        np.dot(z, ones, sums)
        np.divide(inv_n, sums, sums)
        np.multiply(z, sums[:, None], z)
        np.add(rowbase, y.take(rows), flat)
        z.reshape(-1)[flat] -= inv_n

    softmax()
    gs = [acts[2].copy(), np.abs(acts[1]), np.abs(acts[0])]

    def backward(i: int) -> None:
        g = gs[2 - i]
        np.matmul(ins[i].T, g, dWs[i])
        np.add.reduce(g, 0, None, dbs[i])
        if i:
            np.matmul(g, Ws[i].T, back[i])
            np.greater(acts[i - 1], 0, out=masks[i - 1])
            np.multiply(back[i], masks[i - 1], back[i])

    size = sum(w.size + b.size for w, b in zip(Ws, bs, strict=True))
    values, grads = np.zeros(size, f32), np.zeros(size, f32)
    velocity, step = np.zeros(size, f32), np.empty(size, f32)

    def update() -> None:
        np.multiply(grads, f32(-0.01), step)
        np.multiply(velocity, f32(0.9), velocity)
        np.add(velocity, step, velocity)
        np.add(values, velocity, values)

    names = ["dense+relu 784-256", "dense+relu 256-128", "dense 128-10"]
    phases: Phases = {"gather": lambda: np.take(X, rows, axis=0, out=xb, mode="clip")}
    for i, name in enumerate(names):
        phases[f"forward {name}"] = lambda i=i: forward(i)
    phases["softmax, dL/dz (no loss)"] = softmax
    for i, name in reversed(list(enumerate(names))):
        phases[f"backward {name}"] = lambda i=i: backward(i)
    phases["update"] = update
    return phases


def _per_call(fn: Callable[[], object], clock: Callable[[], float], reps: int) -> float:
    start = clock()
    for _ in range(reps):
        fn()
    return (clock() - start) / reps * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--reps", type=int, default=200, help="calls of a phase per round")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    clock = time.process_time
    X, y = make_data()
    with threadpool_limits(args.threads):
        model = nonlin_model().build(D, seed=0, dtype=np.float32)
        opt = nonlin.SGD(lr=0.01, momentum=0.9)
        fit = dict(loss="cross_entropy", optimizer=opt, batch_size=BATCH, verbose=0)
        model.fit(X[:2048], y[:2048], **fit)
        rows = np.random.default_rng(1).permutation(N)[:BATCH]
        ours, lean = _nonlin_phases(model, opt, X, y, rows), _handwritten_phases(model, X, y, rows)
        epoch, _ = handwritten_epoch(X, y, [(D, H1), (H1, H2), (H2, K)], BATCH)
        epoch()
        times: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for side, phases in (("nonlin", ours), ("hand-written", lean)):
                for name, fn in phases.items():
                    times.setdefault(f"{side}|{name}", []).append(_per_call(fn, clock, args.reps))
            times.setdefault("nonlin|epoch", []).append(_per_call(lambda: model.fit(X, y, **fit),
                                                                  clock, 1))
            times.setdefault("hand-written|epoch", []).append(_per_call(epoch, clock, 1))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"process CPU time, {args.threads} BLAS thread(s), medians of {args.rounds} rounds, "
          f"us per call")
    for side in ("nonlin", "hand-written"):
        rows_ = [(k.split("|")[1], v) for k, v in med.items() if k.startswith(side + "|")]
        print(f"{side}:")
        for name, value in rows_:
            if name != "epoch":
                print(f"  {name:34s} {value:9.1f}")
        print(f"  {'sum of the phases':34s} {sum(v for n, v in rows_ if n != 'epoch'):9.1f}")
    steps = N // BATCH
    ours_sum = sum(v for k, v in med.items() if k.startswith("nonlin|") and k != "nonlin|epoch")
    lean_sum = sum(v for k, v in med.items() if k.startswith("hand-written|")
                   and k != "hand-written|epoch")
    print(f"sum of the phases, nonlin / hand-written = {ours_sum / lean_sum:.3f}")
    print(f"whole epochs per step: nonlin fit {med['nonlin|epoch'] / steps:.0f} us, hand-written "
          f"{med['hand-written|epoch'] / steps:.0f} us, nonlin / hand-written = "
          f"{med['nonlin|epoch'] / med['hand-written|epoch']:.3f}")


if __name__ == "__main__":
    main()
