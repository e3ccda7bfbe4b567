"""PiecewiseConstantDecay and PolynomialDecay against Keras 3's formulas (written out from
keras/src/optimizers/schedules/learning_rate_schedule.py), their checks and their files."""

from __future__ import annotations

import math

import numpy as np
import pytest

import nonlin
from nonlin import schedules
from nonlin.schedules import PiecewiseConstantDecay, PolynomialDecay


def _keras_piecewise(boundaries, values, step):
    """Keras' sum of indicator terms: step <= b[0], b[i-1] < step <= b[i], step > b[-1]."""
    total = values[0] * (step <= boundaries[0]) + values[-1] * (step > boundaries[-1])
    for low, high, value in zip(boundaries[:-1], boundaries[1:], values[1:-1], strict=True):
        total += value * (low < step <= high)
    return total


def _keras_polynomial(lr, decay_steps, end, power, cycle, step):
    if cycle:
        decay_steps = decay_steps * (1.0 if step == 0 else math.ceil(step / decay_steps))
    else:
        step = min(step, decay_steps)
    return (lr - end) * (1 - step / decay_steps) ** power + end


def test_piecewise_constant_takes_the_earlier_value_at_a_boundary_as_keras() -> None:
    schedule = PiecewiseConstantDecay([10, 20, 35], [1.0, 0.5, 0.1, 0.01])
    expected = {0: 1.0, 9: 1.0, 10: 1.0, 11: 0.5, 20: 0.5, 21: 0.1, 35: 0.1, 36: 0.01,
                10**6: 0.01}
    assert {step: schedule(step) for step in expected} == expected
    for step in range(50):
        assert schedule(step) == _keras_piecewise([10, 20, 35], [1.0, 0.5, 0.1, 0.01], step)
    one = PiecewiseConstantDecay((0,), (0.3, 0.2))  # a tuple, a boundary at step 0
    assert [one(0), one(1)] == [0.3, 0.2]
    assert schedule(np.int64(11)) == 0.5


@pytest.mark.parametrize("power, cycle, end", [(1.0, False, 0.0001), (0.5, False, 0.01),
                                               (2.0, True, 0.0001), (1.0, True, 0.0),
                                               (3.0, False, 0.2)])
def test_polynomial_decay_matches_keras_at_and_beyond_decay_steps(power, cycle, end) -> None:
    schedule = PolynomialDecay(0.1, 10, end_learning_rate=end, power=power, cycle=cycle)
    for step in (0, 1, 5, 9, 10, 11, 15, 19, 20, 21, 30, 31, 100, 101):
        expected = _keras_polynomial(0.1, 10, end, power, cycle, step)
        assert schedule(step) == pytest.approx(expected, rel=1e-14, abs=1e-18), step
    assert schedule(0) == 0.1
    if not cycle:
        assert schedule(10) == schedule(10**30) == pytest.approx(end, abs=1e-18)
    else:  # at a multiple of decay_steps the end rate, then up again over a longer span
        assert schedule(20) == pytest.approx(end, abs=1e-18)
        assert schedule(21) == pytest.approx((0.1 - end) * (1 - 21 / 30) ** power + end)
        assert 0 <= schedule(10**30 + 1) <= 0.1  # exact integers: no overflow


@pytest.mark.parametrize("make, match", [
    (lambda: PiecewiseConstantDecay([], [0.1]), r"Received: boundaries=\[\]"),
    (lambda: PiecewiseConstantDecay([5, 5], [1, 2, 3]), r"Received: boundaries=\[5, 5\]"),
    (lambda: PiecewiseConstantDecay([3, 1], [1, 2, 3]), r"Received: boundaries=\[3, 1\]"),
    (lambda: PiecewiseConstantDecay([-1], [1, 2]), r"Received: boundaries=\[-1\]"),
    (lambda: PiecewiseConstantDecay([1.5], [1, 2]), r"Received: boundaries=\[1\.5\]"),
    (lambda: PiecewiseConstantDecay(10, [1, 2]), r"Received: boundaries=10"),
    (lambda: PiecewiseConstantDecay([10], [1.0]), r"Expected 2 learning rates.*values=\[1\.0\]"),
    (lambda: PiecewiseConstantDecay([10], [1.0, -1]), r"Received: values=\[1\.0, -1\]"),
    (lambda: PiecewiseConstantDecay([10], [1.0, math.nan]), r"Received: values=\[1\.0, nan\]"),
    (lambda: PolynomialDecay(0, 10), r"Received: lr=0"),
    (lambda: PolynomialDecay(0.1, 0), r"Received: decay_steps=0"),
    (lambda: PolynomialDecay(0.1, 10, end_learning_rate=-1e-3),
     r"Received: end_learning_rate=-0\.001"),
    (lambda: PolynomialDecay(0.1, 10, power=0), r"Received: power=0"),
    (lambda: PolynomialDecay(0.1, 10, cycle="yes"), r"Received: cycle='yes'"),
])
def test_bad_arguments_are_refused_naming_the_value(make, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        make()


@pytest.mark.parametrize("schedule", [PiecewiseConstantDecay([3], [0.1, 0.01]),
                                      PolynomialDecay(0.1, 10, power=2.0, cycle=True)])
def test_a_step_that_is_not_an_integer_is_refused(schedule) -> None:
    for step in (-1, 2.0, "3", None):
        with pytest.raises((TypeError, ValueError), match="Received: step="):
            schedule(step)


def test_the_lists_given_are_copied_not_kept() -> None:
    boundaries, values = [2, 4], [0.3, 0.2, 0.1]
    schedule = PiecewiseConstantDecay(boundaries, values)
    boundaries.append(9)
    values[0] = 5.0
    assert schedule(0) == 0.3 and schedule.get_config() == {"boundaries": [2, 4],
                                                            "values": [0.3, 0.2, 0.1]}


@pytest.mark.parametrize("schedule", [PiecewiseConstantDecay([3, 6], [0.1, 0.05, 0.01]),
                                      PolynomialDecay(0.05, 8, 0.001, power=0.5, cycle=True)])
def test_they_survive_config_and_model_files(tmp_path, schedule) -> None:
    entry = {"class_name": type(schedule).__name__, "config": schedule.get_config()}
    assert repr(schedules.schedule_from_config(entry)) == repr(schedule)
    assert schedules.SCHEDULES[type(schedule).__name__] is type(schedule)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(24, 3)), np.arange(24) % 2
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.fit(X, y, loss="cross_entropy", optimizer=nonlin.SGD(schedule), epochs=2,
              batch_size=8, verbose=0)
    nonlin.save(model, tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors").optimizer
    assert repr(loaded.lr) == repr(schedule) and loaded.iterations == 6
    assert loaded.current_lr() == schedule(6)


def test_piecewise_constant_takes_numpy_arrays_as_keras_does() -> None:
    arrays = PiecewiseConstantDecay(np.array([3, 5]), np.array([0.1, 0.01, 0.001]))
    lists = PiecewiseConstantDecay([3, 5], [0.1, 0.01, 0.001])
    assert [arrays(step) for step in range(8)] == [lists(step) for step in range(8)]
    assert arrays.get_config() == lists.get_config()
