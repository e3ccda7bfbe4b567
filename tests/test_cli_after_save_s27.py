"""A Ctrl-C or SIGTERM after ``nonlin train`` saved the model (while ``--plot`` draws, while
the last notes print) says the model is saved, not ``nothing saved``: the run was stopped
before its end, so the status is still 130 (143 for SIGTERM), as ``rsync`` or ``make``
report a signal that stopped them whatever they had finished. It used to say
``interrupted before training started; nothing saved``.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import pytest

import nonlin
from nonlin import cli, plots
from signal_helpers import signal_folder

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is not a signal on Windows"),
    pytest.mark.filterwarnings("ignore:.*CrossEntropy takes probabilities:UserWarning"),
]


@pytest.fixture
def folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """The working folder with ``d.csv``; the signal handlers back after the test."""
    with signal_folder(monkeypatch, tmp_path) as path:
        yield path


def _train(*extra: str) -> int:
    return cli.main(["train", "d.csv", "--target", "y", "--epochs", "2", "--quiet",
                     "--out", "m.safetensors", *extra])


@pytest.mark.parametrize(("signum", "word", "status"), [
    (signal.SIGINT, "interrupted", 130), (signal.SIGTERM, "terminated", 143)])
def test_a_signal_while_plotting_says_the_model_is_saved(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        signum: int, word: str, status: int) -> None:
    pytest.importorskip("matplotlib")  # --plot
    def plot(*args: Any, **kwargs: Any) -> Any:
        signal.raise_signal(signum)
        raise AssertionError("the signal did not stop the plot")

    monkeypatch.setattr(plots, "plot_history", plot)
    assert _train("--plot", "p.png") == status
    captured = capsys.readouterr()
    assert "Saved m.safetensors" in captured.out
    assert captured.err.endswith(
        f"nonlin: {word} after the model was saved to m.safetensors; the plot p.png was not "
        "written\n")
    assert "nothing saved" not in captured.err
    assert nonlin.load("m.safetensors").metadata["training"]["epochs_done"] == 2
    assert not (folder / "p.png").exists()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_ctrl_c_after_the_plot_is_written_does_not_deny_it(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The plot written, then a Ctrl-C while its note prints: both files are named as there."""
    pytest.importorskip("matplotlib")  # --plot
    def plot(history: Any, path: str, **kwargs: Any) -> str:
        Path(path).write_bytes(b"png")
        return path

    def note(text: str) -> None:
        if text.startswith("wrote "):
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(plots, "plot_history", plot)
    monkeypatch.setattr("nonlin.cli_train.note", note)
    assert _train("--plot", "p.png") == 130
    err = capsys.readouterr().err
    assert err.endswith("nonlin: interrupted after the model was saved to m.safetensors and "
                        "the plot to p.png\n")


def test_a_signal_while_the_last_note_prints_says_the_model_is_saved(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--resume's closing note (the checkpoint is no longer needed) cut by SIGTERM."""
    assert _train() == 0
    nonlin.save(nonlin.load("m.safetensors"), "c.safetensors")
    capsys.readouterr()

    def note(text: str) -> None:
        if "no longer needed" in text:
            signal.raise_signal(signal.SIGTERM)

    monkeypatch.setattr("nonlin.cli_train.note", note)
    monkeypatch.setattr("nonlin.cli_train.load_resume", lambda load, args: None)
    assert _train("--resume", "c.safetensors") == 143
    err = capsys.readouterr().err
    assert err.endswith("nonlin: terminated after the model was saved to m.safetensors\n")
