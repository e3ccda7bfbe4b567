"""Property-based fuzzing of nonlin's numerics (layers, losses, optimizers), with hypothesis.

Not a benchmark and not run by CI (``tests/test_numerics_s32.py`` holds the deterministic
regressions of what it found). For each target it draws batches in float32 and float64
with extreme magnitudes (1e+-30 in float64, near float32's max and tiny, subnormals,
exact zeros, all-equal columns, one row, large batches), extreme logits, edge labels and
extreme optimizer states, and checks:

* forward and backward raise no RuntimeWarning (overflow, invalid, divide) for finite
  inputs, and their results are finite where the mathematical result is (inputs kept to
  a quarter of the dtype's max, so that bounded and at-most-linear maps stay representable;
  ``Exp`` excepted);
* the dtype is kept (float32 in, float32 out), and a float32 forward/backward allocates no
  float64 temporary (its tracemalloc peak is compared with the float64 one's);
* an inference forward does not mutate its input; the same seed gives the same bits;
* BatchNorm on zero-variance features and on one row (Keras: no error, output beta);
* the from-logits losses' values and gradients against an mpmath reference;
* optimizers: many zero-gradient steps, huge gradients under clipnorm/clipvalue stay finite
  and in dtype.

Known and left alone (their inputs are kept out of the checks, or the target reports them):

* an intermediate past the dtype's max: Adam's/RMSprop's ``g**2`` of an unclipped gradient
  past sqrt(max) (an overflow warning; the update, g / sqrt(inf), is 0, as PyTorch's),
  BatchNorm's variance of features past sqrt(max) (output 0, as PyTorch's), a Dense or
  PReLU weight gradient summing rows past max, MAPE at a zero target (|p| / 1e-7);
* ``p - y`` of BCE/CE from logits where ``p`` does not round to 1 keeps its rounding
  (absolute error eps/2, as PyTorch's and Keras'), and so does the binary focal loss's for
  soft targets (its targets 0 and 1 take ``(1 - y) p - y (1 - p)``: no rounding kept);
* the same for CategoricalFocalCrossentropy(from_logits)'s top class where its computed
  ``1 - p`` is above 1/4 (``log_softmax``'s ``1 + rest`` keeps its rounding, a relative
  ``n_classes eps`` at most there; below, ``nonlin._loss_focal_top`` recomputes it).

Run: PYTHONPATH=src nice python3 benchmarks/fuzz_numerics.py [--examples N] [--only NAME]
Prints each target, the examples run and any counterexample (the first failure of each).
"""

from __future__ import annotations

import argparse
import time
import traceback
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import nonlin

DTYPES = (np.float32, np.float64)
BOUNDED = {"Exp"}  # layers whose output may legitimately overflow


def special_values(dtype: Any) -> list[float]:
    """Edge magnitudes for ``dtype``: max/4 (so linear maps stay finite), tiny, subnormal."""
    fi = np.finfo(dtype)
    big = float(fi.max) / 2**16  # a sum over a 1000-row batch or 6 columns stays finite
    vals = [0.0, -0.0, 1.0, -1.0, float(fi.tiny), float(fi.smallest_subnormal), big, -big,
            1e30 if dtype == np.float64 else 1e30, -1e-30, 1e-30, 88.7, -88.7, 709.0, -745.0,
            30.0, -30.0, 1e4, -1e4]
    return [v for v in vals if abs(v) <= big]


@st.composite
def batches(draw: Any, dtype: Any, min_cols: int = 1, max_cols: int = 6) -> np.ndarray:
    """A finite batch of ``dtype``: edge values, one row, all-equal columns, large."""
    n = draw(st.sampled_from([1, 1, 2, 3, 7, 64, 1000]))
    d = draw(st.integers(min_cols, max_cols))
    kind = draw(st.sampled_from(["special", "mixed", "equalcol", "scaled"]))
    specials = special_values(dtype)
    if kind == "special":
        v = draw(st.sampled_from(specials))
        x = np.full((n, d), v)
    elif kind == "scaled":
        scale = draw(st.sampled_from([s for s in specials if s != 0] or [1.0]))
        x = np.random.default_rng(draw(st.integers(0, 2**16))).standard_normal((n, d))
        x = np.clip(x, -2, 2) * scale / 2
    else:
        vals = draw(st.lists(st.sampled_from(specials), min_size=d, max_size=d))
        x = np.tile(np.array(vals), (n, 1))
        if kind == "mixed" and n > 1:
            idx = draw(st.integers(0, n - 1))
            x[idx] = draw(st.lists(st.sampled_from(specials), min_size=d, max_size=d))
    return np.asarray(x, dtype=dtype)


