"""Each optimizer's update recomputed by its formula on a tiny problem."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nonlin import SGD, Adagrad, Adam, AdamW, Param, RMSprop
from nonlin.optimizers import clip_by_global_norm
from nonlin.schedules import CosineDecay, ExponentialDecay, StepDecay


def _params(rng: np.random.Generator, dtype=np.float64) -> list[Param]:
    params = [Param(rng.normal(size=(3, 2)).astype(dtype), "W"),
              Param(rng.normal(size=2).astype(dtype), "b")]
    return params


def _grads(rng: np.random.Generator, params: list[Param]) -> list[np.ndarray]:
    grads = [rng.normal(size=p.value.shape).astype(p.value.dtype) for p in params]
    for p, g in zip(params, grads, strict=True):
        p.grad[...] = g
    return grads


def test_sgd_momentum_and_nesterov_match_formula() -> None:
    rng = np.random.default_rng(0)
    for nesterov in (False, True):
        params = _params(rng)
        w = [p.value.copy() for p in params]
        v = [np.zeros_like(x) for x in w]
        opt = SGD(lr=0.1, momentum=0.9, nesterov=nesterov, weight_decay=0.01)
        for _ in range(5):
            grads = _grads(rng, params)
            opt.step(params)
            for i, g in enumerate(grads):
                g = g + 0.01 * w[i]
                v[i] = 0.9 * v[i] - 0.1 * g
                w[i] = w[i] + (0.9 * v[i] - 0.1 * g if nesterov else v[i])
                np.testing.assert_allclose(params[i].value, w[i], rtol=1e-12, atol=1e-15)
        assert opt.iterations == 5


def test_plain_sgd_is_exact() -> None:
    rng = np.random.default_rng(1)
    params = _params(rng)
    w = [p.value.copy() for p in params]
    grads = _grads(rng, params)
    SGD(lr=0.5).step(params)
    for p, w0, g in zip(params, w, grads, strict=True):
        np.testing.assert_array_equal(p.value, w0 - 0.5 * g)


@pytest.mark.parametrize("check_steps", [(1, 2, 10)])
def test_adam_bias_correction_at_steps_1_2_10(check_steps) -> None:
    rng = np.random.default_rng(2)
    params = _params(rng)
    w = [p.value.copy() for p in params]
    m = [np.zeros_like(x) for x in w]
    v = [np.zeros_like(x) for x in w]
    opt = Adam(lr=0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-8)
    for t in range(1, 11):
        grads = _grads(rng, params)
        opt.step(params)
        lr_t = 0.01 * math.sqrt(1 - 0.95**t) / (1 - 0.8**t)
        for i, g in enumerate(grads):
            m[i] = 0.8 * m[i] + (1 - 0.8) * g
            v[i] = 0.95 * v[i] + (1 - 0.95) * g**2
            w[i] = w[i] + -lr_t * m[i] / (np.sqrt(v[i]) + 1e-8)
        if t in check_steps:
            for p, expected in zip(params, w, strict=True):
                np.testing.assert_allclose(p.value, expected, rtol=1e-12, atol=1e-15)
    # at step 1 the bias-corrected step is lr * g / (|g| + eps) ~ lr * sign(g)


def test_adam_first_step_is_lr_times_sign() -> None:
    p = Param(np.zeros(4), "w")
    p.grad[...] = [3.0, -2.0, 0.5, -1e-3]
    Adam(lr=0.1, epsilon=1e-12).step([p])
    np.testing.assert_allclose(p.value, -0.1 * np.sign(p.grad), rtol=1e-6)


def test_adamw_rmsprop_adagrad_match_formula() -> None:
    rng = np.random.default_rng(3)
    cases = {
        "adamw": AdamW(lr=0.01, weight_decay=0.1),
        "rmsprop": RMSprop(lr=0.01, rho=0.8),
        "adagrad": Adagrad(lr=0.1, initial_accumulator_value=0.2),
    }
    for name, opt in cases.items():
        params = _params(rng)
        w = [p.value.copy() for p in params]
        s1 = [np.zeros_like(x) for x in w]
        s2 = [np.zeros_like(x) + (0.2 if name == "adagrad" else 0) for x in w]
        for t in range(1, 6):
            grads = _grads(rng, params)
            opt.step(params)
            for i, g in enumerate(grads):
                if name == "adamw":
                    s1[i] = 0.9 * s1[i] + 0.1 * g
                    s2[i] = 0.999 * s2[i] + 0.001 * g * g
                    lr_t = 0.01 * math.sqrt(1 - 0.999**t) / (1 - 0.9**t)
                    w[i] = w[i] - 0.01 * 0.1 * w[i] - lr_t * s1[i] / (np.sqrt(s2[i]) + 1e-8)
                elif name == "rmsprop":
                    s2[i] = 0.8 * s2[i] + 0.2 * g * g
                    w[i] = w[i] - 0.01 * g / np.sqrt(s2[i] + 1e-7)
                else:
                    s2[i] = s2[i] + g * g
                    w[i] = w[i] - 0.1 * g / np.sqrt(s2[i] + 1e-7)
                np.testing.assert_allclose(params[i].value, w[i], rtol=1e-12, err_msg=name)


def test_clipnorm_scales_to_global_norm() -> None:
    rng = np.random.default_rng(4)
    params = _params(rng)
    grads = _grads(rng, params)
    norm = math.sqrt(sum(float((g**2).sum()) for g in grads))
    assert clip_by_global_norm(params, norm / 4) == pytest.approx(norm)
    for p, g in zip(params, grads, strict=True):
        np.testing.assert_allclose(p.grad, g / 4, rtol=1e-12)
    w = [p.value.copy() for p in params]
    _grads(rng, params)
    grads = [p.grad.copy() for p in params]
    norm = math.sqrt(sum(float((g**2).sum()) for g in grads))
    SGD(lr=1.0, clipnorm=0.5).step(params)
    for p, w0, g in zip(params, w, grads, strict=True):
        np.testing.assert_allclose(p.value, w0 - g * 0.5 / norm, rtol=1e-12)


@pytest.mark.parametrize("make", [lambda: SGD(0.1, momentum=0.9), Adam, RMSprop, Adagrad, AdamW])
def test_state_dict_round_trip_continues_identically(make) -> None:
    rng = np.random.default_rng(5)
    params_a = _params(rng, np.float32)
    params_b = [Param(p.value.copy(), p.name) for p in params_a]
    a, b = make(), make()
    for _ in range(3):
        grads = _grads(rng, params_a)
        a.step(params_a)
    for pa, pb in zip(params_a, params_b, strict=True):
        pb.value[...] = pa.value
    state = a.state_dict()
    assert state["iterations"] == 3
    b.load_state_dict(state)
    for _ in range(2):
        grads = _grads(rng, params_a)
        for p, g in zip(params_b, grads, strict=True):
            p.grad[...] = g
        a.step(params_a)
        b.step(params_b)
    for pa, pb in zip(params_a, params_b, strict=True):
        np.testing.assert_array_equal(pa.value, pb.value)
        assert pb.value.dtype == np.float32


def test_schedule_as_lr_follows_iterations() -> None:
    p = Param(np.zeros(1), "w")
    opt = SGD(lr=StepDecay(1.0, step_size=2, gamma=0.5))
    seen = []
    for _ in range(5):
        seen.append(opt.current_lr())
        p.grad[...] = 1.0
        opt.step([p])
    assert seen == [1.0, 1.0, 0.5, 0.5, 0.25]
    assert p.value[0] == -(1 + 1 + 0.5 + 0.5 + 0.25)


def test_schedules_by_value() -> None:
    from nonlin.schedules import Constant

    assert Constant(0.3)(0) == Constant(0.3)(10**6) == 0.3
    step = StepDecay(0.2, step_size=3, gamma=0.1)
    assert [step(t) for t in (0, 2, 3, 5, 6)] == pytest.approx([0.2, 0.2, 0.02, 0.02, 0.002])
    e = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert e(0) == 0.1 and e(10) == pytest.approx(0.05) and e(5) == pytest.approx(0.1 * 0.5**0.5)
    assert ExponentialDecay(0.1, 10, 0.5, staircase=True)(19) == pytest.approx(0.05)
    c = CosineDecay(1.0, decay_steps=100, alpha=0.1, warmup_steps=10)
    assert c(0) == 0.0 and c(5) == pytest.approx(0.5) and c(10) == pytest.approx(1.0)
    assert c(60) == pytest.approx(0.1 + 0.9 * 0.5)
    assert c(110) == pytest.approx(0.1) and c(1000) == pytest.approx(0.1)


@pytest.mark.parametrize("bad", [dict(lr=float("inf")), dict(lr=float("nan")), dict(lr=-1),
                                 dict(momentum=1.0), dict(clipnorm=0), dict(lr=True)])
def test_bad_arguments_raise(bad) -> None:
    with pytest.raises(ValueError, match="Received"):
        SGD(**bad)


@pytest.mark.parametrize("opt", [SGD(0.1, momentum=0.5, nesterov=True, clipnorm=2.0),
                                 Adam(CosineDecay(0.01, 100, warmup_steps=10)),
                                 AdamW(weight_decay=0.1), RMSprop(rho=0.8), Adagrad(0.2)])
def test_config_round_trip(opt) -> None:
    clone = type(opt).from_config(opt.get_config())
    assert clone.get_config() == opt.get_config()
    assert repr(clone) == repr(opt)


@pytest.mark.parametrize("kind", ["adam", "sgd", "nesterov"])
def test_updates_match_scikit_learn(kind) -> None:
    """The scikit-learn estimator relies on these rules reproducing sklearn's MLP updates."""
    sk = pytest.importorskip("sklearn.neural_network._stochastic_optimizers")
    rng = np.random.default_rng(6)
    params = _params(rng)
    theirs = [p.value.copy() for p in params]
    if kind == "adam":
        ours = Adam(lr=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-8)
        ref = sk.AdamOptimizer(theirs, 0.01, 0.8, 0.99, 1e-8)
    else:
        ours = SGD(lr=0.05, momentum=0.9, nesterov=kind == "nesterov")
        ref = sk.SGDOptimizer(theirs, 0.05, momentum=0.9, nesterov=kind == "nesterov")
    for _ in range(10):
        grads = _grads(rng, params)
        ours.step(params)
        ref.update_params(theirs, [g.copy() for g in grads])
    for p, t in zip(params, theirs, strict=True):
        np.testing.assert_allclose(p.value, t, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("make", [lambda: SGD(0.1, momentum=0.9), lambda: Adam(0.01)])
def test_refused_update_leaves_weights_and_resets_the_slots(make):
    from nonlin.exceptions import NonFiniteUpdate

    p = Param(np.ones((2, 2)), "W")
    opt = make()
    opt.check_finite = True
    p.grad[...] = 0.5
    opt.step([p])
    before = p.value.copy()
    p.grad[0, 0] = np.nan
    with pytest.raises(NonFiniteUpdate):
        opt.step([p])
    np.testing.assert_array_equal(p.value, before)
    p.grad[...] = 0.5  # the same optimizer goes on with fresh, finite slots
    opt.step([p])
    assert np.all(np.isfinite(p.value)) and not np.array_equal(p.value, before)
    assert all(np.all(np.isfinite(a)) for k, a in opt.state_dict().items() if "." in k)


@pytest.mark.parametrize("cls", [Adam, AdamW])
def test_after_a_refused_update_adam_steps_as_a_fresh_adam(cls):
    # its zeroed moments count their steps from the refusal: lr-sized steps, not 6.5 lr
    from nonlin.exceptions import NonFiniteUpdate

    p, q = Param(np.zeros(3), "w"), Param(np.zeros(3), "w")
    opt, fresh = cls(1e-3), cls(1e-3)
    opt.check_finite = True
    for _ in range(50):
        p.grad[...] = 1.0
        opt.step([p])
    p.grad[0] = np.nan
    with pytest.raises(NonFiniteUpdate):
        opt.step([p])
    assert opt.iterations == 50 and opt.state_dict()["slots_since"] == 50
    q.value[...] = p.value
    for _ in range(20):
        before, q_before = p.value.copy(), q.value.copy()
        p.grad[...] = q.grad[...] = np.linspace(0.5, 1.5, 3)
        opt.step([p])
        fresh.step([q])
        np.testing.assert_allclose(p.value - before, q.value - q_before, rtol=1e-12)
    twin = cls(1e-3)
    twin.load_state_dict(opt.state_dict())  # the count survives a state round trip
    assert twin.state_dict()["slots_since"] == 50
    with pytest.raises(ValueError, match=r"Expected an integer in \[0, iterations=70\]"):
        twin.load_state_dict({**opt.state_dict(), "slots_since": 71})


def test_constant_schedule_takes_zero_as_a_plain_lr_does() -> None:
    from nonlin.schedules import Constant

    p = Param(np.array([1.0, -2.0]))
    p.grad = np.array([0.5, 0.5])
    SGD(lr=Constant(0.0), momentum=0.9).step([p])  # lr=0.0 takes no step; so does this
    np.testing.assert_array_equal(p.value, [1.0, -2.0])
    for bad in (-0.1, float("inf"), float("nan"), "0.1", True):
        with pytest.raises(ValueError, match=r"Expected a finite number >= 0. Received: lr="):
            Constant(bad)
