"""``nonlin train --resume``: the options given must be the run's; the rest come from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import interrupt_after

RUN = ["--batch-size", "16", "--hidden", "6", "--lr", "0.01", "--seed", "3", "--val-split", "0.25"]


@pytest.fixture()
def checkpoint(tmp_path: Path, monkeypatch) -> Path:
    """A run of ``RUN`` interrupted after its second epoch, in ``tmp_path``."""
    from nonlin import cli, cli_train_model

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    lines = [f"{a},{b},{int(a * b > 0)}\n" for a, b in X]
    (tmp_path / "d.csv").write_text("a,b,y\n" + "".join(lines))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
    assert cli.main(["train", "d.csv", "--target", "y", "--epochs", "5", "--quiet",
                     "--out", "r.safetensors", *RUN]) == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [])
    return tmp_path / "r.checkpoint.safetensors"


def _resume(*options: str) -> int:
    from nonlin import cli

    return cli.main(["train", "d.csv", "--target", "y", "--epochs", "4", "--quiet",
                     "--out", "r.safetensors", "--resume", "r.checkpoint.safetensors", *options])


@pytest.mark.parametrize("options, named", [
    (["--batch-size", "7"], "--batch-size 7 differs from the checkpoint's 16"),
    (["--lr", "0.5"], "--lr 0.5 differs from the checkpoint's 0.01"),
    (["--hidden", "3"], "--hidden 3 differs from the checkpoint's 6"),
    (["--optimizer", "sgd"], "--optimizer sgd differs from the checkpoint's adam"),
    (["--dropout", "0.1"], "--dropout 0.1 differs from the checkpoint's 0"),
    (["--activation", "tanh"], "--activation tanh differs from the checkpoint's relu"),
    (["--early-stop", "2"], "--early-stopping 2 differs from the checkpoint's none"),
    (["--seed=4"], "--seed 4 differs from the checkpoint's 3"),
    (["--task", "regression"], "--task regression differs from the checkpoint's classification"),
])
def test_resume_refuses_an_option_that_differs_from_the_run(checkpoint, capsys, options,
                                                            named) -> None:
    capsys.readouterr()
    assert _resume(*options) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and named in err, err
    assert not Path("r.safetensors").exists()


def test_resume_takes_the_options_left_out_from_the_run(checkpoint, tmp_path) -> None:
    from nonlin import cli

    assert _resume("--batch-size", "16", "--activation", "ReLU") == 0  # the same values pass
    resumed = nonlin.load("r.safetensors")
    assert resumed.metadata["training"]["batch_size"] == 16
    assert cli.main(["train", "d.csv", "--target", "y", "--epochs", "4", "--quiet",
                     "--out", "straight.safetensors", *RUN]) == 0
    straight = nonlin.load("straight.safetensors")
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
    # the whole curve, the checkpoint's epochs too (fit returns only the epochs it ran)
    history = resumed.metadata["training"]["history"]
    assert history == straight.metadata["training"]["history"] and len(history["loss"]) == 4


@pytest.mark.parametrize("flag", ["-o", "--out", "--output"])
def test_train_takes_predicts_output_flags_for_its_model_file(flag: str) -> None:
    """``predict`` writes to ``-o``/``--output``; ``train`` knew only ``--out`` and stopped
    with "unrecognized arguments" on the other two."""
    from nonlin.cli import build_parser

    args = build_parser().parse_args(["train", "data.csv", "--target", "y", flag, "m.safetensors"])
    assert args.out == "m.safetensors"


# --categorical and the feature columns on resume: taken over from the checkpoint

CATEGORICAL_RUN = ["--categorical", "colour", "--exclude", "id", *RUN]


@pytest.fixture()
def categorical(tmp_path: Path, monkeypatch) -> Path:
    """A ``--categorical colour --exclude id`` run interrupted after its second epoch."""
    from nonlin import cli, cli_train_model

    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 2))
    colours = rng.choice(["red", "green", "blue"], size=60)
    lines = [f"c{i},{a},{c},{b},{int(a * b > 0 or c == 'red')}\n"
             for i, ((a, b), c) in enumerate(zip(X, colours, strict=True))]
    (tmp_path / "d.csv").write_text("id,a,colour,b,y\n" + "".join(lines))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
    assert cli.main(["train", "d.csv", "--target", "y", "--epochs", "5", "--quiet",
                     "--out", "r.safetensors", *CATEGORICAL_RUN]) == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [])
    return tmp_path / "r.checkpoint.safetensors"


def _same_file_but_created(resumed: Path, straight: Path) -> None:
    """The two model files are byte for byte the same but the training record's
    ``created`` (the time the run started: the same length, so the same layout)."""
    a, b = resumed.read_bytes(), straight.read_bytes()
    created = [nonlin.load(p).metadata["training"]["created"] for p in (resumed, straight)]
    assert a.replace(created[0].encode(), created[1].encode()) == b


@pytest.mark.parametrize("options", [[], ["--categorical", " colour"],
                                     ["--exclude", "id"], ["--columns", "a,colour,b"]])
def test_a_categorical_run_resumes_without_its_data_options(categorical, capsys,
                                                            options) -> None:
    """Before: without --categorical the resumed run stopped at the first text cell
    ("one-hot encode it (--categorical colour)") although the checkpoint records its
    categorical columns; without --exclude, the id column made the feature columns
    differ from the checkpoint's."""
    from nonlin import cli

    capsys.readouterr()
    assert _resume(*options) == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    if not options:
        assert "not using column(s) id (not an input of the checkpoint)" in err, err
    assert cli.main(["train", "d.csv", "--target", "y", "--epochs", "4", "--quiet",
                     "--out", "straight.safetensors", *CATEGORICAL_RUN]) == 0
    _same_file_but_created(Path("r.safetensors"), Path("straight.safetensors"))
    assert nonlin.load("r.safetensors").metadata["categorical"][0]["column"] == "colour"


