"""RMSprop's momentum and centered variants, Adam's and AdamW's amsgrad, and clipvalue /
global_clipnorm: each against a NumPy transcription of Keras 3's code and, where the rules
coincide, against PyTorch; state, checkpoints, saving and refusals."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import Adam, AdamW, Param, RMSprop
from nonlin.checkpoint import ModelCheckpoint

RMSPROP_CASES = [(0.0, False), (0.9, False), (0.0, True), (0.5, True)]


def _params(seed: int = 0, dtype: type = np.float64) -> list[Param]:
    rng = np.random.default_rng(seed)
    return [Param(rng.normal(size=(3, 2)).astype(dtype), "W"),
            Param(rng.normal(size=2).astype(dtype), "b")]


def _grads(steps: int, params: list[Param], seed: int = 1) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [[rng.normal(size=p.value.shape).astype(p.value.dtype) for p in params]
            for _ in range(steps)]


def _run(opt, params: list[Param], grads, lrs=None) -> None:
    for t, step in enumerate(grads):
        if lrs is not None:
            opt.lr = lrs[t]
        for p, g in zip(params, step, strict=True):
            p.grad[...] = g
        opt.step(params)


def _keras_rmsprop(w, grads, lrs, rho, momentum, epsilon, centered):
    """keras/src/optimizers/rmsprop.py's update_step, transcribed to NumPy."""
    w = [x.copy() for x in w]
    vel = [np.zeros_like(x) for x in w]
    mom = [np.zeros_like(x) for x in w]
    avg = [np.zeros_like(x) for x in w]
    for lr, step in zip(lrs, grads, strict=True):
        for i, g in enumerate(step):
            vel[i] = rho * vel[i] + (1 - rho) * np.square(g)
            if centered:
                avg[i] = rho * avg[i] + (1 - rho) * g
                denominator = vel[i] - np.square(avg[i]) + epsilon
            else:
                denominator = vel[i] + epsilon
            increment = lr * g / np.sqrt(denominator)
            if momentum > 0:
                mom[i] = momentum * mom[i] + increment
                w[i] = w[i] - mom[i]
            else:
                w[i] = w[i] - increment
    return w, vel, mom, avg


@pytest.mark.parametrize("momentum, centered", RMSPROP_CASES)
def test_rmsprop_is_keras_3s_rule_in_float64(momentum, centered) -> None:
    params = _params()
    w0 = [p.value.copy() for p in params]
    grads = _grads(6, params)
    lrs = [0.01, 0.02, 0.005, 0.01, 0.03, 0.01]  # a changing rate: Keras' b holds lr * g / root
    opt = RMSprop(0.01, rho=0.8, momentum=momentum, epsilon=1e-3, centered=centered)
    _run(opt, params, grads, lrs)
    w, vel, mom, avg = _keras_rmsprop(w0, grads, lrs, 0.8, momentum, 1e-3, centered)
    for p, expected in zip(params, w, strict=True):
        np.testing.assert_allclose(p.value, expected, rtol=1e-12, atol=1e-14)
    state = opt.state_dict()
    for i in range(2):
        np.testing.assert_allclose(state[f"v.{i}"], vel[i], rtol=1e-12)
        if momentum:
            np.testing.assert_allclose(state[f"momentum.{i}"], mom[i], rtol=1e-12, atol=1e-15)
        if centered:
            np.testing.assert_allclose(state[f"average_gradient.{i}"], avg[i], rtol=1e-12,
                                       atol=1e-15)
    expected_slots = {"v", *(["momentum"] if momentum else []),
                      *(["average_gradient"] if centered else [])}
    assert {k.split(".")[0] for k in state if "." in k} == expected_slots


