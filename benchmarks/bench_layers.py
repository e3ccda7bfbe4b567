"""Each layer, loss and optimizer alone: nonlin's time per call against PyTorch CPU's.

``bench_mnist.py`` times a whole network; this times the parts, so that a slow
one shows up even when no benchmark network uses it:

* **layers**: one training forward and backward (with the input gradient) on a
  float32 batch of 128 rows x 256 features, a typical hidden layer;
* **losses**: the value and the gradient with respect to the outputs (128 x 10),
  nonlin's public ``loss(y, out)`` plus ``loss.grad(y, out)`` (which validate their
  inputs) against PyTorch's forward and ``backward`` (which do not);
* **optimizers**: one update of the 235,146 float32 parameters of the
  784-256-128-10 network, from given gradients.

PyTorch runs the same operation on the same data with the same number of threads
(``torch.nn`` modules and ``torch.optim``, the gradients written into ``.grad``).
Both run in interleaved rounds and the figures are medians of the per-call times;
the ratio nonlin / PyTorch comes from the same process. Entries whose class this
nonlin lacks, or whose PyTorch counterpart is missing, print as such.

Run: PYTHONPATH=src python3 benchmarks/bench_layers.py [--repeats 7] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

import nonlin

ROWS, WIDTH, CLASSES = 128, 256, 10
SIZES = [(784, 256), (256, 128), (128, 10)]  # bench_mnist's network

# name: (nonlin class name, its keyword arguments, torch.nn class name, its arguments)
LAYERS = {
    "Dense(256)": ("Dense", {"units": WIDTH}, "Linear", (WIDTH, WIDTH)),
    "ReLU": ("ReLU", {}, "ReLU", ()),
    "LeakyReLU": ("LeakyReLU", {}, "LeakyReLU", (0.3,)),
    "Sigmoid": ("Sigmoid", {}, "Sigmoid", ()),
    "Tanh": ("Tanh", {}, "Tanh", ()),
    "GELU (tanh)": ("GELU", {"approximate": True}, "GELU", ("tanh",)),
    "GELU (exact)": ("GELU", {"approximate": False}, "GELU", ("none",)),
    "SiLU": ("SiLU", {}, "SiLU", ()),
    "ELU": ("ELU", {}, "ELU", ()),
    "SELU": ("SELU", {}, "SELU", ()),
    "Softplus": ("Softplus", {}, "Softplus", ()),
    "Mish": ("Mish", {}, "Mish", ()),
    "ReLU6": ("ReLU6", {}, "ReLU6", ()),
    "HardSigmoid": ("HardSigmoid", {}, "Hardsigmoid", ()),
    "HardSwish": ("HardSwish", {}, "Hardswish", ()),
    "Softsign": ("Softsign", {}, "Softsign", ()),
    "PReLU": ("PReLU", {}, "PReLU", (WIDTH,)),
    "Softmax": ("Softmax", {}, "Softmax", (1,)),
    "Dropout(0.5)": ("Dropout", {"rate": 0.5}, "Dropout", (0.5,)),
    "AlphaDropout(0.1)": ("AlphaDropout", {"rate": 0.1}, "AlphaDropout", (0.1,)),
    "GaussianNoise(0.1)": ("GaussianNoise", {"stddev": 0.1}, "(none in torch.nn)", ()),
    "BatchNorm": ("BatchNorm", {}, "BatchNorm1d", (WIDTH,)),
    "LayerNorm": ("LayerNormalization", {}, "LayerNorm", (WIDTH,)),
}

# name: (nonlin loss, its arguments, torch loss, its arguments, targets: "labels",
# "binary", "real", "counts" (with rates > 0) or "probabilities" (rows of a softmax))
LOSSES = {
    "CrossEntropy(logits)": ("CrossEntropy", {"from_logits": True}, "CrossEntropyLoss", {},
                             "labels"),
    "BinaryCrossEntropy(logits)": ("BinaryCrossEntropy", {"from_logits": True},
                                   "BCEWithLogitsLoss", {}, "binary"),
    "MeanSquaredError": ("MeanSquaredError", {}, "MSELoss", {}, "real"),
    "MeanAbsoluteError": ("MeanAbsoluteError", {}, "L1Loss", {}, "real"),
    "Huber": ("Huber", {}, "HuberLoss", {}, "real"),
    "Poisson": ("Poisson", {}, "PoissonNLLLoss", {"log_input": False}, "counts"),
    "KLDivergence": ("KLDivergence", {}, "KLDivLoss", {"reduction": "batchmean"},
                     "probabilities"),
    "LogCosh": ("LogCosh", {}, "(none in torch.nn)", {}, "real"),
    "Hinge": ("Hinge", {}, "(none in torch.nn)", {}, "binary"),
    "SquaredHinge": ("SquaredHinge", {}, "(none in torch.nn)", {}, "binary"),
    "CategoricalHinge": ("CategoricalHinge", {}, "(none in torch.nn)", {}, "probabilities"),
    "BinaryFocalCrossentropy(logits)": ("BinaryFocalCrossentropy", {"from_logits": True},
                                        "(torchvision.ops, not torch.nn)", {}, "binary"),
    "MeanSquaredLogarithmicError": ("MeanSquaredLogarithmicError", {}, "(none in torch.nn)", {},
                                    "counts"),
    "MeanAbsolutePercentageError": ("MeanAbsolutePercentageError", {}, "(none in torch.nn)",
                                    {}, "real"),
    "CosineSimilarity": ("CosineSimilarity", {}, "(none in torch.nn)", {}, "real"),
}

# name: (nonlin optimizer, its arguments, torch.optim class, its arguments)
OPTIMIZERS = {
    "SGD": ("SGD", {"lr": 0.01}, "SGD", {"lr": 0.01}),
    "SGD momentum": ("SGD", {"lr": 0.01, "momentum": 0.9}, "SGD",
                     {"lr": 0.01, "momentum": 0.9}),
    "SGD Nesterov": ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}, "SGD",
                     {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    "Adam": ("Adam", {"lr": 1e-3}, "Adam", {"lr": 1e-3}),
    "AdamW": ("AdamW", {"lr": 1e-3}, "AdamW", {"lr": 1e-3}),
    "RMSprop": ("RMSprop", {"lr": 1e-3}, "RMSprop", {"lr": 1e-3}),
    "Adagrad": ("Adagrad", {"lr": 1e-2}, "Adagrad", {"lr": 1e-2}),
    "Adamax": ("Adamax", {"lr": 1e-3}, "Adamax", {"lr": 1e-3}),
    "Nadam": ("Nadam", {"lr": 1e-3}, "NAdam", {"lr": 1e-3}),
    "Adadelta": ("Adadelta", {"lr": 1.0, "rho": 0.9, "epsilon": 1e-6}, "Adadelta", {}),
    "Lion": ("Lion", {"lr": 1e-4}, "(none in torch.optim)", {}),
}


def per_call(fn: Callable[[], object], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def nonlin_layer(name: str, kwargs: dict) -> Callable[[], object] | None:
    cls = getattr(nonlin, name, None)
    if cls is None:
        return None
    try:
        layer = cls(**kwargs)
    except TypeError:  # an argument this version lacks (GELU's approximate)
        return None
    # built behind an Identity, so that the layer computes its input gradient
    nonlin.Sequential([nonlin.Identity(), layer]).build(WIDTH, seed=0, dtype=np.float32)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((ROWS, WIDTH), dtype=np.float32)
    g = rng.standard_normal((ROWS, layer.forward(x).shape[1]), dtype=np.float32)
    return lambda: (layer.forward(x, training=True), layer.backward(g))


def torch_layer(torch, name: str, args: tuple) -> Callable[[], object] | None:
    cls = getattr(torch.nn, name, None)
    if cls is None:
        return None
    module = cls(*args).train()
    rng = np.random.default_rng(0)
    x = torch.from_numpy(rng.standard_normal((ROWS, WIDTH), dtype=np.float32)).requires_grad_()
    g = torch.from_numpy(rng.standard_normal((ROWS, module(x).shape[1]), dtype=np.float32))

    def step() -> None:
        x.grad = None
        module(x).backward(g)

    return step


def loss_targets(kind: str) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    out = rng.standard_normal((ROWS, CLASSES), dtype=np.float32)
    if kind == "labels":
        return rng.integers(0, CLASSES, ROWS), out
    if kind == "binary":
        return (rng.random((ROWS, CLASSES)) < 0.5).astype(np.float32), out
    if kind == "counts":
        return rng.poisson(2.0, (ROWS, CLASSES)).astype(np.float32), np.exp(out)
    if kind == "probabilities":
        p = np.exp(out) / np.exp(out).sum(axis=1, keepdims=True)
        q = rng.random((ROWS, CLASSES), dtype=np.float32)
        return q / q.sum(axis=1, keepdims=True), p
    return rng.standard_normal((ROWS, CLASSES), dtype=np.float32), out


def nonlin_loss(name: str, kwargs: dict, kind: str) -> Callable[[], object] | None:
    cls = getattr(nonlin, name, None)
    if cls is None:
        return None
    loss, (y, out) = cls(**kwargs), loss_targets(kind)
    return lambda: (loss(y, out), loss.grad(y, out))


def torch_loss(torch, name: str, kwargs: dict, kind: str) -> Callable[[], object] | None:
    cls = getattr(torch.nn, name, None)
    if cls is None:
        return None
    loss, (y, out) = cls(**kwargs), loss_targets(kind)
    yt, zt = torch.from_numpy(y), torch.from_numpy(out).requires_grad_()
    log_input = name == "KLDivLoss"  # it takes log q

    def step() -> None:
        zt.grad = None
        loss(torch.log(zt) if log_input else zt, yt).backward()

    return step


def gradients(shapes: list[tuple[int, ...]]) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    return [rng.standard_normal(s, dtype=np.float32) * 1e-2 for s in shapes]


def nonlin_optimizer(name: str, kwargs: dict) -> Callable[[], object] | None:
    cls = getattr(nonlin, name, None)
    if cls is None:
        return None
    layers: list = []
    for _, units in SIZES:
        layers += [nonlin.Dense(units), nonlin.ReLU()]
    model = nonlin.Sequential(layers[:-1]).build(SIZES[0][0], seed=0, dtype=np.float32)
    params, opt = model.parameters(), cls(**kwargs)
    for p, g in zip(params, gradients([p.value.shape for p in params]), strict=True):
        p.grad[...] = g
    return lambda: opt.step(params)


def torch_optimizer(torch, name: str, kwargs: dict) -> Callable[[], object] | None:
    cls = getattr(torch.optim, name, None)
    if cls is None:
        return None
    params = []
    for a, b in SIZES:  # torch's Linear stores W as (out, in)
        params += [torch.zeros(b, a), torch.zeros(b)]
    for p, g in zip(params, gradients([tuple(p.shape) for p in params]), strict=True):
        p.requires_grad_()
        p.grad = torch.from_numpy(g)
    opt = cls(params, **kwargs)
    return opt.step


def compare(title: str, pairs: dict[str, tuple], repeats: int, calls: int) -> None:
    """Time each (nonlin, torch) pair in interleaved rounds; print medians and ratios."""
    print(f"\n{title} (microseconds per call; medians of {repeats} rounds of {calls} calls)")
    print(f"{'':28s} {'nonlin':>9s} {'PyTorch':>9s} {'ratio':>7s}")
    for name, (ours, theirs) in pairs.items():
        if ours is None:
            print(f"{name:28s} {'(not in this nonlin)':>27s}")
            continue
        times: dict[str, list[float]] = {"ours": [], "theirs": []}
        ours()  # warm-up: buffers, BLAS threads
        if theirs is not None:
            theirs()
        for _ in range(repeats):
            times["ours"].append(per_call(ours, calls))
            if theirs is not None:
                times["theirs"].append(per_call(theirs, calls))
        a = statistics.median(times["ours"]) * 1e6
        if theirs is None:
            print(f"{name:28s} {a:9.1f} {'-':>9s}")
            continue
        b = statistics.median(times["theirs"]) * 1e6
        print(f"{name:28s} {a:9.1f} {b:9.1f} {a / b:7.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--calls", type=int, default=200, help="calls per round")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        torch = None
    if torch is not None:
        torch.set_num_threads(args.threads)
    print(f"nonlin {nonlin.__version__}, NumPy {np.__version__}, PyTorch "
          f"{torch.__version__ if torch else '(not installed)'}; {args.threads} threads")
    with threadpool_limits(args.threads):
        compare("Layers: training forward + backward, 128 x 256 float32", {
            name: (nonlin_layer(ours, kw), torch and torch_layer(torch, theirs, targs))
            for name, (ours, kw, theirs, targs) in LAYERS.items()}, args.repeats, args.calls)
        compare("Losses: value + gradient, 128 x 10 float32", {
            name: (nonlin_loss(ours, kw, kind), torch and torch_loss(torch, theirs, tkw, kind))
            for name, (ours, kw, theirs, tkw, kind) in LOSSES.items()}, args.repeats, args.calls)
        compare("Optimizers: one update of 235,146 float32 parameters", {
            name: (nonlin_optimizer(ours, kw), torch and torch_optimizer(torch, theirs, tkw))
            for name, (ours, kw, theirs, tkw) in OPTIMIZERS.items()}, args.repeats, args.calls)


if __name__ == "__main__":
    main()
