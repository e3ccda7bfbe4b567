"""An adversarial audit of the command line: each test is a problem found, run in-process.

A user error must exit with status 2 and one line on stderr, never a traceback;
what a command writes must not destroy what was there.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import interrupt_after
from nonlin import cli


def _rows(n: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    return "".join(f"{a:.4f},{b:.4f},{'cd'[int(a * b > 0)]},{'cd'[int(a > 0)]}\n" for a, b in X)


def _one_error_line(capsys: pytest.CaptureFixture[str], *fragments: str) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line and not line.startswith("note:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("nonlin"), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


@pytest.fixture()
def checkpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``d.csv`` (60 rows, target y) and a run on it interrupted after its second epoch."""
    from nonlin import cli_train_model

    (tmp_path / "d.csv").write_text("a,b,y,z\n" + _rows(60, 0))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
    assert cli.main(["train", "d.csv", "--target", "y", "--columns", "a,b", "--epochs", "5",
                     "--quiet", "--out", "r.safetensors"]) == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [])
    return tmp_path / "r.checkpoint.safetensors"


def _resume(data: str, target: str = "y") -> int:
    return cli.main(["train", data, "--target", target, "--columns", "a,b", "--epochs", "5",
                     "--quiet", "--out", "r.safetensors", "--resume", "r.checkpoint.safetensors"])


def test_resume_refuses_another_data_set_with_the_same_columns(checkpoint, capsys) -> None:
    Path("other.csv").write_text("a,b,y,z\n" + _rows(10, 1))
    capsys.readouterr()
    assert _resume("other.csv") == 2
    _one_error_line(capsys, "other.csv", "10 rows", "60")
    assert not Path("r.safetensors").exists()


def test_resume_refuses_another_target_column(checkpoint, capsys) -> None:
    capsys.readouterr()
    assert _resume("d.csv", target="z") == 2
    _one_error_line(capsys, "--target 'z'", "'y'")
    assert not Path("r.safetensors").exists()


def test_demo_hidden_none_trains_a_linear_model(capsys) -> None:
    assert cli.main(["demo", "moons", "--hidden", "none", "--epochs", "1", "--quiet"]) == 0
    assert "2 classes; 6 parameters" in capsys.readouterr().out  # Dense(2 -> 2) alone


def test_a_network_too_large_for_memory_is_a_user_error(tmp_path, monkeypatch, capsys) -> None:
    from nonlin.sequential import Sequential

    def refuse(self, *args, **kwargs):  # as NumPy refuses a (70000, 70000) float64 array
        raise MemoryError("Unable to allocate 36.5 GiB for an array with shape (70000, 70000) "
                          "and data type float64")

    (tmp_path / "d.csv").write_text("a,b,y,z\n" + _rows(20, 0))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(Sequential, "build", refuse)
    assert cli.main(["train", "d.csv", "--target", "y", "--columns", "a,b", "--hidden",
                     "70000,70000", "--quiet", "--out", "m.safetensors"]) == 2
    _one_error_line(capsys, "--hidden 70000,70000", "memory", "36.5 GiB")


def test_running_out_of_memory_while_training_is_a_user_error(tmp_path, monkeypatch,
                                                              capsys) -> None:
    from nonlin import cli_train

    def refuse(*args, **kwargs):
        raise MemoryError("Unable to allocate 12 GiB for an array")

    (tmp_path / "d.csv").write_text("a,b,y,z\n" + _rows(20, 0))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_train, "fit_model", refuse)
    assert cli.main(["train", "d.csv", "--target", "y", "--columns", "a,b", "--quiet",
                     "--out", "m.safetensors"]) == 2
    _one_error_line(capsys, "out of memory", "12 GiB")