def layer_factories() -> dict[str, Callable[[], Any]]:
    """Every layer and activation ``nonlin`` exports, with a constructor call."""
    args: dict[str, dict[str, Any]] = {"Dropout": {"rate": 0.5}, "AlphaDropout": {"rate": 0.5},
                                       "GaussianDropout": {"rate": 0.5},
                                       "GaussianNoise": {"stddev": 1.0}}
    names = ["Activation", "HardSigmoid", "HardSwish", "Mish", "PReLU", "ReLU6", "Softsign",
             "BatchNorm", "ELU", "GELU", "Exp", "Identity", "LayerNorm", "LeakyReLU", "ReLU",
             "SELU", "SiLU", "Sigmoid", "Softmax", "Softplus", "Tanh", "Dense", "Normalization",
             "Dropout", "AlphaDropout", "GaussianDropout", "GaussianNoise"]
    out: dict[str, Callable[[], Any]] = {}
    for name in names:
        cls = getattr(nonlin, name)
        if name == "Activation":
            out[name] = lambda cls=cls: cls("tanh")
        elif name == "Dense":
            out[name] = lambda cls=cls: cls(3)
        elif name == "Normalization":
            out[name] = lambda cls=cls: cls(mean=0.0, variance=1.0)
        else:
            kwargs = args.get(name, {})
            out[name] = lambda cls=cls, kw=kwargs: cls(**kw)
    out["GELU(approximate)"] = lambda: nonlin.GELU(approximate=True)
    return out


def built(factory: Callable[[], Any], d: int, dtype: Any, seed: int = 0) -> Any:
    model = nonlin.Sequential([factory()])
    model.build(d, seed=seed, dtype=dtype)
    return model


def run_layer(model: Any, x: np.ndarray, training: bool) -> tuple[np.ndarray, Any]:
    y = model.forward(x, training=training)
    g = None
    if training:
        g = model.backward(np.ones_like(y), input_grad=True)
    return y, g


def check_layer(name: str, factory: Callable[[], Any], x: np.ndarray, training: bool) -> None:
    dtype = x.dtype
    if name == "BatchNorm" and training:  # left alone: a variance past the dtype's max
        assume(float(np.abs(x).max()) < np.sqrt(float(np.finfo(dtype).max)) / 64)
    model = built(factory, x.shape[1], dtype)
    x0 = x.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        y, g = run_layer(model, x, training)
    assert np.array_equal(x, x0, equal_nan=True), "input mutated"
    assert y.dtype == dtype, f"output dtype {y.dtype} for {dtype} input"
    finite_expected = name not in BOUNDED and not (name == "Dense" and dtype == np.float32
                                                    and np.abs(x).max() > 1e36)
    if finite_expected:
        assert np.isfinite(y).all(), f"non-finite output {y[~np.isfinite(y)][:3]}"
    if g is not None:
        assert g.dtype == dtype, f"input-grad dtype {g.dtype}"
        if finite_expected:
            assert np.isfinite(g).all(), f"non-finite input grad {g[~np.isfinite(g)][:3]}"
        for p in model.parameters():
            assert p.grad.dtype == dtype, f"param grad dtype {p.grad.dtype}"
            if finite_expected and name not in {"Dense", "PReLU"}:
                assert np.isfinite(p.grad).all(), f"non-finite grad of {p.name}"
    if name == "BatchNorm" and training and (x == x[:1]).all() and np.abs(x).max() <= 1e6:
        # (past ~1e14 the float64 mean of equal values is an ulp off, and the output +-1:
        # left alone, as PyTorch's, which is further off)
        # zero-variance features, or one row: Keras' output, beta (0); PyTorch raises
        # (the float64 mean of equal values may be ulps off: |y| ~ n ulp(x) / sqrt(1e-3))
        atol = 64 * float(np.finfo(dtype).eps) * len(x) * float(np.abs(x).max()) / np.sqrt(1e-3)
        assert np.abs(y).max() <= atol, f"BatchNorm of constant columns gave {y}"
    # same seed, same bits
    y2, g2 = run_layer(built(factory, x.shape[1], dtype), x, training)
    assert np.array_equal(y, y2, equal_nan=True), "same seed gave different outputs"


