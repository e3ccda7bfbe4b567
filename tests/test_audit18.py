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


def test_train_help_says_categorical_columns_are_taken() -> None:
    # the description said "from the other numeric columns (or --columns)" alone
    from nonlin.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    description = " ".join(commands["train"].description.split())
    assert "--categorical one-hot encodes columns of categories" in description
    assert "categories and class labels are stored in the model file" in description


def _cli_md() -> str:
    return (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_the_usage_lines_of_cli_md_name_every_option(command: str) -> None:
    # cli.md's usage lines of evaluate and predict lacked --unknown
    from nonlin.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    text = _cli_md()
    section = text[text.index(f"## nonlin {command}"):]
    usage = re.findall(r"```\n(nonlin .*?)\n```", section)[0]
    for action in commands[command]._actions:
        names = [o for o in action.option_strings if o not in ("-h", "--help")]
        if names:
            assert any(re.search(rf"(?<![\w-]){o}(?![\w-])", usage) for o in names), names


def test_cli_md_train_step_one_says_the_weight_column_is_no_feature() -> None:
    text = _cli_md()
    step = text[text.index("1. Reads `DATA.csv`"):text.index("2. Chooses the task")]
    assert "--weight" in step


def test_file_format_names_the_top_level_save_checkpoint() -> None:
    # nonlin.save_checkpoint is at the top level since this session (beside load_checkpoint)
    import nonlin

    text = (ROOT / "docs" / "file-format.md").read_text(encoding="utf-8")
    assert "nonlin.checkpoint.save_checkpoint" not in text
    assert "`nonlin.save_checkpoint`" in text and nonlin.save_checkpoint is not None


def test_readme_says_train_one_hot_encodes_categorical_columns() -> None:
    # README said train "standardizes the features" and that a non-numeric cell can only be
    # allowed by --missing drop|mean
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert "one-hot encodes the `--categorical` ones" in text
    assert "`--categorical` for a column of categories" in text
