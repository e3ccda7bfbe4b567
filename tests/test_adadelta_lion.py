"""Adadelta and Lion: each step recomputed by Keras 3's formulas (float64), PyTorch's
``Adadelta`` over a few hundred steps (PyTorch has no Lion), state round trips, files and
a real fit."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import Adadelta, Lion, Param, registry
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


def _run(opt, steps, dtype=np.float64):
    params = _params(dtype)
    for _ in range(steps):
        _step(opt, params)
    return [p.value for p in params]


def _keras_adadelta(steps, lr, rho, eps):
    """Keras 3's adadelta.py update, written out."""
    ws = [w.copy() for w in _W0]
    acc_g, acc_d = [np.zeros_like(w) for w in ws], [np.zeros_like(w) for w in ws]
    for _ in range(steps):
        for i, g in enumerate(_grad(ws)):
            acc_g[i] = rho * acc_g[i] + (1 - rho) * np.square(g)
            delta = -(np.sqrt(acc_d[i] + eps) * g) / np.sqrt(acc_g[i] + eps)
            acc_d[i] = rho * acc_d[i] + (1 - rho) * np.square(delta)
            ws[i] = ws[i] + lr * delta
    return ws


def _keras_lion(steps, lr, b1, b2, weight_decay=0.0):
    """Keras 3's lion.py update (and the base class's decoupled weight decay), written out."""
    ws = [w.copy() for w in _W0]
    m = [np.zeros_like(w) for w in ws]
    for _ in range(steps):
        for i, g in enumerate(_grad(ws)):
            ws[i] = ws[i] - ws[i] * weight_decay * lr  # Keras: before the update step
            ws[i] = ws[i] - lr * np.sign(m[i] * b1 + g * (1.0 - b1))
            m[i] = m[i] * b2 + g * (1.0 - b2)
    return ws


@pytest.mark.parametrize("steps", [1, 2, 10, 300])
@pytest.mark.parametrize("hyper", [dict(lr=0.5, rho=0.8, epsilon=1e-3), dict(lr=1.0),
                                   dict(lr=0.001, rho=0.95, epsilon=1e-7)])
def test_adadelta_steps_are_keras_formulas_bit_for_bit(hyper, steps) -> None:
    opt = Adadelta(**hyper)
    rho, eps = opt.rho, opt.epsilon
    expected = _keras_adadelta(steps, hyper["lr"], rho, eps)
    for ours, theirs in zip(_run(opt, steps), expected, strict=True):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("steps", [1, 2, 10, 300])
@pytest.mark.parametrize("hyper", [dict(lr=0.01), dict(lr=0.003, beta_1=0.5, beta_2=0.9),
                                   dict(lr=0.01, beta_1=1.0)])