def traced_peak(fn: Callable[[], Any]) -> int:
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def check_no_float64(name: str, factory: Callable[[], Any]) -> str | None:
    """A float32 forward+backward whose peak is above 0.7x the float64 one's allocates
    float64 temporaries (a batch of 4096 x 64 dominates every other allocation)."""
    rng = np.random.default_rng(1)
    x64 = rng.standard_normal((4096, 64))
    peaks = {}
    for dt in DTYPES:
        model = built(factory, 64, dt)
        x = x64.astype(dt)
        run_layer(model, x, True)  # buffers made once
        peaks[dt] = max(traced_peak(lambda m=model, x=x: run_layer(m, x, True)),
                        traced_peak(lambda m=model, x=x: m.forward(x)))
    ratio = peaks[np.float32] / max(peaks[np.float64], 1)
    if ratio > 0.7:
        return f"{name}: float32 peak {peaks[np.float32]} vs float64 {peaks[np.float64]}"
    return None


def check_loss_no_float64(name: str, make: Callable[[], Any], logits: bool) -> str | None:
    """The same peak comparison for a loss's value and gradient (8192 x 16)."""
    rng = np.random.default_rng(1)
    z64 = rng.standard_normal((8192, 16))
    y64 = np.eye(16)[rng.integers(0, 16, 8192)]
    p64 = np.abs(z64) / np.abs(z64).sum(1, keepdims=True)
    peaks = {}
    for dt in DTYPES:
        loss, y, p = make(), y64.astype(dt), (z64 if logits else p64).astype(dt)
        out = np.empty_like(p)
        loss(y, p)
        loss.grad(y, p, out=out)
        peaks[dt] = traced_peak(lambda L=loss, y=y, p=p, o=out: (L(y, p), L.grad(y, p, out=o)))
    if peaks[np.float32] > 0.7 * peaks[np.float64]:
        return f"{name}: float32 peak {peaks[np.float32]} vs float64 {peaks[np.float64]}"
    return None


