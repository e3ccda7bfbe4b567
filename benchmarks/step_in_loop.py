"""Where nonlin's epoch goes beyond its phases: each phase timed inside a real epoch.

``step_phases.py`` runs each phase of one step alone, many times on the same arrays:
the weights, the batch and the buffers stay in cache, and nonlin's phases sum to about
the hand-written loop's. In a real epoch every step gathers new rows from the 188 MB
``X`` and each phase finds the others' arrays evicted. Here nonlin's step (``fit``'s
``_Loop._step`` without its bookkeeping: gather, ``Objective.forward``, ``_softmax``
with the loss, ``backward``, ``SGD.step`` with ``fit``'s finite check, inside ``fit``'s
``np.errstate``) and the hand-written step of ``handwritten_mnist.py`` (the same
calls, cut into the same phases) run on random epoch orders, ``--chunk`` consecutive
steps per variant in rotating order, for ``--rounds`` rounds; the table gives median
microseconds of process CPU time per step, per phase and in all, and adds nonlin
without the finite check, and ``fit``'s own costs: the per-call work (``epochs=0``:
checks of ``X`` and ``y``, setup) and the loop around the step (a ``fit`` epoch less
that work and its ``_Loop._step`` calls, per step). The timers cost about 1 us each.

Run: PYTHONPATH=src python3 benchmarks/step_in_loop.py [--rounds 100] [--chunk 26]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from bench_mnist import BATCH, H1, H2, D, K, N, make_data, nonlin_model
from handwritten_mnist import flat_parameters
from threadpoolctl import threadpool_limits

import nonlin
from nonlin._epoch_loop import _Loop
from nonlin.losses import CrossEntropy
from nonlin.objective import Objective

CLOCK = time.process_time_ns
PHASES = ("gather", "forward", "softmax", "backward", "update")
Run = Callable[[int, dict[str, int]], None]  # (steps, phase totals in ns) -> None


def _orders(seed: int) -> Callable[[], np.ndarray]:
    """The next batch's rows, epoch after epoch of random orders (full batches)."""
    rng, state = np.random.default_rng(seed), {"order": np.empty(0, np.int64), "at": N}

    def rows() -> np.ndarray:
        if state["at"] + BATCH > N:
            state["order"], state["at"] = rng.permutation(N), 0
        state["at"] += BATCH
        return state["order"][state["at"] - BATCH : state["at"]]
    return rows


def nonlin_step(X: np.ndarray, y: np.ndarray, check: bool = True) -> tuple[Run, nonlin.Sequential]:
    model = nonlin_model().build(D, seed=0, dtype=np.float32)
    opt = nonlin.SGD(lr=0.01, momentum=0.9)
    model.fit(X[:2048], y[:2048], loss="cross_entropy", optimizer=opt, batch_size=BATCH,
              verbose=0)
    obj, params = Objective(model, CrossEntropy(), BATCH, True), model.parameters()
    obj.step(X[:BATCH], y[:BATCH], None, None)  # the first step's checks
    ibuf, xbuf, ybuf = np.empty(BATCH, np.intp), np.empty((BATCH, D), X.dtype), y[:BATCH].copy()
    rows, opt.check_finite = _orders(5), check

    def run(steps: int, acc: dict[str, int]) -> None:
        for _ in range(steps):
            t0 = CLOCK()
            np.copyto(ibuf, rows())
            xb, yb = X.take(ibuf, 0, xbuf, "clip"), y.take(ibuf, 0, ybuf, "clip")
            t1 = CLOCK()
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                z = obj.forward(xb)
                t2 = CLOCK()
                grad = obj._softmax(z, yb, None, None)[1]
                t3 = CLOCK()
                obj.backward(grad)
                t4 = CLOCK()
                opt.step(params)
            t5 = CLOCK()
            for name, a, b in zip(PHASES, (t0, t1, t2, t3, t4), (t1, t2, t3, t4, t5), strict=True):
                acc[name] += b - a
    return run, model


