"""``nonlin train --loss``'s parameters are refused at parse time where float32 training
learns nothing or diverges (``cli_train_loss``): huber's DELTA in [2**-23, 3.4028235e+38]
(``huber:1e-320`` learned nothing, ``huber:1e39`` was NaN blamed on the data), focal's
ALPHA in [2**-23, 1] (``focal:2:1e30`` diverged with advice to lower --lr) and GAMMA in
[0, 23] (``focal:1e3`` stayed at the majority class). The bounds themselves train."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import error_line
from nonlin import cli, cli_train_loss

HUBER = "with a number DELTA in [1.1920929e-07, 3.4028235e+38]"
GAMMA = "with a number GAMMA in [0, 23]"
ALPHA = "with a number ALPHA in [1.1920929e-07, 1]"


@pytest.mark.parametrize(("word", "fragment"), [
    ("huber:1e-320", HUBER), ("huber:1e-9", HUBER), ("huber:1.19e-7", HUBER),
    ("huber:0", HUBER), ("huber:-1", HUBER), ("huber:3.41e38", HUBER), ("huber:1e39", HUBER),
    ("huber:inf", HUBER), ("huber:nan", HUBER),
    ("focal:2:1e30", ALPHA), ("focal:2:1.0000001", ALPHA), ("focal:2:2", ALPHA),
    ("focal:2:0", ALPHA), ("focal:2:1e-9", ALPHA), ("focal:2:-0.5", ALPHA),
    ("focal:23.000001", GAMMA), ("focal:24", GAMMA), ("focal:1e3", GAMMA),
    ("focal:1e308", GAMMA), ("focal:-1", GAMMA), ("focal:inf:1", GAMMA), ("focal:nan", GAMMA),
])
def test_out_of_range_is_refused_saying_the_range(word: str, fragment: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as refused:
        cli_train_loss.loss_spec(word)
    assert str(refused.value).startswith("expected ")
    assert fragment in str(refused.value) and f"received '{word}'" in str(refused.value)


@pytest.mark.parametrize(("word", "canonical"), [
    ("huber:1.1920929e-07", "huber:1.1920929e-07"),
    ("huber:0.00000011920928955078125", "huber:1.1920928955078125e-07"),  # 2**-23 itself
    ("huber:3.4028235e38", "huber:3.4028235e+38"), ("huber:1e30", "huber:1e+30"),
    ("focal:23", "focal:23.0"), ("focal:0", "focal:0.0"),
    ("focal:2:1.1920929e-07", "focal:2.0:1.1920929e-07"), ("focal:2:1", "focal"),
    ("focal:2:0.25", "focal:2.0:0.25"),
])
def test_the_bounds_are_accepted(word: str, canonical: str) -> None:
    assert cli_train_loss.loss_spec(word) == canonical


def test_the_refusal_comes_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "d.csv").write_text("a,y\n1,2\n")
    for word in ("huber:1e-320", "focal:2:1e30"):
        with pytest.raises(SystemExit) as exited:
            cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--loss", word,
                      "--out", str(tmp_path / "m.st")])
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert "argument --loss: expected " in err and f"received '{word}'" in err, err
        assert not (tmp_path / "m.st").exists()


def _regression(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = 3 * X[:, 0] - 2 * X[:, 1] + 5
    path = folder / "r.csv"
    path.write_text("a,b,t\n" + "".join(f"{a:.5f},{b:.5f},{t:.5f}\n"
                                        for (a, b), t in zip(X, y, strict=True)))
    return path


@pytest.mark.parametrize("word", ["huber:1.1920929e-07", "huber:3.4028235e38"])
def test_huber_at_its_bounds_trains(tmp_path: Path, word: str) -> None:
    data = _regression(tmp_path)
    assert cli.main(["train", str(data), "--target", "t", "--loss", word, "--epochs", "3",
                     "--quiet", "--out", str(tmp_path / "m.st")]) == 0
    final = nonlin.load(tmp_path / "m.st").metadata["training"]["final"]
    assert np.isfinite(final["training"]["loss"]) and np.isfinite(final["training"]["rmse"])


def test_the_help_gives_the_ranges(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "from 2**-23 (1.1920929e-07) to 3.4028235e+38" in shown
    assert "GAMMA (default 2) in [0, 23], ALPHA (default 1) from 2**-23 to 1" in shown


def test_resume_refuses_a_recorded_value_out_of_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A checkpoint recording a value now out of range (written before the bounds) is
    refused naming the field, as any value the command line would not parse."""
    from cli_helpers import interrupt_after
    from nonlin import cli_train_model
    from test_cli_loss_classifier import _data, _run
    from test_cli_loss_schedule_hostile import _edit

    _data(tmp_path)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        patch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
        assert cli.main([*_run(4), "--loss", "focal:3", "-o", "r.safetensors"]) == 130
        edited = _edit(tmp_path / "r.checkpoint.safetensors", tmp_path / "e.checkpoint.st",
                       lambda record: record.update(loss="focal:50"))
        capsys.readouterr()
        assert cli.main([*_run(4), "-o", "e.safetensors", "--resume", str(edited)]) == 2
    error_line(capsys, "(metadata['training']['loss'])", GAMMA, "received 'focal:50'")
