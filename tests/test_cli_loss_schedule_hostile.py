"""Hostile training records for ``--loss`` and ``--lr-schedule``: ``train --resume`` refuses
a malformed entry, a loss of another task, or a schedule the checkpoint's optimizer does not
have, in one line naming the file and the field; ``info`` shows such a record as it is."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cli_helpers import error_line, interrupt_after
from nonlin import cli

RUN = ["--target", "y", "--hidden", "4", "--epochs", "4", "--quiet", "--loss", "huber:0.5",
       "--lr-schedule", "cosine:1"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``d.csv`` and the checkpoint ``r.checkpoint.st`` (2 of 4 epochs) of a huber regressor
    with a cosine schedule."""
    from nonlin import cli_train_model

    folder = tmp_path_factory.mktemp("loss")
    rng = np.random.default_rng(5)
    rows = [f"{a:.3f},{b:.3f},{a - b:.3f}" for a, b in rng.normal(size=(40, 2))]
    (folder / "d.csv").write_text("a,b,y\n" + "\n".join(rows) + "\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
        assert cli.main(["train", str(folder / "d.csv"), *RUN, "--out",
                         str(folder / "r.st")]) == 130
    return folder


def _edit(source: Path, destination: Path, change: Callable[[dict[str, Any]], Any]) -> Path:
    """A copy of ``source`` whose training record ``change`` edits in place."""
    data = source.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    user = json.loads(header["__metadata__"]["metadata"])
    change(user["training"])
    header["__metadata__"]["metadata"] = json.dumps(user)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    destination.write_bytes(struct.pack("<Q", len(text)) + text + data[8 + size :])
    return destination


LOSS, LR = "metadata['training']['loss']", "checkpoint.optimizer.config.lr"


@pytest.mark.parametrize(("change", "field", "fragment"), [
    (lambda r: r.update(loss=5), LOSS, "expected a non-empty str, received 5"),
    (lambda r: r.update(loss=""), LOSS, "expected a non-empty str, received ''"),
    (lambda r: r.update(loss="poisson"), LOSS, "expected one of mse, mae, huber[:DELTA]"),
    (lambda r: r.update(loss="huber:-1"), LOSS, "expected huber:DELTA with a number DELTA in"),
    (lambda r: r.update(loss="cross_entropy"), LOSS,
     "--loss cross_entropy is no loss of a regression model"),
    (lambda r: r.update(loss="focal"), LOSS, "--loss focal is no loss of a regression model"),
    (lambda r: r.update(lr_schedule=["cosine"]), "metadata['training']['lr_schedule']",
     "expected a non-empty str"),
    (lambda r: r.update(lr_schedule="cosine:x"), "metadata['training']['lr_schedule']",
     "expected cosine[:WARMUP] with WARMUP an integer >= 0"),
    (lambda r: r.update(lr_schedule="step:1"), LR,
     "expected the learning rate that lr_schedule 'step:1' gives, StepDecay("),
    (lambda r: r.pop("lr_schedule"), LR,
     "expected the learning rate that lr_schedule 'constant' gives, 0.001, received "
     "CosineDecay("),
])
def test_resume_refuses_a_hostile_record_naming_the_field(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    change: Callable[[dict[str, Any]], Any], field: str, fragment: str
) -> None:
    edited = _edit(folder / "r.checkpoint.st", tmp_path / "e.checkpoint.st", change)
    assert cli.main(["train", str(folder / "d.csv"), "--target", "y", "--epochs", "4",
                     "--quiet", "--out", str(tmp_path / "e.st"), "--resume", str(edited)]) == 2
    error_line(capsys, "Cannot load model file", f"({field})", fragment)
    assert not (tmp_path / "e.st").exists()


def test_a_warm_up_as_long_as_the_run_is_refused_on_resume(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = _edit(folder / "r.checkpoint.st", tmp_path / "e.checkpoint.st",
                   lambda r: r.update(lr_schedule="cosine:4"))
    assert cli.main(["train", str(folder / "d.csv"), "--target", "y", "--epochs", "4",
                     "--quiet", "--out", str(tmp_path / "e.st"), "--resume", str(edited)]) == 2
    error_line(capsys, "--lr-schedule cosine:4 warms up for 4 epochs; expected fewer than "
               "--epochs (4)")


def test_info_shows_a_hostile_record_as_it_is(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edited = _edit(folder / "r.checkpoint.st", tmp_path / "e.checkpoint.st",
                   lambda r: r.update(loss={"evil": "\x1b[2J"}, lr_schedule=7))
    capsys.readouterr()
    assert cli.main(["info", str(edited)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "  lr_schedule: 7\n" in out
