"""What one steady-state training step allocates, line by line, over many configurations.

``tracemalloc`` sees NumPy's data buffers, but a snapshot only holds what is
still alive: a step's temporaries are gone by the end of it. So this traces the
step's Python lines (``sys.settrace``) and, between two trace events, reads how
far tracemalloc's peak rose above the memory in use: a line whose temporaries
(arrays, NumPy's iterator buffers, Python objects) reached more than
``--threshold`` bytes is recorded with its traceback.

``model.fit`` runs on a dataset whose size the batch size divides, with
``fit``'s step (``nonlin._epoch_loop._Loop._step``: gather, forward, loss,
backward, penalty, metrics, update) wrapped: the first ``--warmup`` steps run
untraced, the next ``--steps`` traced. Anything per epoch (the shuffling order,
the logs) is outside the step and not counted.

Run: PYTHONPATH=src python3 benchmarks/step_allocations.py [--only SUBSTRING] [-v]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import nonlin
from nonlin import _epoch_loop

Where = tuple[tuple[str, int, str], ...]  # (file, line, function), innermost first


@dataclass
class Allocations:
    """Lines whose temporaries exceeded ``threshold`` bytes: traceback -> largest rise."""

    threshold: int = 64
    found: dict[Where, int] = field(default_factory=dict)
    retained: int = 0  # bytes held after untraced steady-state steps that were not before


def describe(where: Where, depth: int = 4) -> str:
    return " <- ".join(f"{f.rsplit('/', 1)[-1]}:{n} {name}" for f, n, name in where[:depth])


def scaling(small: Allocations, big: Allocations, margin: int = 512) -> dict[Where, tuple]:
    """The lines whose allocation grew with the batch and the widths: ``big`` ran with
    larger ones than ``small``. A fixed cost (a 0-d result, NumPy's iterator, a Python
    object) is the same in both runs."""
    return {where: (small.found.get(where, 0), size) for where, size in big.found.items()
            if size - small.found.get(where, 0) > margin}


class LineTracer:
    """``sys.settrace`` hook attributing tracemalloc's peak rise to the line that ran."""

    def __init__(self, sink: Allocations, root: str) -> None:
        self.sink, self.root = sink, root
        self.frame: Any = None
        self.line = 0
        self.base = 0

    def __call__(self, frame: Any, event: str, arg: Any) -> Any:
        current, peak = tracemalloc.get_traced_memory()
        if self.frame is not None and peak - self.base > self.sink.threshold:
            where = self._where(self.frame, self.line)
            self.sink.found[where] = max(self.sink.found.get(where, 0), peak - self.base)
        # the line now running (after a return, the caller's: it carries on)
        self.frame = frame.f_back if event == "return" else frame
        self.line = self.frame.f_lineno if self.frame is not None else 0
        tracemalloc.reset_peak()
        self.base = tracemalloc.get_traced_memory()[0]
        return self

    def _where(self, frame: Any, line: int) -> Where:
        stack = []
        while frame is not None:
            code = frame.f_code
            stack.append((code.co_filename, line, code.co_name))
            frame, line = frame.f_back, frame.f_back.f_lineno if frame.f_back else 0
            if code.co_name == self.root:
                break
        return tuple(stack)


@contextmanager
def traced_steps(warmup: int, steps: int, sink: Allocations) -> Iterator[None]:
    """Wrap ``_Loop._step``: ``warmup`` calls as they are, ``steps`` calls measuring what
    each keeps (untraced), then line-traced ones."""
    original = _epoch_loop._Loop._step
    calls = [0]

    def step(self: Any, *args: Any) -> float:
        calls[0] += 1
        if calls[0] <= warmup:
            return original(self, *args)
        if calls[0] <= warmup + steps:
            before = tracemalloc.get_traced_memory()[0]
            value = original(self, *args)
            sink.retained += tracemalloc.get_traced_memory()[0] - before
            return value
        tracer = LineTracer(sink, "_step")
        sys.settrace(tracer)
        try:
            return original(self, *args)
        finally:
            sys.settrace(None)

    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    _epoch_loop._Loop._step = step  # type: ignore[method-assign]
    try:
        yield
    finally:
        _epoch_loop._Loop._step = original  # type: ignore[method-assign]
        if not tracing:
            tracemalloc.stop()


