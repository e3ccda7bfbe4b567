"""Adamax and Nadam: each step recomputed by Keras 3's formulas (float64), PyTorch's
``Adamax`` / ``NAdam`` on the same gradients, state round trips, files and a real fit."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nonlin
from nonlin import Adamax, Nadam, Param, registry
from nonlin.checkpoint import ModelCheckpoint
from nonlin.exceptions import NonFiniteUpdate

_RNG = np.random.default_rng(0)
_W0 = [_RNG.normal(size=(4, 3)), _RNG.normal(size=(3,))]
_A = [_RNG.normal(size=(4, 3)), _RNG.normal(size=(3,))]


def _grad(ws):
    """The gradient of ``sum(A sin(w)) + sum(w^4) / 4``: it changes with ``w``."""
    return [a * np.cos(w) + w**3 for a, w in zip(_A, ws, strict=True)]


def _params(dtype=np.float64):
    return [Param(w.astype(dtype)) for w in _W0]


def _step(opt, params):
    for p, g in zip(params, _grad([p.value.astype(np.float64) for p in params]), strict=True):
        p.grad[...] = g
    opt.step(params)


def _keras_adamax(steps, lr, b1, b2, eps, checks):
    """Keras 3's adamax.py update, written out: {step: weights} at the steps ``checks``."""
    ws, seen = [w.copy() for w in _W0], {}
    m, u = [np.zeros_like(w) for w in ws], [np.zeros_like(w) for w in ws]
    for t in range(1, steps + 1):
        for i, g in enumerate(_grad(ws)):
            m[i] = m[i] + (g - m[i]) * (1 - b1)
            u[i] = np.maximum(b2 * u[i], np.abs(g))
            ws[i] = ws[i] - lr * m[i] / ((1 - b1**t) * (u[i] + eps))
        if t in checks:
            seen[t] = [w.copy() for w in ws]
    return seen


def _keras_nadam(steps, lr, b1, b2, eps, checks, decay=1.0):
    """Keras 3's nadam.py update (0.96 ** (decay * t); Keras: decay 1), written out."""
    ws, seen, product = [w.copy() for w in _W0], {}, 1.0
    m, v = [np.zeros_like(w) for w in ws], [np.zeros_like(w) for w in ws]
    for t in range(1, steps + 1):
        u_t = b1 * (1.0 - 0.5 * 0.96 ** (decay * t))
        u_next = b1 * (1.0 - 0.5 * 0.96 ** (decay * (t + 1)))
        product *= u_t
        for i, g in enumerate(_grad(ws)):
            m[i] = m[i] + (g - m[i]) * (1 - b1)
            v[i] = v[i] + (g * g - v[i]) * (1 - b2)
            m_hat = u_next * m[i] / (1 - product * u_next) + (1 - u_t) * g / (1 - product)
            v_hat = v[i] / (1 - b2**t)
            ws[i] = ws[i] - m_hat * lr / (np.sqrt(v_hat) + eps)
        if t in checks:
            seen[t] = [w.copy() for w in ws]
    return seen


@pytest.mark.parametrize("name", ["adamax", "nadam", "nadam-torch-decay"])
def test_steps_1_2_and_10_match_keras_formulas(name) -> None:
    hyper = dict(lr=0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-3)  # epsilon matters here
    if name == "adamax":
        opt, reference = Adamax(**hyper), _keras_adamax(10, 0.01, 0.8, 0.95, 1e-3, (1, 2, 10))
    else:
        decay = 0.004 if name == "nadam-torch-decay" else 1.0
        opt = Nadam(**hyper, momentum_decay=decay)
        reference = _keras_nadam(10, 0.01, 0.8, 0.95, 1e-3, (1, 2, 10), decay)
    params = _params()
    for t in range(1, 11):
        _step(opt, params)
        if t in reference:
            for p, expected in zip(params, reference[t], strict=True):
                np.testing.assert_allclose(p.value, expected, rtol=1e-12, atol=0)


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # NAdam's mu_product in float64 too
    yield torch
    torch.set_default_dtype(previous)


def _torch_run(torch, name, kwargs, steps):
    ts = [torch.tensor(w.copy(), requires_grad=True) for w in _W0]
    opt = getattr(torch.optim, name)(ts, **kwargs)
    for _ in range(steps):
        for t, g in zip(ts, _grad([t.detach().numpy() for t in ts]), strict=True):
            t.grad = torch.tensor(g)
        opt.step()
    return [t.detach().numpy() for t in ts]


