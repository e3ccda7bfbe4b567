"""review22c: ``CosineDecayRestarts`` with a ``t_mul`` whose second restart lies past float64
(``t_mul=1e200``: period 1 is the steps [1, 1 + 1e200), period 2 never ends). Steps late in
period 1 have ``step * (t_mul - 1)`` beyond float64, so the period is found by logarithms,
whose rounding (a quotient just under 2 rounded to 2.0) put them in the endless period 2:
the ``ValueError`` of a period that never ends, for a step 1e186 steps before its end. The
bounds check after the logarithm moved such a step back one period for finite periods only;
it now does so for the endless one too."""

from __future__ import annotations

import pytest

from nonlin.schedules import CosineDecayRestarts


@pytest.mark.parametrize("t_mul", [1e160, 1e200, 1e300])
@pytest.mark.parametrize("early", [14, 17], ids=["1e-14", "1e-17"])
def test_a_step_late_in_the_last_finite_period_has_its_rate(t_mul: float, early: int) -> None:
    end = int(t_mul)  # period 1 ends at step 1 + t_mul (first_decay_steps=1)
    step = end - end // 10**early  # a relative 10**-early before that end
    schedule = CosineDecayRestarts(0.1, 1, t_mul=t_mul, alpha=0.25)
    assert schedule._period(step)[0] == 1
    assert schedule(step) == pytest.approx(0.1 * 0.25, rel=1e-9)  # the floor, at period 1's end


def test_a_step_in_the_endless_period_is_still_refused() -> None:
    schedule = CosineDecayRestarts(0.1, 1, t_mul=1e200)
    with pytest.raises(ValueError, match="in period 2, .* a period that never ends"):
        schedule(3 * 10**200)