@dataclass
class Case:
    """One configuration of the sweep; ``layers(width)`` makes the model's layers."""

    name: str
    layers: Callable[[int], list[Any]]
    loss: Callable[[], Any]
    optimizer: Callable[[], Any] = lambda: nonlin.SGD(0.01)
    targets: str = "labels"  # "labels", "onehot", "binary" (0/1 columns), "real"
    outputs: int = 4
    weights: str = "none"  # "none", "sample", "class", "both"
    metrics: tuple[Any, ...] = ()
    shuffle: bool = True


def data(case: Case, dtype: Any, n: int, features: int) -> dict[str, Any]:
    """X, y and the weights for ``case``: ``n`` rows, every class present."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, features)).astype(dtype)
    k = case.outputs
    labels = np.arange(n) % max(k, 2)
    rng.shuffle(labels)
    y: Any = {"labels": labels, "onehot": np.eye(k, dtype=dtype)[labels % k],
              "binary": (rng.random((n, k)) > 0.5).astype(dtype),
              "real": rng.normal(size=(n, k)).astype(dtype)}[case.targets]
    kwargs: dict[str, Any] = {}
    if case.weights in ("sample", "both"):
        kwargs["sample_weight"] = rng.random(n) + 0.5
    if case.weights in ("class", "both"):
        kwargs["class_weight"] = {0: 2.0, 1: 0.5}
    return {"X": X, "y": y, **kwargs}


def run(case: Case, dtype: Any, *, batch: int, width: int, features: int = 16,
        warmup: int = 3, steps: int = 3, threshold: int = 64) -> tuple[Allocations, Any]:
    """Fit ``case`` in ``dtype`` for two epochs of batches of ``batch`` rows; returns what
    the traced steps allocated and the model (with ``model.optimizer``, ``model.loss``)."""
    epochs, n_batches = 2, warmup + 2 * steps
    inputs = data(case, dtype, -(-n_batches // epochs) * batch, features)
    model = nonlin.Sequential(case.layers(width)).build(features, seed=0, dtype=dtype)
    sink = Allocations(threshold)
    with traced_steps(warmup, steps, sink):
        model.fit(inputs.pop("X"), inputs.pop("y"), loss=case.loss(), optimizer=case.optimizer(),
                  epochs=epochs, batch_size=batch, shuffle=case.shuffle, verbose=0, seed=1,
                  metrics=list(case.metrics), **inputs)
    return sink, model


def sweep(case: Case, dtype: Any, small: tuple[int, int] = (512, 64),
          big: tuple[int, int] = (1024, 256),
          bufsize: int = 256) -> tuple[dict[Where, tuple], Allocations, int]:
    """(lines allocating arrays that grow with the batch or the widths, the big run's
    allocations, how many more bytes the big run's steps kept than the small run's).

    NumPy caps its own iterator and casting buffers at its buffer size (8,192 entries by
    default): the runs use ``bufsize`` instead, below every array of batch size in both,
    so that such a buffer is the same size in both runs and only real temporaries grow.
    """
    old = np.setbufsize(bufsize)
    try:
        first, _ = run(case, dtype, batch=small[0], width=small[1])
        second, _ = run(case, dtype, batch=big[0], width=big[1])
    finally:
        np.setbufsize(old)
    return scaling(first, second), second, second.retained - first.retained


def cases(k: int = 4) -> list[Case]:
    """The sweep: every layer, loss, optimizer, weights, metrics and shuffle setting."""
    L, S, Opt = nonlin, nonlin.schedules, nonlin.optimizers
    D = nonlin.Dense
    layer_cases: dict[str, Callable[[int], list[Any]]] = {
        "dense": lambda w: [D(w), D(k)],
        "dense-nobias": lambda w: [D(w, bias=False), D(k, bias=False)],
        "dense-l2": lambda w: [D(w, l2=1e-3), D(k, l2=1e-3)],
        "sigmoid": lambda w: [D(w), L.Sigmoid(), D(k)],
        "tanh": lambda w: [D(w), L.Tanh(), D(k)],
        "relu": lambda w: [D(w), L.ReLU(), D(k)],
        "leaky_relu": lambda w: [D(w), L.LeakyReLU(0.1), D(k)],
        "gelu": lambda w: [D(w), L.GELU(), D(k)],
        "identity": lambda w: [D(w), L.Identity(), D(k)],
        "exp": lambda w: [D(w), L.Tanh(), D(w), L.Exp(), D(k)],
        "dropout": lambda w: [D(w), L.ReLU(), L.Dropout(0.3), D(k)],
        "batchnorm": lambda w: [D(w), L.BatchNorm(), L.ReLU(), D(k)],
    }
    ce = lambda: L.CrossEntropy(from_logits=True)  # noqa: E731
    small_lr = lambda: Opt.SGD(1e-5)  # noqa: E731  (a summed loss over 1,024 rows)
    out = [Case(f"layer:{name}", make, ce) for name, make in layer_cases.items()]
    relu = layer_cases["relu"]
    def relu1(w: int) -> list[Any]:
        return [D(w), L.ReLU(), D(1)]
    softmax = lambda w: [*relu(w), L.Softmax()]  # noqa: E731
    sigmoid = lambda w: [*relu(w), L.Sigmoid()]  # noqa: E731
    sigmoid1 = lambda w: [*relu1(w), L.Sigmoid()]  # noqa: E731
    out += [
        Case("loss:softmax+ce", softmax, L.CrossEntropy),
        Case("loss:softmax+ce onehot", softmax, L.CrossEntropy, targets="onehot"),
        Case("loss:ce-logits onehot", relu, ce, targets="onehot"),
        Case("loss:softmax+mse (unfused softmax)", softmax, L.MeanSquaredError, targets="onehot"),
        Case("loss:softmax+ce sum (unfused)", softmax, lambda: L.CrossEntropy(reduction="sum"),
             optimizer=small_lr),
        Case("loss:softmax+ce sum onehot (unfused)", softmax,
             lambda: L.CrossEntropy(reduction="sum"), targets="onehot",
             optimizer=small_lr),
        Case("loss:ce-logits sum (unfused)", relu,
             lambda: L.CrossEntropy(from_logits=True, reduction="sum"), optimizer=small_lr),
        Case("loss:ce-logits sum onehot (unfused)", relu,
             lambda: L.CrossEntropy(from_logits=True, reduction="sum"), targets="onehot",
             optimizer=small_lr),
        Case("loss:mse", relu, L.MeanSquaredError, targets="real"),
        Case("loss:mse sum", relu, lambda: L.MeanSquaredError(reduction="sum"), targets="real",
             optimizer=small_lr),
        Case("loss:mae", relu, L.MeanAbsoluteError, targets="real"),
        Case("loss:huber", relu, lambda: L.Huber(0.5), targets="real"),
        Case("loss:sigmoid+bce", sigmoid, L.BinaryCrossEntropy, targets="binary"),
        Case("loss:sigmoid+bce 1 output", sigmoid1, L.BinaryCrossEntropy, targets="binary",
             outputs=1),
        Case("loss:bce-logits", relu, lambda: L.BinaryCrossEntropy(from_logits=True),
             targets="binary"),
        Case("loss:sigmoid+bce sum (unfused)", sigmoid,
             lambda: L.BinaryCrossEntropy(reduction="sum"), targets="binary",
             optimizer=small_lr),
        Case("loss:bce-logits sum (unfused)", relu,
             lambda: L.BinaryCrossEntropy(from_logits=True, reduction="sum"), targets="binary",
             optimizer=small_lr),
    ]
    optimizers: dict[str, Callable[..., Any]] = {
        "sgd": lambda **kw: Opt.SGD(0.01, **kw),
        "sgd-momentum": lambda **kw: Opt.SGD(0.01, momentum=0.9, **kw),
        "sgd-nesterov": lambda **kw: Opt.SGD(0.01, momentum=0.9, nesterov=True, **kw),
        "sgd-weight_decay": lambda **kw: Opt.SGD(0.01, weight_decay=1e-3, **kw),
        "sgd-lr1": lambda **kw: Opt.SGD(1.0, **kw),
        "adam": lambda **kw: Opt.Adam(1e-3, **kw),
        "adamw": lambda **kw: Opt.AdamW(1e-3, **kw),
        "rmsprop": lambda **kw: Opt.RMSprop(1e-3, **kw),
        "adagrad": lambda **kw: Opt.Adagrad(1e-2, **kw),
    }
    for (name, make), clip, sched in itertools.product(optimizers.items(), (None, 1.0),
                                                         (False, True)):
        def opt(make: Callable[..., Any] = make, clip: Any = clip, sched: bool = sched) -> Any:
            optimizer = make(clipnorm=clip)
            if sched:
                optimizer.lr = S.ExponentialDecay(optimizer.lr, 10, 0.9)
            return optimizer
        label = name + ("+clipnorm" if clip else "") + ("+schedule" if sched else "")
        out.append(Case(f"opt:{label}", relu, ce, optimizer=opt))
    for weights in ("sample", "class", "both"):
        out += [
            Case(f"weights:{weights}", relu, ce, weights=weights),
            Case(f"weights:{weights} softmax+ce", softmax, L.CrossEntropy, weights=weights),
            Case(f"weights:{weights} onehot", relu, ce, targets="onehot", weights=weights),
            Case(f"weights:{weights} sigmoid+bce", sigmoid1, L.BinaryCrossEntropy,
                 targets="binary", outputs=1, weights=weights),
            Case(f"weights:{weights} mse", relu1, L.MeanSquaredError, targets="real",
                 outputs=1, weights=weights if weights == "sample" else "sample"),
            Case(f"weights:{weights} huber", relu1, L.Huber, targets="real", outputs=1,
                 weights="sample"),
        ]
    out += [Case("shuffle:off", relu, ce, shuffle=False),
            Case("shuffle:off sample", relu, ce, shuffle=False, weights="sample")]
    for metric in ("accuracy", "top_k_accuracy", "precision", "recall", "auc"):
        out += [Case(f"metric:{metric}", relu, ce, metrics=(metric,)),
                Case(f"metric:{metric} softmax+ce", softmax, L.CrossEntropy, metrics=(metric,)),
                Case(f"metric:{metric} onehot", relu, ce, targets="onehot", metrics=(metric,))]
    for metric in ("accuracy", "binary_accuracy", "precision", "recall", "auc"):
        out.append(Case(f"metric:{metric} sigmoid+bce", sigmoid1, L.BinaryCrossEntropy,
                        targets="binary", outputs=1, metrics=(metric,)))
    out += [Case("metric:binary_accuracy multilabel", sigmoid, L.BinaryCrossEntropy,
                 targets="binary", metrics=("binary_accuracy",)),
            Case("metric:precision top_k=2 softmax+ce", softmax, L.CrossEntropy,
                 metrics=(nonlin.metrics.Precision(top_k=2),))]
    for metric in ("mse", "mae", "rmse", "mape", "r2"):
        out.append(Case(f"metric:{metric}", relu, L.MeanSquaredError, targets="real",
                        metrics=(metric,)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument("--dtype", choices=["float32", "float64", "both"], default="both")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the tracebacks")
    parser.add_argument("--all", action="store_true",
                        help="with -v, also the fixed-size allocations (> 64 B)")
    args = parser.parse_args()
    dtypes = ["float32", "float64"] if args.dtype == "both" else [args.dtype]
    clean = 0
    selected = [c for c in cases() if args.only in c.name]
    for case, dtype in itertools.product(selected, dtypes):
        grows, big, kept = sweep(case, np.dtype(dtype))
        clean += not grows and kept <= 512
        worst = max((size for _, size in grows.values()), default=0)
        print(f"{case.name:<44} {dtype}  {len(grows):>2} lines  largest {worst:>7} B"
              + (f"  kept {kept} B more" if kept > 512 else ""))
        if args.verbose:
            for where, (a, b) in sorted(grows.items(), key=lambda kv: -kv[1][1]):
                print(f"    {a:>7} -> {b:>7} B  {describe(where)}")
            if args.all:
                for where, size in big.found.items():
                    if where not in grows:
                        print(f"    fixed {size:>7} B  {describe(where)}")
    print(f"{clean} of {len(selected) * len(dtypes)} configurations: no allocation that grows "
          "with the batch or the widths, nothing kept")


if __name__ == "__main__":
    main()
