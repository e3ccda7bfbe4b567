"""Numerical parity with PyTorch (and Keras 3's formulas, written out here).

Every test that imports torch (``pytest.importorskip``: torch is not a dev
dependency, CI skips them) has a torch-free twin that checks the same behaviour
against the formula, so CI still verifies it. float64 throughout.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nonlin import losses as L
from nonlin import optimizers as O
from nonlin import schedules as S
from nonlin.activations import GELU, LeakyReLU, ReLU, Sigmoid, Softmax, Tanh
from nonlin.core import Param
from nonlin.layers import Dense, Dropout
from nonlin.normalization import BatchNorm

_RNG = np.random.default_rng(0)
_W0 = [_RNG.normal(size=(4, 3)), _RNG.normal(size=(3,))]
_A = [_RNG.normal(size=(4, 3)), _RNG.normal(size=(3,))]
_STEPS = 6


def _grad(ws):
    """The gradient of ``sum(A sin(w)) + sum(w^4) / 4``: it changes with ``w``."""
    return [a * np.cos(w) + w**3 for a, w in zip(_A, ws, strict=True)]


def _run_nonlin(opt, steps=_STEPS):
    ps = [Param(w.copy()) for w in _W0]
    for _ in range(steps):
        for p, g in zip(ps, _grad([p.value for p in ps]), strict=True):
            p.grad[...] = g
        opt.step(ps)
    return [p.value for p in ps]


def _maxdiff(a, b):
    pairs = zip(a, b, strict=True)
    return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in pairs)


@pytest.fixture(scope="module")
def torch():
    """PyTorch in float64 (imported once, with torch.optim: seconds, counted here)."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("torch.optim.lr_scheduler")

    warm = torch.zeros(1, requires_grad=True)  # the first step imports more of torch
    warm.grad = torch.zeros(1)
    torch.optim.SGD([warm], lr=0.1).step()
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield torch
    torch.set_default_dtype(previous)


# -- cross-entropy from logits: the gradient of the loss it computes ----------

_Z = np.array([[1.0, -0.5, 2.0], [0.3, 0.1, -1.0]])
_Y_ROWS = np.array([[0.5, 0.2, 0.1], [1.0, 1.0, 0.0]])  # rows summing to 0.8 and 2


def test_cross_entropy_logits_gradient_for_rows_not_summing_to_one_matches_torch(torch):
    z = torch.tensor(_Z, requires_grad=True)
    value = torch.nn.functional.cross_entropy(z, torch.tensor(_Y_ROWS))
    value.backward()
    loss = L.CrossEntropy(from_logits=True)  # the math: public calls refuse such rows
    assert loss._value(_Y_ROWS, _Z) == pytest.approx(value.item(), rel=1e-14)
    np.testing.assert_allclose(loss._grad(_Y_ROWS, _Z), z.grad.numpy(), rtol=0, atol=1e-15)


def test_cross_entropy_logits_gradient_for_rows_not_summing_to_one_is_the_derivative():
    # L_i = -sum_j y_ij (z_ij - logsumexp(z_i)): dL_i/dz_ij = s_i softmax(z_i)_j - y_ij
    p = np.exp(_Z) / np.exp(_Z).sum(axis=1, keepdims=True)
    expected = (_Y_ROWS.sum(axis=1, keepdims=True) * p - _Y_ROWS) / len(_Z)
    loss = L.CrossEntropy(from_logits=True)
    for call in (loss, loss.grad):  # as fit refuses them (tests/test_protocol_dtypes.py)
        with pytest.raises(ValueError, match="rows summing to 1 for cross-entropy"):
            call(_Y_ROWS, _Z)
    # the math itself (the private _value and _grad fit's steps call) stays the derivative
    np.testing.assert_allclose(loss._grad(_Y_ROWS, _Z), expected, rtol=1e-14, atol=1e-16)
    h, e = 1e-6, np.zeros_like(_Z)  # central differences of the value agree too
    e[1, 2] = h
    numeric = (loss._value(_Y_ROWS, _Z + e) - loss._value(_Y_ROWS, _Z - e)) / (2 * h)
    assert loss._grad(_Y_ROWS, _Z)[1, 2] == pytest.approx(numeric, rel=1e-7)


