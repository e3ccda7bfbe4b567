"""Keras 3 computes ``step / decay_steps`` in floats and accepts a float ``decay_steps``
(``first_decay_steps``) in ``ExponentialDecay``, ``PolynomialDecay``, ``CosineDecay`` and
``CosineDecayRestarts`` (``decay_steps <= 0`` is its only check): so does nonlin now, as
``InverseTimeDecay`` already did; an integer's rates are byte-identical to before. And a
``CosineDecay`` argument given by position and by keyword at its default is a TypeError."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin.schedules import (
    CosineDecay,
    CosineDecayRestarts,
    ExponentialDecay,
    PolynomialDecay,
    schedule_from_config,
)

MAKERS = {  # a schedule with its decay steps d
    "ExponentialDecay": lambda d: ExponentialDecay(0.1, d, 0.5),
    "PolynomialDecay": lambda d: PolynomialDecay(0.1, d, 0.01, 2.0),
    "CosineDecay": lambda d: CosineDecay(0.1, d, 0.1),
    "CosineDecayRestarts": lambda d: CosineDecayRestarts(0.1, d, 1.5),
}


@pytest.mark.parametrize("name", MAKERS)
def test_a_float_decay_steps_is_taken_as_keras_does(name: str) -> None:
    # before: "Expected an integer >= 1. Received: decay_steps=2.5"
    schedule = MAKERS[name](2.5)
    steps = getattr(schedule, "decay_steps", None) or schedule.first_decay_steps
    assert steps == 2.5 and type(steps) is float
    rates = [schedule(step) for step in range(60)]
    assert all(0 <= r <= 0.1 for r in rates) and rates[0] == 0.1
    config = {"class_name": name, "config": schedule.get_config()}
    assert [schedule_from_config(config)(step) for step in range(60)] == rates


def test_the_float_rates_are_keras_formulas() -> None:
    for stair in (False, True):
        exp = ExponentialDecay(0.1, 2.5, 0.5, stair)
        for step in range(30):
            p = step / 2.5
            assert exp(step) == 0.1 * math.pow(0.5, math.floor(p) if stair else p)
    for cycle in (False, True):
        poly = PolynomialDecay(0.1, 2.5, 0.01, 2.0, cycle)
        for step in range(30):
            span = 2.5 * max(1, math.ceil(step / 2.5)) if cycle else 2.5
            s = step if cycle else min(step, 2.5)
            assert poly(step) == (0.1 - 0.01) * (1 - s / span) ** 2.0 + 0.01
    cos = CosineDecay(0.1, 2.5, 0.1)
    for step in range(10):
        s = min(step, 2.5)
        assert cos(step) == 0.1 * (0.9 * 0.5 * (1 + math.cos(math.pi * s / 2.5)) + 0.1)
    sgdr = CosineDecayRestarts(0.1, 2.5, 1.0)  # t_mul 1: period floor(step / d)
    for step in range(30):
        s = step / 2.5
        f = s - math.floor(s)
        assert sgdr(step) == 0.1 * (0.5 * (1 + math.cos(math.pi * f)))
    assert CosineDecayRestarts(0.1, 2.5)(0) == 0.1  # t_mul 2: the geometric periods


@pytest.mark.parametrize("name", MAKERS)
@pytest.mark.parametrize("bad", [0, 0.0, -1, -2.5, math.inf, -math.inf, math.nan, True, False,
                                 "3", None])
def test_zero_negative_non_finite_or_bool_decay_steps_are_refused(name: str, bad: Any) -> None:
    key = "first_decay_steps" if name == "CosineDecayRestarts" else "decay_steps"
    with pytest.raises(ValueError, match=rf"Expected an integer >= 1 or a float > 0 \(Keras "
                                         rf"takes both\).*Received: {key}={bad!r}$"):
        MAKERS[name](bad)


def test_huge_steps_over_a_float_decay_steps() -> None:
    assert ExponentialDecay(0.1, 2.5, 0.5)(10**400) == 0.0
    assert ExponentialDecay(0.1, 2.5, 1.0, True)(10**400) == 0.1
    with pytest.raises(ValueError, match="overflows float64"):
        ExponentialDecay(0.1, 2.5, 2.0)(10**400)
    assert PolynomialDecay(0.1, 2.5, 0.01)(10**400) == 0.01
    with pytest.raises(ValueError, match="float64 can hold"):
        PolynomialDecay(0.1, 2.5, 0.01, cycle=True)(10**400)
    assert CosineDecay(0.1, 2.5, 0.1)(10**400) == pytest.approx(0.01)
    with pytest.raises(ValueError, match="float64 can hold"):
        CosineDecayRestarts(0.1, 2.5, 1.0)(10**400)


def test_an_integer_decay_steps_beyond_float64_steps_decays_instead_of_overflowing() -> None:
    # before: a bare OverflowError ("integer division result too large for a float")
    assert ExponentialDecay(0.1, 3, 0.5)(10**400) == 0.0
    assert ExponentialDecay(0.1, 3, 1.0)(10**400) == 0.1


def test_a_fit_with_a_float_decay_steps_saves_and_loads(tmp_path: Any) -> None:
    X = np.random.default_rng(0).normal(size=(8, 3))
    model = nonlin.Sequential([nonlin.Dense(1)]).build(3, seed=0)
    model.compile(nonlin.SGD(CosineDecayRestarts(0.1, 2.5)), "mse")
    model.fit(X, X[:, :1], epochs=2, batch_size=2, verbose=0, seed=0)
    model.save(tmp_path / "m.safetensors")
    loaded = nonlin.load(tmp_path / "m.safetensors")
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert loaded.optimizer.current_lr() == model.optimizer.current_lr()


# -- the rates of every argument valid before are the same bytes --------------------------
def _grid() -> list[Any]:
    out: list[Any] = []
    for d in (1, 3, 7, 100, 1000, np.int64(13)):
        out += [ExponentialDecay(0.1, d, rate, stair)
                for rate in (0.5, 0.96, 1.0, 2.0) for stair in (False, True)]
        out += [PolynomialDecay(0.1, d, end, power, cycle) for end, power, cycle in (
            (0.0001, 1.0, False), (0.0, 0.5, True), (0.2, 2.0, True), (0.01, 3.0, False))]
        out += [CosineDecay(0.1, d, alpha, warmup_steps=w, warmup_from=wf)
                for alpha, w, wf in ((0.0, 0, 0.0), (0.1, 10, 0.01), (0.5, 3, 0.0))]
        out.append(CosineDecay(initial_learning_rate=0.0, decay_steps=d, warmup_target=0.2,
                               warmup_steps=5))
        out.append(CosineDecay(0.0, d, 0.1, "k", 0.3, 4))
        out += [CosineDecayRestarts(0.1, d, t, m, a) for t, m, a in (
            (1.0, 1.0, 0.0), (2.0, 1.0, 0.1), (1.5, 0.9, 0.0), (3.0, 1.1, 0.2))]
    return out


_STEPS = [*range(0, 2100), 10**4 + 1, 10**6, 10**9 + 7, 2**53 + 1, 10**18, 10**30, 10**300]


def _rate(schedule: Any, step: int) -> str:
    try:
        return float(schedule(step)).hex()
    except (ValueError, OverflowError) as exc:
        return f"{type(exc).__name__}: {exc}"


def test_integer_decay_steps_give_the_rates_they_gave_before() -> None:
    """126 schedules x 2107 steps, as float.hex (or the error), hashed: the digest the code
    before float decay steps gave (git archive of main at 600bbd4)."""
    rows = [[repr(s), [_rate(s, step) for step in _STEPS]] for s in _grid()]
    digest = hashlib.sha256(json.dumps(rows).encode()).hexdigest()
    assert digest == "d5d35745477930e4bea04b44f90d64007c4b46dbe64a39f2c90c7befb7133a73"


# -- CosineDecay: one argument given twice -------------------------------------------------
@pytest.mark.parametrize("make, key", [
    (lambda: CosineDecay(0.1, 100, 0.0, 0, warmup_steps=0), "warmup_steps"),
    (lambda: CosineDecay(0.1, 100, 0.0, 5, 0.0, warmup_from=0.0), "warmup_from"),
    (lambda: CosineDecay(0.0, 100, 0.0, "CosineDecay", name="CosineDecay"), "name"),
    (lambda: CosineDecay(0.0, 100, 0.0, "a", None, warmup_target=None), "warmup_target"),
    (lambda: CosineDecay(0.0, 100, 0.0, None, 0.1, 0, warmup_steps=0), "warmup_steps"),
])
def test_an_argument_given_twice_at_its_default_is_a_type_error(make: Any, key: str) -> None:
    # before: the keyword at its default value counted as not given, and was accepted
    with pytest.raises(TypeError, match=rf"^Expected {key} once\. Received it positionally"):
        make()


def test_cosine_decay_s_signature_still_shows_its_defaults() -> None:
    import inspect

    parameters = inspect.signature(CosineDecay).parameters
    assert {k: parameters[k].default for k in ("warmup_steps", "warmup_from", "warmup_target",
                                               "name")} == {
        "warmup_steps": 0, "warmup_from": 0.0, "warmup_target": None, "name": "CosineDecay"}
    assert repr(CosineDecay(0.1, 10, warmup_steps=0)) == repr(CosineDecay(0.1, 10))
    assert CosineDecay(0.1, 10, 0.0, warmup_steps=0, name="CosineDecay").get_config() == (
        CosineDecay(0.1, 10).get_config())
