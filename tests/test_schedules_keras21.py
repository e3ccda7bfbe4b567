"""Session 21's audit of the schedules: each against a NumPy transcription of Keras 3's
``keras/src/optimizers/schedules/learning_rate_schedule.py`` (float64; Keras computes in
float32, nonlin in float64) at every step of a long range, and against PyTorch 2's
``torch.optim.lr_scheduler`` stepped once per update where the rules coincide; and the fixes:
a float ``warmup_steps`` (Keras), ``Schedule.from_config`` (Keras), ``OneCycle``'s
``epochs``/``steps_per_epoch``, ``three_phase`` and ``cycle_momentum=False`` (PyTorch)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nonlin import SGD, Param
from nonlin.schedules import (
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    InverseTimeDecay,
    OneCycle,
    PiecewiseConstantDecay,
    PolynomialDecay,
    StepDecay,
)

STEPS = np.array([*range(0, 1500), 2_000, 10_000, 10**6, 2**24 + 1, 10**9], dtype=np.int64)
f64 = np.float64


# -- Keras 3, written out in NumPy (its operations in its order) ----------------------------
def _k_exponential(lr, d, rate, staircase, g):
    p = f64(g) / f64(d)
    return f64(lr) * np.power(f64(rate), np.floor(p) if staircase else p)


def _k_piecewise(boundaries, values, g):
    value = float(g <= boundaries[0]) * values[0] + float(g > boundaries[-1]) * values[-1]
    for low, high, v in zip(boundaries[:-1], boundaries[1:], values[1:-1], strict=True):
        value += float(low < g <= high) * v
    return value


def _k_polynomial(lr, d, end, power, cycle, g):
    g, d = f64(g), f64(d)
    if cycle:
        d = d * (f64(1.0) if g == 0 else np.ceil(g / d))
    else:
        g = np.minimum(g, d)
    return (f64(lr) - f64(end)) * np.power(1 - g / d, f64(power)) + f64(end)


def _k_inverse_time(lr, d, rate, staircase, g):
    p = f64(g) / f64(d)
    return f64(lr) / (1 + f64(rate) * (np.floor(p) if staircase else p))


def _k_cosine(lr, d, alpha, warmup_target, warmup_steps, g):
    g, d = f64(g), f64(d)

    def decay(step, start):
        cosine = 0.5 * (1.0 + np.cos(f64(math.pi) * (step / d)))
        return start * ((1 - alpha) * cosine + alpha)

    if warmup_target is None:
        return decay(np.minimum(g, d), f64(lr))
    w = f64(warmup_steps)
    g = np.minimum(g, d + w)
    if g < w:
        return (f64(warmup_target) - f64(lr)) * (g / w) + f64(lr)
    return decay(g - w, f64(warmup_target))


def _k_restarts(lr, first, t_mul, m_mul, alpha, g):
    fraction = f64(g) / f64(first)
    if t_mul == 1.0:
        i = np.floor(fraction)
        fraction = fraction - i
    else:
        i = np.floor(np.log(1.0 - fraction * (1.0 - t_mul)) / np.log(f64(t_mul)))
        fraction = (fraction - (1.0 - t_mul**i) / (1.0 - t_mul)) / t_mul**i
    cosine = 0.5 * m_mul**i * (1.0 + np.cos(f64(math.pi) * fraction))
    return f64(lr) * ((1 - alpha) * cosine + alpha)


def _agree(schedule, keras, steps=STEPS, skip=lambda step: False) -> None:
    ours = np.array([schedule(int(s)) for s in steps if not skip(int(s))])
    theirs = np.array([keras(int(s)) for s in steps if not skip(int(s))])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12 * theirs.max())


@pytest.mark.parametrize("d", [1, 7, 100, 2.5])
@pytest.mark.parametrize("rate, staircase", [(0.96, False), (0.5, True), (0.5, False)])
def test_exponential_decay_is_keras_at_every_step(d, rate, staircase) -> None:
    _agree(ExponentialDecay(initial_learning_rate=0.1, decay_steps=d, decay_rate=rate,
                            staircase=staircase),
           lambda g: _k_exponential(0.1, d, rate, staircase, g))


def test_piecewise_constant_decay_is_keras_at_every_step() -> None:
    boundaries, values = [0, 10, 100, 1000], [1.0, 0.5, 0.25, 0.1, 0.01]
    _agree(PiecewiseConstantDecay(boundaries, values),
           lambda g: _k_piecewise(boundaries, values, g))


def test_piecewise_constant_decay_takes_float_boundaries_of_integer_value_as_keras() -> None:
    """``boundaries=[0.5 * total, 0.75 * total]``: Keras casts them to the step's integers;
    nonlin refused them. A fractional boundary stays refused, naming it."""
    total, values = 1000, [0.1, 0.01, 0.001]
    schedule = PiecewiseConstantDecay([0.5 * total, np.float32(0.75 * total)], values)
    assert schedule.get_config()["boundaries"] == [500, 750]
    _agree(schedule, lambda g: _k_piecewise([500, 750], values, g))
    with pytest.raises(ValueError, match=r"Received: boundaries=\[500\.5\]"):
        PiecewiseConstantDecay([500.5], values[:2])


@pytest.mark.parametrize("d", [1, 10, 333, 2.5])
@pytest.mark.parametrize("power, end, cycle", [(1.0, 1e-4, False), (0.5, 0.0, False),
                                               (2.0, 0.5, False), (1.0, 1e-4, True),
                                               (0.5, 0.01, True), (3.0, 0.0, True)])
def test_polynomial_decay_is_keras_at_every_step(d, power, end, cycle) -> None:
    _agree(PolynomialDecay(0.1, d, end, power, cycle), lambda g: _k_polynomial(0.1, d, end,
                                                                               power, cycle, g))


@pytest.mark.parametrize("d", [1, 10, 1.0, 2.5])
@pytest.mark.parametrize("rate, staircase", [(0.5, False), (0.5, True), (0.0, False),
                                             (3.0, True)])
def test_inverse_time_decay_is_keras_at_every_step(d, rate, staircase) -> None:
    _agree(InverseTimeDecay(0.1, d, rate, staircase),
           lambda g: _k_inverse_time(0.1, d, rate, staircase, g))


@pytest.mark.parametrize("d", [1, 10, 1000, 2.5])
@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_cosine_decay_without_warmup_is_keras_at_every_step(d, alpha) -> None:
    _agree(CosineDecay(0.1, d, alpha), lambda g: _k_cosine(0.1, d, alpha, None, 0, g))
    _agree(CosineDecay(initial_learning_rate=0.1, decay_steps=d, alpha=alpha, warmup_steps=50),
           lambda g: _k_cosine(0.1, d, alpha, None, 50, g))  # Keras: no warm-up


@pytest.mark.parametrize("d", [1, 10, 1000])
@pytest.mark.parametrize("alpha, start, w", [(0.0, 0.0, 0), (0.1, 0.0, 1), (0.0, 0.01, 10),
                                             (0.1, 0.02, 500)])
def test_cosine_decay_with_keras_warmup_target_is_keras_at_every_step(d, alpha, start, w):
    _agree(CosineDecay(initial_learning_rate=start, decay_steps=d, alpha=alpha,
                       warmup_target=0.1, warmup_steps=w),
           lambda g: _k_cosine(start, d, alpha, 0.1, w, g))
    _agree(CosineDecay(start, d, alpha, "warm", 0.1, w),  # Keras' positional order
           lambda g: _k_cosine(start, d, alpha, 0.1, w, g))


@pytest.mark.parametrize("w", [10.0, 2.5, 0.5, 100.0, 0.0])
def test_cosine_decay_takes_a_float_warmup_steps_as_keras(w) -> None:
    """Keras casts ``warmup_steps`` to a float (``warmup_steps=0.1 * total`` is one);
    nonlin refused any float: 'Expected an integer >= 0. Received: warmup_steps=10.0'."""
    schedule = CosineDecay(initial_learning_rate=0.0, decay_steps=1000, alpha=0.1,
                           warmup_target=0.1, warmup_steps=w)
    _agree(schedule, lambda g: _k_cosine(0.0, 1000, 0.1, 0.1, w, g))
    assert schedule.get_config()["warmup_steps"] == w
    assert CosineDecay.from_config(schedule.get_config())(7) == schedule(7)
    own = CosineDecay(0.1, 1000, 0.1, w, 0.01)  # nonlin's order: warmup_steps, warmup_from
    _agree(own, lambda g: _k_cosine(0.01, 1000, 0.1, 0.1, w, g))


@pytest.mark.parametrize("w", [-1.0, math.nan, math.inf, True, "10"])
def test_a_bad_warmup_steps_is_refused_naming_it(w) -> None:
    with pytest.raises(ValueError, match=r"Expected an integer >= 0 or a float >= 0.*"
                                         r"Received: warmup_steps="):
        CosineDecay(0.1, 100, warmup_steps=w)


@pytest.mark.parametrize("first", [1, 10, 2.5])
@pytest.mark.parametrize("t_mul, m_mul, alpha", [(1.0, 1.0, 0.0), (1.0, 0.5, 0.1),
                                                 (2.0, 1.0, 0.0), (1.5, 0.8, 0.1),
                                                 (3.0, 0.5, 0.0)])
def test_cosine_decay_restarts_is_keras_at_every_step(first, t_mul, m_mul, alpha) -> None:
    """Away from the steps where Keras' logarithm rounds a restart one step late (nonlin's
    documented difference: it restarts on the step itself)."""
    schedule = CosineDecayRestarts(0.1, first, t_mul, m_mul, alpha)

    def late(g: int) -> bool:
        keras_i = math.floor(math.log(1.0 - g / first * (1.0 - t_mul)) / math.log(t_mul)) \
            if t_mul != 1.0 else math.floor(g / first)
        return g > 10**6 or keras_i != schedule._period(g)[0]

    _agree(schedule, lambda g: _k_restarts(0.1, first, t_mul, m_mul, alpha, g), skip=late)


def test_every_schedule_rebuilds_from_config_as_keras_schedules_do() -> None:
    """Keras' ``Schedule.from_config(config)``; nonlin had only ``schedule_from_config``."""
    keras_config = {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.9,
                    "staircase": True, "name": "ExponentialDecay"}
    assert ExponentialDecay.from_config(keras_config)(25) == 0.1 * 0.9**2
    for schedule in (StepDecay(0.1, 3), ExponentialDecay(0.1, 10, 0.5),
                     CosineDecay(0.1, 100, 0.1, 10, 0.01),
                     CosineDecay(0.0, 100, 0.0, "c", 0.1, 10), InverseTimeDecay(0.1, 3, 0.5),
                     PiecewiseConstantDecay([3], [0.1, 0.01]), PolynomialDecay(0.1, 10),
                     CosineDecayRestarts(0.1, 10), OneCycle(0.1, 20, three_phase=True)):
        again = type(schedule).from_config(schedule.get_config())
        assert repr(again) == repr(schedule)
        assert [again(s) for s in range(30)] == [schedule(s) for s in range(30)]
    with pytest.raises(TypeError, match=r"Expected a config dict\. Received: config=\[1\]"):
        StepDecay.from_config([1])


