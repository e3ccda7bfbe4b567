"""Session 22 (optset22): optimizer settings set after construction are checked by fit,
compile and train_on_batch as the constructor checks them; centered RMSprop's ``v - a^2``
clamped at 0 (float32 rounding made it negative: NaN weights)."""

from __future__ import annotations

import numpy as np
import pytest

import nonlin
from nonlin import RMSprop
from nonlin.core import Param


def test_centered_rmsprop_float32_rounding_gives_no_nan() -> None:
    # v >= a^2 exactly; in float32, a constant g = 6720.277 with rho=0.5 makes v - a^2
    # about -2 at step 23, below -epsilon: sqrt gave NaN weights
    p = Param(np.zeros(1, np.float32))
    opt = RMSprop(0.001, rho=0.5, centered=True)
    reached = False
    with np.errstate(invalid="raise"):  # sqrt of a negative: FloatingPointError before
        for _ in range(40):
            p.grad[...] = np.float32(6720.277)
            opt.step([p])
            v, a = opt._param_slots["v"][0], opt._param_slots["average_gradient"][0]
            reached = reached or bool((v - a * a + np.float32(opt.epsilon) < 0).any())
    assert reached  # the case is reached
    assert np.isfinite(p.value).all()


def test_centered_rmsprop_unchanged_where_the_variance_is_not_negative() -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal(50)
    p = Param(w.copy())
    opt = RMSprop(0.01, centered=True, momentum=0.5)
    v = np.zeros(50)
    a = np.zeros(50)
    b = np.zeros(50)
    for _ in range(5):
        g = rng.standard_normal(50)
        p.grad[...] = g
        opt.step([p])
        v = 0.9 * v + (1 - 0.9) * (g * g)
        a = 0.9 * a + (1 - 0.9) * g
        b = 0.5 * b + 0.01 * g / np.sqrt(v - a * a + 1e-7)
        w = w - b
    np.testing.assert_allclose(p.value, w, rtol=1e-12, atol=1e-14)


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.standard_normal((32, 3)), rng.integers(0, 2, 32)


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2),
                              nonlin.Softmax()]).build(3, seed=0)


BAD = [  # (class, setting, a value its constructor refuses)
    (nonlin.SGD, "momentum", 2.0), (nonlin.SGD, "clipnorm", -1.0),
    (nonlin.SGD, "nesterov", "yes"), (nonlin.SGD, "weight_decay", float("nan")),
    (nonlin.Adam, "beta_1", 1.5), (nonlin.Adam, "epsilon", "x"), (nonlin.Adam, "amsgrad", 1),
    (nonlin.AdamW, "weight_decay", -0.1), (nonlin.RMSprop, "epsilon", "x"),
    (nonlin.RMSprop, "rho", 1.0), (nonlin.RMSprop, "centered", None),
    (nonlin.Adagrad, "initial_accumulator_value", -1.0), (nonlin.Adamax, "beta_2", 1.0),
    (nonlin.Nadam, "momentum_decay", 0.0), (nonlin.Adadelta, "rho", -0.5),
    (nonlin.Lion, "beta_1", 0.0), (nonlin.Lion, "weight_decay", float("inf")),
    (nonlin.Adam, "clipvalue", 0.0), (nonlin.Adam, "use_ema", "yes"),
    (nonlin.SGD, "ema_momentum", 1.5), (nonlin.SGD, "ema_overwrite_frequency", 2.5),
]


def _constructor_error(cls: type, name: str, value: object) -> tuple[type, str]:
    with pytest.raises((ValueError, TypeError)) as info:
        cls(**{name: value})
    return info.type, str(info.value)


@pytest.mark.parametrize(("cls", "name", "value"), BAD,
                         ids=[f"{cls.__name__}.{name}" for cls, name, _ in BAD])
def test_fit_refuses_a_setting_set_after_construction_as_the_constructor(
        cls: type, name: str, value: object) -> None:
    kind, message = _constructor_error(cls, name, value)
    opt = cls()
    setattr(opt, name, value)
    model = _model()
    before = [p.value.copy() for p in model.parameters()]
    X, y = _data()
    with pytest.raises(kind) as info:
        model.fit(X, y, loss="cross_entropy", optimizer=opt, epochs=1, verbose=0)
    assert str(info.value) == message
    assert all(np.array_equal(a, p.value) for a, p in zip(before, model.parameters(), strict=True))


@pytest.mark.parametrize("how", ["compile", "compiled_fit", "train_on_batch"])
def test_compile_and_train_on_batch_refuse_it_too(how: str) -> None:
    opt = nonlin.SGD(0.1, momentum=0.5)
    model, (X, y) = _model(), _data()
    if how != "compile":
        model.compile(optimizer=opt, loss="cross_entropy")
    opt.momentum = 1.0
    with pytest.raises(ValueError, match=r"Expected momentum in \[0.0, 1.0\)\. Received: "
                                         r"momentum=1.0"):
        if how == "compile":
            model.compile(optimizer=opt, loss="cross_entropy")
        elif how == "compiled_fit":
            model.fit(X, y, epochs=1, verbose=0)
        else:
            model.train_on_batch(X, y)


