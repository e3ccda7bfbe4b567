"""Session 22 (left22c): ``CosineDecayRestarts`` with a ``t_mul`` whose period is longer
than float64 holds said "overflows float64" (a NaN fraction) or blamed the step ("a step
that float64 can hold divided by first_decay_steps"); the message now names the endless
period and ``t_mul``. Keras 3 checks nothing here (its float32 gives NaN at every step), and
nonlin cannot refuse such a ``t_mul`` at construction: the steps before that period have
their rates (``first_decay_steps=10**300, t_mul=2`` overflows only past step 10**300)."""

from __future__ import annotations

import math

import pytest

from nonlin.schedules import CosineDecayRestarts


@pytest.mark.parametrize(("t_mul", "step", "period"), [
    (1e308, 10, 1), (1e308, 100, 1), (1e200, 10**250, 2), (3.0, 10**308, 644),
], ids=["1e308-at-10", "1e308-at-100", "1e200-at-1e250", "3-at-1e308"])
def test_a_step_in_a_period_float64_cannot_hold_names_t_mul(t_mul: float, step: int,
                                                              period: int) -> None:
    schedule = CosineDecayRestarts(0.1, 10, t_mul=t_mul)
    with pytest.raises(ValueError) as info:
        schedule(step)
    message = str(info.value)
    assert (f"in period {period}, first_decay_steps * t_mul ** {period} steps long: more than "
            "float64 holds (1.8e308), a period that never ends") in message
    assert f"as t_mul={t_mul!r} grows the periods; give a smaller t_mul" in message
    assert "overflows float64" not in message and "divided by" not in message


def test_the_steps_before_it_keep_their_rates() -> None:
    assert CosineDecayRestarts(0.1, 10, t_mul=1e308)(9) == pytest.approx(
        0.05 * (1 + math.cos(math.pi * 0.9)))
    # step / first_decay_steps * (t_mul - 1) beyond float64, the period not: found by logs
    assert CosineDecayRestarts(0.1, 10, t_mul=1e200)(10**150) == pytest.approx(0.1)
    assert CosineDecayRestarts(0.1, 10**300, t_mul=2.0)(10**299) > 0.0


def test_a_step_beyond_float64_is_still_the_step_s_fault() -> None:
    with pytest.raises(ValueError, match="Expected a step that float64 can hold divided by "
                                         "first_decay_steps"):
        CosineDecayRestarts(0.1, 10, t_mul=2.0)(10**400)
