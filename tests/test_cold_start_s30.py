"""Cold start of a one-shot command (a serverless function, a CI step): what ``nonlin
predict``, ``nonlin info``, ``nonlin xor`` and ``nonlin.load`` import, pinned by module
(counts, not times, which a shared machine makes noisy).

The command line imported every command's module to build every command's parser
(``nonlin predict`` loaded the training, evaluation and info commands, the checkpoint
reader, callbacks, metrics and losses); it now imports the module of the command it runs
and gives the others a stand-in with their help line (``cli.build_parser(command)``).
``nonlin.load`` imported the compile record's reader for a file without one and
``tempfile`` (``shutil``, ``bz2``, ``lzma``) to read; ``predict`` of a plain CSV file the
decompressors (``gzip``, ``zipfile``); ``info`` the train command's option checks. Each
check runs in a fresh interpreter and counts only what the run imported (a site hook of
the environment may have imported ``tempfile`` before).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import cli_env
from nonlin import cli

COMMAND_MODULES = {"nonlin.cli_train", "nonlin.cli_evaluate", "nonlin.cli_predict",
                   "nonlin.cli_info", "nonlin.cli_demo"}
TRAINING = {"nonlin.callbacks", "nonlin._checkpoint_reader", "nonlin._epoch_state",
            "nonlin.metrics", "nonlin.losses", "nonlin.optimizers", "nonlin._optimizer_reader",
            "nonlin.schedules", "nonlin.train", "nonlin.cli_train_model", "nonlin.cli_resume",
            "nonlin.cli_weights", "nonlin.cli_train_schedule"}
COMPRESSION = {"gzip", "zipfile"}  # bz2 and lzma come with argparse's shutil
WRITING = {"tempfile"}


def imported(code: str, cwd: Path) -> set[str]:
    """The modules that ``code`` imported, run in a fresh python (those imported before it,
    by the interpreter's start and site hooks, left out); ``code`` may end with ``run()``,
    ``nonlin``'s entry point, which exits."""
    out = cwd / "modules.json"
    head = (f"import atexit, json, sys\nbefore = set(sys.modules)\nOUT = {str(out)!r}\n"
            "atexit.register(lambda: open(OUT, 'w').write(json.dumps(sorted(set(sys.modules) "
            "- before))))\n")
    done = subprocess.run([sys.executable, "-c", head + code], env=cli_env(), cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(out.read_text()))


def command(*args: str) -> str:
    return f"sys.argv = ['nonlin', *{list(args)!r}]\nfrom nonlin.__main__ import run\nrun()\n"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``d.csv``, ``m.safetensors`` trained on it by ``nonlin train`` (a compile record:
    loss, optimizer, metrics), ``x.csv`` its features, ``plain.safetensors`` a model saved
    without a compile record."""
    folder = tmp_path_factory.mktemp("cold")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    rows = "".join(f"{a:.3f},{b:.3f},{c:.3f},{int(a * b > 0)}\n" for a, b, c in X)
    (folder / "d.csv").write_text("a,b,c,y\n" + rows)
    (folder / "x.csv").write_text("a,b,c\n" + "".join(",".join(r.split(",")[:3]) + "\n"
                                                      for r in rows.splitlines()))
    assert cli.main(["train", str(folder / "d.csv"), "--target", "y", "--epochs", "1",
                     "--quiet", "--out", str(folder / "m.safetensors")]) == 0
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.ReLU(), nonlin.Dense(1)])
    nonlin.save(model.build(3, seed=0), folder / "plain.safetensors")
    return folder


def _nonlin(modules: set[str]) -> set[str]:
    return {m for m in modules if m.startswith("nonlin")}


def test_predict_imports_its_own_command_alone_nor_training_nor_decompressors(
        folder: Path) -> None:
    modules = imported(command("predict", "m.safetensors", "x.csv"), folder)
    assert "nonlin.cli_predict" in modules and "nonlin.io" in modules
    assert not modules & (COMMAND_MODULES - {"nonlin.cli_predict"}), sorted(
        modules & COMMAND_MODULES)
    assert not modules & (TRAINING | COMPRESSION | WRITING), sorted(
        modules & (TRAINING | COMPRESSION | WRITING))
    assert "nonlin._compile_record" not in modules  # predict reads no compile record
    assert len(_nonlin(modules)) <= 115, len(_nonlin(modules))  # 174 before (session 30)


def test_info_imports_no_other_command_nor_the_train_options(folder: Path) -> None:
    modules = imported(command("info", "m.safetensors"), folder)
    assert {"nonlin.cli_info", "nonlin._compile_record"} <= modules  # the record is shown
    assert not modules & (COMMAND_MODULES - {"nonlin.cli_info"}), sorted(
        modules & COMMAND_MODULES)
    unneeded = {"nonlin.callbacks", "nonlin._checkpoint_reader", "nonlin.cli_train_model",
                "nonlin.cli_resume", "nonlin.cli_weights", "nonlin.cli_train_schedule",
                "nonlin.train", *COMPRESSION, *WRITING}
    assert not modules & unneeded, sorted(modules & unneeded)
    assert len(_nonlin(modules)) <= 140, len(_nonlin(modules))  # 203 before (session 30)


def test_xor_imports_no_other_command_nor_the_model_files(folder: Path) -> None:
    modules = imported(command("xor"), folder)
    assert "nonlin.cli_demo" in modules
    assert not modules & (COMMAND_MODULES - {"nonlin.cli_demo"}), sorted(
        modules & COMMAND_MODULES)
    unneeded = {"nonlin.io", "safetensors", "nonlin.metrics", "nonlin.callbacks",
                "nonlin.tabular", *COMPRESSION, *WRITING}
    assert not modules & unneeded, sorted(modules & unneeded)
    assert len(_nonlin(modules)) <= 110, len(_nonlin(modules))  # 181 before (session 30)


def test_load_reads_without_the_writers_and_a_bare_file_without_the_record_reader(
        folder: Path) -> None:
    code = ("import numpy as np, nonlin\n"
            "print(nonlin.load('plain.safetensors').predict(np.ones((2, 3))).tolist())\n")
    modules = imported(code, folder)
    unneeded = {"nonlin._compile_record", "nonlin._compile_entries", "nonlin._rebuilt_settings",
                *TRAINING, *WRITING}
    assert "nonlin.io" in modules and not modules & unneeded, sorted(modules & unneeded)
    compiled = imported("import nonlin\nm = nonlin.load('m.safetensors')\n"
                        "assert m.loss is not None\n", folder)
    assert "nonlin._compile_record" in compiled  # the record restored, as before
    # its loss alone (nonlin train records no metrics, no optimizer): no metric's module
    unneeded = WRITING | {"nonlin.callbacks", "nonlin._checkpoint_reader", "nonlin.metrics",
                          "nonlin._optimizer_reader", "nonlin.schedules"}
    assert not compiled & unneeded, sorted(compiled & unneeded)
    assert len(_nonlin(compiled)) <= 105, len(_nonlin(compiled))  # 122 before (session 30)


# -- the parsers: a command's stand-in never runs it ---------------------------------------
def test_every_help_is_that_of_the_whole_parser(folder: Path) -> None:
    """``nonlin --help``, ``nonlin CMD --help`` (the one command's parser built), the bare
    command and an unknown one: as the parser of every command gives them."""
    whole = cli.build_parser()
    commands = whole._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert list(commands) == list(cli._HOMES)
    env = {**cli_env(), "COLUMNS": "80"}

    def shown(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "nonlin", *args], env=env, cwd=folder,
                              capture_output=True, text=True, timeout=120)

    code = ("import json; from nonlin import cli; p = cli.build_parser(); "
            "c = p._subparsers._group_actions[0].choices; print(json.dumps("
            "{'': p.format_help(), **{k: v.format_help() for k, v in c.items()}}))")
    expected = json.loads(subprocess.run([sys.executable, "-c", code], env=env, cwd=folder,
                                         capture_output=True, text=True, timeout=120,
                                         check=True).stdout)
    for name in ("", *commands):
        done = shown(*([name] if name else []), "--help")
        assert (done.returncode, done.stdout) == (0, expected[name]), name
    assert shown().stderr == expected[""]
    unknown = shown("fly")
    assert unknown.returncode == 2 and "(choose from 'xor', 'train', 'evaluate', 'predict', " \
                                      "'info', 'demo')" in unknown.stderr, unknown.stderr


def test_a_stand_in_chosen_gives_way_to_the_whole_parser(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``build_parser("xor")`` gives ``predict`` a stand-in; should argparse ever choose it
    (the command named first in argv is not the one it picks), ``_parsed`` parses again with
    every command's parser. (``cli.COMMANDS`` set, as a test's monkeypatch leaves it, builds
    every command's parser whole: taken away here.)"""
    if "COMMANDS" in vars(cli):
        monkeypatch.delattr(cli, "COMMANDS")
    args, _ = cli.build_parser("xor").parse_known_args(["predict", "m", "d.csv", "--proba"])
    assert getattr(args, cli._UNBUILT) == "predict" and not hasattr(args, "run")
    parser, args, extra = cli._parsed(["predict", "m", "d.csv", "--proba"])
    assert args.proba is True and extra == [] and callable(args.run)
