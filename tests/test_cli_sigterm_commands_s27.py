"""SIGTERM during the commands other than ``train`` (``timeout 60 nonlin predict ...``, a CI
job cancelled): handled as Ctrl-C, so what the command wrote is cleaned up as after a
Ctrl-C: ``nonlin: terminated``, exit status 143. Its default ended the process at once and
left files: the whole copy of standard input in $TMPDIR (``nonlin-stdin-*``), the hidden
temporary file of ``predict -o`` beside the output.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import cli_env, write_csv
from nonlin import cli, cli_info

pytestmark = pytest.mark.skipif(sys.platform == "win32",
                                reason="SIGTERM is not a signal on Windows")


@pytest.mark.filterwarnings("ignore:.*CrossEntropy takes probabilities:UserWarning")
def test_sigterm_while_predict_reads_stdin_leaves_no_copy(tmp_path: Path) -> None:
    write_csv(tmp_path / "d.csv", ["a", "b", "y"], [[i, i % 3, i % 2] for i in range(20)])
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--epochs", "1",
                     "--quiet", "--out", str(tmp_path / "m.safetensors")]) == 0
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "nonlin", "predict", "m.safetensors", "-"], cwd=tmp_path,
        env={**cli_env(), "TMPDIR": str(temp)}, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdin is not None
    process.stdin.write(b"a,b\n1,2\n")  # the rest never comes: it waits for it
    process.stdin.flush()
    deadline = time.monotonic() + 60
    while not any(temp.glob("nonlin-stdin-*/*")):
        assert time.monotonic() < deadline and process.poll() is None, process.communicate()
        time.sleep(0.02)
    time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 143, err
    assert err.decode().strip() == "nonlin: terminated"
    assert list(temp.iterdir()) == []


def test_sigterm_during_a_command_says_terminated(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    def unhandled(signum: int, frame: Any) -> None:  # not pytest ended by a SIGTERM left alone
        raise RuntimeError("SIGTERM reached the handler there before the command")

    seen = signal.signal(signal.SIGTERM, unhandled)
    write_csv(tmp_path / "d.csv", ["a"], [[1]])

    def info(args: Any) -> int:
        signal.raise_signal(signal.SIGTERM)
        raise AssertionError("SIGTERM did not stop the command")

    monkeypatch.setattr(cli_info, "run_info", info)
    monkeypatch.setattr(cli, "run_info", info, raising=False)
    try:
        assert cli.main(["info", str(tmp_path / "d.csv")]) == 143
        assert capsys.readouterr().err.strip() == "nonlin: terminated"
        assert signal.getsignal(signal.SIGTERM) is unhandled
    finally:
        signal.signal(signal.SIGTERM, seen)
    assert os.path.exists(tmp_path / "d.csv")
