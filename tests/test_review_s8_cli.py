"""Review s8 (command line): negative numbers as option values, Ctrl-C at start-up,
metrics named twice, Precision/Recall with a list of thresholds."""

from __future__ import annotations

import pytest

from nonlin import cli


def _usage_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run ``nonlin ARGV`` in-process; it must stop in argparse with status 2 and one line."""
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    assert stopped.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


@pytest.mark.parametrize("value", ["-1e-3", "-1E+2", "-inf", "-nan", "-.5e1", "-1_000.5", "-0.5"])
def test_a_negative_learning_rate_in_any_float_form_reaches_nonlins_check(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    line = _usage_error(capsys, ["train", "d.csv", "--target", "y", "--lr", value])
    assert "argument --lr: expected a" in line and f"received {value!r}" in line, line


@pytest.mark.parametrize(
    ("option", "value"),
    [("--epochs", "-3e2"), ("--val-split", "-1e-1"), ("--early-stopping", "-2e0"),
     ("--hidden", "-3,4"), ("--seed", "-inf"), ("--batch-size", "-1E3"), ("--dropout", "-.5e1")],
)
def test_every_numeric_option_takes_a_negative_number_as_its_value(
    capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    line = _usage_error(capsys, ["train", "d.csv", "--target", "y", option, value])
    assert f"argument {option}: expected a" in line and "received '-" in line, line
    line = _usage_error(capsys, ["xor", "--steps", value.split(",")[0]])
    assert "argument --steps: expected a positive integer" in line, line


@pytest.mark.parametrize("value", ["--epochs", "-h", "--quiet", "-x", "--lr"])
def test_an_option_where_a_value_belongs_is_not_taken_as_the_value(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    line = _usage_error(capsys, ["train", "d.csv", "--target", "y", "--lr", value, "3"])
    assert "argument --lr: expected one argument" in line, line