def test_keras_attribute_names_read_the_schedule_s_rates() -> None:
    """Keras' ``schedule.initial_learning_rate`` (and ``CosineDecay``'s ``warmup_target``)
    read as in Keras; nonlin raised AttributeError. The configs keep nonlin's names."""
    for schedule in (ExponentialDecay(0.1, 10, 0.5), PolynomialDecay(0.1, 10),
                     InverseTimeDecay(0.1, 10, 0.5), CosineDecayRestarts(0.1, 10),
                     CosineDecay(0.1, 10)):
        assert schedule.initial_learning_rate == 0.1 == schedule(0)
        assert "initial_learning_rate" not in schedule.get_config()
    warm = CosineDecay(initial_learning_rate=0.01, decay_steps=100, warmup_target=0.1,
                       warmup_steps=10)
    assert (warm.initial_learning_rate, warm.warmup_target) == (0.01, 0.1)
    assert CosineDecay(0.1, 100).warmup_target is None
    assert CosineDecay(0.1, 100, warmup_steps=5).initial_learning_rate == 0.0
    with pytest.raises(AttributeError):
        warm.initial_learning_rate = 0.5  # read-only: the schedule's lr is set by its own name


def test_the_first_update_reads_the_schedule_at_step_0_as_keras() -> None:
    """Keras evaluates ``learning_rate(iterations)`` before incrementing ``iterations``."""
    weight, optimizer = Param(np.zeros(1), "w"), SGD(StepDecay(0.1, 1, 0.5))
    for expected in (-0.1, -0.15, -0.175):
        weight.grad[...] = 1.0
        optimizer.step([weight])
        assert weight.value[0] == pytest.approx(expected, rel=1e-15)
    assert optimizer.iterations == 3 and optimizer.current_lr() == 0.1 * 0.5**3