# -- optimizers ---------------------------------------------------------------
# (nonlin optimizer, torch optimizer class name, its keyword arguments, clip norm).
# Adam, AdamW, RMSprop and Adagrad place epsilon as Keras does, PyTorch elsewhere:
# with a negligible epsilon both give the same steps.
_OPTIMIZERS = {
    "sgd": (lambda: O.SGD(0.05), "SGD", {"lr": 0.05}, None),
    "momentum": (lambda: O.SGD(0.05, momentum=0.9), "SGD", {"lr": 0.05, "momentum": 0.9}, None),
    "nesterov_decay": (
        lambda: O.SGD(0.05, momentum=0.9, nesterov=True, weight_decay=0.1), "SGD",
        {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}, None),
    "momentum_decay": (
        lambda: O.SGD(0.05, momentum=0.9, weight_decay=0.1), "SGD",
        {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1}, None),
    "adam": (lambda: O.Adam(0.01, epsilon=1e-300), "Adam", {"lr": 0.01, "eps": 1e-300}, None),
    "adamw": (lambda: O.AdamW(0.01, epsilon=1e-300, weight_decay=0.1), "AdamW",
              {"lr": 0.01, "eps": 1e-300, "weight_decay": 0.1}, None),
    "rmsprop": (lambda: O.RMSprop(0.01, rho=0.8, epsilon=1e-300), "RMSprop",
                {"lr": 0.01, "alpha": 0.8, "eps": 1e-300}, None),
    "adagrad": (lambda: O.Adagrad(0.1, epsilon=1e-300), "Adagrad",
                {"lr": 0.1, "eps": 1e-300, "initial_accumulator_value": 0.1}, None),
    "momentum_clip": (lambda: O.SGD(0.05, momentum=0.9, clipnorm=0.5), "SGD",
                      {"lr": 0.05, "momentum": 0.9}, 0.5),
}


def _run_torch(torch, name, kwargs, clip, steps=_STEPS):
    ts = [torch.tensor(w.copy(), requires_grad=True) for w in _W0]
    opt = getattr(torch.optim, name)(ts, **kwargs)
    for _ in range(steps):
        for t, g in zip(ts, _grad([t.detach().numpy() for t in ts]), strict=True):
            t.grad = torch.tensor(g)
        if clip is not None:  # PyTorch scales by clip / (norm + 1e-6): 1e-6 relative
            norm = math.sqrt(sum(float((t.grad**2).sum()) for t in ts))
            for t in ts:
                t.grad *= min(1.0, clip / norm)
        opt.step()
    return [t.detach().numpy() for t in ts]


@pytest.mark.parametrize("case", sorted(_OPTIMIZERS))
def test_optimizer_steps_match_torch(case, torch):
    make, name, kwargs, clip = _OPTIMIZERS[case]
    assert _maxdiff(_run_nonlin(make()), _run_torch(torch, name, kwargs, clip)) < 1e-13


def _reference(case, steps=_STEPS):
    """The documented update rules, written out (PyTorch's momentum form for SGD)."""
    make, _, kw, clip = _OPTIMIZERS[case]
    ws = [w.copy() for w in _W0]
    state = [dict(b=np.zeros_like(w), m=np.zeros_like(w), v=np.zeros_like(w),
                  a=np.full_like(w, 0.1)) for w in ws]
    lr = kw["lr"]
    for t in range(1, steps + 1):
        gs = _grad(ws)
        if clip is not None:
            norm = math.sqrt(sum(float((g**2).sum()) for g in gs))
            gs = [g * min(1.0, clip / norm) for g in gs]
        for w, g, s in zip(ws, gs, state, strict=True):
            if case.startswith(("sgd", "momentum", "nesterov")):
                g = g + kw.get("weight_decay", 0.0) * w
                s["b"] = kw.get("momentum", 0.0) * s["b"] + g  # v = -lr b
                d = g + kw["momentum"] * s["b"] if kw.get("nesterov") else s["b"]
                w -= lr * d
            elif case in ("adam", "adamw"):
                s["m"] = 0.9 * s["m"] + 0.1 * g
                s["v"] = 0.999 * s["v"] + 0.001 * g * g
                lr_t = lr * math.sqrt(1 - 0.999**t) / (1 - 0.9**t)
                decay = lr * kw.get("weight_decay", 0.0) * w
                w -= decay + lr_t * s["m"] / (np.sqrt(s["v"]) + 1e-300)
            elif case == "rmsprop":
                s["v"] = 0.8 * s["v"] + 0.2 * g * g
                w -= lr * g / np.sqrt(s["v"] + 1e-300)
            else:
                s["a"] += g * g
                w -= lr * g / np.sqrt(s["a"] + 1e-300)
    return ws


