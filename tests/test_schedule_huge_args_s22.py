"""Every numeric argument of every schedule, given a huge integer, a huge float, a bool,
NaN or inf: the schedule works (its repr and get_config round trip too; a step where the
rate overflows float64 is a ValueError naming the step, as before) or the constructor
raises a ValueError/TypeError "Expected ... Received ..." naming the value. Before, a
float argument given ``10**400`` raised a bare OverflowError, and an integer step count
of ``10**5000`` was taken and broke ``repr`` (Python's 4300-digit limit)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from nonlin import schedules as S

HUGE: dict[str, Any] = {
    "int5000": 10**5000, "int400": 10**400, "neg": -(10**5000), "f308": 1e308,
    "inf": math.inf, "ninf": -math.inf, "nan": math.nan, "true": True, "false": False,
    "fraction": Fraction(10**400, 3), "longdouble": np.longdouble("1e4000"), "tiny": 5e-324,
}
CASES: list[tuple[str, dict[str, Any]]] = [
    ("Constant", {"lr": 0.1}),
    ("StepDecay", {"lr": 0.1, "step_size": 3, "gamma": 0.5}),
    ("ExponentialDecay", {"lr": 0.1, "decay_steps": 3, "decay_rate": 0.5}),
    ("CosineDecay", {"lr": 0.1, "decay_steps": 10, "alpha": 0.1, "warmup_steps": 2,
                     "warmup_from": 0.01}),
    ("CosineDecay", {"initial_learning_rate": 0.01, "decay_steps": 10, "warmup_target": 0.1,
                     "warmup_steps": 2}),
    ("PolynomialDecay", {"lr": 0.1, "decay_steps": 10, "end_learning_rate": 0.001,
                         "power": 2.0}),
    ("InverseTimeDecay", {"lr": 0.1, "decay_steps": 10, "decay_rate": 0.5}),
    ("CosineDecayRestarts", {"lr": 0.1, "first_decay_steps": 10, "t_mul": 2.0, "m_mul": 0.5,
                             "alpha": 0.1}),
    ("OneCycle", {"max_lr": 0.1, "total_steps": 100, "pct_start": 0.3, "div_factor": 25.0,
                  "final_div_factor": 1e4}),
    ("OneCycle", {"max_lr": 0.1, "epochs": 10, "steps_per_epoch": 10}),
]
PARAMS = [(name, base, arg, key) for name, base in CASES for arg in base for key in HUGE]
PARAMS += [("PiecewiseConstantDecay", {"boundaries": [3, 5], "values": [0.1, 0.01, 0.001]},
            arg, key) for arg in ("boundaries", "values") for key in HUGE]


def _works_or_refuses(cls: type, kwargs: dict[str, Any]) -> None:
    try:
        schedule = cls(**kwargs)
    except (ValueError, TypeError) as error:
        assert "Expected" in str(error) and "Received" in str(error), str(error)
        return
    shown = repr(schedule)
    assert repr(type(schedule).from_config(schedule.get_config())) == shown
    for step in (0, 1, 2, 10, 99, 1000):
        try:  # a growing rate past float64 (gamma=1e308) is refused at that step, as before
            rate = schedule(step)
        except ValueError as error:
            assert "Expected" in str(error) and "Received: step=" in str(error), str(error)
            continue
        assert isinstance(rate, float) and 0 <= rate < math.inf, (step, rate)


@pytest.mark.parametrize(("name", "base", "arg", "key"), PARAMS,
                         ids=[f"{p[0]}-{p[2]}-{p[3]}" for p in PARAMS])
def test_each_numeric_argument_works_or_is_refused_clearly(
        name: str, base: dict[str, Any], arg: str, key: str) -> None:
    kwargs = dict(base)
    value = HUGE[key]
    if arg == "boundaries":
        kwargs[arg] = [3, value]
    elif arg == "values":
        kwargs[arg] = [0.1, value, 0.001]
    else:
        kwargs[arg] = value
    _works_or_refuses(getattr(S, name), kwargs)


def test_the_briefs_two_cases() -> None:
    with pytest.raises(ValueError, match=r"Expected decay_steps that float64 holds .*"
                                         r"Received: decay_steps=<int of 5001 digits>"):
        S.CosineDecay(0.1, 10**5000)
    with pytest.raises(ValueError, match=r"Expected a positive, finite number\. "
                                         r"Received: lr=<int of 5001 digits>"):
        S.CosineDecay(10**5000, 10)


def test_values_within_float64_still_work_as_before() -> None:
    assert S.StepDecay(1, 2**1000)(5) == 1.0  # an integer float64 holds: kept exact
    assert S.Constant(10**300).lr == 1e300
    assert S.PiecewiseConstantDecay([3, 2**1000], [1, 2, 3])(2**999) == 2.0
    assert S.CosineDecayRestarts(0.1, 10, m_mul=Fraction(1, 2)).m_mul == 0.5