@pytest.mark.parametrize("momentum, centered", RMSPROP_CASES)
def test_rmsprop_matches_torch_where_the_rules_coincide(momentum, centered) -> None:
    """A constant rate and a negligible epsilon (PyTorch adds it to the root, Keras under it)."""
    torch = pytest.importorskip("torch")
    params = _params(2)
    tensors = [torch.tensor(p.value.copy(), requires_grad=True) for p in params]
    grads = _grads(8, params, 3)
    _run(RMSprop(0.01, rho=0.9, momentum=momentum, epsilon=1e-300, centered=centered),
         params, grads)
    ref = torch.optim.RMSprop(tensors, lr=0.01, alpha=0.9, eps=0.0, momentum=momentum,
                              centered=centered)
    for step in grads:
        for t, g in zip(tensors, step, strict=True):
            t.grad = torch.tensor(g)
        ref.step()
    for p, t in zip(params, tensors, strict=True):
        np.testing.assert_allclose(p.value, t.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_rmsprop_defaults_are_keras_3s_and_keep_the_old_config() -> None:
    opt = RMSprop()
    assert (opt.lr, opt.rho, opt.momentum, opt.epsilon, opt.centered) == (
        0.001, 0.9, 0.0, 1e-7, False)
    assert opt.get_config() == {"lr": 0.001, "rho": 0.9, "epsilon": 1e-7}
    assert repr(opt) == "RMSprop(lr=0.001, rho=0.9, epsilon=1e-07)"
    config = RMSprop(momentum=0.5, centered=True).get_config()
    assert config["momentum"] == 0.5 and config["centered"] is True
    again = RMSprop.from_config(config)
    assert (again.momentum, again.centered) == (0.5, True)
    with pytest.raises(TypeError):
        RMSprop(1e-3, 0.9, 0.9)  # Keras' third is momentum, PyTorch's eps: keywords only


@pytest.mark.parametrize("kwargs, match", [
    ({"momentum": -0.1}, r"Expected momentum in \[0.0, 1.0\)\. Received: momentum=-0.1"),
    ({"momentum": 1.0}, r"Expected momentum in \[0.0, 1.0\)\. Received: momentum=1.0"),
    ({"momentum": float("nan")}, r"Expected momentum .* Received: momentum=nan"),
])
def test_rmsprop_refuses_a_bad_momentum(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        RMSprop(**kwargs)


def test_rmsprop_refuses_a_non_bool_centered() -> None:
    with pytest.raises((TypeError, ValueError), match="Expected"):
        RMSprop(centered="yes")


def _continuation(make, steps: int = 6, split: int = 3) -> None:
    """state_dict mid-training, loaded into a fresh optimizer: the same steps after."""
    params, grads = _params(4), _grads(steps, _params(4), 5)
    straight = [Param(p.value.copy(), p.name) for p in params]
    opt = make()
    _run(opt, straight, grads)
    first = make()
    _run(first, params, grads[:split])
    second = make()
    second.load_state_dict(first.state_dict())
    _run(second, params, grads[split:])
    for a, b in zip(straight, params, strict=True):
        assert a.value.tobytes() == b.value.tobytes()
    assert second.state_dict().keys() == opt.state_dict().keys()


@pytest.mark.parametrize("momentum, centered", RMSPROP_CASES[1:])
def test_rmsprop_state_dict_round_trip_continues_identically(momentum, centered) -> None:
    _continuation(lambda: RMSprop(0.01, momentum=momentum, centered=centered))


def test_rmsprop_state_of_another_variant_is_refused() -> None:
    params = _params()
    opt = RMSprop(momentum=0.9)
    _run(opt, params, _grads(1, params))
    with pytest.raises(ValueError, match="momentum"):
        RMSprop().load_state_dict(opt.state_dict())


def _data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 2))
    return X, (X[:, 0] * X[:, 1] > 0).astype(int)


def _model():
    return nonlin.Sequential([nonlin.Dense(8), nonlin.Tanh(), nonlin.Dense(2), nonlin.Softmax()])


