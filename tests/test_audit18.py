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


def test_the_imbalanced_section_of_cli_md_runs_and_reads_as_it_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # cli.md's "Imbalanced classes and weighted rows": its commands, and the recall and
    # precision its text gives (loosely: another BLAS may round the training differently)
    import json
    import shlex

    from nonlin.cli import main

    text = _cli_md()
    section = text[text.index("## Imbalanced classes"):text.index("## Exit codes")]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    commands = [line for block in re.findall(r"```bash\n(.*?)```", section, re.S)
                for line in block.splitlines() if line.startswith("nonlin ")]
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "docs/cli.md imbalanced python block", "exec"), {})  # noqa: S102
    for line in commands:
        assert main(shlex.split(line)[1:]) == 0, line
    assert main(["train", "fraud.csv", "--target", "fraud", "--class-weight", "1=10",
                 "--epochs", "20", "--quiet", "--out", "ten.safetensors"]) == 0
    capsys.readouterr()
    scores = {}
    for name in ("plain", "fraud", "ten"):
        assert main(["evaluate", f"{name}.safetensors", "fraud.csv", "--json"]) == 0
        fraud = json.loads(capsys.readouterr().out)["classes"][1]
        scores[name] = (fraud["recall"], fraud["precision"], fraud["support"])
    assert {support for _, _, support in scores.values()} == {60}  # "of the 60 frauds"
    said = " ".join(section.split())
    assert "finds 39 of the 60 frauds (recall 0.65, precision 0.81)" in said
    assert "the balanced one finds 59 (recall 0.98)" in said and "(precision 0.21)" in said
    assert "`--class-weight 1=10` gives recall 0.93 and precision 0.46" in said
    for name, (recall, precision) in {"plain": (0.65, 0.81), "fraud": (0.98, 0.21),
                                      "ten": (0.93, 0.46)}.items():
        assert abs(scores[name][0] - recall) <= 0.1 and abs(scores[name][1] - precision) <= 0.15
    assert scores["plain"][0] < scores["ten"][0] <= scores["fraud"][0]
    assert scores["fraud"][1] < scores["ten"][1] < scores["plain"][1]


def test_the_frequencies_cli_md_and_file_format_cite_are_the_churn_examples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # both pages cited frequencies (0.35, 0.33, 0.32; 0.353, 0.328, 0.319) that the worked
    # example's model does not hold; the shares of 320 seeded rows depend on no BLAS
    import json
    import shlex

    from nonlin.cli import main

    text = _cli_md()
    section = text[text.index("## Categorical columns"):text.index("## Imbalanced classes")]
    monkeypatch.chdir(tmp_path)
    code = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    exec(compile(code, "docs/cli.md categorical python block", "exec"), {})  # noqa: S102
    train = re.findall(r"```bash\n(nonlin train .*?)\n```", section)[0]
    argv = [a if a != "30" else "1" for a in shlex.split(train)[1:]]  # the shares: any epochs
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["info", "churn.safetensors", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)["categorical"][0]
    assert plan["frequencies"] == [0.309375, 0.3, 0.390625]
    assert "reads `0.309375, 0.3, 0.390625`" in " ".join(section.split())
    file_format = (ROOT / "docs" / "file-format.md").read_text(encoding="utf-8")
    assert '"frequencies": [0.309375, 0.3, 0.390625]' in file_format


def test_cli_md_resume_section_says_what_happens_to_categorical() -> None:
    # the section listed the adopted options and said only "Give the same data file"; since
    # s18-cliresume --categorical, --columns and --exclude are taken from the checkpoint
    text = _cli_md()
    section = " ".join(text[text.index("## Ctrl-C and --resume"):].split())
    assert "Give the same data file. `--categorical` left out is the checkpoint's categorical " \
           "columns" in section


def test_missing_help_and_cli_md_say_what_is_missing_in_a_categorical_column() -> None:
    # --help and the Missing values section said any text (NA, ?) is a missing cell; in a
    # --categorical column it is a category, and only an empty cell is missing
    from nonlin.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in ("train", "evaluate", "predict"):
        action = next(a for a in commands[name]._actions if "--missing" in a.option_strings)
        assert "in a categorical column, an empty cell alone" in action.help, name
        assert "for a categorical column, the frequencies of its categories" in action.help
    text = _cli_md()
    section = " ".join(text[text.index("## Missing values"):text.index("| `--missing` |")]
                       .split())
    assert "In a `--categorical` column only an empty cell is missing" in section


def test_design_md_says_how_a_custom_layer_takes_a_name() -> None:
    # design.md's layer protocol had no name row; the recipe it now gives works end to end
    import io

    import numpy as np

    import nonlin
    from nonlin import registry
    from nonlin.core import Layer

    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    assert "| `name` (optional; `Layer` has it) |" in text
    assert "`super().__init__(name=name)`" in text and "**super().get_config()" in text

    class Scaled(Layer):
        def __init__(self, factor: float = 2.0, *, name: str | None = None) -> None:
            super().__init__(name=name)
            self.factor = factor

        def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
            return x * self.factor

        def backward(self, grad_out: np.ndarray) -> np.ndarray:
            return grad_out * self.factor

        def get_config(self) -> dict:
            return {"factor": self.factor, **super().get_config()}

    registry.LAYERS["Scaled"] = Scaled
    try:
        model = nonlin.Sequential([nonlin.Dense(2), Scaled(3.0, name="s"), Scaled()]).build(3)
        assert [layer.name for layer in model.layers] == ["dense", "s", "scaled"]
        assert Scaled().get_config() == {"factor": 2.0}  # no name given: none recorded
        buffer = io.BytesIO()
        nonlin.save(model, buffer)
        loaded = nonlin.load(io.BytesIO(buffer.getvalue()))
        assert [layer.name for layer in loaded.layers] == ["dense", "s", "scaled"]
        assert loaded.layers[1].factor == 3.0
    finally:
        del registry.LAYERS["Scaled"]