# -- PyTorch, stepped once per update --------------------------------------------------------
@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _torch_rates(torch, make, steps):
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=0.1)
    scheduler, rates = make(torch.optim.lr_scheduler, optimizer), []
    for _ in range(steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if len(rates) < steps:  # OneCycleLR refuses a step past total_steps
            scheduler.step()
    return np.array(rates)


_TORCH = [  # (nonlin's schedule, PyTorch's scheduler, steps, rtol)
    (StepDecay(0.1, 7, 0.5), lambda L, o: L.StepLR(o, 7, 0.5), 300, 0),
    (ExponentialDecay(0.1, 7, 0.5, True), lambda L, o: L.StepLR(o, 7, 0.5), 300, 0),
    (ExponentialDecay(0.1, 1, 0.99), lambda L, o: L.ExponentialLR(o, 0.99), 1500, 1e-13),
    (PiecewiseConstantDecay([10, 50], [0.1, 0.1 * 0.3, 0.1 * 0.3 * 0.3]),
     lambda L, o: L.MultiStepLR(o, [11, 51], 0.3), 200, 0),
    (PolynomialDecay(0.1, 100, 0.0, 2.0), lambda L, o: L.PolynomialLR(o, 100, 2.0), 300, 1e-13),
    (CosineDecay(0.1, 100, 0.1), lambda L, o: L.CosineAnnealingLR(o, 100, 0.01), 101, 1e-13),
    (CosineDecay(0.1, 100, 0.1, 10, 0.02), lambda L, o: L.SequentialLR(
        o, [L.LinearLR(o, 0.2, 1.0, 10), L.CosineAnnealingLR(o, 100, 0.01)], [10]), 111, 1e-13),
    (CosineDecayRestarts(0.1, 5, 2.0, 1.0, 0.1),
     lambda L, o: L.CosineAnnealingWarmRestarts(o, 5, 2, 0.01), 1000, 1e-13),
    (OneCycle(0.1, 100), lambda L, o: L.OneCycleLR(o, 0.1, 100, cycle_momentum=False), 100, 0),
]


@pytest.mark.parametrize("schedule, make, steps, rtol", _TORCH)
def test_schedules_are_torch_schedulers_stepped_per_update(torch, schedule, make, steps,
                                                           rtol) -> None:
    ours = np.array([schedule(step) for step in range(steps)])
    np.testing.assert_allclose(ours, _torch_rates(torch, make, steps), rtol=rtol, atol=0)


@pytest.mark.parametrize("total, pct, strategy", [(100, 0.3, "cos"), (1000, 0.25, "linear"),
                                                  (7, 0.5, "cos"), (50, 0.0, "cos"),
                                                  (50, 0.7, "linear"), (10, 1.0, "cos")])
def test_one_cycle_three_phase_is_torch_bit_for_bit(torch, total, pct, strategy) -> None:
    """PyTorch's ``three_phase=True``; nonlin refused the keyword (TypeError)."""
    schedule = OneCycle(0.1, total, pct, strategy, three_phase=True)
    theirs = _torch_rates(torch, lambda L, o: L.OneCycleLR(
        o, 0.1, total, pct_start=float(pct), anneal_strategy=strategy, three_phase=True,
        cycle_momentum=False), total)
    np.testing.assert_array_equal([schedule(s) for s in range(total)], theirs)
    assert schedule(total) == schedule(10 * total) == 0.1 / 25 / 1e4
    assert schedule.get_config()["three_phase"] is True
    assert "three_phase" not in OneCycle(0.1, total, pct, strategy).get_config()


def test_one_cycle_takes_torch_s_epochs_and_steps_per_epoch(torch) -> None:
    """PyTorch's usual ``OneCycleLR(opt, max_lr, epochs=..., steps_per_epoch=...)``, with
    ``cycle_momentum=False``; nonlin refused both keywords (TypeError)."""
    schedule = OneCycle(max_lr=0.1, epochs=4, steps_per_epoch=25, cycle_momentum=False)
    assert schedule.total_steps == 100
    theirs = _torch_rates(torch, lambda L, o: L.OneCycleLR(
        o, max_lr=0.1, epochs=4, steps_per_epoch=25, cycle_momentum=False), 100)
    np.testing.assert_array_equal([schedule(s) for s in range(100)], theirs)
    assert OneCycle(0.1, 100, epochs=4, steps_per_epoch=25).get_config() == OneCycle(
        0.1, 100).get_config()


@pytest.mark.parametrize("kwargs, match", [
    ({}, r"total_steps is required"),
    ({"epochs": 4}, r"epochs and steps_per_epoch together.*steps_per_epoch=None"),
    ({"epochs": 0, "steps_per_epoch": 5}, r"Received: epochs=0"),
    ({"epochs": 2, "steps_per_epoch": 2.5}, r"Received: steps_per_epoch=2\.5"),
    ({"total_steps": 99, "epochs": 4, "steps_per_epoch": 25}, r"total_steps=99, epochs=4"),
    ({"total_steps": 100, "cycle_momentum": True}, r"Received: cycle_momentum=True"),
    ({"total_steps": 100, "three_phase": "yes"}, r"three_phase='yes'"),
])
def test_one_cycle_s_torch_arguments_are_checked_naming_the_value(kwargs, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        OneCycle(0.1, **kwargs)