def _resume_and_save(tmp_path, make) -> None:
    """fit(resume_from=...) bit for bit; a saved model keeps the optimizer and its slots."""
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
    saved = tmp_path / "model.safetensors"
    nonlin.save(straight, saved)
    loaded = nonlin.load(saved).optimizer
    assert type(loaded) is type(straight.optimizer)
    assert loaded.get_config() == straight.optimizer.get_config()
    state, expected = loaded.state_dict(), straight.optimizer.state_dict()
    assert state.keys() == expected.keys()
    for key, value in expected.items():
        assert np.asarray(state[key]).tobytes() == np.asarray(value).tobytes(), key


@pytest.mark.parametrize("momentum, centered", RMSPROP_CASES[1:])
def test_rmsprop_variants_resume_bit_for_bit_and_save(tmp_path, momentum, centered) -> None:
    _resume_and_save(tmp_path, lambda: RMSprop(0.01, momentum=momentum, centered=centered))


def test_rmsprop_with_momentum_refuses_a_non_finite_update_and_starts_afresh() -> None:
    params = _params()
    opt = RMSprop(0.01, momentum=0.9, centered=True)
    opt.check_finite = True
    _run(opt, params, _grads(2, params))
    before = [p.value.copy() for p in params]
    params[0].grad[0, 0] = np.inf
    with pytest.raises(nonlin.exceptions.NonFiniteUpdate), np.errstate(all="ignore"):
        opt.step(params)  # fit steps under errstate too
    for p, w in zip(params, before, strict=True):
        assert p.value.tobytes() == w.tobytes()
    params[0].grad[0, 0] = 0.0
    opt.step(params)
    assert all(np.isfinite(p.value).all() for p in params)


def _keras_adam(w, grads, lrs, beta_1, beta_2, epsilon, amsgrad, weight_decay=None):
    """keras/src/optimizers/adam.py's update_step (after base_optimizer's
    _apply_weight_decay, which AdamW sets), transcribed to NumPy."""
    w = [x.copy() for x in w]
    m, v, v_hat = ([np.zeros_like(x) for x in w] for _ in range(3))
    for t, (lr, step) in enumerate(zip(lrs, grads, strict=True), start=1):
        alpha = lr * np.sqrt(1 - beta_2**t) / (1 - beta_1**t)
        for i, g in enumerate(step):
            if weight_decay is not None:
                w[i] = w[i] - w[i] * weight_decay * lr
            m[i] = m[i] + (g - m[i]) * (1 - beta_1)
            v[i] = v[i] + (np.square(g) - v[i]) * (1 - beta_2)
            denominator = v[i]
            if amsgrad:
                v_hat[i] = np.maximum(v_hat[i], v[i])
                denominator = v_hat[i]
            w[i] = w[i] - m[i] * alpha / (np.sqrt(denominator) + epsilon)
    return w, v_hat


def _shrinking_grads(steps: int, params: list[Param]) -> list[list[np.ndarray]]:
    """Gradients that shrink after a few steps, so that v falls below its maximum."""
    return [[g * (4.0 if t < 2 else 0.25) for g in step]
            for t, step in enumerate(_grads(steps, params, 7))]


@pytest.mark.parametrize("amsgrad", [False, True])
@pytest.mark.parametrize("decay", [None, 0.05])
def test_adam_and_adamw_amsgrad_are_keras_3s_rule_in_float64(amsgrad, decay) -> None:
    params = _params(6)
    w0 = [p.value.copy() for p in params]
    grads = _shrinking_grads(7, params)
    lrs = [0.01, 0.02, 0.01, 0.005, 0.01, 0.02, 0.01]
    opt = (Adam(0.01, 0.8, 0.95, 1e-3, amsgrad) if decay is None else
           AdamW(0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-3, weight_decay=decay,
                 amsgrad=amsgrad))
    _run(opt, params, grads, lrs)
    w, v_hat = _keras_adam(w0, grads, lrs, 0.8, 0.95, 1e-3, amsgrad, decay)
    for p, expected in zip(params, w, strict=True):
        np.testing.assert_allclose(p.value, expected, rtol=1e-12, atol=1e-14)
    state = opt.state_dict()
    assert ("v_hat.0" in state) is amsgrad
    if amsgrad:
        for i in range(2):
            np.testing.assert_allclose(state[f"v_hat.{i}"], v_hat[i], rtol=1e-12)
            assert (state[f"v_hat.{i}"] > state[f"v.{i}"]).any()  # the maximum is in use


