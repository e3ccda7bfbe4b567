"""A ``nonlin`` command that finds SIGINT ignored leaves it ignored from start to end, also
where SIGTERM cannot be handled (the script ignores it too, ``trap '' TERM``, or it is handled
outside Python): ``train`` set SIGINT's handler to Python's Ctrl-C once the model was saved
(for ``--plot`` and the notes after it), so that a Ctrl-C at the script's terminal, which a
background job of a script must never see, stopped the run there: ``interrupted``, 130, the
plot not written. The stand-in for SIGINT's handler (``cli_sigterm._STAND_IN``) was set only
where SIGTERM's handler was put in as well.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import nonlin
from cli_helpers import cli_env
from nonlin import cli, plots
from signal_helpers import signal_folder

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="no sh, SIGTERM not a signal"),
    pytest.mark.filterwarnings("ignore:.*CrossEntropy takes probabilities:UserWarning"),
]

_TRAIN = ("train", "d.csv", "--target", "y", "--epochs", "2", "--quiet", "--out",
          "m.safetensors", "--plot", "p.png")

# the job: SIGINT (a Ctrl-C at the terminal) sent to itself while the plot is drawn
_JOB = """
import os, signal, sys
import nonlin.cli, nonlin.plots
real = nonlin.plots.plot_history
def plot_history(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGINT)
    return real(*args, **kwargs)
nonlin.plots.plot_history = plot_history
sys.exit(nonlin.cli.main(sys.argv[1:]))
"""


def test_a_background_job_with_sigterm_ignored_keeps_ignoring_ctrl_c(tmp_path: Path) -> None:
    """``trap '' TERM`` in a script, then ``nonlin train ... &``: a Ctrl-C after the save."""
    pytest.importorskip("matplotlib")  # --plot
    (tmp_path / "job.py").write_text(_JOB)
    (tmp_path / "d.csv").write_text("a,b,y\n" + "".join(
        f"{i % 7},{i % 3},{i % 2}\n" for i in range(40)))
    script = "trap '' TERM; \"$0\" job.py \"$@\" & wait $!"
    done = subprocess.run(["sh", "-c", script, sys.executable, *_TRAIN], cwd=tmp_path,
                          capture_output=True, text=True, env=cli_env(), timeout=300)
    assert done.returncode == 0, done.stderr
    assert "interrupted" not in done.stderr
    assert (tmp_path / "p.png").exists()


@pytest.mark.parametrize("sigterm", [signal.SIG_IGN, "outside Python"], ids=["ignored", "outside"])
def test_sigint_stays_ignored_where_sigterm_cannot_be_handled(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        sigterm: Any) -> None:
    """In process: SIGINT ignored, SIGTERM ignored (or, as ``getsignal`` shows a handler set
    outside Python, None); SIGINT's handler as seen while the plot is drawn, and a Ctrl-C."""
    pytest.importorskip("matplotlib")  # --plot
    seen: list[Any] = []
    real = plots.plot_history

    def plot_history(*args: Any, **kwargs: Any) -> Any:
        seen.append(signal.getsignal(signal.SIGINT))
        signal.raise_signal(signal.SIGINT)
        return real(*args, **kwargs)

    with signal_folder(monkeypatch, tmp_path):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if sigterm != signal.SIG_IGN:
            getsignal = signal.getsignal
            monkeypatch.setattr(signal, "getsignal", lambda signum: None if signum == int(
                signal.SIGTERM) else getsignal(signum))
        monkeypatch.setattr(plots, "plot_history", plot_history)
        status = cli.main(list(_TRAIN))
        monkeypatch.undo()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    assert status == 0, capsys.readouterr().err
    assert seen == [signal.SIG_IGN]
    assert (tmp_path / "p.png").exists()
    assert nonlin.load(str(tmp_path / "m.safetensors")).metadata["training"]["epochs_done"] == 2
    assert os.path.exists(tmp_path / "m.safetensors")


def test_a_ctrl_c_handler_set_outside_python_is_never_replaced(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """SIGINT's handler set outside Python (``getsignal`` None: a program embedding Python
    set it first) cannot be put back, so the command must never set one: it set Python's
    Ctrl-C for the save and after it, and left that in place when it ended."""
    pytest.importorskip("matplotlib")  # --plot
    set_to: list[Any] = []
    with signal_folder(monkeypatch, tmp_path):
        getsignal, real_signal = signal.getsignal, signal.signal

        def signal_signal(signum: int, handler: Any) -> Any:
            if signum == signal.SIGINT:
                set_to.append(handler)
            return real_signal(signum, handler)

        monkeypatch.setattr(signal, "getsignal", lambda signum: None if signum == int(
            signal.SIGINT) else getsignal(signum))
        monkeypatch.setattr(signal, "signal", signal_signal)
        status = cli.main(list(_TRAIN))
        monkeypatch.undo()
    assert status == 0, capsys.readouterr().err
    assert set_to == []
    assert (tmp_path / "p.png").exists()
