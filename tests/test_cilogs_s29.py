"""Progress where standard error is a file or a pipe (a CI job, cron, ``nohup ... > log 2>&1``).

``fit(verbose=1)`` drew tqdm's bar there as on a terminal: each refresh (up to ten a
second) a ``\\r`` frame that stays in the file, one ever longer line per epoch (some 4,000
characters for a three-second epoch, megabytes in an hour's run), which GitHub Actions or
GitLab show frame by frame or as one huge line. Now a stream that cannot redraw in place
(no ``isatty()``, not a Jupyter kernel's) gets verbose=2's plain line per epoch, and a line
a minute within a longer epoch or pass; a terminal still gets the bar. Clocks are stand-ins:
nothing here depends on how fast the machine is.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import types
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
import nonlin.progress
from cli_helpers import cli_env, write_csv

EPOCH_LINE = re.compile(r"Epoch (\d+)/(\d+) - \d+\.\d+s - loss: (\S+) - accuracy: (\S+)")


class _Tty(io.StringIO):
    """A terminal's stream, as far as the progress display asks."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def _no_pycharm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)  # its console redraws (Keras' rule)


def _data(n: int = 200) -> tuple[np.ndarray, np.ndarray]:
    X = np.random.default_rng(0).normal(size=(n, 3))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def _model() -> nonlin.Sequential:
    return nonlin.Sequential([nonlin.Dense(8), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])


def _fit(model: nonlin.Sequential, stream: Any, monkeypatch: pytest.MonkeyPatch,
         **kw: Any) -> Any:
    monkeypatch.setattr(sys, "stderr", stream)
    X, y = _data()
    options = {"epochs": 3, "batch_size": 10, "verbose": 1, **kw}
    return model.fit(X, y, loss="cross_entropy", optimizer="adam", metrics=["accuracy"],
                     seed=0, **options)


def test_fit_verbose_1_on_a_file_writes_one_plain_line_per_epoch(monkeypatch) -> None:
    out = io.StringIO()  # no isatty() True: a file, a pipe
    history = _fit(_model(), out, monkeypatch)
    text = out.getvalue()
    assert "\r" not in text and "\x1b" not in text and "\b" not in text  # no frames, no codes
    lines = text.splitlines()
    assert len(lines) == 3 and text.endswith("\n")
    for epoch, line in enumerate(lines):
        match = EPOCH_LINE.fullmatch(line)
        assert match is not None, line
        assert match.group(1, 2) == (str(epoch + 1), "3")
        assert match.group(3) == f"{history.history['loss'][epoch]:.4f}"
        assert match.group(4) == f"{history.history['accuracy'][epoch]:.4f}"
        assert len(line) < 120


def test_the_file_lines_are_verbose_2s_lines(monkeypatch) -> None:
    """verbose=1 on a file writes what verbose=2 writes (the times aside)."""
    def shown(verbose: int) -> list[str]:
        out = io.StringIO()
        _fit(_model(), out, monkeypatch, verbose=verbose, validation_split=0.25)
        return [re.sub(r" - \d+\.\d+s - ", " - ", line) for line in out.getvalue().splitlines()]

    lines = shown(1)
    assert lines == shown(2) and len(lines) == 3 and "val_accuracy: " in lines[0]


def test_a_terminal_still_gets_the_live_bar(monkeypatch) -> None:
    pytest.importorskip("tqdm")
    out = _Tty()
    _fit(_model(), out, monkeypatch)
    text = out.getvalue()
    assert "\r" in text and "Epoch 1/3: " in text and "Epoch 3/3: 100%|" in text
    assert "batch/s" in text