@pytest.mark.parametrize("decay", [None, 0.05])
def test_adam_and_adamw_amsgrad_match_torch(decay) -> None:
    """A constant rate, a negligible epsilon (PyTorch's sits outside the bias correction)."""
    torch = pytest.importorskip("torch")
    params = _params(8)
    tensors = [torch.tensor(p.value.copy(), requires_grad=True) for p in params]
    grads = _shrinking_grads(8, params)
    if decay is None:
        opt = Adam(0.01, 0.8, 0.95, 1e-300, amsgrad=True)
        ref = torch.optim.Adam(tensors, lr=0.01, betas=(0.8, 0.95), eps=0.0, amsgrad=True)
    else:
        opt = AdamW(0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-300, weight_decay=decay,
                    amsgrad=True)
        ref = torch.optim.AdamW(tensors, lr=0.01, betas=(0.8, 0.95), eps=0.0,
                                weight_decay=decay, amsgrad=True)
    _run(opt, params, grads)
    for step in grads:
        for t, g in zip(tensors, step, strict=True):
            t.grad = torch.tensor(g)
        ref.step()
    for p, t in zip(params, tensors, strict=True):
        np.testing.assert_allclose(p.value, t.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_adam_amsgrad_matches_torch_in_float32() -> None:
    torch = pytest.importorskip("torch")
    params = _params(9, np.float32)
    tensors = [torch.tensor(p.value.copy(), requires_grad=True) for p in params]
    grads = _shrinking_grads(8, params)
    _run(Adam(0.01, amsgrad=True, epsilon=1e-30), params, grads)
    ref = torch.optim.Adam(tensors, lr=0.01, eps=0.0, amsgrad=True)
    for step in grads:
        for t, g in zip(tensors, step, strict=True):
            t.grad = torch.tensor(g)
        ref.step()
    for p, t in zip(params, tensors, strict=True):
        assert p.value.dtype == np.float32
        np.testing.assert_allclose(p.value, t.detach().numpy(), rtol=1e-6, atol=1e-6)


def test_amsgrad_config_repr_and_refusals() -> None:
    assert Adam().get_config() == {"lr": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                                   "epsilon": 1e-8}  # unchanged by default
    assert Adam(amsgrad=True).get_config()["amsgrad"] is True
    assert AdamW(amsgrad=True).get_config()["amsgrad"] is True
    assert Adam.from_config(Adam(amsgrad=True).get_config()).amsgrad is True
    assert "amsgrad=True" in repr(AdamW(amsgrad=True))
    assert Adam(1e-3, 0.9, 0.999, 1e-7, True).amsgrad  # Keras 3's positional order
    with pytest.raises((TypeError, ValueError), match="Expected"):
        Adam(amsgrad=0.01)  # PyTorch's fifth is weight_decay: refused, not read as a flag
    for other in (nonlin.Nadam(), nonlin.Adamax()):  # Keras 3 has no amsgrad there either
        assert "v_hat" not in other._slot_names and "amsgrad" not in other.get_config()


@pytest.mark.parametrize("make", [lambda: Adam(0.01, amsgrad=True),
                                  lambda: AdamW(0.01, amsgrad=True)])
def test_amsgrad_state_dict_round_trip_continues_identically(make) -> None:
    _continuation(make)


@pytest.mark.parametrize("make", [lambda: Adam(0.01, amsgrad=True),
                                  lambda: AdamW(0.01, weight_decay=0.1, amsgrad=True)])
def test_amsgrad_resumes_bit_for_bit_and_saves(tmp_path, make) -> None:
    _resume_and_save(tmp_path, make)


def test_amsgrad_v_hat_is_checked_as_squared_gradients() -> None:
    params = _params()
    opt = Adam(amsgrad=True)
    _run(opt, params, _grads(2, params))
    state = opt.state_dict()
    state["v_hat.0"] = -state["v_hat.0"]
    with pytest.raises(ValueError, match=r"Expected values >= 0 in the slot 'v_hat'"):
        Adam(amsgrad=True).load_state_dict(state)
    with pytest.raises(ValueError, match="v_hat"):
        Adam().load_state_dict(opt.state_dict())  # another variant's state


def test_amsgrad_refuses_an_overflowed_v_hat_behind_a_finite_update() -> None:
    """g^2 overflows v and v_hat while m / (sqrt(inf) + eps) = 0 is finite: refused, and
    the slots start afresh."""
    params = _params(dtype=np.float32)
    opt = Adam(amsgrad=True)
    opt.check_finite = True
    params[0].grad[...] = 1e30  # g^2 = inf in float32
    with pytest.raises(nonlin.exceptions.NonFiniteUpdate), np.errstate(all="ignore"):
        opt.step(params)
    assert opt.state_dict().keys() == {"iterations", "lr"}  # slots reset


ALL = ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adamax", "nadam", "adadelta", "lion"]


@pytest.mark.parametrize("name", ALL)
def test_every_optimizer_clips_by_value_before_its_update(name) -> None:
    """clipvalue: each entry of each gradient to [-v, v] (Keras' ops.clip), then the rule:
    the same steps, bit for bit, as the rule fed the clipped gradients."""
    from nonlin import registry

    cls = registry.OPTIMIZERS[name]
    params, same = _params(10), _params(10)
    grads = [[3.0 * g for g in step] for step in _grads(4, params, 11)]
    _run(cls(0.01, clipvalue=0.5), params, grads)
    _run(cls(0.01), same, [[np.clip(g, -0.5, 0.5) for g in step] for step in grads])
    for a, b in zip(params, same, strict=True):
        assert a.value.tobytes() == b.value.tobytes()
    assert cls(0.01, clipvalue=0.5).get_config()["clipvalue"] == 0.5
    assert "clipvalue" not in cls(0.01).get_config()  # recorded only when given
    assert cls.from_config(cls(0.01, clipvalue=0.5).get_config()).clipvalue == 0.5


def test_clipvalue_matches_torch_clip_grad_value_and_the_sgd_fast_path_clips() -> None:
    torch = pytest.importorskip("torch")
    params = _params(12)
    tensors = [torch.tensor(p.value.copy()) for p in params]
    grads = [[3.0 * g for g in step] for step in _grads(3, params, 13)]
    _run(nonlin.SGD(1.0, clipvalue=0.5), params, grads)  # lr 1: SGD's fast path otherwise
    for step in grads:
        for t, g in zip(tensors, step, strict=True):
            t.grad = torch.tensor(g)
        torch.nn.utils.clip_grad_value_(tensors, 0.5)
        for t in tensors:
            t -= t.grad
    for p, t in zip(params, tensors, strict=True):
        np.testing.assert_array_equal(p.value, t.numpy())


def test_clipvalue_turns_an_infinite_entry_into_the_bound_as_keras() -> None:
    params = _params()
    w = params[0].value.copy()
    params[0].grad[...] = np.inf
    nonlin.SGD(0.1, clipvalue=2.0).step(params)
    np.testing.assert_array_equal(params[0].value, w - 0.1 * 2.0)


@pytest.mark.parametrize("name", ALL)
def test_global_clipnorm_is_clipnorm_under_keras_name(name) -> None:
    from nonlin import registry

    cls = registry.OPTIMIZERS[name]
    params, same = _params(14), _params(14)
    grads = [[3.0 * g for g in step] for step in _grads(3, params, 15)]
    opt = cls(0.01, global_clipnorm=1.0)
    _run(opt, params, grads)
    _run(cls(0.01, clipnorm=1.0), same, grads)
    for a, b in zip(params, same, strict=True):
        assert a.value.tobytes() == b.value.tobytes()
    assert opt.clipnorm == 1.0 and opt.get_config()["clipnorm"] == 1.0
    assert "global_clipnorm" not in opt.get_config()


@pytest.mark.parametrize("kwargs, match", [
    ({"clipvalue": 0}, r"Expected a positive, finite number\. Received: clipvalue=0"),
    ({"clipvalue": -1.0}, r"Expected a positive, finite number\. Received: clipvalue=-1\.0"),
    ({"clipvalue": float("nan")}, r"Expected a positive, finite number\. Received: clipvalue=nan"),
    ({"clipvalue": float("inf")}, r"Expected a positive, finite number\. Received: clipvalue=inf"),
    ({"clipvalue": "1"}, r"Expected a positive, finite number\. Received: clipvalue='1'"),
    ({"global_clipnorm": 0.0}, r"Expected a positive, .* Received: global_clipnorm=0\.0"),
    ({"clipnorm": 1.0, "clipvalue": 0.5},
     r"Expected at most one of clipnorm, clipvalue and global_clipnorm .* Received: "
     r"clipnorm=1\.0, clipvalue=0\.5"),
    ({"clipnorm": 1.0, "global_clipnorm": 1.0}, r"Expected at most one .* global_clipnorm=1\.0"),
])
@pytest.mark.parametrize("name", ["sgd", "adam", "rmsprop"])
def test_clipping_refusals(name, kwargs, match) -> None:
    from nonlin import registry

    with pytest.raises(ValueError, match=match):
        registry.OPTIMIZERS[name](0.01, **kwargs)


def test_an_optimizer_pickled_before_clipvalue_existed_still_steps() -> None:
    import pickle

    opt = Adam(0.01)
    del opt.__dict__["clipvalue"]  # as an older pickle's __dict__
    again = pickle.loads(pickle.dumps(opt))
    params = _params()
    _run(again, params, _grads(2, params))
    assert again.clipvalue is None and "clipvalue" not in again.get_config()


def test_clipvalue_resumes_bit_for_bit_and_saves(tmp_path) -> None:
    _resume_and_save(tmp_path, lambda: RMSprop(0.01, momentum=0.5, clipvalue=0.05))


@pytest.mark.parametrize("make", [
    lambda: RMSprop(0.01, momentum=0.5, centered=True, clipvalue=0.1),
    lambda: Adam(0.01, amsgrad=True, global_clipnorm=2.0),
    lambda: AdamW(0.01, amsgrad=True, clipvalue=1.5),
])
def test_a_model_compiled_with_the_new_options_saves_and_loads_them(tmp_path, make) -> None:
    model = _model().build(2, seed=0)
    model.compile(optimizer=make(), loss="cross_entropy")
    path = tmp_path / "compiled.safetensors"
    nonlin.save(model, path)
    loaded = nonlin.load(path).optimizer
    assert type(loaded) is type(model.optimizer)
    assert loaded.get_config() == model.optimizer.get_config()
    assert repr(loaded) == repr(model.optimizer)
    X, y = _data()  # and the loaded model trains on with them as the original does
    fit = dict(epochs=1, batch_size=16, seed=0, verbose=0)
    again = nonlin.load(path)
    model.fit(X, y, **fit)
    again.fit(X, y, **fit)
    for a, b in zip(model.get_weights(), again.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()


def test_the_registry_strings_are_unchanged() -> None:
    from nonlin import registry

    assert {k: v.__name__ for k, v in registry.OPTIMIZERS.items()} == {
        "sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop",
        "adagrad": "Adagrad", "adamax": "Adamax", "nadam": "Nadam", "adadelta": "Adadelta",
        "lion": "Lion"}
