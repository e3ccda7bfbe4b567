"""``nonlin train`` puts SIGTERM's handler back before SIGINT's, the reverse of the order it
put them in: its SIGTERM handler passes a SIGTERM on to SIGINT's handler of the moment, which
must still be the command's. A SIGTERM between the two was passed on to the caller's Ctrl-C
handler (Python's ``KeyboardInterrupt``), and read as a Ctrl-C: ``interrupted``, 130.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import pytest

import nonlin
from nonlin import cli, cli_train
from signal_helpers import signal_folder

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is not a signal on Windows"),
    pytest.mark.filterwarnings("ignore:.*CrossEntropy takes probabilities:UserWarning"),
]


def test_sigterm_as_train_puts_ctrl_c_back_is_still_a_sigterm(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGTERM right after ``train`` put SIGINT's handler (Python's) back: its SIGTERM
    handler, still in place, passed it on to that handler, whose ``KeyboardInterrupt`` read
    as a Ctrl-C. Now SIGTERM's is put back first, so it reaches ``main``'s (``cli._run``)."""
    real = cli_train.set_ctrl_c

    def set_ctrl_c(handler: Any) -> None:
        real(handler)
        if handler is signal.default_int_handler:
            signal.raise_signal(signal.SIGTERM)

    monkeypatch.setattr(cli_train, "set_ctrl_c", set_ctrl_c)
    with signal_folder(monkeypatch, tmp_path):
        assert cli.main(["train", "d.csv", "--target", "y", "--epochs", "4", "--quiet",
                         "--out", "m.safetensors"]) == 143
    assert capsys.readouterr().err.endswith("\nnonlin: terminated\n")
    assert nonlin.load("m.safetensors").metadata["training"]["epochs_done"] == 4