def test_lion_steps_are_keras_formulas_bit_for_bit(hyper, steps) -> None:
    opt = Lion(**hyper)
    expected = _keras_lion(steps, hyper["lr"], opt.beta_1, opt.beta_2)
    for ours, theirs in zip(_run(opt, steps), expected, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_lion_weight_decay_is_decoupled_from_the_weights_before_the_step() -> None:
    opt = Lion(0.01, beta_2=0.95, weight_decay=0.5)
    for steps in (1, 300):
        expected = _keras_lion(steps, 0.01, 0.9, 0.95, weight_decay=0.5)
        for ours, theirs in zip(_run(Lion(**opt.get_config()), steps), expected, strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


def test_lion_moves_every_entry_by_lr_and_not_at_all_where_the_sign_is_zero() -> None:
    p = Param(np.zeros(4))
    opt = Lion(0.25)
    p.grad[...] = [1.0, -2.0, 0.0, 1e-300]
    opt.step([p])
    np.testing.assert_array_equal(p.value, [-0.25, 0.25, 0.0, -0.25])
    np.testing.assert_array_equal(opt.state_dict()["m.0"], (1 - 0.99) * p.grad)


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _torch_adadelta(torch, kwargs, steps):
    ts = [torch.tensor(w.copy(), requires_grad=True) for w in _W0]  # float64 from NumPy
    opt = torch.optim.Adadelta(ts, **kwargs)
    for _ in range(steps):
        for t, g in zip(ts, _grad([t.detach().numpy() for t in ts]), strict=True):
            t.grad = torch.tensor(g)
        opt.step()
    return [t.detach().numpy() for t in ts]


# PyTorch computes sqrt(d + eps) / sqrt(a + eps) * g, Keras (sqrt(d + eps) * g) / sqrt(a + eps):
# the same rule, a rounding apart
@pytest.mark.parametrize("ours, theirs", [
    (lambda: Adadelta(1.0, rho=0.9, epsilon=1e-6), {}),  # PyTorch's defaults
    (lambda: Adadelta(), {"lr": 0.001, "rho": 0.95, "eps": 1e-7}),  # Keras'
    (lambda: Adadelta(0.5, rho=0.8, epsilon=1e-3), {"lr": 0.5, "rho": 0.8, "eps": 1e-3}),
])
def test_adadelta_matches_torch_over_300_steps(torch, ours, theirs) -> None:
    for a, b in zip(_run(ours(), 300), _torch_adadelta(torch, theirs, 300), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("make", [lambda: Adadelta(1.0), lambda: Lion(0.01),
                                  lambda: Lion(0.01, weight_decay=0.1, clipnorm=0.5)])
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


def test_states_name_keras_slots_and_are_checked_on_load() -> None:
    adadelta, lion = Adadelta(1.0), Lion()
    _step(adadelta, _params())
    _step(lion, _params())
    assert set(adadelta.state_dict()) == {"iterations", "lr", "accumulated_grad.0",
                                          "accumulated_grad.1", "accumulated_delta_var.0",
                                          "accumulated_delta_var.1"}
    assert set(lion.state_dict()) == {"iterations", "lr", "m.0", "m.1"}
    bad = adadelta.state_dict()
    bad["accumulated_delta_var.1"] = -bad["accumulated_delta_var.1"]
    with pytest.raises(ValueError, match="values >= 0 in the slot 'accumulated_delta_var'"):
        Adadelta().load_state_dict(bad)
    adam = nonlin.Adam()
    _step(adam, _params())
    for opt, other in [(Lion(), adam), (Adadelta(), lion), (Lion(), adadelta)]:
        with pytest.raises(ValueError, match="another optimizer's state"):
            opt.load_state_dict(other.state_dict())


@pytest.mark.parametrize("cls", [Adadelta, Lion])
def test_a_refused_update_restarts_the_slots_as_a_fresh_optimizer(cls) -> None:
    opt, fresh = cls(0.01), cls(0.01)
    opt.check_finite = True
    p = Param(np.zeros(3))
    for _ in range(5):
        p.grad[...] = 1.0
        opt.step([p])
    p.grad[0] = np.nan
    with pytest.raises(NonFiniteUpdate):
        opt.step([p])
    q = Param(p.value.copy())
    for _ in range(3):
        before, q_before = p.value.copy(), q.value.copy()
        p.grad[...] = q.grad[...] = [0.5, -1.0, 1.5]
        opt.step([p])
        fresh.step([q])
        np.testing.assert_array_equal(p.value - before, q.value - q_before)


@pytest.mark.parametrize("cls", [Adadelta, Lion])
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


@pytest.mark.parametrize("make, match", [
    (lambda: Adadelta(rho=1.0), r"Received: rho=1\.0"),
    (lambda: Adadelta(rho=-0.1), r"Received: rho=-0\.1"),
    (lambda: Adadelta(epsilon=0), r"Received: epsilon=0"),
    (lambda: Adadelta(lr=-1), r"Received: lr=-1"),
    (lambda: Lion(beta_1=0), r"Expected beta_1 in \(0, 1\]\. Received: beta_1=0"),
    (lambda: Lion(beta_1=1.5), r"Received: beta_1=1\.5"),
    (lambda: Lion(beta_2=1.0), r"Received: beta_2=1\.0"),
    (lambda: Lion(weight_decay=-1e-3), r"Received: weight_decay=-0\.001"),
    (lambda: Lion(clipnorm=0), r"Received: clipnorm=0"),
])
def test_bad_hyper_parameters_are_refused_naming_the_value(make, match) -> None:
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("cls", [Adadelta, Lion])
def test_arguments_after_lr_are_keyword_only(cls) -> None:
    with pytest.raises(TypeError):
        cls(0.001, 0.9)


@pytest.mark.parametrize("opt", [Adadelta(), Adadelta(1.0, rho=0.9, epsilon=1e-6, clipnorm=1.0),
                                 Lion(), Lion(3e-4, beta_1=0.95, beta_2=0.98, weight_decay=0.1),
                                 Lion(learning_rate=nonlin.schedules.CosineDecay(1e-3, 100))])
def test_config_round_trip_and_registry_names(opt) -> None:
    clone = type(opt).from_config(opt.get_config())
    assert clone.get_config() == opt.get_config() and repr(clone) == repr(opt)
    assert registry.lookup("optimizer", type(opt).__name__.lower()) is type(opt)
    assert nonlin.optimizers.Adadelta is Adadelta and nonlin.optimizers.Lion is Lion


def test_defaults_are_keras_3s() -> None:
    assert Adadelta().get_config() == {"lr": 0.001, "rho": 0.95, "epsilon": 1e-7}
    assert Lion().get_config() == {"lr": 0.001, "beta_1": 0.9, "beta_2": 0.99}


def _data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def _model():
    return nonlin.Sequential([nonlin.Dense(16), nonlin.Tanh(), nonlin.Dense(2), nonlin.Softmax()])


@pytest.mark.parametrize("name, hyper", [("adadelta", dict(lr=1.0, rho=0.9, epsilon=1e-4)),
                                         ("lion", dict(lr=0.01))])
def test_a_small_fit_converges(name, hyper) -> None:
    """(Adadelta's first steps are about sqrt(epsilon): Keras' 1e-7 barely moves in 60 epochs.)"""
    X, y = _data()
    opt = registry.optimizer(name, **hyper)
    history = _model().fit(X, y, loss="cross_entropy", optimizer=opt, epochs=60,
                           batch_size=16, seed=0, verbose=0, metrics=["accuracy"])
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9


@pytest.mark.parametrize("make", [lambda: Adadelta(1.0), lambda: Lion(0.01, weight_decay=0.1)])
def test_a_checkpoint_resumes_bit_for_bit_and_a_model_file_keeps_the_slots(tmp_path, make):
    X, y = _data()
    fit = dict(loss="cross_entropy", batch_size=16, seed=3, verbose=0)
    straight = _model()
    straight.fit(X, y, optimizer=make(), epochs=4, **fit)
    path = tmp_path / "ck.safetensors"
    _model().fit(X, y, optimizer=make(), epochs=2, callbacks=[ModelCheckpoint(path)], **fit)
    resumed = _model()
    resumed.fit(X, y, optimizer=make(), epochs=4, resume_from=path, **fit)
    for a, b in zip(straight.get_weights(), resumed.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
    saved = tmp_path / "model.safetensors"  # a model file keeps the state too (compile record)
    nonlin.save(straight, saved)
    loaded = nonlin.load(saved).optimizer
    assert repr(loaded) == repr(straight.optimizer)
    theirs, ours = loaded.state_dict(), straight.optimizer.state_dict()
    assert theirs.keys() == ours.keys()
    for key, value in ours.items():
        np.testing.assert_array_equal(theirs[key], value)
