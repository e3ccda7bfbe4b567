"""``nonlin train --loss focal:GAMMA:ALPHA:SMOOTHING``: the focal loss on smoothed targets,
as ``cross_entropy:SMOOTHING`` takes them; recorded in its canonical spelling only when
given, shown by ``info``, taken over by ``--resume`` and another value refused naming
both, as the other parameters are. (Training as the Python API, and the canonical
spellings: ``test_cli_loss_classifier``.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import nonlin
from cli_helpers import error_line, interrupt_after
from nonlin import cli, cli_train_loss
from test_cli_loss_classifier import _data, _run
from test_cli_loss_schedule_hostile import _edit


@pytest.mark.parametrize(("word", "canonical"), [
    ("focal:2:1:0.1", "focal:2.0:1.0:0.1"),
    ("Focal:2.0:0.50:0.10", "focal:2.0:0.5:0.1"),
    ("focal:2:1:0", "focal"),
    ("focal:2:0.5:0", "focal:2.0:0.5"),
    ("focal:2:1:-0", "focal"),
    ("focal:0:1:0.1", "cross_entropy:0.1"),  # the same loss: make_loss builds it so
    ("focal:0:1:0", "focal:0.0"),  # not cross_entropy: CrossEntropy is another computation
    ("focal:0:0.5:0.1", "focal:0.0:0.5:0.1"),
])
def test_the_canonical_spelling(word: str, canonical: str) -> None:
    assert cli_train_loss.loss_spec(word) == canonical
    assert cli_train_loss.loss_spec(canonical) == canonical


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``d.csv`` and ``r.checkpoint.safetensors``: 2 of 4 epochs of ``focal:2:0.5:0.1``."""
    from nonlin import cli_train_model

    folder = tmp_path_factory.mktemp("smoothing")
    _data(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        patch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
        assert cli.main([*_run(4), "--loss", "focal:2:0.5:0.1", "-o", "r.safetensors"]) == 130
    return folder


def test_info_shows_it_and_resume_takes_it_over_and_refuses_another(
    checkpoint: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("d.csv", "r.checkpoint.safetensors"):
        (tmp_path / name).write_bytes((checkpoint / name).read_bytes())
    saved = "r.checkpoint.safetensors"
    capsys.readouterr()
    assert cli.main(["info", saved]) == 0
    assert "  loss: focal:2.0:0.5:0.1\n" in capsys.readouterr().out
    resume = [*_run(4), "-o", "r.safetensors", "--resume", saved]
    for other in ("focal:2:0.5", "focal:2:0.5:0.2", "cross_entropy:0.1"):
        assert cli.main([*resume, "--loss", other]) == 2
        error_line(capsys, f"--loss {cli_train_loss.loss_spec(other)} differs from the "
                   "checkpoint's focal:2.0:0.5:0.1")
    assert cli.main(resume) == 0  # taken over
    assert cli.main([*_run(4), "--loss", "focal:2:0.5:0.10", "-o", "straight.safetensors"]) == 0
    resumed, straight = (nonlin.load(f"{name}.safetensors") for name in ("r", "straight"))
    for a, b in zip(resumed.get_weights(), straight.get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()
    assert resumed.metadata["training"]["loss"] == "focal:2.0:0.5:0.1"
    assert resumed.metadata["training"]["history"] == straight.metadata["training"]["history"]


def test_smoothing_changes_the_training(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _data(tmp_path)
    monkeypatch.chdir(tmp_path)
    for word, out in (("focal:2:0.5", "a.st"), ("focal:2:0.5:0.3", "b.st")):
        assert cli.main([*_run(), "--loss", word, "-o", out]) == 0
    a, b = (nonlin.load(out) for out in ("a.st", "b.st"))
    assert any(x.tobytes() != y.tobytes()
               for x, y in zip(a.get_weights(), b.get_weights(), strict=True))
    assert a.metadata["training"]["loss"] == "focal:2.0:0.5"
    assert b.metadata["training"]["loss"] == "focal:2.0:0.5:0.3"


@pytest.mark.parametrize("record", ["focal:2:1:1", "focal:2:1:nan", "focal:2:1:0.1:0"])
def test_resume_refuses_a_hostile_smoothing_naming_the_field(
    checkpoint: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], record: str
) -> None:
    def change(training: dict[str, Any]) -> None:
        training.update(loss=record)

    edited = _edit(checkpoint / "r.checkpoint.safetensors", tmp_path / "e.checkpoint.st",
                   change)
    capsys.readouterr()
    assert cli.main(["train", str(checkpoint / "d.csv"), "--target", "kind", "--epochs", "4",
                     "--quiet", "--out", str(tmp_path / "e.st"), "--resume", str(edited)]) == 2
    error_line(capsys, "Cannot load model file", "(metadata['training']['loss'])", record)
