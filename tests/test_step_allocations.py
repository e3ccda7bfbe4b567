"""A steady-state training step allocates no array of batch or parameter size, and a
float32 fit holds only float32 arrays (``nonlin.core``'s promise; the training issue's
"float32 end to end").

``fit`` runs on data whose size the batch size divides, with its step
(``_Loop._step``: gather, forward, loss, backward, penalty, streamed metrics,
update) wrapped: a few steps run as they are, a few are measured for what they
keep, a few are traced line by line. ``tracemalloc`` sees NumPy's buffers, but a
snapshot holds only what is still alive, and a step's temporaries are gone by its
end; so between two trace events (``sys.settrace``) the rise of tracemalloc's peak
over the memory in use is charged to the line that ran. Each case runs at batch 512,
width 64 and at batch 1,024, width 256: what a step allocates that grows from one to
the other is an array of batch or parameter size (a 0-d result or a Python object
costs the same in both). NumPy's own iterator and casting buffers are not: NumPy caps
them at its buffer size (``np.getbufsize()``, 8,192 entries), which a (1,024, 256)
array exceeds and a (64, 32) one does not, so they would look as if they grew. The
buffer size is lowered to ``BUFSIZE`` entries while a case runs, below every array
of batch size in both configurations (the (batch, 4) outputs, the (batch,) per-row
values included): a capped buffer is then the same size in both, a real temporary
grows. ``benchmarks/step_allocations.py`` runs the full sweep and prints the lines.
"""

from __future__ import annotations

import sys
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import _epoch_loop
from nonlin import optimizers as opt
from nonlin.schedules import ExponentialDecay

L, D, K = nonlin, nonlin.Dense, 4
SMALL, BIG = (512, 64), (1024, 256)  # (batch, width) of the two runs of a case
BUFSIZE = 256  # NumPy's buffer size while a case runs: below the smallest batch
# np.matmul's own allocation per call (~560 B of ufunc machinery, the same at every size),
# made where nonlin._products.weight_grad takes it: for gradients of 128 KiB or more, so in
# the big runs only (np.dot, in the small, makes ~100 B)
MATMUL_CALL = 1024
Where = tuple[tuple[str, int], ...]


