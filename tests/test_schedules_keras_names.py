"""The schedules take Keras 3's argument names (``initial_learning_rate``, ``name``, and
``CosineDecay``'s ``warmup_target``) and then give Keras' values, step by step.

The ``_keras_*`` functions below are Keras' arithmetic written out, in float64, from
keras-team/keras at commit 2534b643145262fc2c9ee638065ee14fdb623984 (Keras 3),
``keras/src/optimizers/schedules/learning_rate_schedule.py``: ``ExponentialDecay``,
``PolynomialDecay``, ``InverseTimeDecay``, ``CosineDecay`` (``_warmup_function``,
``_decay_function`` and ``__call__``) and ``CosineDecayRestarts``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import nonlin
from nonlin import schedules
from nonlin.schedules import (
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    InverseTimeDecay,
    PiecewiseConstantDecay,
    PolynomialDecay,
)

REL = 1e-12


def _keras_exponential(initial_learning_rate, decay_steps, decay_rate, staircase, step):
    p = step / decay_steps
    if staircase:
        p = math.floor(p)
    return initial_learning_rate * decay_rate**p


def _keras_inverse_time(initial_learning_rate, decay_steps, decay_rate, staircase, step):
    p = step / decay_steps
    if staircase:
        p = math.floor(p)
    return initial_learning_rate / (1 + decay_rate * p)


def _keras_polynomial(initial_learning_rate, decay_steps, end_learning_rate, power, cycle,
                      step):
    if cycle:  # the first multiple of decay_steps above step (1 at step 0)
        decay_steps = decay_steps * (1.0 if step == 0 else math.ceil(step / decay_steps))
    else:
        step = min(step, decay_steps)
    p = step / decay_steps
    return (initial_learning_rate - end_learning_rate) * (1 - p) ** power + end_learning_rate


def _keras_cosine_decay(step, decay_steps, decay_from_lr, alpha):
    completed_fraction = step / decay_steps
    cosine_decayed = 0.5 * (1.0 + math.cos(math.pi * completed_fraction))
    decayed = (1 - alpha) * cosine_decayed + alpha
    return decay_from_lr * decayed


def _keras_cosine(initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps, step):
    if warmup_target is None:  # warmup_steps unused
        return _keras_cosine_decay(min(step, decay_steps), decay_steps, initial_learning_rate,
                                   alpha)
    step = min(step, decay_steps + warmup_steps)
    if step < warmup_steps:
        completed_fraction = step / warmup_steps
        total_step_delta = warmup_target - initial_learning_rate
        return total_step_delta * completed_fraction + initial_learning_rate
    return _keras_cosine_decay(step - warmup_steps, decay_steps, warmup_target, alpha)


def _keras_restarts(initial_learning_rate, first_decay_steps, t_mul, m_mul, alpha, step):
    completed_fraction = step / first_decay_steps
    if t_mul == 1.0:
        i_restart = math.floor(completed_fraction)
        completed_fraction -= i_restart
    else:
        i_restart = math.floor(math.log(1.0 - completed_fraction * (1.0 - t_mul))
                               / math.log(t_mul))
        sum_r = (1.0 - t_mul**i_restart) / (1.0 - t_mul)
        completed_fraction = (completed_fraction - sum_r) / t_mul**i_restart
    m_fac = m_mul**i_restart
    cosine_decayed = 0.5 * m_fac * (1.0 + math.cos(math.pi * completed_fraction))
    return initial_learning_rate * ((1 - alpha) * cosine_decayed + alpha)


def _assert_keras(schedule, keras, steps) -> None:
    for step in steps:
        assert schedule(step) == pytest.approx(keras(step), rel=REL, abs=0), step


def _steps(*boundaries: int) -> list[int]:
    """0, 1, each boundary and its neighbours, a sweep, and far past the end."""
    around = [b + d for b in boundaries for d in (-1, 0, 1)]
    end = max(boundaries)
    return sorted({0, 1, *around, *range(0, 2 * end, 3), 10 * end, 10**6})


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay_with_keras_names_gives_keras_values(staircase) -> None:
    schedule = ExponentialDecay(initial_learning_rate=0.1, decay_steps=100, decay_rate=0.96,
                                staircase=staircase)
    _assert_keras(schedule, lambda s: _keras_exponential(0.1, 100, 0.96, staircase, s),
                  _steps(100, 200))
    positional = ExponentialDecay(0.1, 100, 0.96, staircase, "decay")  # Keras' order
    assert positional.name == "decay" and positional(150) == schedule(150)


@pytest.mark.parametrize("staircase", [False, True])
def test_inverse_time_decay_with_keras_names_gives_keras_values(staircase) -> None:
    schedule = InverseTimeDecay(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5,
                                staircase=staircase)
    _assert_keras(schedule, lambda s: _keras_inverse_time(0.1, 10, 0.5, staircase, s),
                  _steps(10, 20))


@pytest.mark.parametrize("power, cycle", [(1.0, False), (0.5, False), (2.0, True)])
def test_polynomial_decay_with_keras_names_gives_keras_values(power, cycle) -> None:
    schedule = PolynomialDecay(initial_learning_rate=0.1, decay_steps=50,
                               end_learning_rate=0.01, power=power, cycle=cycle)
    _assert_keras(schedule, lambda s: _keras_polynomial(0.1, 50, 0.01, power, cycle, s),
                  _steps(50, 100))


@pytest.mark.parametrize("t_mul, m_mul, alpha", [(2.0, 1.0, 0.0), (1.0, 0.5, 0.1),
                                                 (2.0, 0.8, 0.05), (3.0, 1.0, 0.0)])
def test_cosine_decay_restarts_with_keras_names_gives_keras_values(t_mul, m_mul, alpha) -> None:
    schedule = CosineDecayRestarts(initial_learning_rate=0.1, first_decay_steps=10,
                                   t_mul=t_mul, m_mul=m_mul, alpha=alpha)
    # restarts at 10, 30, 70 (t_mul=2), 10, 20, 30 (t_mul=1), 10, 40, 130 (t_mul=3)
    _assert_keras(schedule, lambda s: _keras_restarts(0.1, 10, t_mul, m_mul, alpha, s),
                  _steps(10, 20, 30, 40, 70, 130))


@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_cosine_decay_with_keras_names_and_no_warmup_gives_keras_values(alpha) -> None:
    schedule = CosineDecay(initial_learning_rate=0.1, decay_steps=100, alpha=alpha)
    _assert_keras(schedule, lambda s: _keras_cosine(0.1, 100, alpha, None, 0, s), _steps(100))
    assert schedule(100) == schedule(10**9) == pytest.approx(0.1 * alpha, abs=1e-18)


@pytest.mark.parametrize("initial, target, warmup, alpha", [
    (0.0, 0.1, 10, 0.0), (0.01, 0.1, 10, 0.1), (0.0, 3e-4, 1000, 1e-5 / 3e-4),
    (0.05, 0.05, 5, 0.0), (0.02, 0.1, 0, 0.2)])
def test_cosine_decay_keras_warmup_climbs_to_the_target_then_decays_from_it(
        initial, target, warmup, alpha) -> None:
    """The warm-up goes from initial_learning_rate to warmup_target over warmup_steps,
    then the decay takes decay_steps more steps (it counts after the warm-up)."""
    schedule = CosineDecay(initial_learning_rate=initial, decay_steps=100, alpha=alpha,
                           warmup_target=target, warmup_steps=warmup)
    keras = lambda s: _keras_cosine(initial, 100, alpha, target, warmup, s)  # noqa: E731
    _assert_keras(schedule, keras, _steps(max(warmup, 1), warmup + 100))
    assert schedule(0) == (initial if warmup else target)
    assert schedule(warmup) == target
    assert schedule(warmup + 100) == pytest.approx(alpha * target, rel=REL, abs=1e-18)
    assert schedule(warmup + 100) == schedule(10**9)
    positional = CosineDecay(initial, 100, alpha, warmup_target=target, warmup_steps=warmup)
    assert [positional(s) for s in range(0, 130, 7)] == [schedule(s) for s in range(0, 130, 7)]


def test_cosine_decay_keras_form_is_nonlins_form_bit_for_bit() -> None:
    keras = CosineDecay(initial_learning_rate=0.01, decay_steps=300, alpha=0.1,
                        warmup_target=0.1, warmup_steps=30)
    own = CosineDecay(0.1, 300, 0.1, 30, 0.01)
    assert keras.get_config() == own.get_config()
    assert [keras(s) for s in range(400)] == [own(s) for s in range(400)]


def test_cosine_decay_own_form_keeps_its_formula_bit_for_bit() -> None:
    lr, decay, alpha, warm, start = 0.1, 300, 0.1, 30, 0.01
    schedule = CosineDecay(lr, decay, alpha, warm, start)
    for step in range(400):
        if step < warm:
            expected = start + (lr - start) * (step / warm)
        else:
            s = min(step - warm, decay)
            expected = lr * ((1.0 - alpha) * (0.5 * (1.0 + math.cos(math.pi * s / decay)))
                             + alpha)
        assert schedule(step) == expected, step
    assert CosineDecay(0.1, 10, warmup_steps=5)(0) == 0.0  # nonlin's: warm-up from 0


def test_cosine_decay_keras_warmup_steps_without_target_is_unused_as_in_keras() -> None:
    schedule = CosineDecay(initial_learning_rate=0.1, decay_steps=100, warmup_steps=10)
    _assert_keras(schedule, lambda s: _keras_cosine(0.1, 100, 0.0, None, 10, s), _steps(100))
    assert schedule(0) == 0.1 and schedule.warmup_steps == 0


SCHEDULES_WITH_LR = [
    (ExponentialDecay, {"decay_steps": 10, "decay_rate": 0.9}),
    (InverseTimeDecay, {"decay_steps": 10, "decay_rate": 0.5}),
    (PolynomialDecay, {"decay_steps": 10}),
    (CosineDecay, {"decay_steps": 10}),
    (CosineDecayRestarts, {"first_decay_steps": 10}),
]


@pytest.mark.parametrize("cls, rest", SCHEDULES_WITH_LR)
def test_lr_and_initial_learning_rate_together_are_a_type_error(cls, rest) -> None:
    with pytest.raises(TypeError, match=r"Received both: lr=0\.1, initial_learning_rate=0\.2"):
        cls(0.1, initial_learning_rate=0.2, **rest)
    with pytest.raises(TypeError, match="Received both"):
        cls(lr=0.1, initial_learning_rate=0.1, **rest)
    with pytest.raises(TypeError, match="Received neither"):
        cls(**rest)
    assert repr(cls(initial_learning_rate=0.1, **rest)) == repr(cls(0.1, **rest))
    assert repr(cls(lr=0.1, **rest)) == repr(cls(0.1, **rest))
    with pytest.raises(ValueError, match="Received: initial_learning_rate=-0.1"):
        cls(initial_learning_rate=-0.1, **rest)


def test_cosine_decay_refuses_a_mix_of_keras_and_nonlin_warmup_names() -> None:
    with pytest.raises(TypeError, match="warmup_from=0.01 with warmup_target"):
        CosineDecay(0.0, 100, warmup_from=0.01, warmup_target=0.1, warmup_steps=10)
    with pytest.raises(TypeError, match="warmup_from=0.01 with initial_learning_rate"):
        CosineDecay(initial_learning_rate=0.1, decay_steps=100, warmup_from=0.01)
    with pytest.raises(ValueError, match=r"in \[0, warmup_target=0\.1\]. Received: "
                                         r"initial_learning_rate=0\.5"):
        CosineDecay(initial_learning_rate=0.5, decay_steps=100, warmup_target=0.1)
    with pytest.raises(ValueError, match="Received: warmup_target=0"):
        CosineDecay(initial_learning_rate=0.0, decay_steps=100, warmup_target=0)


@pytest.mark.parametrize("cls, keras, default", [
    (ExponentialDecay, {"decay_steps": 10, "decay_rate": 0.9}, "ExponentialDecay"),
    (InverseTimeDecay, {"decay_steps": 10, "decay_rate": 0.5}, "InverseTimeDecay"),
    (PolynomialDecay, {"decay_steps": 10}, "PolynomialDecay"),
    (CosineDecay, {"decay_steps": 10}, "CosineDecay"),
    (CosineDecayRestarts, {"first_decay_steps": 10}, "SGDRDecay"),
    (PiecewiseConstantDecay, None, "PiecewiseConstant")])
def test_keras_name_is_kept_and_in_the_config_unless_the_default(cls, keras, default) -> None:
    if keras is None:  # PiecewiseConstantDecay: Keras' names are nonlin's, name aside
        schedule = cls(boundaries=[3], values=[0.1, 0.01])
    else:
        schedule = cls(initial_learning_rate=0.1, **keras)
    config = schedule.get_config()
    assert schedule.name == default and "name" not in config  # files as before
    named = cls(**config, name="warm_cosine")
    assert named.name == "warm_cosine" and named.get_config() == {**config,
                                                                  "name": "warm_cosine"}
    entry = {"class_name": cls.__name__, "config": named.get_config()}
    rebuilt = schedules.schedule_from_config(entry)
    assert rebuilt.name == "warm_cosine" and repr(rebuilt) == repr(named)
    assert cls(**config, name=None).get_config()["name"] is None  # Keras takes None too
    with pytest.raises(TypeError, match="Received: name=3"):
        cls(**config, name=3)


def test_a_keras_serialized_schedule_loads_through_schedule_from_config() -> None:
    """The dict keras.optimizers.schedules.serialize writes (class_name, config)."""
    entry = {"module": "keras.optimizers.schedules", "class_name": "CosineDecay",
             "config": {"initial_learning_rate": 0.0, "decay_steps": 100, "alpha": 0.1,
                        "name": "CosineDecay", "warmup_target": 0.1, "warmup_steps": 10},
             "registered_name": None}
    schedule = schedules.schedule_from_config(entry)
    _assert_keras(schedule, lambda s: _keras_cosine(0.0, 100, 0.1, 0.1, 10, s), _steps(10, 110))


def test_a_model_file_with_a_keras_style_schedule_loads_with_the_same_values(tmp_path) -> None:
    schedule = CosineDecay(initial_learning_rate=0.001, decay_steps=20, alpha=0.1,
                           name="warm", warmup_target=0.05, warmup_steps=4)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(24, 3)), np.arange(24) % 2
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.fit(X, y, loss="cross_entropy", optimizer=nonlin.Adam(schedule), epochs=2,
              batch_size=8, verbose=0)
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors").optimizer
    assert type(loaded.lr) is CosineDecay and loaded.lr.name == "warm"
    assert repr(loaded.lr) == repr(schedule) and loaded.iterations == 6
    steps = range(0, 40)
    assert [loaded.lr(s) for s in steps] == [schedule(s) for s in steps]
    assert loaded.current_lr() == schedule(6)