def test_a_terminal_without_tqdm_still_gets_the_plain_text_bar(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    out = _Tty()
    _fit(_model(), out, monkeypatch)
    text = out.getvalue()
    assert text.startswith("Epoch 1/3\n") and "\r20/20 - " in text  # as before


class _Clock:
    """``time.monotonic`` stood in for: ``step`` seconds later at each reading."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def monotonic(self) -> float:
        self.now += self.step
        return self.now


def test_a_long_epoch_on_a_file_gets_a_line_a_minute_not_a_frame_per_refresh(
        monkeypatch) -> None:
    monkeypatch.setattr(nonlin.progress, "time", types.SimpleNamespace(monotonic=_Clock(25.0)
                                                                       .monotonic))
    out = io.StringIO()
    _fit(_model(), out, monkeypatch, epochs=1)  # 20 batches, 25 s each (by the stand-in)
    text = out.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    # a reading per batch: 60 s passed at batches 2, 5, 8, ... (none at the last: the
    # epoch's line follows)
    progress = [line for line in lines if re.match(r"Epoch 1/1 - \d+/20 - ", line)]
    assert [line.split(" - ")[1] for line in progress] == [
        "3/20", "6/20", "9/20", "12/20", "15/20", "18/20"]
    assert progress[0].startswith("Epoch 1/1 - 3/20 - 75.0s - loss: ")
    assert " - accuracy: " in progress[0]
    assert len(lines) == len(progress) + 1 and EPOCH_LINE.fullmatch(lines[-1])


def test_a_short_epoch_on_a_file_gets_no_line_a_minute(monkeypatch) -> None:
    monkeypatch.setattr(nonlin.progress, "time", types.SimpleNamespace(monotonic=_Clock(2.0)
                                                                       .monotonic))
    out = io.StringIO()
    _fit(_model(), out, monkeypatch, epochs=2)  # 40 s an epoch (by the stand-in)
    assert len(out.getvalue().splitlines()) == 2


def test_evaluate_and_predict_verbose_1_on_a_file_write_one_line(monkeypatch) -> None:
    X, y = _data()
    model = _model()
    model.fit(X, y, loss="cross_entropy", optimizer="adam", epochs=1, seed=0, verbose=0)
    out = io.StringIO()
    monkeypatch.setattr(sys, "stderr", out)
    results = model.evaluate(X, y, batch_size=10, verbose=1)
    model.predict(X, batch_size=10, verbose=1)
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue() and len(lines) == 2
    assert re.fullmatch(r"20/20 - \d+\.\d+s - loss: (\S+)", lines[0])
    assert lines[0].endswith(f"loss: {results['loss']:.4f}")
    assert re.fullmatch(r"20/20 - \d+\.\d+s", lines[1])


def test_a_long_pass_on_a_file_gets_a_line_a_minute(monkeypatch) -> None:
    from nonlin.progress import PassProgress

    monkeypatch.setattr(nonlin.progress, "time", types.SimpleNamespace(monotonic=_Clock(40.0)
                                                                       .monotonic))
    out = io.StringIO()
    with PassProgress(1, 5, file=out) as progress:
        for done in range(1, 6):
            progress.update(done)
        progress.finish({"loss": 0.5})
    assert out.getvalue() == "2/5 - 80.0s\n4/5 - 160.0s\n5/5 - 240.0s - loss: 0.5000\n"


def test_which_streams_redraw(monkeypatch) -> None:
    from nonlin.progress import redraws

    class KernelStream(io.StringIO):  # ipykernel's OutStream: its isatty() says False
        pass

    KernelStream.__module__ = "ipykernel.iostream"
    closed = io.StringIO()
    closed.close()
    assert redraws(_Tty()) and redraws(KernelStream())
    assert not redraws(io.StringIO()) and not redraws(closed) and not redraws(object())
    monkeypatch.setenv("PYCHARM_HOSTED", "1")  # PyCharm's run console: its stdout/stderr pipe
    assert not redraws(io.StringIO())  # not a StringIO (tests/test_review29d.py)


def test_the_sklearn_estimators_verbose_2_bar_on_a_file_is_plain_lines(monkeypatch) -> None:
    pytest.importorskip("sklearn")
    from nonlin.sklearn import MLPClassifier

    err, out = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr(sys, "stdout", out)
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the ConvergenceWarning of three epochs
        MLPClassifier((8,), max_iter=3, batch_size=20, random_state=0, verbose=2,
                      n_iter_no_change=100).fit(X, y)
    assert "\r" not in err.getvalue()
    assert [line.split(" - ")[0] for line in err.getvalue().splitlines()] == [
        "Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    assert out.getvalue().count("Iteration ") == 3  # scikit-learn's lines, on stdout


def test_nonlin_train_with_stderr_to_a_file_writes_plain_lines(tmp_path: Path) -> None:
    X, y = _data(300)
    data = write_csv(tmp_path / "d.csv", ["a", "b", "c", "t"],
                     [[*map(float, row), int(label)] for row, label in zip(X, y, strict=True)])
    log = tmp_path / "log"
    env = cli_env()
    env.pop("PYCHARM_HOSTED", None)
    with open(log, "wb") as handle:  # `nonlin train ... 2> log`
        done = subprocess.run(
            [sys.executable, "-m", "nonlin", "train", str(data), "--target", "t", "--epochs",
             "4", "--batch-size", "8", "--out", str(tmp_path / "m.safetensors")],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=handle, timeout=120)
    assert done.returncode == 0
    raw = log.read_bytes()
    assert b"\r" not in raw and b"\x1b" not in raw
    lines = raw.decode().splitlines()
    assert [line.split(" - ")[0] for line in lines] == [f"Epoch {e}/4" for e in range(1, 5)]
    assert all("val_loss: " in line and len(line) < 120 for line in lines)
    assert b"final validation:" in done.stdout


_INTERVALS = """
import io
from nonlin.progress import PassProgress, ProgbarLogger

class Tty(io.StringIO):
    def isatty(self):
        return True

logger = ProgbarLogger(1, 4, 1, file=Tty())
logger.on_epoch_begin(0)
print(logger._bar.mininterval, PassProgress(1, 4, file=Tty())._bar.mininterval)
"""


def test_a_terminals_bar_takes_tqdms_own_refresh_interval() -> None:
    """``TQDM_MININTERVAL`` (tqdm 4.66's environment variables, read when tqdm is imported)
    was overridden: nonlin gave tqdm its 0.1 s, which stays the default."""
    tqdm = pytest.importorskip("tqdm")
    if not hasattr(tqdm.utils, "envwrap"):
        pytest.skip("tqdm before 4.66 reads no TQDM_* variables")

    def intervals(**env: str) -> str:
        base = {k: v for k, v in cli_env().items() if not k.startswith("TQDM_")}
        done = subprocess.run([sys.executable, "-c", _INTERVALS], env={**base, **env},
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert intervals() == "0.1 0.1"
    assert intervals(TQDM_MININTERVAL="5") == "5.0 5.0"
