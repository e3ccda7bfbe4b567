"""``--lr-schedule`` integers: a digit that int() does not read is refused by the option's
own message, not argparse's generic "invalid schedule_spec value"."""

from __future__ import annotations

import argparse

import pytest

from nonlin.cli_train_loss import schedule_spec


@pytest.mark.parametrize("text", ["step:²", "step:1²", "cosine:³", "plateau:⁵"])
def test_a_superscript_digit_is_refused_saying_what_was_expected(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="an integer >= "):
        schedule_spec(text)


def test_decimal_digits_of_other_scripts_are_still_read() -> None:
    assert schedule_spec("step:１０") == "step:10"  # as int() reads them, as before