@pytest.mark.parametrize("case", sorted(_OPTIMIZERS))
def test_optimizer_steps_match_the_formulas(case):
    assert _maxdiff(_run_nonlin(_OPTIMIZERS[case][0]()), _reference(case)) < 1e-13


def test_sgd_momentum_matches_the_torch_form_only_while_lr_is_constant():
    # v <- mu v - lr_t g (Keras) vs b <- mu b + g; w <- w - lr_t b (PyTorch): the old
    # velocity carries the old rates in Keras' form. With lr_0 = 0.1, lr_1 = 0.05:
    # Keras: v1 = -0.1 g0, v2 = -0.09 g0 - 0.05 g1; PyTorch: w2 - w1 = -0.05 (0.9 g0 + g1).
    opt = O.SGD(S.StepDecay(0.1, 1, 0.5), momentum=0.9)
    p = Param(np.zeros(1))
    for g in (1.0, 2.0):
        p.grad[...] = g
        before = p.value.copy()
        opt.step([p])
    assert float(p.value[0] - before[0]) == pytest.approx(-0.09 - 0.05 * 2.0, rel=1e-15)
    assert float(p.value[0] - before[0]) != pytest.approx(-0.05 * (0.9 + 2.0))


def test_clipnorm_scales_by_clipnorm_over_the_norm_exactly():
    # Keras' clip_by_global_norm: g * clipnorm / ||g||; PyTorch's clip_grad_norm_
    # divides by ||g|| + 1e-6 (a 1e-6 relative difference)
    ps = [Param(w.copy()) for w in _W0]
    for p, g in zip(ps, _grad(_W0), strict=True):
        p.grad[...] = g
    norm = math.sqrt(sum(float((g**2).sum()) for g in _grad(_W0)))
    assert O.clip_by_global_norm(ps, 0.5) == pytest.approx(norm, rel=1e-15)
    expected = [g * (0.5 / norm) for g in _grad(_W0)]
    assert _maxdiff([p.grad for p in ps], expected) < 1e-15


def test_clipnorm_differs_from_torch_clip_grad_norm_by_its_1e_6(torch):
    ts = [torch.tensor(g) for g in _grad(_W0)]
    params = [torch.zeros_like(t, requires_grad=True) for t in ts]
    for p, t in zip(params, ts, strict=True):
        p.grad = t.clone()
    norm = float(torch.nn.utils.clip_grad_norm_(params, 0.5))
    expected = [t.numpy() * 0.5 / (norm + 1e-6) for t in ts]
    assert _maxdiff([p.grad.numpy() for p in params], expected) < 1e-16
    ps = [Param(w.copy()) for w in _W0]
    for p, g in zip(ps, _grad(_W0), strict=True):
        p.grad[...] = g
    O.clip_by_global_norm(ps, 0.5)
    gap = _maxdiff([p.grad for p in ps], [p.grad.numpy() for p in params])
    assert 1e-9 < gap < 1e-6


# -- learning-rate schedules (one optimizer step per schedule step) ------------


def _torch_rates(torch, make, lr, n):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr)
    sched, rates = make(torch.optim.lr_scheduler, opt), []
    for _ in range(n):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return np.array(rates)


def _warm_cosine(lrs, opt):
    warm = lrs.LinearLR(opt, start_factor=0.02 / 0.1, end_factor=1.0, total_iters=5)
    cosine = lrs.CosineAnnealingLR(opt, T_max=30, eta_min=0.1 * 0.1)
    return lrs.SequentialLR(opt, [warm, cosine], milestones=[5])


