"""review22a: schedules' numbers beyond float64 (session 22's refusals), as the user
wrote them: ``OneCycle(epochs=..., steps_per_epoch=...)`` whose product float64 cannot hold
names the two arguments given, not a ``total_steps`` the user never passed."""

import pytest

from nonlin.schedules import OneCycle


def test_one_cycle_names_epochs_and_steps_per_epoch_when_their_product_overflows() -> None:
    with pytest.raises(ValueError) as info:
        OneCycle(0.1, epochs=10**200, steps_per_epoch=10**200)
    message = str(info.value)
    assert "total_steps=" not in message  # not given
    assert "epochs * steps_per_epoch" in message
    assert "Received: epochs=1000" in message and "steps_per_epoch=1000" in message


def test_one_cycle_takes_a_product_float64_holds() -> None:
    largest = 2**1024 - 2**971  # float64's largest finite number, as an int
    assert OneCycle(0.1, epochs=largest // 2**10, steps_per_epoch=2**10).total_steps == largest