@pytest.fixture()
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small classifier ``m.safetensors`` trained on ``d.csv`` (features a, b; target y)."""
    (tmp_path / "d.csv").write_text("a,b,y,z\n" + _rows(20, 0))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "d.csv", "--target", "y", "--columns", "a,b", "--hidden", "3",
                     "--epochs", "1", "--quiet", "--out", "m.safetensors"]) == 0
    return tmp_path / "m.safetensors"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_predict_into_a_named_pipe_writes_through_it(model, capsys) -> None:
    os.mkfifo("out.fifo")
    reader = os.open("out.fifo", os.O_RDONLY | os.O_NONBLOCK)  # a reader waits on the pipe
    try:
        assert cli.main(["predict", "m.safetensors", "d.csv", "-o", "out.fifo"]) == 0
        assert stat.S_ISFIFO(os.stat("out.fifo").st_mode)  # was replaced by a regular file
        text = os.read(reader, 1 << 16).decode()
    finally:
        os.close(reader)
    assert text.startswith("prediction\n") and text.count("\n") == 21


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux's /proc")
def test_predict_to_dev_stdout_style_paths_reaches_the_pipe(model, capsys) -> None:
    read_end, write_end = os.pipe()  # '-o /dev/stdout' when stdout is a pipe: | head
    try:
        status = cli.main(["predict", "m.safetensors", "d.csv", "-o", f"/proc/self/fd/{write_end}"])
        os.close(write_end)
        text = os.read(read_end, 1 << 16).decode()
    finally:
        os.close(read_end)
    assert status == 0, capsys.readouterr().err
    assert text.startswith("prediction\n") and text.count("\n") == 21


def test_train_leaves_the_callers_ctrl_c_handler_in_place(tmp_path, monkeypatch) -> None:
    """``main`` is for scripts: after an interrupted or finished run, Ctrl-C works as before."""
    import signal

    from nonlin import cli_train_model

    (tmp_path / "d.csv").write_text("a,b,y,z\n" + _rows(20, 0))
    monkeypatch.chdir(tmp_path)
    command = ["train", "d.csv", "--target", "y", "--columns", "a,b", "--hidden", "3",
               "--epochs", "3", "--quiet", "--out", "m.safetensors"]

    def handler(signum, frame):  # the calling script's own
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(0)])
        assert cli.main(command) == 130
        assert signal.getsignal(signal.SIGINT) is handler  # was left ignoring Ctrl-C
        monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [])
        assert cli.main(command) == 0
        assert signal.getsignal(signal.SIGINT) is handler
    finally:
        signal.signal(signal.SIGINT, previous)


def test_evaluate_an_empty_target_is_refused_not_replaced_by_the_models(model, capsys) -> None:
    capsys.readouterr()
    assert cli.main(["evaluate", "m.safetensors", "d.csv", "--target", ""]) == 2
    _one_error_line(capsys, "no column ''")


def _disk_full(handle, data) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")  # as a full disk's write fails


def test_a_failed_model_save_names_out_and_keeps_the_old_file(tmp_path, monkeypatch,
                                                               capsys) -> None:
    from nonlin import _atomic

    (tmp_path / "d.csv").write_text("a,b,y,z\n" + _rows(20, 0))
    (tmp_path / "m.safetensors").write_bytes(b"the previous model")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(_atomic, "_write_all", _disk_full)
    assert cli.main(["train", "d.csv", "--target", "y", "--columns", "a,b", "--hidden", "3",
                     "--epochs", "1", "--quiet", "--out", "m.safetensors"]) == 2
    line = _one_error_line(capsys, "m.safetensors", "No space left on device")
    assert ".tmp" not in line  # the temporary file is gone: naming it misleads
    assert (tmp_path / "m.safetensors").read_bytes() == b"the previous model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv", "m.safetensors"]


def test_a_failed_predictions_write_names_the_output(model, monkeypatch, capsys) -> None:
    from nonlin import _atomic

    monkeypatch.setattr(_atomic, "_write_all", _disk_full)
    capsys.readouterr()
    assert cli.main(["predict", "m.safetensors", "d.csv", "-o", "p.csv"]) == 2
    line = _one_error_line(capsys, "p.csv", "No space left on device")
    assert ".tmp" not in line and not Path("p.csv").exists()


def test_a_note_naming_a_column_with_a_line_break_stays_one_line(tmp_path, monkeypatch,
                                                                 capsys) -> None:
    rows = "".join(f"{i},{i % 3},{i % 2}\n" for i in range(20))
    (tmp_path / "d.csv").write_text('"a\nb",c,y\n' + rows)
    (tmp_path / "new.csv").write_text('"a\nb",c,y\n1,2,7\n')  # 7: a class never seen
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "d.csv", "--target", "y", "--columns", "c", "--hidden", "3",
                     "--epochs", "1", "--quiet", "--out", "m.safetensors"]) == 0
    capsys.readouterr()
    assert cli.main(["evaluate", "m.safetensors", "new.csv"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2, lines
    assert lines[0] == r"note: ignoring column(s) the model does not use: a\nb"
    assert lines[1].startswith("nonlin: error: new.csv: column 'y' has 1 label(s)")


def test_resume_a_regression_with_a_text_target_names_the_column(tmp_path, monkeypatch,
                                                                 capsys) -> None:
    from nonlin import cli_train_model

    numbers = "".join(f"{i},{i % 3},{i * 0.37:.2f}\n" for i in range(30))
    (tmp_path / "r.csv").write_text("a,b,y\n" + numbers)
    (tmp_path / "t.csv").write_text("a,b,y\n" + "".join(f"{i},{i % 3},{'pq'[i % 2]}\n"
                                                        for i in range(30)))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(0)])
    command = ["train", "--target", "y", "--hidden", "3", "--epochs", "3", "--quiet",
               "--out", "m.safetensors"]
    assert cli.main([*command, "r.csv"]) == 130
    capsys.readouterr()
    assert cli.main([*command, "t.csv", "--resume", "m.checkpoint.safetensors"]) == 2
    _one_error_line(capsys, "t.csv", "column 'y'", "regression")


def test_an_error_names_the_value_exactly_as_written(model, capsys) -> None:
    Path("spaced.csv").write_text("a,b\n1  000,2\n")  # two spaces: not the number 1000
    capsys.readouterr()
    assert cli.main(["predict", "m.safetensors", "spaced.csv"]) == 2
    _one_error_line(capsys, "spaced.csv, line 2, column 'a'", "received '1  000'")


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs Linux's /proc")
def test_data_from_a_pipe_is_refused_in_words(model, capsys) -> None:
    read_end, write_end = os.pipe()  # 'nonlin predict m data <(zcat d.csv.gz)', '/dev/stdin'
    os.write(write_end, Path("d.csv").read_bytes())
    os.close(write_end)
    capsys.readouterr()
    try:
        status = cli.main(["predict", "m.safetensors", f"/proc/self/fd/{read_end}"])
    finally:
        os.close(read_end)
    assert status == 2
    _one_error_line(capsys, f"/proc/self/fd/{read_end}", "not a regular file")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_failed_write_into_a_pipe_names_it(model, monkeypatch, capsys) -> None:
    from nonlin import _atomic

    os.mkfifo("out.fifo")
    reader = os.open("out.fifo", os.O_RDONLY | os.O_NONBLOCK)
    monkeypatch.setattr(_atomic, "_write_all", _disk_full)  # as '-o /dev/full' fails
    capsys.readouterr()
    try:
        assert cli.main(["predict", "m.safetensors", "d.csv", "-o", "out.fifo"]) == 2
    finally:
        os.close(reader)
    _one_error_line(capsys, "No space left on device", "out.fifo")


def test_ctrl_c_while_reading_the_data_says_nothing_was_saved(tmp_path, monkeypatch,
                                                              capsys) -> None:
    from nonlin import cli_train

    def interrupted(*args, **kwargs):  # Ctrl-C while a large file is read
        raise KeyboardInterrupt

    (tmp_path / "d.csv").write_text("a,b,y,z\n" + _rows(20, 0))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_train, "read_weighted_table", interrupted)  # read_table, one-hot
    assert cli.main(["train", "d.csv", "--target", "y", "--quiet", "--out", "m.safetensors"]) == 130
    err = capsys.readouterr().err
    assert "interrupted before training started; nothing saved" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]


def test_evaluate_prints_a_far_off_r2_in_a_few_digits(tmp_path, monkeypatch, capsys) -> None:
    numbers = "".join(f"{i},{i % 3},{i * 0.37:.2f}\n" for i in range(30))
    (tmp_path / "r.csv").write_text("a,b,y\n" + numbers)
    (tmp_path / "far.csv").write_text("a,b,y\n1e30,1,1\n2,1,2\n")  # a wild feature value
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "r.csv", "--target", "y", "--hidden", "3", "--epochs", "1",
                     "--quiet", "--out", "m.safetensors"]) == 0
    capsys.readouterr()
    assert cli.main(["evaluate", "m.safetensors", "far.csv"]) == 0
    r2 = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("R^2"))
    assert "e+" in r2 and len(r2) < 20, r2  # as train prints scores: .4g beyond 1e6
