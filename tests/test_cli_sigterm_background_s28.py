"""SIGTERM to a ``nonlin`` command that runs with SIGINT ignored: a background job
``nonlin train ... &`` of a non-interactive shell script (``nohup`` or not, as CI scripts
start them), which the shell starts with SIGINT ignored so that a Ctrl-C at the script's
terminal never reaches it. SIGTERM was then left at its default and ended the run at once:
no checkpoint, the run lost (and ``predict -`` left its copy of standard input). Now it stops
the run as it stops a foreground one (the step finishes, the same checkpoint, whose ``resume
with:`` line resumes bit-identically, ``terminated``, 143) and SIGINT stays ignored.

The in-process tests set SIGINT to ``SIG_IGN`` and SIGTERM's handler to one raising
``_Unhandled``, so that a SIGTERM the command leaves alone fails the test rather than ending
pytest.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import nonlin
from cli_helpers import cli_env
from nonlin import _epoch_loop, cli, cli_info, cli_train, plots
from signal_helpers import signal_folder
from signal_helpers import train_d_csv as _train
from test_cli_interrupt import (
    STOP_TRAIN,
    _wait_for_training,
    check_stopped_and_resumed,
    wait_for_epoch,
    write_stop_data,
)

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is not a signal on Windows"),
    pytest.mark.filterwarnings("ignore:.*CrossEntropy takes probabilities:UserWarning"),
]

# the job's standard input passed on through fd 3: a background job's is /dev/null
_SCRIPT = 'exec 3<&0; "$0" -m nonlin "$@" <&3 3<&- & echo $! > pid; wait $!'


def _background(folder: Path, *command: str, **popen: Any) -> subprocess.Popen[str]:
    """``nonlin COMMAND &`` in a non-interactive ``sh`` script that waits for it (the script's
    status is the job's); the job's process id goes to ``folder / "pid"``."""
    return subprocess.Popen(["sh", "-c", _SCRIPT, sys.executable, *command], cwd=folder,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **{"env": cli_env(), **popen})


def _job(folder: Path) -> int:
    """The background job's process id, once the script has written it."""
    deadline, pid = time.monotonic() + 60, folder / "pid"
    while not (pid.exists() and pid.read_text().endswith("\n")):
        assert time.monotonic() < deadline, "the script never started its job"
        time.sleep(0.02)
    return int(pid.read_text())


def test_sigterm_stops_a_background_job_as_a_foreground_one(tmp_path: Path) -> None:
    """A Ctrl-C does not reach the job (it trains on); SIGTERM stops it after the running
    step, with the checkpoint whose ``resume with:`` line ends with a straight run's bits."""
    old_model = write_stop_data(tmp_path)
    process = _background(tmp_path, *STOP_TRAIN)
    assert "for training" in _wait_for_training(process)
    shown = wait_for_epoch(process, 2)
    job = _job(tmp_path)
    os.kill(job, signal.SIGINT)  # a Ctrl-C at the script's terminal: ignored, as it was
    shown += wait_for_epoch(process, int(re.findall(r"Epoch (\d+)/", shown)[-1]) + 2)
    os.kill(job, signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 143, (out, shown + err)
    check_stopped_and_resumed(tmp_path, shown + err, "terminated", old_model)


@pytest.mark.filterwarnings("ignore:.*CrossEntropy takes probabilities:UserWarning")
def test_sigterm_to_a_background_predict_leaves_no_copy_of_stdin(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("a,b,y\n" + "".join(
        f"{i},{i % 3},{i % 2}\n" for i in range(20)))
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--epochs", "1",
                     "--quiet", "--out", str(tmp_path / "m.safetensors")]) == 0
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = _background(tmp_path, "predict", "m.safetensors", "-", stdin=subprocess.PIPE,
                          env={**cli_env(), "TMPDIR": str(temp)})
    assert process.stdin is not None
    process.stdin.write("a,b\n1,2\n")  # the rest never comes: it waits for it
    process.stdin.flush()
    deadline = time.monotonic() + 60
    while not any(temp.glob("nonlin-stdin-*/*")):
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.02)
    time.sleep(0.2)
    job = _job(tmp_path)
    os.kill(job, signal.SIGINT)  # ignored: it still waits for the rest
    time.sleep(0.2)
    assert process.poll() is None
    os.kill(job, signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert err.strip() == "nonlin: terminated"
    assert list(temp.iterdir()) == []


# -- in process, SIGINT ignored: each moment of the run ------------------------------------
class _Unhandled(Exception):
    pass


def _unhandled(signum: int, frame: Any) -> None:
    raise _Unhandled("SIGTERM reached the handler that was there before the command")


@pytest.fixture
def ignored(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """SIGINT ignored, SIGTERM's handler raising ``_Unhandled``, both back after the test;
    the working folder with ``d.csv``: 240 rows for training (8 steps an epoch)."""
    with signal_folder(monkeypatch, tmp_path):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, _unhandled)
        yield _unhandled


def _left_as_they_were() -> None:
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    assert signal.getsignal(signal.SIGTERM) is _unhandled


def test_sigterm_within_a_step_checkpoints_and_resumes_to_the_same_bits(
        ignored: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-Cs change nothing; SIGTERMs within the step: deferred to its end (a burst too)."""
    assert _train(out="straight.safetensors") == 0
    real, calls = _epoch_loop.permutation, []

    def draw(rng: Any, n: int) -> Any:  # within the step fit's guard shields
        calls.append(n)
        if len(calls) == 2:
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGINT, *[signal.SIGTERM] * 4):
                signal.raise_signal(signum)
        return real(rng, n)

    monkeypatch.setattr(_epoch_loop, "permutation", draw)
    assert _train() == 143
    err = capsys.readouterr().err
    assert "nonlin: terminated after 1 of 4 epochs and 32 rows of the next; checkpoint saved " \
        "to m.checkpoint.safetensors" in err and "resume with: nonlin train d.csv" in err
    assert "cut the running" not in err
    _left_as_they_were()
    assert _train("--resume", "m.checkpoint.safetensors") == 0
    for a, b in zip(nonlin.load("m.safetensors").get_weights(),
                    nonlin.load("straight.safetensors").get_weights(), strict=True):
        assert a.tobytes() == b.tobytes()


def _signals_then(real: Any) -> Any:
    """``real``, called after two Ctrl-Cs (which change nothing) and a SIGTERM."""
    def hooked(*args: Any, **kwargs: Any) -> Any:
        for signum in (signal.SIGINT, signal.SIGINT, signal.SIGTERM):
            signal.raise_signal(signum)
        return real(*args, **kwargs)
    return hooked


@pytest.mark.parametrize(("where", "status", "said"), [
    ("read", 143, "nonlin: terminated before training started; nothing saved"),
    ("save", 0, "Saved m.safetensors"),  # the file is finished, as in the foreground
    ("plot", 143, "nonlin: terminated after the model was saved to m.safetensors; the plot "
                  "p.png was not written"),
])
def test_sigterm_at_each_moment_does_as_in_the_foreground(
        ignored: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        where: str, status: int, said: str) -> None:
    """While the data is read, while the model file is written, after it (``--plot``)."""
    if where == "plot":
        pytest.importorskip("matplotlib")
    if where == "read":
        monkeypatch.setattr(cli_train, "read_weighted_table",
                            _signals_then(cli_train.read_weighted_table))
    elif where == "save":
        monkeypatch.setattr(nonlin, "save", _signals_then(nonlin.save))
    else:
        monkeypatch.setattr(plots, "plot_history", _signals_then(plots.plot_history))
    assert _train(*(("--plot", "p.png") if where == "plot" else ())) == status
    captured = capsys.readouterr()
    assert said in captured.out + captured.err, captured
    assert "Traceback" not in captured.err
    _left_as_they_were()


def test_sigterm_during_another_command_says_terminated(
        ignored: Any, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    def info(args: Any) -> int:
        signal.raise_signal(signal.SIGINT)  # ignored
        signal.raise_signal(signal.SIGTERM)
        raise AssertionError("SIGTERM did not stop the command")

    monkeypatch.setattr(cli_info, "run_info", info)
    monkeypatch.setattr(cli, "run_info", info, raising=False)
    assert cli.main(["info", "d.csv"]) == 143
    assert capsys.readouterr().err.strip() == "nonlin: terminated"
    _left_as_they_were()
