"""Session 18's documentation audit: claims of the day's docs checked against the code, and
the small fixes it made (each test here failed before its fix)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nonlin.schedules import InverseTimeDecay

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("value", [None, 0, -1, "5", 0.0, -1.5, float("inf")])
def test_inverse_time_decay_steps_message_names_the_float_it_takes(value: object) -> None:
    # the guide: "decay_steps an integer >= 1 or, as Keras takes, a float > 0"; the message
    # said "Expected an integer >= 1" for a missing or int value, hiding the floats
    with pytest.raises(ValueError, match=r"Expected an integer >= 1 or a float > 0") as caught:
        InverseTimeDecay(0.1, value, 0.5)  # type: ignore[arg-type]
    assert f"Received: decay_steps={value!r}" in str(caught.value)
    if value is None:
        assert "decay_steps is required" in str(caught.value)