_SCHEDULES = {  # nonlin schedule, PyTorch scheduler, steps compared
    "step": (S.StepDecay(0.1, 7, 0.5), lambda lrs, o: lrs.StepLR(o, 7, 0.5), 40),
    "exponential": (S.ExponentialDecay(0.1, 1, 0.9),
                    lambda lrs, o: lrs.ExponentialLR(o, 0.9), 40),
    "staircase": (S.ExponentialDecay(0.1, 5, 0.9, staircase=True),
                  lambda lrs, o: lrs.StepLR(o, 5, 0.9), 40),
    "warm_cosine": (S.CosineDecay(0.1, 30, alpha=0.1, warmup_steps=5, warmup_from=0.02),
                    _warm_cosine, 36),  # to the end of the decay: PyTorch's climbs back
}


@pytest.mark.parametrize("case", sorted(_SCHEDULES))
def test_schedules_match_torch_schedulers(case, torch):
    schedule, make, n = _SCHEDULES[case]
    ours = np.array([schedule(i) for i in range(n)])
    np.testing.assert_allclose(ours, _torch_rates(torch, make, 0.1, n), rtol=1e-14, atol=0)


def _schedule_formula(case, step):
    if case == "step":
        return 0.1 * 0.5 ** (step // 7)
    if case == "exponential":
        return 0.1 * 0.9**step
    if case == "staircase":
        return 0.1 * 0.9 ** (step // 5)
    if step < 5:  # Keras 3: (warmup_target - initial) * step / warmup_steps + initial
        return (0.1 - 0.02) * step / 5 + 0.02
    s = min(step - 5, 30)
    return 0.1 * ((1 - 0.1) * 0.5 * (1 + math.cos(math.pi * s / 30)) + 0.1)


@pytest.mark.parametrize("case", sorted(_SCHEDULES))
def test_schedules_match_their_formulas(case):
    schedule = _SCHEDULES[case][0]
    for step in range(45):
        assert schedule(step) == pytest.approx(_schedule_formula(case, step), rel=1e-14)


# -- layers -------------------------------------------------------------------

_X = np.random.default_rng(1).normal(size=(6, 5)) * 3
_X[0, 0], _X[1, 1], _X[2, 2] = 0.0, 25.0, -25.0  # the kink, and beyond GELU's clip
_G = np.random.default_rng(2).normal(size=(6, 5))
_C, _A3 = math.sqrt(2 / math.pi), 0.044715


def _softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


_ACTIVATIONS = {  # layer, PyTorch function (by name), y(x), dy/dx given x (elementwise)
    "relu": (ReLU, "relu", {}, lambda x: np.maximum(x, 0), lambda x: (x > 0) * 1.0),
    "leaky": (lambda: LeakyReLU(0.2), "leaky_relu", {"negative_slope": 0.2},
              lambda x: np.where(x > 0, x, 0.2 * x), lambda x: np.where(x > 0, 1.0, 0.2)),
    "tanh": (Tanh, "tanh", {}, np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "sigmoid": (Sigmoid, "sigmoid", {}, lambda x: 1 / (1 + np.exp(-x)),
                lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2),
    "gelu": (lambda: GELU(approximate=True), "gelu", {"approximate": "tanh"},
             lambda x: 0.5 * x * (1 + np.tanh(_C * (x + _A3 * x**3))),
             lambda x: 0.5 * (1 + np.tanh(_C * (x + _A3 * x**3)))
             + 0.5 * x * (1 - np.tanh(_C * (x + _A3 * x**3)) ** 2) * _C * (1 + 3 * _A3 * x**2)),
}


def _forward_backward(layer, x, g):
    y = layer.forward(x, training=True).copy()
    return y, layer.backward(g.copy()).copy()


@pytest.mark.parametrize("case", [*sorted(_ACTIVATIONS), "softmax"])
def test_activations_match_torch(case, torch):
    if case == "softmax":
        layer, fn = Softmax(), lambda t: torch.softmax(t, dim=1)
    else:
        make, name, kw, _, _ = _ACTIVATIONS[case]
        layer, fn = make(), getattr(torch.nn.functional, name)
        fn = (lambda f: lambda t: f(t, **kw))(fn)
    x = torch.tensor(_X, requires_grad=True)
    y = fn(x)
    y.backward(torch.tensor(_G))
    ours_y, ours_dx = _forward_backward(layer, _X, _G)
    np.testing.assert_allclose(ours_y, y.detach().numpy(), rtol=0, atol=1e-14)
    np.testing.assert_allclose(ours_dx, x.grad.numpy(), rtol=0, atol=1e-14)


@pytest.mark.parametrize("case", sorted(_ACTIVATIONS))
def test_activations_match_their_formulas(case):
    make, _, _, f, df = _ACTIVATIONS[case]
    with np.errstate(over="ignore"):
        y, dx = f(_X), _G * df(_X)
    ours_y, ours_dx = _forward_backward(make(), _X, _G)
    np.testing.assert_allclose(ours_y, y, rtol=0, atol=1e-14)
    np.testing.assert_allclose(ours_dx, dx, rtol=0, atol=1e-14)


def test_softmax_matches_its_formula():
    p = _softmax(_X)
    ours_y, ours_dx = _forward_backward(Softmax(), _X, _G)
    np.testing.assert_allclose(ours_y, p, rtol=0, atol=1e-15)  # dx = p (g - sum_k g_k p_k)
    expected = p * (_G - (_G * p).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(ours_dx, expected, rtol=0, atol=1e-15)


def _dense():
    layer = Dense(3)
    layer.build(5, np.random.default_rng(0))
    layer.b.value[...] = [0.5, -1.0, 2.0]
    return layer


def test_dense_matches_torch_linear(torch):
    layer, g = _dense(), _G[:, :3]
    linear = torch.nn.Linear(5, 3)  # weight (out, in): nonlin's W.T
    linear.weight.data = torch.tensor(layer.W.value.T)
    linear.bias.data = torch.tensor(layer.b.value)
    x = torch.tensor(_X, requires_grad=True)
    y = linear(x)
    y.backward(torch.tensor(g))
    ours_y, ours_dx = _forward_backward(layer, _X, g)
    assert _maxdiff([ours_y, ours_dx, layer.W.grad, layer.b.grad],
                    [y.detach().numpy(), x.grad.numpy(), linear.weight.grad.numpy().T,
                     linear.bias.grad.numpy()]) < 1e-13


def test_dense_matches_its_formula():
    layer, g = _dense(), _G[:, :3]
    W, b = layer.W.value.copy(), layer.b.value.copy()
    ours_y, ours_dx = _forward_backward(layer, _X, g)
    assert _maxdiff([ours_y, ours_dx, layer.W.grad, layer.b.grad],
                    [_X @ W + b, g @ W.T, _X.T @ g, g.sum(axis=0)]) < 1e-13


def _dropout_output(rate):
    layer = Dropout(rate)
    layer.build(50, np.random.default_rng(0))
    x = np.ones((400, 50))
    y = layer.forward(x, training=True).copy()
    return layer, x, y


def test_dropout_scales_the_kept_entries_as_torch(torch):
    torch.manual_seed(0)
    theirs = torch.nn.functional.dropout(torch.ones(400, 50), 0.3, training=True).numpy()
    _, _, ours = _dropout_output(0.3)
    assert set(np.unique(ours)) == set(np.unique(theirs)) == {0.0, 1 / 0.7}


def test_dropout_is_inverted_and_keeps_one_minus_rate():
    layer, x, y = _dropout_output(0.3)
    assert set(np.unique(y)) == {0.0, 1 / 0.7}
    assert abs((y != 0).mean() - 0.7) < 0.01  # 20000 draws: 3 standard deviations
    np.testing.assert_array_equal(layer.backward(np.full_like(x, 2.0)), 2.0 * y)
    assert layer.forward(x, training=False) is x


# -- batch normalization ------------------------------------------------------

_XB = np.random.default_rng(3).normal(size=(8, 4)) * 2 + 1
_GB = np.random.default_rng(4).normal(size=(8, 4))
_GAMMA, _BETA = np.array([0.5, 1.5, -1.0, 2.0]), np.array([0.1, -0.2, 0.3, 0.0])


def _batchnorm(momentum=0.9, epsilon=1e-5):
    layer = BatchNorm(momentum=momentum, epsilon=epsilon)
    layer.build(4, None)
    layer.gamma.value[...], layer.beta.value[...] = _GAMMA, _BETA
    return layer


def _bn_steps(layer):
    """Three training batches: outputs, input gradients, gamma and beta gradients."""
    out = []
    for step in range(3):
        y, dx = _forward_backward(layer, _XB + step, _GB)
        out += [y, dx, layer.gamma.grad.copy(), layer.beta.grad.copy()]
    return out


def test_batchnorm_matches_torch_with_momentum_one_minus_ours(torch):
    ours, theirs = _batchnorm(), torch.nn.BatchNorm1d(4, eps=1e-5, momentum=0.1)
    theirs.weight.data, theirs.bias.data = torch.tensor(_GAMMA), torch.tensor(_BETA)
    expected = []
    for step in range(3):
        x = torch.tensor(_XB + step, requires_grad=True)
        theirs.zero_grad()
        y = theirs(x)
        y.backward(torch.tensor(_GB))
        expected += [y.detach().numpy(), x.grad.numpy(), theirs.weight.grad.numpy().copy(),
                     theirs.bias.grad.numpy().copy()]
    assert _maxdiff(_bn_steps(ours), expected) < 1e-13
    np.testing.assert_allclose(ours.moving_mean, theirs.running_mean.numpy(), atol=1e-15)
    # PyTorch averages the unbiased variance: the same running value only with it
    assert np.abs(ours.moving_variance - theirs.running_var.numpy()).max() > 1e-2
    running = np.ones(4)
    for step in range(3):
        running = 0.9 * running + 0.1 * (_XB + step).var(axis=0) * 8 / 7  # n / (n - 1)
    np.testing.assert_allclose(running, theirs.running_var.numpy(), rtol=1e-14)
    ours.moving_variance[...] = theirs.running_var.numpy()  # then inference agrees
    theirs.eval()
    np.testing.assert_allclose(ours.forward(_XB), theirs(torch.tensor(_XB)).detach().numpy(),
                               atol=1e-14)


def test_batchnorm_matches_the_keras_formulas():
    layer, expected = _batchnorm(momentum=0.9, epsilon=1e-5), []
    mean, var = np.zeros(4), np.ones(4)
    for step in range(3):
        x = _XB + step
        mu, v = x.mean(axis=0), x.var(axis=0)  # biased, as Keras 3's ops.moments
        s = np.sqrt(v + 1e-5)
        xhat = (x - mu) / s
        h = _GB * _GAMMA
        dx = (h - h.mean(axis=0) - xhat * (h * xhat).mean(axis=0)) / s
        expected += [_GAMMA * xhat + _BETA, dx, (_GB * xhat).sum(axis=0), _GB.sum(axis=0)]
        mean, var = 0.9 * mean + 0.1 * mu, 0.9 * var + 0.1 * v
    assert _maxdiff(_bn_steps(layer), expected) < 1e-13
    np.testing.assert_allclose(layer.moving_mean, mean, rtol=1e-14)
    np.testing.assert_allclose(layer.moving_variance, var, rtol=1e-14)
    np.testing.assert_allclose(layer.forward(_XB), _GAMMA * (_XB - mean) / np.sqrt(var + 1e-5)
                               + _BETA, atol=1e-14)


# -- losses (value and gradient, with sample weights) ---------------------------

_LR = np.random.default_rng(5)
_N, _K = 7, 3
_P = _LR.normal(size=(_N, _K)) * 2
_T = _LR.normal(size=(_N, _K))
_P[0, 0] = _T[0, 0]  # a zero residual
_SW = _LR.uniform(0.2, 2.0, size=_N)
_LOGITS = _LR.normal(size=(_N, _K)) * 3
_PROBS = 1 / (1 + np.exp(-_LOGITS))
_BITS = (_LR.uniform(size=(_N, _K)) > 0.5) * 1.0
_BITS[0, 0] = 0.3  # a soft target
_LABELS = _LR.integers(0, _K, size=_N)
_SOFT = _LR.dirichlet(np.ones(_K), size=_N)
_SOFTMAX = _softmax(_LOGITS)

# loss, y_true, y_pred, per-entry torch terms (by name and keywords), per-entry formula
_LOSSES = {
    "mse": (L.MeanSquaredError(), _T, _P, "mse_loss", {}, lambda y, p: 0.5 * (p - y) ** 2),
    "mae": (L.MeanAbsoluteError(), _T, _P, "l1_loss", {}, lambda y, p: np.abs(p - y)),
    "huber_0.5": (L.Huber(0.5), _T, _P, "huber_loss", {"delta": 0.5},
                  lambda y, p: np.where(np.abs(p - y) <= 0.5, 0.5 * (p - y) ** 2,
                                        0.5 * (np.abs(p - y) - 0.25))),
    "huber_2": (L.Huber(2.0), _T, _P, "huber_loss", {"delta": 2.0},
                lambda y, p: np.where(np.abs(p - y) <= 2, 0.5 * (p - y) ** 2,
                                      2 * (np.abs(p - y) - 1))),
    "bce": (L.BinaryCrossEntropy(), _BITS, _PROBS, "binary_cross_entropy", {},
            lambda y, p: -(y * np.log(p) + (1 - y) * np.log(1 - p))),
    "bce_logits": (L.BinaryCrossEntropy(from_logits=True), _BITS, _LOGITS,
                   "binary_cross_entropy_with_logits", {},
                   lambda y, z: -(y * np.log(1 / (1 + np.exp(-z)))
                                  + (1 - y) * np.log(1 - 1 / (1 + np.exp(-z))))),
    "ce_logits_labels": (L.CrossEntropy(from_logits=True), _LABELS, _LOGITS, "cross_entropy",
                         {}, lambda y, z: -np.eye(_K)[y] * np.log(_softmax(z))),
    "ce_logits_soft": (L.CrossEntropy(from_logits=True), _SOFT, _LOGITS, "cross_entropy", {},
                       lambda y, z: -y * np.log(_softmax(z))),
    "ce_labels": (L.CrossEntropy(), _LABELS, _SOFTMAX, "nll_log", {},
                  lambda y, p: -np.eye(_K)[y] * np.log(p)),
    "ce_soft": (L.CrossEntropy(), _SOFT, _SOFTMAX, "soft_log", {}, lambda y, p: -y * np.log(p)),
}


def _torch_terms(torch, name, kw, y, p):
    """Per-sample torch losses, summed over outputs where PyTorch keeps entries."""
    F, y = torch.nn.functional, torch.tensor(y)
    if name == "nll_log":
        return F.nll_loss(torch.log(p), y, reduction="none")
    if name == "soft_log":
        return -(y * torch.log(p)).sum(dim=1)
    terms = getattr(F, name)(p, y, reduction="none", **kw)
    return terms if terms.ndim == 1 else terms.sum(dim=1) * (0.5 if name == "mse_loss" else 1)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", sorted(_LOSSES))
def test_losses_match_torch(case, weighted, torch):
    loss, y, p, name, kw, _ = _LOSSES[case]
    sw = _SW if weighted else None
    pt = torch.tensor(p, requires_grad=True)
    per_sample = _torch_terms(torch, name, kw, y, pt)
    value = (per_sample * torch.tensor(_SW if weighted else np.ones(_N))).sum() / _N
    value.backward()
    assert loss(y, p, sw) == pytest.approx(value.item(), rel=1e-14)
    np.testing.assert_allclose(loss.grad(y, p, sw), pt.grad.numpy(), rtol=0, atol=1e-13)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", sorted(_LOSSES))
def test_losses_match_their_formulas(case, weighted):
    loss, y, p, _, _, terms = _LOSSES[case]
    w = _SW if weighted else np.ones(_N)
    value = float((terms(y, p).sum(axis=1) * w).sum() / _N)
    assert loss(y, p, _SW if weighted else None) == pytest.approx(value, rel=1e-13)
    grad = loss.grad(y, p, _SW if weighted else None)
    h = 1e-6  # central differences of the formula (a row: softmax couples its entries)
    for i, j in [(0, 1), (3, 2), (6, 0)]:
        e = np.zeros_like(p)
        e[i, j] = h
        numeric = (terms(y, p + e) - terms(y, p - e))[i].sum() / (2 * h) * w[i] / _N
        assert grad[i, j] == pytest.approx(numeric, rel=1e-6, abs=1e-10)


def test_mean_losses_are_k_times_torchs_mean_over_entries(torch):
    F = torch.nn.functional
    p, y = torch.tensor(_P), torch.tensor(_T)
    assert L.MeanSquaredError()(_T, _P) == pytest.approx(F.mse_loss(p, y).item() * _K / 2)
    assert L.MeanAbsoluteError()(_T, _P) == pytest.approx(F.l1_loss(p, y).item() * _K)
    assert L.Huber(0.5)(_T, _P) == pytest.approx(F.huber_loss(p, y, delta=0.5).item() * _K)
