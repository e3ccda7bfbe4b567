"""Session 22 (left22c): ``--lr-schedule`` with an integer of more digits than ``int()``
reads (4300) was argparse's bare "invalid schedule_spec value"; now a usage error naming
the option, the parameter and the reason, as the option's other errors."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import error_line
from nonlin import cli
from nonlin.cli_train_loss import schedule_spec


@pytest.mark.parametrize(("text", "label"), [
    ("step:" + "1" * 5000, "EVERY"), ("cosine:" + "2" * 4301, "WARMUP"),
    ("plateau:" + "0" * 4400 + "3", "PATIENCE"), ("step:" + "9" * 6000 + ":0.5", "EVERY"),
], ids=["step", "cosine", "plateau", "step-factor"])
def test_too_many_digits_say_what_was_expected(text: str, label: str) -> None:
    digits = len(text.split(":")[1])
    with pytest.raises(argparse.ArgumentTypeError,
                       match=rf"with {label} an integer >= [01] of at most 4300 digits \(what "
                             rf"int\(\) reads\), received {label} of {digits} digits: '"):
        schedule_spec(text)


def test_the_command_line_error_names_the_option(tmp_path: Path, capsys: Any) -> None:
    data = tmp_path / "d.csv"
    data.write_text("x,y\n1,2\n2,3\n3,5\n")
    with pytest.raises(SystemExit) as info:
        cli.main(["train", str(data), "--target", "y", "--lr-schedule", "step:" + "1" * 5000,
                  "-o", str(tmp_path / "m.safetensors")])
    assert info.value.code == 2
    line = error_line(capsys, "argument --lr-schedule: expected step:EVERY[:FACTOR] with EVERY",
                      "of at most 4300 digits", "received EVERY of 5000 digits")
    assert "invalid schedule_spec value" not in line and len(line) < 400
    assert schedule_spec("step:" + "0" * 4290 + "10") == "step:10"  # within int()'s digits