@pytest.fixture(autouse=True)
def _one_blas_thread() -> Iterator[None]:
    """One BLAS thread: OpenBLAS's threads spin for seconds on a busy machine (the
    allocations measured are NumPy's, the same with any number of threads)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # the dev extra's; without it the tests only take longer
        yield
        return
    with threadpool_limits(1):
        yield


class Tracer:
    """Charges the rise of tracemalloc's peak between two trace events to the line that ran
    (with its callers up to ``_step``)."""

    def __init__(self, found: dict[Where, int]) -> None:
        self.found, self.where, self.base = found, (), 0

    def __call__(self, frame: Any, event: str, arg: Any) -> Any:
        peak = tracemalloc.get_traced_memory()[1]
        if self.where and peak - self.base > 64:
            self.found[self.where] = max(self.found.get(self.where, 0), peak - self.base)
        self.where = self._stack(frame.f_back if event == "return" else frame)
        tracemalloc.reset_peak()
        self.base = tracemalloc.get_traced_memory()[0]
        return self

    @staticmethod
    def _stack(frame: Any) -> Where:
        stack = []
        while frame is not None:
            stack.append((frame.f_code.co_filename, frame.f_lineno))
            if frame.f_code.co_name == "_step":
                break
            frame = frame.f_back
        return tuple(stack)


def fit_traced(make: Callable[[int], list[Any]], loss: Any, dtype: Any, batch: int, width: int,
               *, targets: str = "labels", outputs: int = K, weights: str = "",
               metrics: tuple[Any, ...] = (), optimizer: Callable[[], Any] | None = None,
               shuffle: bool = True) -> tuple[dict[Where, int], int, Any]:
    """Fit two epochs of 3 batches; returns (line -> largest rise of the traced steps,
    bytes the measured steps kept, the fit's loop)."""
    rng = np.random.default_rng(0)
    n = 3 * batch
    X = rng.normal(size=(n, 8)).astype(dtype)
    labels = np.arange(n) % max(outputs, 2)
    y = {"labels": labels, "onehot": np.eye(outputs, dtype=dtype)[labels % outputs],
         "binary": (rng.random((n, outputs)) > 0.5).astype(dtype),
         "real": rng.normal(size=(n, outputs)).astype(dtype)}[targets]
    extra: dict[str, Any] = {}
    if "sample" in weights:
        extra["sample_weight"] = rng.random(n) + 0.5
    if "class" in weights:
        extra["class_weight"] = {0: 2.0, 1: 0.5}
    found: dict[Where, int] = {}
    state = {"calls": 0, "kept": 0, "loop": None}
    original = _epoch_loop._Loop._step

    def step(self: Any, *args: Any) -> float:
        state["calls"] += 1
        state["loop"] = self
        if state["calls"] <= 2:  # the first batches make the buffers
            return original(self, *args)
        if state["calls"] <= 4:
            before = tracemalloc.get_traced_memory()[0]
            value = original(self, *args)
            state["kept"] += tracemalloc.get_traced_memory()[0] - before
            return value
        sys.settrace(Tracer(found))
        try:
            return original(self, *args)
        finally:
            sys.settrace(None)

    model = nonlin.Sequential(make(width)).build(8, seed=0, dtype=dtype)
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    _epoch_loop._Loop._step = step  # type: ignore[method-assign]
    try:
        model.fit(X, y, loss=loss, optimizer=optimizer() if optimizer else opt.SGD(0.01), epochs=2,
                  batch_size=batch, shuffle=shuffle, verbose=0, seed=1, metrics=list(metrics),
                  **extra)
    finally:
        _epoch_loop._Loop._step = original  # type: ignore[method-assign]
        if not tracing:
            tracemalloc.stop()
    return found, state["kept"], state["loop"]


def dense(w: int) -> list[Any]:
    return [D(w), D(K)]


def relu(w: int, k: int = K) -> list[Any]:
    return [D(w), L.ReLU(), D(k)]


def softmax(w: int) -> list[Any]:
    return [*relu(w), L.Softmax()]


def sigmoid(w: int, k: int = K) -> list[Any]:
    return [*relu(w, k), L.Sigmoid()]


def adapted_norm() -> Any:
    """A Normalization adapted to data of the 8 features fit_traced gives."""
    layer = L.Normalization()
    layer.adapt(np.random.default_rng(1).normal(size=(20, 8)) + 3.0)
    return layer


def ce(**kw: Any) -> Any:
    return L.CrossEntropy(from_logits=True, **kw)


def scheduled(make: Callable[..., Any]) -> Callable[[], Any]:
    """An optimizer with clipnorm and a schedule as its learning rate."""
    def build() -> Any:
        optimizer = make(clipnorm=1.0)
        optimizer.lr = ExponentialDecay(optimizer.lr, 10, 0.9)
        return optimizer
    return build


CASES: dict[str, tuple[Any, ...]] = {  # name: (layers, loss, keyword arguments of fit_traced)
    "dense": (dense, ce, {}),
    "dense-nobias": (lambda w: [D(w, bias=False), D(K, bias=False)], ce, {}),
    "dense-l2": (lambda w: [D(w, l2=1e-3), D(K, l2=1e-3)], ce, {}),
    # Keras' Dense(activation=...) (s21): the activation inside the layer; a final softmax /
    # sigmoid fused with its cross-entropy as [Dense(k), Softmax()] is
    "dense-activation-relu": (lambda w: [D(w, activation="relu"), D(K)], ce, {}),
    "dense-activation-softmax+ce": (lambda w: [D(w, activation="gelu"),
                                               D(K, activation="softmax")], L.CrossEntropy, {}),
    "dense-activation-sigmoid+bce": (lambda w: [D(w, activation="tanh"),
                                                D(K, activation="sigmoid")],
                                     L.BinaryCrossEntropy, {"targets": "binary"}),
    "dense-activation-softmax-unfused+mse": (lambda w: [D(w, activation="relu"),
                                                        D(K, activation="softmax")],
                                             L.MeanSquaredError, {"targets": "onehot"}),
    **{f"layer-{layer.__name__}": (lambda w, layer=layer: [D(w), layer(), D(K)], ce, {})
       for layer in (L.Sigmoid, L.Tanh, L.ReLU, L.LeakyReLU, L.GELU, L.Identity)},
    "layer-GELU-tanh": (lambda w: [D(w), L.GELU(approximate=True), D(K)], ce, {}),
    **{f"layer-{layer.__name__}": (lambda w, layer=layer: [D(w), layer(), D(K)], ce, {})
       for layer in (L.SiLU, L.ELU, L.SELU, L.Softplus)},
    **{f"layer-{layer.__name__}": (lambda w, layer=layer: [D(w), layer(), D(K)], ce, {})
       for layer in (L.Mish, L.ReLU6, L.HardSigmoid, L.HardSwish, L.Softsign, L.PReLU)},
    "layer-PReLU-shared": (lambda w: [D(w), L.PReLU(shared=True), D(K)], ce, {}),
    **{f"layer-{layer.__name__}": (lambda w, layer=layer: [D(w), L.SELU(), layer(0.2), D(K)],
                                   ce, {})
       for layer in (L.AlphaDropout, L.GaussianDropout, L.GaussianNoise)},
    "layer-Exp": (lambda w: [D(w), L.Tanh(), D(w), L.Exp(), D(K)], ce, {}),
    "layer-Dropout": (lambda w: [D(w), L.ReLU(), L.Dropout(0.3), D(K)], ce, {}),
    "layer-BatchNorm": (lambda w: [D(w), L.BatchNorm(), L.ReLU(), D(K)], ce, {}),
    "layer-LayerNormalization": (lambda w: [D(w), L.LayerNormalization(), L.ReLU(), D(K)], ce,
                                 {}),
    "first-LayerNormalization": (lambda w: [L.LayerNormalization(), D(w), L.ReLU(), D(K)], ce,
                                 {}),
    "first-Normalization": (lambda w: [adapted_norm(), D(w), L.ReLU(), D(K)], ce, {}),
    "layer-Normalization": (lambda w: [D(w), L.Normalization(mean=0.5, variance=2.0), L.ReLU(),
                                       D(K)], ce, {}),
    "softmax+ce": (softmax, L.CrossEntropy, {}),
    "softmax+ce-onehot": (softmax, L.CrossEntropy, {"targets": "onehot"}),
    "ce-logits-onehot": (relu, ce, {"targets": "onehot"}),
    "softmax-unfused+mse": (softmax, L.MeanSquaredError, {"targets": "onehot"}),
    "softmax+ce-sum": (softmax, lambda: L.CrossEntropy(reduction="sum"), {}),
    "softmax+ce-sum-onehot": (softmax, lambda: L.CrossEntropy(reduction="sum"),
                              {"targets": "onehot"}),
    "ce-logits-sum": (relu, lambda: ce(reduction="sum"), {}),
    "ce-logits-sum-onehot": (relu, lambda: ce(reduction="sum"), {"targets": "onehot"}),
    "mse": (relu, L.MeanSquaredError, {"targets": "real"}),
    "mse-sum": (relu, lambda: L.MeanSquaredError(reduction="sum"),
                {"targets": "real", "optimizer": lambda: opt.SGD(1e-5)}),
    "mae": (relu, L.MeanAbsoluteError, {"targets": "real"}),
    "huber": (relu, lambda: L.Huber(0.5), {"targets": "real"}),
    "exp+poisson": (lambda w: [*relu(w), L.Exp()], L.Poisson, {"targets": "binary"}),
    "softmax+kld": (softmax, L.KLDivergence, {"targets": "onehot"}),
    "log_cosh": (relu, L.LogCosh, {"targets": "real"}),
    "hinge": (relu, L.Hinge, {"targets": "binary"}),
    "tanh+squared_hinge": (lambda w: [*relu(w), L.Tanh()], L.SquaredHinge, {"targets": "binary"}),
    "categorical_hinge": (relu, L.CategoricalHinge, {"targets": "onehot"}),
    "sigmoid+focal": (sigmoid, L.BinaryFocalCrossentropy, {"targets": "binary"}),
    "focal-logits": (relu, lambda: L.BinaryFocalCrossentropy(
        from_logits=True, apply_class_balancing=True, label_smoothing=0.1), {"targets": "binary"}),
    "softplus+msle": (lambda w: [*relu(w), L.Softplus()], L.MeanSquaredLogarithmicError,
                      {"targets": "binary"}),
    "mape": (relu, L.MeanAbsolutePercentageError, {"targets": "real"}),
    "cosine_similarity": (relu, L.CosineSimilarity, {"targets": "real"}),
    "sigmoid+bce": (sigmoid, L.BinaryCrossEntropy, {"targets": "binary"}),
    "bce-logits": (relu, lambda: L.BinaryCrossEntropy(from_logits=True), {"targets": "binary"}),
    "sigmoid+bce-sum": (sigmoid, lambda: L.BinaryCrossEntropy(reduction="sum"),
                        {"targets": "binary"}),
    "bce-logits-sum": (relu, lambda: L.BinaryCrossEntropy(from_logits=True, reduction="sum"),
                       {"targets": "binary"}),
    # session 21: the cross-entropies' options, trained by their own from-logits math
    "softmax+ce-smoothing": (softmax, lambda: L.CrossEntropy(label_smoothing=0.1), {}),
    "ce-logits-smoothing-onehot": (relu, lambda: ce(label_smoothing=0.1), {"targets": "onehot"}),
    "sigmoid+bce-pos_weight-smoothing": (sigmoid, lambda: L.BinaryCrossEntropy(
        pos_weight=[1.0, 2.0, 0.5, 3.0], label_smoothing=0.1), {"targets": "binary"}),
    "bce-logits-pos_weight-sample-weights": (
        relu, lambda: L.BinaryCrossEntropy(from_logits=True, pos_weight=2.0),
        {"targets": "binary", "weights": "sample", "metrics": ("binary_accuracy",)}),
    "softmax+ce-smoothing-accuracy": (softmax, lambda: L.CrossEntropy(label_smoothing=0.1),
                                      {"metrics": ("accuracy",)}),
    "hardsigmoid+bce-pos_weight-smoothing": (
        lambda w: [*relu(w), L.HardSigmoid()],
        lambda: L.BinaryCrossEntropy(pos_weight=2.0, label_smoothing=0.1), {"targets": "binary"}),
    "hardsigmoid+ce-smoothing": (lambda w: [*relu(w), L.HardSigmoid()],
                                 lambda: L.CrossEntropy(label_smoothing=0.1), {}),
    "ce-logits-smoothing-sum-weights": (relu, lambda: ce(label_smoothing=0.1, reduction="sum"),
                                        {"weights": "sample"}),
    **{f"{name}{tag}": (relu, ce, {"optimizer": make if not tag else scheduled(make)})
       for name, make in {
           "sgd": lambda **kw: opt.SGD(0.01, **kw),
           "sgd-momentum": lambda **kw: opt.SGD(0.01, momentum=0.9, **kw),
           "sgd-nesterov": lambda **kw: opt.SGD(0.01, momentum=0.9, nesterov=True, **kw),
           "sgd-weight_decay": lambda **kw: opt.SGD(0.01, weight_decay=1e-3, **kw),
           "sgd-lr1": lambda **kw: opt.SGD(1.0, **kw),
           "adam": lambda **kw: opt.Adam(1e-3, **kw), "adamw": lambda **kw: opt.AdamW(**kw),
           "rmsprop": lambda **kw: opt.RMSprop(**kw), "adagrad": lambda **kw: opt.Adagrad(**kw),
           "adamax": lambda **kw: opt.Adamax(**kw), "nadam": lambda **kw: opt.Nadam(**kw),
           "adadelta": lambda **kw: opt.Adadelta(**kw),
           "lion": lambda **kw: opt.Lion(weight_decay=1e-3, **kw),
       }.items() for tag in ("", "+clipnorm+schedule")},
    **{f"{weights}-weights-{name}": (layers, loss, {"weights": weights, **kw})
       for weights in ("sample", "class", "sample+class")
       for name, (layers, loss, kw) in {  # (class weights need classes)
           "ce": (relu, ce, {}), "softmax+ce": (softmax, L.CrossEntropy, {}),
           "sigmoid+bce": (lambda w: sigmoid(w, 1), L.BinaryCrossEntropy,
                           {"targets": "binary", "outputs": 1}),
           "mse": (lambda w: relu(w, 1), L.MeanSquaredError, {"targets": "real", "outputs": 1}),
           "huber": (lambda w: relu(w, 1), L.Huber, {"targets": "real", "outputs": 1}),
       }.items() if weights == "sample" or name not in ("mse", "huber")},
    "no-shuffle": (relu, ce, {"shuffle": False}),
    "no-shuffle-sample-weights": (relu, ce, {"shuffle": False, "weights": "sample"}),
    **{f"metric-{m}": (relu, ce, {"metrics": (m,)})
       for m in ("accuracy", "top_k_accuracy", "precision", "recall", "f1_score")},
    "metric-accuracy-onehot": (relu, ce, {"targets": "onehot", "metrics": ("accuracy",)}),
    "metric-accuracy-softmax": (softmax, L.CrossEntropy, {"metrics": ("accuracy",)}),
    "metric-accuracy-binary": (lambda w: sigmoid(w, 1), L.BinaryCrossEntropy,
                               {"targets": "binary", "outputs": 1, "metrics": ("accuracy",)}),
    "metric-binary_accuracy-multilabel": (sigmoid, L.BinaryCrossEntropy,
                                          {"targets": "binary", "metrics": ("binary_accuracy",)}),
    "metric-fbeta_score-multilabel": (sigmoid, L.BinaryCrossEntropy,  # threshold 0.5
                                      {"targets": "binary", "metrics": ("fbeta_score",)}),
    **{f"metric-{m}-multilabel": (sigmoid, L.BinaryCrossEntropy,  # Keras 3's counts, BinaryIoU
                                  {"targets": "binary", "metrics": (m,)})
       for m in ("true_positives", "false_negatives", "binary_io_u")},
    "metric-binary_io_u": (relu, ce, {"metrics": ("binary_io_u",)}),  # labels one-hot
    **{f"metric-{m}": (relu, L.MeanSquaredError, {"targets": "real", "metrics": (m,)})
       for m in ("mse", "mae", "rmse", "mape", "r2")},
}
FLOAT64 = ["dense", "dense-activation-softmax+ce", "layer-ReLU", "layer-GELU", "layer-GELU-tanh",
           "layer-BatchNorm",
           "layer-LayerNormalization", "first-Normalization", "softmax+ce", "huber",
           "bce-logits-sum", "adam+clipnorm+schedule", "sample-weights-softmax+ce",
           "metric-accuracy", "metric-mape", "focal-logits", "cosine_similarity",
           "softmax+ce-smoothing", "bce-logits-pos_weight-sample-weights"]


def _allowed(where: Where) -> int:
    """Bytes a line may allocate in the big runs beyond the small: 512, or np.matmul's own
    per-call allocation at the weight gradient's product (``MATMUL_CALL``)."""
    return MATMUL_CALL if where and where[0][0].endswith("_products.py") else 512


@pytest.mark.parametrize("dtype, name", [(np.float32, name) for name in CASES]
                         + [(np.float64, name) for name in FLOAT64])
def test_steady_state_steps_allocate_no_batch_or_parameter_sized_array(dtype, name) -> None:
    make, loss, kwargs = CASES[name]
    old = np.setbufsize(BUFSIZE)  # NumPy's capped buffers the same size in both runs
    try:
        small, kept_small, _ = fit_traced(make, loss(), dtype, *SMALL, **kwargs)
        big, kept_big, _ = fit_traced(make, loss(), dtype, *BIG, **kwargs)
        again, _, _ = fit_traced(make, loss(), dtype, *BIG, **kwargs)
    finally:
        np.setbufsize(old)
    # a line allocates per step when it does so in both large runs: a one-off (a cache of
    # NumPy's or Python's filled on first use, ~2 KB) shows in one run only
    big = {where: min(size, again[where]) for where, size in big.items() if where in again}
    grown = {where: (small.get(where, 0), size) for where, size in big.items()
             if size - small.get(where, 0) > _allowed(where)}
    assert not grown, "\n".join(
        f"{a} -> {b} B at " + " <- ".join(f"{f.rsplit('/', 1)[-1]}:{n}" for f, n in where[:4])
        for where, (a, b) in grown.items())
    assert kept_big - kept_small <= 512, f"the steps kept {kept_big - kept_small} B more"


def _float_arrays(obj: Any, path: str, seen: set[int]) -> list[tuple[str, np.dtype]]:
    """(path, dtype) of every float array reachable from ``obj``'s attributes, lists and
    dicts (not through other objects)."""
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return [(path, obj.dtype)] if obj.dtype.kind == "f" else []
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, list | tuple):
        items = enumerate(obj)
    elif type(obj).__module__.startswith("nonlin") and hasattr(obj, "__dict__"):
        items = vars(obj).items()
    elif type(obj).__module__.startswith("nonlin") and hasattr(obj, "__slots__"):  # Param
        items = ((slot, getattr(obj, slot)) for slot in obj.__slots__)
    else:
        return []
    return [found for key, value in items
            for found in _float_arrays(value, f"{path}.{key}", seen)]


@pytest.mark.parametrize("name", list(CASES))
def test_a_float32_fit_holds_only_float32_arrays(name) -> None:
    make, loss, kwargs = CASES[name]
    _, _, loop = fit_traced(make, loss(), np.float32, 16, 8, **kwargs)
    objective = loop.objective
    held = [found for layer_index, layer in enumerate(loop.model.layers)
            for found in _float_arrays(layer, f"layers[{layer_index}]", set())
            if not found[0].endswith("._sums")]  # BatchNorm's float64 column sums, by design
    own = {k: v for k, v in vars(objective).items() if k not in ("model", "layers", "reversed")}
    held += _float_arrays(own, "objective", set())
    held += _float_arrays(loop.loss, "loss", set()) + _float_arrays(loop.optimizer, "optimizer",
                                                                      set())
    held += [(name, loop.xbuf.dtype), (name, loop.train.X.dtype)]
    if loop.wbuf is not None:
        held.append(("wbuf", loop.wbuf.dtype))
    other = [(path, dtype) for path, dtype in held if dtype != np.float32]
    assert not other, other
