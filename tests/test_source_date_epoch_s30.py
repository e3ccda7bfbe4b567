"""Review of session 30's ``SOURCE_DATE_EPOCH`` for ``nonlin train``: a malformed value was
refused only where a new run stamped ``created``; a run resumed with ``--resume`` (which keeps
its checkpoint's ``created``) trained with it unchecked, though the file format says any other
value is refused. A time past 9999-12-31 was refused as if it were no whole number.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import nonlin as nl
from cli_helpers import interrupt_after
from nonlin import cli


def _rows() -> str:
    xs = np.random.default_rng(1).standard_normal(60)
    return "a,b,y\n" + "".join(f"{x:.4f},{x * x:.4f},{'p' if x > 0 else 'q'}\n" for x in xs)


def _train(out: str, *extra: str) -> int:
    return cli.main(["train", "d.csv", "--target", "y", "--epochs", "4", "--quiet", "--out", out,
                     *extra])


@pytest.fixture()
def interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``d.csv`` and a run on it under ``SOURCE_DATE_EPOCH=0`` interrupted after its
    second epoch: its checkpoint, ``r.checkpoint.safetensors``."""
    from nonlin import cli_train_model

    (tmp_path / "d.csv").write_text(_rows())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
    assert _train("r.safetensors") == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [])
    return tmp_path / "r.checkpoint.safetensors"


@pytest.mark.parametrize("value", ["soon", "-5", "1.5e9", " 12", "253402300800"])
def test_a_malformed_source_date_epoch_is_refused_on_resume_too(
        interrupted: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], value: str) -> None:
    before = interrupted.read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    capsys.readouterr()
    assert _train("r.safetensors", "--resume", interrupted.name) == 2
    err = capsys.readouterr().err
    assert "SOURCE_DATE_EPOCH" in err and repr(value) in err, err
    assert not Path("r.safetensors").exists() and interrupted.read_bytes() == before


def test_a_time_past_year_9999_is_refused_naming_the_range(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "d.csv").write_text(_rows())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "253402300800")  # a whole number: the range named
    assert _train("m.safetensors") == 2
    assert "0 to 253402300799" in capsys.readouterr().err
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "253402300799")
    assert _train("m.safetensors") == 0
    assert nl.load("m.safetensors").metadata["training"]["created"] == (
        "9999-12-31T23:59:59+00:00")


def test_a_resumed_run_keeps_its_checkpoints_created_and_the_uninterrupted_bytes(
        interrupted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the file format says: ``--resume`` keeps the checkpoint's ``created``; resumed
    from a checkpoint written under the same value, the bytes of the run never interrupted."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert _train("whole.safetensors") == 0
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")  # another value: the checkpoint's kept
    assert _train("r.safetensors", "--resume", interrupted.name) == 0
    assert nl.load("r.safetensors").metadata["training"]["created"] == (
        "1970-01-01T00:00:00+00:00")
    assert Path("r.safetensors").read_bytes() == Path("whole.safetensors").read_bytes()