def test_settings_checked_together_as_the_constructor_checks_them() -> None:
    model, (X, y) = _model(), _data()
    opt = nonlin.SGD(0.1, momentum=0.5, nesterov=True)
    opt.momentum = 0.0
    with pytest.raises(ValueError, match="Expected momentum > 0 with nesterov=True"):
        model.fit(X, y, loss="cross_entropy", optimizer=opt, verbose=0)
    opt = nonlin.Adam(clipnorm=1.0)
    opt.clipvalue = 0.5
    with pytest.raises(ValueError, match="Expected at most one of clipnorm, clipvalue"):
        model.fit(X, y, loss="cross_entropy", optimizer=opt, verbose=0)


def test_adamax_and_nadam_refuse_amsgrad_which_they_would_ignore() -> None:
    model, (X, y) = _model(), _data()
    for cls in (nonlin.Adamax, nonlin.Nadam):
        opt = cls()
        opt.amsgrad = True
        with pytest.raises(ValueError, match="Expected amsgrad=False"):
            model.fit(X, y, loss="cross_entropy", optimizer=opt, verbose=0)


@pytest.mark.parametrize(("cls", "setting"), [
    (nonlin.SGD, {"momentum": 0.9}), (nonlin.SGD, {"momentum": 0.9, "nesterov": True}),
    (nonlin.RMSprop, {"momentum": 0.5}), (nonlin.RMSprop, {"centered": True}),
    (nonlin.Adam, {"amsgrad": True})])
def test_a_setting_that_chooses_the_slots_set_before_the_first_step_is_used(
        cls: type, setting: dict) -> None:
    # SGD's momentum set on an SGD() was ignored (no velocity slot); RMSprop's momentum or
    # centered, Adam's amsgrad raised a KeyError in the first step
    X, y = _data()
    given, set_after = _model(), _model()
    given.fit(X, y, loss="cross_entropy", optimizer=cls(0.05, **setting), epochs=2, seed=1,
              verbose=0)
    opt = cls(0.05)
    for name, value in setting.items():
        setattr(opt, name, value)
    set_after.fit(X, y, loss="cross_entropy", optimizer=opt, epochs=2, seed=1, verbose=0)
    for a, b in zip(given.parameters(), set_after.parameters(), strict=True):
        np.testing.assert_array_equal(a.value, b.value)


def test_a_setting_that_needs_a_slot_the_first_step_did_not_make_is_refused() -> None:
    model, (X, y) = _model(), _data()
    opt = nonlin.RMSprop(0.01)
    model.fit(X, y, loss="cross_entropy", optimizer=opt, epochs=1, verbose=0)
    opt.centered = True  # before: a KeyError in the next fit's first step
    before = [p.value.copy() for p in model.parameters()]
    with pytest.raises(ValueError, match="RMSprop\\(centered=True\\) needs the slot "
                                         "'average_gradient'.*made with centered=False"):
        model.fit(X, y, loss="cross_entropy", optimizer=opt, epochs=1, verbose=0)
    assert all(np.array_equal(a, p.value) for a, p in zip(before, model.parameters(), strict=True))
    opt.centered = False  # set back: it trains on
    model.fit(X, y, loss="cross_entropy", optimizer=opt, epochs=1, verbose=0)


def test_step_by_hand_does_not_check_settings_as_pytorch() -> None:
    p = Param(np.ones(2))
    opt = nonlin.SGD(0.1, momentum=0.5)
    opt.momentum = 1.0  # refused by fit; step, called per batch, stays as cheap as it was
    p.grad[...] = 1.0
    opt.step([p])
    np.testing.assert_array_equal(p.value, [0.9, 0.9])


def test_every_constructor_names_optimizer_inits_keywords_in_its_signature() -> None:
    import inspect

    from nonlin._optimizer_settings import BASE_OPTIONS

    base = inspect.signature(nonlin.Optimizer.__init__).parameters
    assert set(BASE_OPTIONS) == {n for n, p in base.items() if p.kind is p.KEYWORD_ONLY}
    for cls in (nonlin.SGD, nonlin.Adam, nonlin.AdamW, nonlin.RMSprop, nonlin.Adagrad,
                nonlin.Adamax, nonlin.Nadam, nonlin.Adadelta, nonlin.Lion):
        params = inspect.signature(cls).parameters
        for name in BASE_OPTIONS:
            assert params[name].kind is inspect.Parameter.KEYWORD_ONLY, (cls, name)
            assert params[name].default == base[name].default, (cls, name)
        opt = cls(learning_rate=0.5, clipvalue=2.0, use_ema=True, ema_momentum=0.5,
                  ema_overwrite_frequency=3)
        assert (opt.lr, opt.clipnorm, opt.clipvalue, opt.use_ema, opt.ema_momentum,
                opt.ema_overwrite_frequency) == (0.5, None, 2.0, True, 0.5, 3)
        assert cls(global_clipnorm=1.5).clipnorm == 1.5


def test_fit_resume_from_checks_the_compiled_optimizers_settings(tmp_path) -> None:
    from nonlin.checkpoint import ModelCheckpoint

    X, y = _data()
    path = str(tmp_path / "ck.safetensors")
    _model().fit(X, y, loss="cross_entropy", optimizer=nonlin.Adam(), epochs=1, verbose=0,
                 callbacks=[ModelCheckpoint(path)])
    model, opt = _model(), nonlin.Adam()
    model.compile(optimizer=opt, loss="cross_entropy")
    opt.beta_1 = 1.5  # before: refused as settings other than the checkpoint's
    with pytest.raises(ValueError) as info:
        model.fit(X, y, epochs=2, verbose=0, resume_from=path)
    assert str(info.value) == "Expected beta_1 in [0.0, 1.0). Received: beta_1=1.5"