# -- losses ------------------------------------------------------------------------------
def mp_bce_logits(y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-element mean BCE from logits and its gradient (mean over all), in mpmath."""
    mpmath.mp.dps = 50
    n = z.shape[0]  # L_i sums over the outputs; the mean is over the rows
    tot = mpmath.mpf(0)
    grad = np.empty(z.shape)
    for idx in np.ndindex(z.shape):
        zi, yi = mpmath.mpf(float(z[idx])), mpmath.mpf(float(y[idx]))
        # softplus(z) - y z
        tot += mpmath.log1p(mpmath.exp(-abs(zi))) + max(zi, 0) - yi * zi
        grad[idx] = float((1 / (1 + mpmath.exp(-zi)) - yi) / n)
    return np.array(float(tot / n)), grad


def mp_ce_logits(y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mpmath.mp.dps = 50
    n = z.shape[0]
    tot = mpmath.mpf(0)
    grad = np.empty(z.shape)
    for i in range(n):
        row = [mpmath.mpf(float(v)) for v in z[i]]
        m = max(row)
        lse = m + mpmath.log(mpmath.fsum(mpmath.exp(v - m) for v in row))
        for j, v in enumerate(row):
            tot -= mpmath.mpf(float(y[i, j])) * (v - lse)
            grad[i, j] = float((mpmath.exp(v - lse) - mpmath.mpf(float(y[i, j]))) / n)
    return np.array(float(tot / n)), grad


def mp_focal_logits(y: np.ndarray, z: np.ndarray, gamma: float = 2.0) -> tuple[Any, Any]:
    """Binary focal loss from logits (targets 0/1) and its gradient, in mpmath:
    ``dL/dz = q^g [g (1 - 2y) b p s / q + (1 - y) p - y s]``, ``s = 1 - p``."""
    mpmath.mp.dps = 50
    n = z.shape[0]
    tot = mpmath.mpf(0)
    grad = np.empty(z.shape)
    for idx in np.ndindex(z.shape):
        zi, yi = mpmath.mpf(float(z[idx])), mpmath.mpf(float(y[idx]))
        p, s = 1 / (1 + mpmath.exp(-zi)), 1 / (1 + mpmath.exp(zi))
        b = yi * mpmath.log1p(mpmath.exp(-zi)) + (1 - yi) * mpmath.log1p(mpmath.exp(zi))
        q = yi * s + (1 - yi) * p
        tot += q ** gamma * b
        grad[idx] = float(q ** gamma * (gamma * (1 - 2 * yi) * b * p * s / q
                                        + (1 - yi) * p - yi * s) / n)
    return np.array(float(tot / n)), grad


def check_focal_logits(y: np.ndarray, z: np.ndarray) -> None:
    """Values and gradients entry by entry to a relative tolerance (targets 0, 1 and 1/2);
    an absolute one only for the rounding of a soft target's ``p - y`` (left alone)."""
    loss = nonlin.BinaryFocalCrossentropy(from_logits=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        value, grad = loss(y, z), loss.grad(y, z)
    rv, rg = mp_focal_logits(y.astype(np.float64), z.astype(np.float64))
    fi = np.finfo(z.dtype)
    rtol = 64 * float(fi.eps) * (1 + np.abs(z.astype(np.float64)))
    if abs(float(rv)) > float(fi.tiny) * 2**24:
        assert abs(float(value) - float(rv)) <= rtol.max() * abs(float(rv)), (
            f"loss {value} vs reference {rv}")
    normal = np.abs(rg) > float(fi.tiny) * 2**24  # well above underflow
    # a soft target's p - y keeps its rounding (half an ulp of 1 times q^gamma); targets 0
    # and 1 take (1 - y) p - y (1 - p), with no rounding kept (session 34)
    z64 = z.astype(np.float64)
    with np.errstate(over="ignore"):
        q = y * (1 / (1 + np.exp(z64))) + (1 - y) * (1 / (1 + np.exp(-z64)))  # 1 - p_t
    hard = (y == 0) | (y == 1)
    atol = np.where(hard, 0.0, float(fi.eps) * q**2 / z.shape[0])
    err = np.abs(grad - rg)
    bad = normal & (err > rtol * np.abs(rg) + atol)
    assert not bad.any(), f"grad {grad[bad]} vs reference {rg[bad]} at z={z[bad]}, y={y[bad]}"


def check_categorical_focal_logits(y: np.ndarray, z: np.ndarray) -> None:
    """Entries to a relative tolerance row by row where the reference is normal; the top
    class's ``1 - p_t`` keeps the rounding of ``1 + rest`` (half an ulp of 1 per class, as
    ``p - y`` of the binary loss) where it is above 1/4 (below, ``nonlin._loss_focal_top``
    recomputes it: session 34, was ``(n_classes + 2) eps``); the mean loss to a relative
    tolerance."""
    loss = nonlin.CategoricalFocalCrossentropy(from_logits=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        value, grad = loss(y, z), loss.grad(y, z)
    mpmath.mp.dps = 50
    ref, q_top, total_loss = np.empty(z.shape), np.empty((z.shape[0], 1)), mpmath.mpf(0)
    for i in range(z.shape[0]):
        row = [mpmath.mpf(float(v)) for v in z[i]]
        rest = [mpmath.fsum(mpmath.exp(v - u) for m, v in enumerate(row) if m != j)
                for j, u in enumerate(row)]  # 1 / p_j - 1: p, 1 - p, log p without cancellation
        p, q = [1 / (1 + r) for r in rest], [r / (1 + r) for r in rest]
        c = [0.25 * float(y[i, j]) * q[j] ** 2 * (1 + 2 * p[j] * mpmath.log1p(rest[j]) / q[j])
             if q[j] > 0 else 0 for j in range(len(row))]  # -c_j of nonlin._loss_focal
        total = mpmath.fsum(c)
        total_loss += mpmath.fsum(0.25 * float(y[i, j]) * q[j] ** 2 * mpmath.log1p(rest[j])
                                  for j in range(len(row)))
        q_top[i] = float(min(q))  # 1 - p of the top class, without cancellation
        for k in range(len(row)):
            ref[i, k] = float((p[k] * (total - c[k]) - q[k] * c[k]) / z.shape[0])
    fi = np.finfo(z.dtype)
    normal = np.abs(ref) > float(fi.tiny) * 2**24
    eps, n = float(fi.eps), z.shape[0]
    scale = 1 + np.abs(z.astype(np.float64)).max(axis=1, keepdims=True)
    k = max(1.0, (z.shape[1] - 1) / 2)  # q_t off by up to k eps; times (1 + gamma)^2 alpha
    kept = np.where(q_top < 0.25, 0.0, 9 * 0.25 * k * eps * q_top**2 / n)
    rv = float(total_loss / n)
    if abs(rv) > float(fi.tiny) * 2**24:
        kept_value = float((kept * n / 3).sum()) / n  # (1 + gamma) alpha k eps q_t^2, mean
        assert abs(float(value) - rv) <= 64 * eps * float(scale.max()) * abs(rv) + kept_value, (
            f"loss {value} vs reference {rv}, z={z}")
    tol = 64 * eps * (scale * np.abs(ref) + np.abs(ref).max(axis=1, keepdims=True)) + kept
    bad = normal & (np.abs(grad - ref) > tol)
    assert not bad.any(), f"grad {grad[bad]} vs reference {ref[bad]}, z={z}"


@st.composite
def logits_case(draw: Any, dtype: Any, categorical: bool) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.sampled_from([1, 2, 5]))
    d = draw(st.integers(2 if categorical else 1, 5))
    mags = [0.0, 1.0, 9.5, 16.5, 17.0, 27.0, 37.0, 40.0, 88.0, 100.0, 700.0, 1e4, 1e20]
    if dtype == np.float64:
        mags.append(1e30)
    z = np.array(draw(st.lists(st.sampled_from(mags), min_size=n * d, max_size=n * d)))
    signs = np.array(draw(st.lists(st.sampled_from([1.0, -1.0]), min_size=n * d,
                                   max_size=n * d)))
    z = (z * signs).reshape(n, d)
    if categorical:
        cls = draw(st.lists(st.integers(0, d - 1), min_size=n, max_size=n))
        if draw(st.booleans()):
            cls = [cls[0]] * n  # all one class
        y = np.eye(d)[cls]
    else:
        y = np.array(draw(st.lists(st.sampled_from([0.0, 1.0, 0.5]), min_size=n * d,
                                   max_size=n * d))).reshape(n, d)
    return y.astype(dtype), z.astype(dtype)


def check_logit_loss(loss: Any, ref: Callable[..., Any], y: np.ndarray, z: np.ndarray) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        value = loss(y, z)
        grad = loss.grad(y, z)
    assert grad.dtype == z.dtype, f"grad dtype {grad.dtype}"
    rv, rg = ref(y.astype(np.float64), z.astype(np.float64))
    eps = np.finfo(z.dtype).eps
    if np.isfinite(rv) and abs(float(rv)) < float(np.finfo(z.dtype).max):
        assert np.isfinite(value), f"loss {value} where the reference is {rv}"
        # the logits themselves carry a relative error eps, so the tolerance scales with |z|
        tol = 64 * eps * (1 + float(np.abs(z.astype(np.float64)).max()))
        assert abs(float(value) - float(rv)) <= tol * (1 + abs(float(rv))), (
            f"loss {value} vs reference {rv}")
    assert np.isfinite(grad).all(), f"non-finite grad {grad}"
    assert np.allclose(grad, rg, rtol=64 * eps, atol=64 * eps / max(1, z.shape[0])), (
        f"grad {grad} vs reference {rg}")


LOSSES = ["MeanSquaredError", "MeanAbsoluteError", "Huber", "LogCosh", "Poisson", "KLDivergence",
          "Hinge", "SquaredHinge", "CategoricalHinge", "CosineSimilarity",
          "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "BinaryCrossEntropy",
          "CrossEntropy", "BinaryFocalCrossentropy", "CategoricalFocalCrossentropy"]


@st.composite
def prob_case(draw: Any, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """Targets and predictions in [0, 1] with exact 0s and 1s, rows summing to 1."""
    n = draw(st.sampled_from([1, 2, 7]))
    d = draw(st.integers(2, 4))
    pick = st.sampled_from([0.0, 1.0, 1e-30, 1e-45, 0.5, 1 - 1e-7])
    p = np.array(draw(st.lists(pick, min_size=n * d, max_size=n * d))).reshape(n, d)
    p = p / np.maximum(p.sum(1, keepdims=True), 1e-300)
    cls = draw(st.lists(st.integers(0, d - 1), min_size=n, max_size=n))
    y = np.eye(d)[cls]
    return y.astype(dtype), np.clip(p, 0, 1).astype(dtype)


def check_loss_finite(name: str, y: np.ndarray, p: np.ndarray) -> None:
    loss = getattr(nonlin, name)()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            v = loss(y, p)
            g = loss.grad(y, p)
        except ValueError as exc:  # a documented refusal (a row of zeros) naming the value
            assert "Expected" in str(exc) and "Received" in str(exc), str(exc)
            return
    assert g.dtype == p.dtype, f"grad dtype {g.dtype}"
    assert np.isfinite(v), f"loss {v}"
    assert np.isfinite(g).all(), f"grad {g}"


# -- optimizers --------------------------------------------------------------------------
OPTIMIZERS = ["SGD", "Adam", "AdamW", "Adamax", "Adagrad", "Adadelta", "RMSprop", "Nadam", "Lion"]


def check_optimizer(name: str, dtype: Any, gscale: float, zero_steps: int, clip: str,
                    extra: dict[str, Any]) -> None:
    kw: dict[str, Any] = dict(extra)
    if clip != "none":
        kw[clip] = 1.0
    else:  # unclipped, g**2 (Adam's, RMSprop's second moment) must be representable
        gscale = float(np.clip(gscale, -1, 1) * min(abs(gscale), np.sqrt(np.finfo(dtype).max) / 8))
    opt = getattr(nonlin, name)(**kw)
    p = nonlin.Param(np.linspace(-1, 1, 6).astype(dtype), name="W")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for _ in range(zero_steps):
            p.grad[...] = 0
            opt.step([p])
        for k in range(3):
            p.grad[...] = np.array([gscale, -gscale, 0, gscale, 1, -1], dtype=dtype) * (k + 1)
            opt.step([p])
    assert p.value.dtype == dtype and p.grad.dtype == dtype
    if clip != "none" or abs(gscale) < float(np.finfo(dtype).max) / 64:
        assert np.isfinite(p.value).all(), f"parameters {p.value}"
    for key, slots in getattr(opt, "_slots", {}).items():  # name -> one array per param
        for arr in slots:
            assert np.asarray(arr).dtype == dtype, f"slot {key} dtype {arr.dtype}"
            assert np.isfinite(arr).all() or clip == "none", f"slot {key} {arr}"


# -- driver ------------------------------------------------------------------------------
class Result:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.failures: dict[str, str] = {}


def run_target(res: Result, name: str, test: Callable[..., None], strat: Any,
               examples: int) -> None:
    count = [0]

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(strat)
    def prop(case: Any) -> None:
        count[0] += 1
        test(*case)

    t = time.perf_counter()
    try:
        prop()
    except Exception as exc:  # noqa: BLE001 -- reported, then the next target
        res.failures[name] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        tb = traceback.format_exc().splitlines()
        res.failures[name] += "\n      " + "\n      ".join(
            ln for ln in tb[-12:] if "Falsifying" in ln or "case=" in ln or "src/nonlin" in ln)
    res.counts[name] = count[0]
    print(f"{name:45s} {count[0]:6d} examples {time.perf_counter() - t:6.1f}s "
          f"{'FAIL' if name in res.failures else 'ok'}", flush=True)
    if name in res.failures:
        print("    " + res.failures[name], flush=True)


def layer_and_loss_targets() -> list[tuple[str, Callable[..., None], Any]]:
    targets: list[tuple[str, Callable[..., None], Any]] = []
    for lname, fac in layer_factories().items():
        for dt in DTYPES:
            for training in (False, True):
                strat = batches(dt).map(lambda x, t=training: (x, t))
                targets.append((f"layer {lname} {np.dtype(dt).name} train={training}",
                                lambda x, t, n=lname, f=fac: check_layer(n, f, x, t), strat))
    for dt in DTYPES:
        name = np.dtype(dt).name
        targets.append((f"loss BCE(from_logits) {name}",
                        lambda y, z: check_logit_loss(nonlin.BinaryCrossEntropy(
                            from_logits=True), mp_bce_logits, y, z), logits_case(dt, False)))
        targets.append((f"loss CE(from_logits) {name}",
                        lambda y, z: check_logit_loss(nonlin.CrossEntropy(from_logits=True),
                                                      mp_ce_logits, y, z),
                        logits_case(dt, True)))
        targets.append((f"loss BinaryFocal(from_logits) {name}", check_focal_logits,
                        logits_case(dt, False)))
        targets.append((f"loss CategoricalFocal(from_logits) {name}",
                        check_categorical_focal_logits, logits_case(dt, True)))
        for lname in LOSSES:
            targets.append((f"loss {lname} probs {name}",
                            lambda y, p, n=lname: check_loss_finite(n, y, p), prob_case(dt)))
    return targets


def optimizer_targets() -> list[tuple[str, Callable[..., None], Any]]:
    targets: list[tuple[str, Callable[..., None], Any]] = []
    for dt in DTYPES:
        for oname in OPTIMIZERS:
            extras: list[dict[str, Any]] = [{}]
            extras += [{"amsgrad": True}] if oname in ("Adam", "AdamW") else []
            extras += [{"momentum": 0.9, "nesterov": True}] if oname == "SGD" else []
            extras += [{"centered": True, "momentum": 0.9}] if oname == "RMSprop" else []
            strat = st.tuples(st.just(dt), st.sampled_from([0.0, 1e-30, 1.0, 1e20, 1e30, -1e30,
                                                            float(np.finfo(dt).max) / 8]),
                              st.sampled_from([0, 1, 50, 2000]),
                              st.sampled_from(["none", "clipnorm", "clipvalue",
                                               "global_clipnorm"]),
                              st.sampled_from(extras))
            targets.append((f"optimizer {oname} {np.dtype(dt).name}",
                            lambda *c, n=oname: check_optimizer(n, *c), strat))
    return targets


def record(res: Result, name: str, msg: str | None) -> None:
    res.counts[name] = 1
    print(f"{name:45s}      1 check    {msg or 'ok'}", flush=True)
    if msg:
        res.failures[name] = msg


def float64_checks(res: Result, only: str) -> None:
    """The float64-temporaries checks whose name contains ``only``."""
    for lname, fac in layer_factories().items():
        if only in f"f64-temporaries {lname}":
            record(res, f"f64-temporaries {lname}", check_no_float64(lname, fac))
    makers = [(n, getattr(nonlin, n), False) for n in LOSSES] + [
        (f"{n}(from_logits)", lambda n=n: getattr(nonlin, n)(from_logits=True), True)
        for n in ("BinaryCrossEntropy", "CrossEntropy", "BinaryFocalCrossentropy",
                  "CategoricalFocalCrossentropy")]
    for lname, make, logits in makers:
        if only in f"f64-temporaries {lname}":
            record(res, f"f64-temporaries {lname}", check_loss_no_float64(lname, make, logits))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", type=int, default=200, help="examples per target")
    ap.add_argument("--only", default="", help="run targets whose name contains this")
    args = ap.parse_args()
    res = Result()
    targets = [t for t in layer_and_loss_targets() + optimizer_targets() if args.only in t[0]]
    for name, test, strat in targets:
        run_target(res, name, test, strat, args.examples)
    float64_checks(res, args.only)
    print(f"\n{sum(res.counts.values())} examples over {len(res.counts)} targets, "
          f"{len(res.failures)} targets with a counterexample")
    for name, msg in res.failures.items():
        print(f"  {name}: {msg}")


if __name__ == "__main__":
    main()