def handwritten_step(X: np.ndarray, y: np.ndarray) -> Run:
    """``handwritten_mnist.py``'s ``train_step``, call for call, with the phase timers."""
    f32, sizes = np.float32, [(D, H1), (H1, H2), (H2, K)]
    (values, grads, velocity, step), Ws, bs, dWs, dbs = flat_parameters(
        sizes, np.random.default_rng(0))
    xb = np.empty((BATCH, D), f32)
    acts = [np.empty((BATCH, b), f32) for _, b in sizes]
    back = [np.empty((BATCH, a), f32) for a, _ in sizes]
    masks = [np.empty((BATCH, b), f32) for _, b in sizes]
    zeros = [np.zeros((BATCH, b), f32) for _, b in sizes]
    mu, neg_lr, inv_n = f32(0.9), f32(-0.01), f32(1.0 / BATCH)
    sums, ones = np.empty(BATCH, f32), np.ones(K, f32)
    rowbase, flat, next_rows = np.arange(BATCH) * K, np.empty(BATCH, np.int64), _orders(6)

    def run(steps: int, acc: dict[str, int]) -> None:
        for _ in range(steps):
            t0 = CLOCK()
            rows = next_rows()
            h = np.take(X, rows, axis=0, out=xb, mode="clip")
            t1 = CLOCK()
            for i in range(3):
                np.matmul(h, Ws[i], acts[i])
                np.add(acts[i], bs[i], acts[i])
                if i < 2:
                    np.maximum(acts[i], zeros[i], out=acts[i])
                h = acts[i]
            t2 = CLOCK()
            z = h
            np.subtract(z, z.max(), z)
            np.exp(z, z)
            np.dot(z, ones, sums)
            np.divide(inv_n, sums, sums)
            np.multiply(z, sums[:, None], z)
            np.add(rowbase, y.take(rows), flat)
            z.reshape(-1)[flat] -= inv_n
            g = z
            t3 = CLOCK()
            for i in range(2, -1, -1):
                np.matmul((xb if i == 0 else acts[i - 1]).T, g, dWs[i])
                np.add.reduce(g, 0, None, dbs[i])
                if i:
                    np.matmul(g, Ws[i].T, back[i])
                    np.greater(acts[i - 1], 0, out=masks[i - 1])
                    g = np.multiply(back[i], masks[i - 1], back[i])
            t4 = CLOCK()
            np.multiply(grads, neg_lr, step)
            np.multiply(velocity, mu, velocity)
            np.add(velocity, step, velocity)
            np.add(values, velocity, values)
            t5 = CLOCK()
            for name, a, b in zip(PHASES, (t0, t1, t2, t3, t4), (t1, t2, t3, t4, t5), strict=True):
                acc[name] += b - a
    return run


def fit_costs(model: nonlin.Sequential, X: np.ndarray, y: np.ndarray,
              rounds: int) -> tuple[float, float]:
    """Median ms of one ``fit`` call's own work (``epochs=0``), and us per step of ``fit``'s
    loop around its step: a ``fit`` epoch less that work and its ``_Loop._step`` calls
    (timed by a wrapper, which adds about 1 us per step to the loop's figure)."""
    opt = nonlin.SGD(lr=0.01, momentum=0.9)
    fit = dict(loss="cross_entropy", optimizer=opt, batch_size=BATCH, verbose=0)
    model.fit(X, y, **fit)
    step, inside = _Loop._step, [0]

    def timed(*args: object) -> float:
        start = CLOCK()
        try:
            return step(*args)
        finally:
            inside[0] += CLOCK() - start

    calls, loops = [], []
    try:
        _Loop._step = timed  # type: ignore[method-assign]
        for _ in range(rounds):
            start = CLOCK()
            model.fit(X, y, epochs=0, **fit)
            calls.append(CLOCK() - start)
            inside[0], start = 0, CLOCK()
            model.fit(X, y, **fit)
            loops.append((CLOCK() - start - calls[-1] - inside[0]) / -(-N // BATCH))
    finally:
        _Loop._step = step  # type: ignore[method-assign]
    return statistics.median(calls) / 1e6, statistics.median(loops) / 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--chunk", type=int, default=26, help="steps per variant per round")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    X, y = make_data()
    with threadpool_limits(args.threads):
        ours, model = nonlin_step(X, y)
        variants = {"nonlin": ours, "nonlin, no finite check": nonlin_step(X, y, False)[0],
                    "hand-written": handwritten_step(X, y)}
        times: dict[str, dict[str, list[float]]] = {v: {} for v in variants}
        names = list(variants)
        for run in variants.values():
            run(N // BATCH, dict.fromkeys(PHASES, 0))
        for r in range(args.rounds):
            for j in range(len(names)):
                name = names[(r + j) % len(names)]
                acc = dict.fromkeys(PHASES, 0)
                start = CLOCK()
                variants[name](args.chunk, acc)
                acc["step, in all"] = CLOCK() - start
                for phase, ns in acc.items():
                    times[name].setdefault(phase, []).append(ns / args.chunk / 1e3)
        per_call, loop = fit_costs(model, X, y, max(7, args.rounds // 10))
    print(f"process CPU time per step, us, medians of {args.rounds} rounds of {args.chunk} steps "
          f"per variant, {args.threads} BLAS thread(s), steps of random epoch orders")
    print(f"{'':14s}" + "".join(f"{name:>26s}" for name in names))
    for phase in (*PHASES, "step, in all"):
        print(f"{phase:14s}" + "".join(f"{statistics.median(times[n][phase]):26.1f}"
                                       for n in names))
    steps = N // BATCH
    print(f"fit's own work per call (epochs=0): {per_call:.1f} ms, {per_call * 1e3 / steps:.1f} us "
          f"per step of a one-epoch fit; fit's loop around the step: {loop:.1f} us per step")
    with open("/proc/loadavg") as f:
        print("load average:", f.read().split()[:3])


if __name__ == "__main__":
    main()