@pytest.mark.parametrize("options, named", [
    (["--categorical", "a"], "--categorical a differs from the checkpoint's colour"),
    (["--categorical", "colour,a"], "--categorical colour,a differs from the checkpoint's "
                                    "colour"),
])
def test_resume_refuses_other_categorical_columns(categorical, capsys, options,
                                                  named) -> None:
    capsys.readouterr()
    assert _resume(*options) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and named in err and "leave --categorical out" in err, err
    assert not Path("r.safetensors").exists()


def test_resume_refuses_categorical_for_a_run_without(checkpoint, capsys) -> None:
    capsys.readouterr()
    assert _resume("--categorical", "a") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--categorical a differs from the checkpoint's none" in err


def test_resume_names_a_checkpoint_input_the_data_lacks(categorical, capsys) -> None:
    text = Path("d.csv").read_text().splitlines()
    Path("d.csv").write_text("".join(",".join(line.split(",")[:3] + line.split(",")[4:]) + "\n"
                                     for line in text))  # column b left out
    capsys.readouterr()
    assert _resume() == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "d.csv: no column 'b', one of the checkpoint's 3 input " \
        "columns ('a', 'colour', 'b'); resume with the data the run started with" in err, err


def test_resume_refuses_another_target_before_reading_it_as_a_feature(categorical,
                                                                      capsys) -> None:
    from nonlin import cli

    capsys.readouterr()
    assert cli.main(["train", "d.csv", "--target", "b", "--epochs", "4", "--quiet",
                     "--resume", "r.checkpoint.safetensors"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--target 'b' differs from the interrupted run's 'y'" in err


def test_resume_with_other_exclude_still_says_the_columns_differ(categorical, capsys) -> None:
    capsys.readouterr()
    assert _resume("--exclude", "id,b") == 2
    err = capsys.readouterr().err
    assert "its feature columns differ from the checkpoint's: 4 here" in err
    assert err.endswith("resume with the data the run started with, leaving --columns and "
                        "--exclude out (the checkpoint's inputs are taken)\n"), err