# PyTorch's Adamax adds eps to |g| inside the norm, Keras' to the norm at each step:
# eps=0 there and a negligible epsilon here give the same steps. PyTorch's NAdam places
# epsilon as Keras; its momentum_decay=1 is Keras 3's schedule, 4e-3 the paper's.
_TORCH = {
    "adamax": (lambda: Adamax(0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-300), "Adamax",
               {"lr": 0.01, "betas": (0.8, 0.95), "eps": 0.0}),
    "nadam-keras": (lambda: Nadam(0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-3), "NAdam",
                    {"lr": 0.01, "betas": (0.8, 0.95), "eps": 1e-3, "momentum_decay": 1.0}),
    "nadam-paper": (lambda: Nadam(0.002, epsilon=1e-8, momentum_decay=0.004), "NAdam",
                    {"lr": 0.002}),
}


@pytest.mark.parametrize("case", sorted(_TORCH))
def test_steps_match_torch(case, torch) -> None:
    make, name, kwargs = _TORCH[case]
    params, opt = _params(), make()
    for _ in range(25):
        _step(opt, params)
    theirs = _torch_run(torch, name, kwargs, 25)
    for p, t in zip(params, theirs, strict=True):
        np.testing.assert_allclose(p.value, t, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("make", [lambda: Adamax(0.01), lambda: Nadam(0.01),
                                  lambda: Nadam(0.01, momentum_decay=0.004, clipnorm=0.5)])
def test_state_dict_round_trip_mid_training_continues_bit_for_bit(make) -> None:
    a, b = make(), make()
    params_a = _params(np.float32)
    for _ in range(4):
        _step(a, params_a)
    params_b = [Param(p.value.copy()) for p in params_a]
    state = a.state_dict()
    b.load_state_dict(state)
    assert all(v.dtype == np.float32 for v in state.values() if isinstance(v, np.ndarray))
    for _ in range(5):
        _step(a, params_a)
        _step(b, params_b)
    for pa, pb in zip(params_a, params_b, strict=True):
        assert pa.value.dtype == pb.value.dtype == np.float32
        assert pa.value.tobytes() == pb.value.tobytes()
    assert a.state_dict().keys() == b.state_dict().keys()


def test_nadam_state_keeps_its_u_product_and_refuses_a_state_without_one() -> None:
    opt = Nadam()
    _step(opt, _params())
    state = opt.state_dict()
    assert state["u_product"] == pytest.approx(0.9 * (1 - 0.5 * 0.96))
    adam = nonlin.Adam()
    _step(adam, _params())
    with pytest.raises(ValueError, match="with its 'u_product'"):
        Nadam().load_state_dict(adam.state_dict())  # the same slots m and v
    for bad in (1.5, -0.1, float("nan"), "0.5", 1.0):  # 1.0: after a step, P_t < 1
        with pytest.raises(ValueError, match=r"Received: u_product="):
            Nadam().load_state_dict({**state, "u_product": bad})
    fresh = Nadam()
    fresh.load_state_dict({"iterations": 0, "u_product": 1.0})
    assert fresh.state_dict() == {"iterations": 0, "lr": 0.001, "u_product": 1.0}


def test_a_refused_update_restarts_nadam_as_a_fresh_one() -> None:
    opt, fresh = Nadam(0.01), Nadam(0.01)
    opt.check_finite = True
    p = Param(np.zeros(3))
    for _ in range(5):
        p.grad[...] = 1.0
        opt.step([p])
    p.grad[0] = np.nan
    with pytest.raises(NonFiniteUpdate):
        opt.step([p])
    assert opt.state_dict()["u_product"] == 1.0 and opt.state_dict()["slots_since"] == 5
    q = Param(p.value.copy())
    for _ in range(3):
        before, q_before = p.value.copy(), q.value.copy()
        p.grad[...] = q.grad[...] = [0.5, 1.0, 1.5]
        opt.step([p])
        fresh.step([q])
        np.testing.assert_array_equal(p.value - before, q.value - q_before)


@pytest.mark.parametrize("cls", [Adamax, Nadam])
def test_float32_stays_float32_on_the_packed_parameters(cls) -> None:
    model = nonlin.Sequential([nonlin.Dense(3), nonlin.ReLU(), nonlin.Dense(2)]).build(
        4, seed=0, dtype=np.float32)
    opt = cls(0.01)
    params = model.parameters()
    for p in params:
        p.grad[...] = 0.5
    opt.step(params)
    opt.step(params)
    assert all(p.value.dtype == np.float32 for p in params)
    assert len(opt._work) == 1  # the one packed flat parameter
    assert all(a.dtype == np.float32 for k, a in opt.state_dict().items() if "." in k)


@pytest.mark.parametrize("bad, match", [
    (dict(beta_1=1.0), r"Received: beta_1=1\.0"), (dict(beta_2=-0.1), r"Received: beta_2=-0\.1"),
    (dict(epsilon=0), r"Received: epsilon=0"), (dict(lr=-1), r"Received: lr=-1"),
    (dict(clipnorm=0), r"Received: clipnorm=0"),
])
@pytest.mark.parametrize("cls", [Adamax, Nadam])
def test_bad_hyper_parameters_are_refused_naming_the_value(cls, bad, match) -> None:
    with pytest.raises(ValueError, match=match):
        cls(**bad)
    with pytest.raises(ValueError, match=r"Received: momentum_decay=0"):
        Nadam(momentum_decay=0)
    with pytest.raises(TypeError):
        cls(0.001, 0.9)  # keyword-only after lr


@pytest.mark.parametrize("opt", [Adamax(0.002, beta_2=0.99, clipnorm=1.0), Nadam(epsilon=1e-8),
                                 Nadam(momentum_decay=0.004)])
def test_config_round_trip_and_registry_names(opt) -> None:
    clone = type(opt).from_config(opt.get_config())
    assert clone.get_config() == opt.get_config() and repr(clone) == repr(opt)
    assert registry.lookup("optimizer", type(opt).__name__.lower()) is type(opt)
    assert nonlin.optimizers.Nadam is Nadam and nonlin.optimizers.Adamax is Adamax


def _data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def _model():
    return nonlin.Sequential([nonlin.Dense(16), nonlin.Tanh(), nonlin.Dense(2), nonlin.Softmax()])


@pytest.mark.parametrize("name", ["adamax", "nadam"])
def test_a_small_fit_converges(name) -> None:
    X, y = _data()
    opt = registry.optimizer(name, lr=0.05)
    history = _model().fit(X, y, loss="cross_entropy", optimizer=opt, epochs=60,
                           batch_size=16, seed=0, verbose=0, metrics=["accuracy"])
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9


def test_a_nadam_checkpoint_resumes_bit_for_bit(tmp_path) -> None:
    X, y = _data()
    fit = dict(loss="cross_entropy", batch_size=16, seed=3, verbose=0)
    straight = _model()
    straight.fit(X, y, optimizer=Nadam(0.01), epochs=4, **fit)
    path = tmp_path / "ck.safetensors"
    _model().fit(X, y, optimizer=Nadam(0.01), epochs=2, callbacks=[ModelCheckpoint(path)], **fit)
    resumed = _model()
    resumed.fit(X, y, optimizer=Nadam(0.01), epochs=4, resume_from=path, **fit)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
    assert resumed.optimizer.state_dict()["u_product"] == straight.optimizer.state_dict()[
        "u_product"]
    saved = tmp_path / "model.safetensors"  # a model file keeps it too (compile record)
    nonlin.save(straight, saved)
    assert nonlin.load(saved).optimizer.state_dict()["u_product"] == math.prod(
        0.9 * (1 - 0.5 * 0.96**t) for t in range(1, straight.optimizer.iterations + 1))


@pytest.mark.parametrize("value, field", [("0.5", r"checkpoint\.optimizer\.scalars\.u_product"),
                                          (2.0, r"u_product in \[0, 1\]")])
def test_a_checkpoint_with_a_bad_u_product_is_refused_naming_it(tmp_path, value, field) -> None:
    from io_helpers import edit_meta

    X, y = _data()
    path, bad = tmp_path / "ck.safetensors", tmp_path / "bad.safetensors"
    _model().fit(X, y, loss="cross_entropy", optimizer=Nadam(), epochs=1, verbose=0,
                 callbacks=[ModelCheckpoint(path)])

    def change(record):
        record["optimizer"]["scalars"]["u_product"] = value
        return record

    bad.write_bytes(edit_meta(path.read_bytes(), "checkpoint", change))
    with pytest.raises(nonlin.ModelFileError, match=field):
        nonlin.checkpoint.load_checkpoint(bad)
    nonlin.checkpoint.load_checkpoint(path)  # the file as written loads


def test_nadam_steps_without_trainable_weights_keep_its_state_loadable(tmp_path) -> None:
    """A fit of a frozen model counts Nadam's steps without updating anything: its schedule
    product P_t must advance with them, or the state (and a checkpoint) is refused on load
    and a later step uses a P_t of fewer terms than t says."""
    opt = Nadam()
    opt.step([])
    opt.step(())  # a tuple is "no weights" to Optimizer.step too
    u = [0.9 * (1.0 - 0.5 * 0.96**t) for t in (1, 2)]
    assert opt.state_dict()["u_product"] == u[0] * u[1]
    Nadam().load_state_dict(opt.state_dict())
    model = nonlin.Sequential([nonlin.Dense(1)]).build(2, seed=0)
    model.trainable = False
    path = tmp_path / "frozen.safetensors"
    X, y = np.ones((8, 2)), np.zeros((8, 1))
    model.fit(X, y, loss="mse", optimizer=Nadam(), epochs=2, batch_size=4, verbose=0,
              callbacks=[ModelCheckpoint(path)])
    assert nonlin.load_checkpoint(path).optimizer.iterations == 4
