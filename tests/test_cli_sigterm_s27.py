"""SIGTERM during ``nonlin train`` (CI runners, ``docker stop``, Kubernetes, systemd,
``timeout``) is handled as Ctrl-C is: the same checkpoint, which resumes to the bits of a
run never stopped, ``nonlin: terminated`` and exit status 143 (128 + 15). Only while the
command runs, from the main thread: the previous handler is back after it, the library's
``fit`` installs none. It used to end the process at once with 143 and no checkpoint.

The in-process tests set SIGTERM's handler to one raising ``_Unhandled`` first, so that
a SIGTERM the command leaves alone fails the test rather than ending pytest.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from nonlin import _epoch_loop, cli_train
from signal_helpers import signal_folder
from signal_helpers import train_d_csv as _train
from test_cli_interrupt import stop_and_resume

pytestmark = [
    pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is not a signal on Windows"),
    pytest.mark.filterwarnings("ignore:.*CrossEntropy takes probabilities:UserWarning"),
]


class _Unhandled(Exception):
    pass


def _unhandled(signum: int, frame: Any) -> None:
    raise _Unhandled("SIGTERM reached the handler that was there before nonlin train")


@pytest.fixture
def fallback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """SIGTERM's handler raising ``_Unhandled`` (SIG_DFL back after the test); the working
    folder ``tmp_path`` with ``d.csv``: 300 rows, 240 for training (8 steps an epoch)."""
    with signal_folder(monkeypatch, tmp_path):
        signal.signal(signal.SIGTERM, _unhandled)
        yield _unhandled


def _same_bits(a: str, b: str) -> None:
    for x, y in zip(nonlin.load(a).get_weights(), nonlin.load(b).get_weights(), strict=True):
        assert x.tobytes() == y.tobytes()


def _terminate_after_the_draw(monkeypatch: pytest.MonkeyPatch, epoch: int,
                              signals: tuple[int, ...] = (signal.SIGTERM,)) -> None:
    """``signals`` raised right after the order of ``epoch`` (0-based) is drawn: within
    the step that the guard of ``fit`` shields (deferred to the first step's end); once
    (a resumed run's draws pass through)."""
    real, calls = _epoch_loop.permutation, []

    def drawn_then_terminated(rng: Any, n: int) -> Any:
        order = real(rng, n)
        calls.append(n)
        if len(calls) == epoch + 1:
            for signum in signals:
                signal.raise_signal(signum)
        return order

    monkeypatch.setattr(_epoch_loop, "permutation", drawn_then_terminated)


# -- a real process ------------------------------------------------------------------------
def test_sigterm_saves_a_checkpoint_that_resumes_to_the_same_bits(tmp_path: Path) -> None:
    stop_and_resume(tmp_path, signal.SIGTERM, 143, "terminated")


def test_two_sigterms_still_save_a_checkpoint_that_resumes(tmp_path: Path) -> None:
    """The second changes nothing (``test_cli_sigterm_burst_s27``)."""
    stop_and_resume(tmp_path, signal.SIGTERM, 143, "terminated", times=2)


# -- in process: each moment of the run ---------------------------------------------------
def test_sigterm_while_training_checkpoints_and_resumes_bit_identically(
        fallback: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _train(out="straight.safetensors") == 0
    _terminate_after_the_draw(monkeypatch, epoch=2)
    assert _train() == 143
    err = capsys.readouterr().err
    assert "nonlin: terminated after 2 of 4 epochs and 32 rows of the next" in err, err
    assert "interrupted" not in err and "resume with: nonlin train d.csv" in err
    assert signal.getsignal(signal.SIGTERM) is fallback
    assert _train("--resume", "m.checkpoint.safetensors") == 0
    _same_bits("m.safetensors", "straight.safetensors")


def test_sigterm_then_ctrl_c_in_one_step_still_resume_bit_identically(
        fallback: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A SIGTERM and a Ctrl-C within one step: both deferred to its end (two of three)."""
    assert _train(out="straight.safetensors") == 0
    _terminate_after_the_draw(monkeypatch, 1, (signal.SIGTERM, signal.SIGINT))
    assert _train() == 143
    assert "nonlin: terminated after 1 of 4 epochs" in capsys.readouterr().err
    assert _train("--resume", "m.checkpoint.safetensors") == 0
    _same_bits("m.safetensors", "straight.safetensors")


def test_sigterm_while_reading_the_data_saves_nothing(
        fallback: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = cli_train.read_weighted_table

    def read(args: Any) -> Any:
        assert signal.getsignal(signal.SIGTERM) is not fallback  # the command's
        signal.raise_signal(signal.SIGTERM)
        return real(args)

    monkeypatch.setattr(cli_train, "read_weighted_table", read)
    assert _train() == 143
    assert capsys.readouterr().err.strip() == (
        "nonlin: terminated before training started; nothing saved")
    assert sorted(p.name for p in Path().iterdir()) == ["d.csv"]
    assert signal.getsignal(signal.SIGTERM) is fallback


def test_a_second_sigterm_while_saying_nothing_was_saved_changes_nothing(
        fallback: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stopped while reading the data, then another SIGTERM (a Ctrl-C) as it says so."""
    real = cli_train.read_weighted_table

    def read(args: Any) -> Any:
        signal.raise_signal(signal.SIGTERM)
        return real(args)

    monkeypatch.setattr(cli_train, "read_weighted_table", read)
    monkeypatch.setattr(cli_train, "close_progress_bars", lambda: [
        signal.raise_signal(signum) for signum in (signal.SIGTERM, signal.SIGINT)])
    assert _train() == 143
    assert capsys.readouterr().err.strip() == (
        "nonlin: terminated before training started; nothing saved")
    assert signal.getsignal(signal.SIGTERM) is fallback
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_signals_while_the_checkpoint_is_written_do_not_cut_it(
        fallback: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second SIGTERM, or a Ctrl-C, while the checkpoint is written is ignored (as a
    second Ctrl-C is there): the file is finished, then 143."""
    real = cli_train.save_checkpoint

    def save(*args: Any) -> Any:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGTERM):
            signal.raise_signal(signum)
        real(*args)
        signal.raise_signal(signal.SIGTERM)

    monkeypatch.setattr(cli_train, "save_checkpoint", save)
    _terminate_after_the_draw(monkeypatch, epoch=1)
    assert _train() == 143
    assert "checkpoint saved to m.checkpoint.safetensors" in capsys.readouterr().err
    assert nonlin.load("m.checkpoint.safetensors").metadata["training"]["epochs_done"] == 1


def test_sigterm_while_the_model_is_saved_lets_it_finish(
        fallback: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Trained: as a Ctrl-C there, ignored; the model file is written, status 0."""
    real = nonlin.save

    def save(*args: Any, **kwargs: Any) -> Any:
        signal.raise_signal(signal.SIGTERM)
        return real(*args, **kwargs)

    monkeypatch.setattr(nonlin, "save", save)
    assert _train() == 0
    assert "Saved m.safetensors" in capsys.readouterr().out
    assert nonlin.load("m.safetensors").metadata["training"]["epochs_done"] == 4


# -- the handler: installed only while the command runs, where it can be ----------------
def test_the_previous_handler_is_back_after_success_and_error(fallback: Any) -> None:
    assert _train() == 0
    assert signal.getsignal(signal.SIGTERM) is fallback
    assert _train("--columns", "nosuch") == 2  # a user error, found while the command runs
    assert signal.getsignal(signal.SIGTERM) is fallback
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    assert _train() == 0
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def _seen_during_the_run(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """SIGTERM's handler as the command sees it while it reads the data."""
    seen: list[Any] = []
    real = cli_train.read_weighted_table

    def read(args: Any) -> Any:
        seen.append(signal.getsignal(signal.SIGTERM))
        return real(args)

    monkeypatch.setattr(cli_train, "read_weighted_table", read)
    return seen


def test_main_from_another_thread_works_and_installs_nothing(
        fallback: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seen, status = _seen_during_the_run(monkeypatch), []
    thread = threading.Thread(target=lambda: status.append(_train()))
    thread.start()
    thread.join(120)
    assert status == [0] and seen == [fallback]
    assert signal.getsignal(signal.SIGTERM) is fallback


@pytest.mark.parametrize("setting", ["sigint left to the system", "sigterm ignored", "windows"])
def test_sigterm_is_left_alone_where_it_cannot_be_as_ctrl_c(
        setting: str, fallback: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C left to the system (``SIG_DFL``: it ends the process; ignored, as in a
    script's background job, SIGTERM is handled: ``test_cli_sigterm_background_s28``),
    SIGTERM ignored by the parent, Windows: SIGTERM keeps its handler."""
    seen = _seen_during_the_run(monkeypatch)
    expected: Any = fallback
    if setting == "windows":
        from nonlin import cli_sigterm

        monkeypatch.setattr(cli_sigterm, "_WINDOWS", True)
    elif setting == "sigterm ignored":
        expected = signal.SIG_IGN
        signal.signal(signal.SIGTERM, expected)
    else:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # the fixture puts Python's back
    assert _train() == 0
    assert seen == [expected]
    assert signal.getsignal(signal.SIGTERM) is expected


def test_the_library_fit_installs_no_sigterm_handler(fallback: Any) -> None:
    """Only the command line does (as Keras: ``fit`` leaves SIGTERM to the program)."""
    seen = []

    class Look(nonlin.Callback):
        def on_train_batch_end(self, batch: int, logs: Any = None) -> None:
            seen.append(signal.getsignal(signal.SIGTERM))

    X = np.random.default_rng(0).normal(size=(16, 2))
    model = nonlin.Sequential([nonlin.Dense(1)]).build(2, seed=0)
    model.fit(X, X[:, :1], loss="mse", optimizer="sgd", epochs=1, batch_size=8,
              callbacks=[Look()], verbose=0)
    assert seen == [fallback, fallback]
