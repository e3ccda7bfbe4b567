"""The pages under docs/ run as written: every ```python block of a page, in order, in one
namespace, in a fresh folder (like tests/test_readme.py for the README).

A block preceded by ``<!-- not run: reason -->`` is left out (a fragment, or one that needs a
cluster). A page whose blocks need an optional extra is skipped, with the reason, when it is
missing. After the blocks, a few results each page promises are checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted((ROOT / "docs").glob("*.md"))
BLOCK = re.compile(r"(<!-- not run[^>]*-->\s*\n)?```python\n(.*?)```", re.S)
# page -> optional modules its blocks import
NEEDS = {"sklearn.md": ("sklearn", "dask.distributed"), "guide.md": ("pandas", "matplotlib")}


def blocks(page: Path) -> list[tuple[int, str]]:
    """(index among the page's python blocks, code) of each block that runs."""
    found = BLOCK.findall(page.read_text(encoding="utf-8"))
    return [(i, code) for i, (skip, code) in enumerate(found) if not skip]


def run_page(page: Path) -> dict:
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    for index, code in blocks(page):
        exec(compile(code, f"docs/{page.name} python block {index}", "exec"), namespace)  # noqa: S102
    return namespace


def test_every_page_has_blocks_that_run():
    names = {page.name for page in PAGES}
    assert {"guide.md", "cli.md", "sklearn.md", "file-format.md"} <= names
    for page in PAGES:
        assert blocks(page), f"docs/{page.name} has no python block that runs"


@pytest.mark.parametrize("page", PAGES, ids=[page.name for page in PAGES])
@pytest.mark.filterwarnings("ignore:Stochastic Optimizer:UserWarning")  # short max_iter
def test_the_python_blocks_of_a_page_run_in_order(page, tmp_path, monkeypatch):
    for module in NEEDS.get(page.name, ()):
        pytest.importorskip(module, reason=f"docs/{page.name} needs {module}")
    monkeypatch.chdir(tmp_path)
    namespace = run_page(page)
    check = CHECKS.get(page.name)
    if check is not None:
        check(namespace, tmp_path)


def _guide(ns: dict, folder: Path) -> None:
    assert ns["same"] is True  # the determinism block
    assert ns["history"].epoch  # the callbacks block trained
    assert (folder / "training.csv").read_text().startswith("epoch,accuracy,learning_rate,loss,lr,")
    assert ns["scores"]["r2"] > 0.95  # the custom loss trained a good regressor
    assert ns["stopper"].rates and ns["model"].history.epoch  # the callback stopped training
    assert ns["resumed"].history.epoch == list(range(8))
    assert ns["loaded"].metadata["classes"] == ["a", "b", "c"]
    # numbers the page prints in its comments, counts that no BLAS rounding changes
    assert ns["tuned"].summary().splitlines()[-3:] == [
        "Total params: 323", "Trainable params: 99", "Non-trainable params: 224"]
    assert ns["loaded"].optimizer.iterations == 105  # "Adam 105": 5 + 2 epochs of 15 steps
    assert (ns["ck"].epoch, ns["ck"].step) == (2, 30)
    assert [w.shape for w in ns["grown"].get_weights()] == [(3, 8), (8,)]  # after pop()
    assert [layer.name for layer in ns["named"].layers] == ["hidden", "tanh", "dense"]
    assert ns["ported"].count_params() == 1795 and (folder / "best.safetensors").exists()
    # the Plots block draws a boundary that was learned (was 5 epochs of one layer: 0.43)
    assert ns["drawn_history"].history["val_accuracy"][-1] > 0.9


def _cli(ns: dict, folder: Path) -> None:
    assert ns["accuracy"] > 0.9
    assert (folder / "spirals.safetensors").exists()


def _sklearn(ns: dict, folder: Path) -> None:
    assert ns["search"].best_score_ > 0.8
    assert ns["same"] is True


def _file_format(ns: dict, folder: Path) -> None:
    assert ns["header"]["__metadata__"]["format"] == '"nonlin"'


CHECKS = {"guide.md": _guide, "cli.md": _cli, "sklearn.md": _sklearn,
          "file-format.md": _file_format}


def _cli_lines() -> list[str]:
    """Every ``nonlin ...`` command in the ```bash blocks of docs/cli.md."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    bash = "\n".join(re.findall(r"```bash\n(.*?)```", text, re.S))
    return [line for line in bash.splitlines() if line.startswith("nonlin ")]


def test_the_commands_in_cli_md_parse():
    import shlex

    from nonlin.cli import build_parser

    lines = _cli_lines()
    assert len(lines) >= 8
    for line in lines:
        try:
            args = build_parser().parse_args(shlex.split(line)[1:])
        except SystemExit:  # argparse refused it
            pytest.fail(f"docs/cli.md: {line!r} does not parse")
        assert hasattr(args, "run"), line


def test_cli_md_names_every_command_and_option():
    from nonlin.cli import build_parser

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices  # name -> parser
    for name, sub in commands.items():
        assert f"## nonlin {name}" in text, name
        for action in sub._actions:
            for option in action.option_strings:
                if option not in ("-h", "--help"):
                    assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text), (
                        f"docs/cli.md does not name {option} of nonlin {name}")


# -- cli.md's worked example: its shell commands print the text blocks shown after them ----------
def _loose(lines: list[str]) -> list[str]:
    """Lines with each number as '#' and runs of spaces as one: the digits are one machine's."""
    return [" ".join(re.sub(r"\d+(\.\d+)?", "#", line).split()) for line in lines if line.strip()]


def test_the_worked_example_of_cli_md_prints_what_it_shows(tmp_path, monkeypatch, capsys):
    import shlex

    from nonlin.cli import main

    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text[text.index("## A worked example"):text.index("The same commands run from")]
    commands = [line for block in re.findall(r"```bash\n(.*?)```", section, re.S)
                for line in block.splitlines() if line.startswith("nonlin ")]
    shown = [block.splitlines() for block in re.findall(r"```text\n(.*?)```", section, re.S)]
    monkeypatch.chdir(tmp_path)
    exec(compile(BLOCK.findall(section)[0][1], "docs/cli.md python block 0", "exec"), {})  # noqa: S102
    assert Path("spirals.csv").read_text().splitlines()[:3] == shown[0]  # "spirals.csv starts"
    outputs = {}
    for line in commands:
        assert main(shlex.split(line)[1:]) == 0, line
        outputs[shlex.split(line)[1]] = capsys.readouterr().out.splitlines()
    assert list(outputs) == ["train", "evaluate", "info", "predict"]
    # train: its standard output, between the progress bars (standard error) the block also shows
    train_shown = [line for line in shown[1] if not line.startswith(("Epoch ", "..."))]
    assert _loose(outputs["train"]) == _loose(train_shown)
    assert _loose(outputs["evaluate"]) == _loose(shown[2])
    accuracy = float(re.search(r"accuracy: (\S+)", outputs["evaluate"][0]).group(1))
    assert abs(accuracy - float(re.search(r"accuracy: (\S+)", shown[2][0]).group(1))) <= 0.01
    assert _loose(outputs["predict"]) == _loose(shown[3])
    labels = [row.split(",")[0] for row in outputs["predict"]]
    assert labels == [row.split(",")[0] for row in shown[3]]
