"""Hostile deployment environments (a minimal container, a serverless function, a CI image):
no writable folder for temporary files, an ASCII-only standard output (the C locale with
Python's UTF-8 mode off, ``PYTHONIOENCODING=ascii``), memory running out while the command
line's modules load. Each gets one line naming the way out, not a traceback nor a codec's
message, and the command's exit status says what happened."""

from __future__ import annotations

import errno
import importlib.abc
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from cli_helpers import cli_env
from nonlin import cli

LABELS = ("grün", "blau–x", "rot")  # ü is Latin-1, the en dash is not


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``d.csv`` (two features, a class label that is not ASCII) and ``m.safetensors``,
    a model trained on it."""
    folder = tmp_path_factory.mktemp("serverless")
    rows = "".join(f"{i % 7 / 7:.3f},{(3 * i) % 5 / 5:.3f},{LABELS[i % 3]}\n" for i in range(30))
    (folder / "d.csv").write_text("größe,b,farbe\n" + rows, encoding="utf-8")
    assert cli.main(["train", str(folder / "d.csv"), "--target", "farbe", "--epochs", "1",
                     "--quiet", "--out", str(folder / "m.safetensors")]) == 0
    return folder


def _ascii_env(**extra: str) -> dict[str, str]:
    """The C locale with Python's UTF-8 mode and locale coercion off: standard output and
    error are ASCII (as under ``LANG=en_US.ISO-8859-1`` for the en dash)."""
    env = {k: v for k, v in cli_env().items()
           if not k.startswith(("LC_", "LANG", "PYTHONIOENCODING", "PYTHONUTF8"))}
    return {**env, "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0", **extra}


def _nonlin(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "nonlin", *args], env=env, cwd=cwd,
                          capture_output=True, timeout=120)


def _skip_unless_ascii(env: dict[str, str]) -> None:
    probe = subprocess.run([sys.executable, "-c", "import sys; print(sys.stdout.encoding)"],
                           env=env, capture_output=True, text=True, timeout=60)
    if probe.stdout.strip().lower() not in ("ascii", "ansi_x3.4-1968", "us-ascii"):
        pytest.skip(f"this Python's C locale gives standard output {probe.stdout.strip()!r}")


# -- standard input with no writable folder for temporary files -----------------------------
def test_stdin_with_no_writable_temporary_folder_says_set_tmpdir(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A read-only container (``TMPDIR`` unset or missing, ``/tmp`` read-only): standard
    input's copy cannot be made. One line naming ``TMPDIR`` and a data file as the ways out,
    not ``tempfile``'s ``[Errno 2] No usable temporary directory found in [...]``."""
    missing = folder / "no-such-folder"
    monkeypatch.setattr(tempfile, "tempdir", str(missing))  # where mkdtemp makes its folder
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"b,x\n1,2\n"), "utf-8"))
    status = cli.main(["predict", str(folder / "m.safetensors"), "-"])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line and not line.startswith("note:")]
    assert status == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert "standard input" in lines[0] and "temporary" in lines[0], lines[0]
    assert "TMPDIR" in lines[0] and "give its path" in lines[0], lines[0]
    assert str(missing) in lines[0], lines[0]  # what was tried
    assert not missing.exists()


def _no_temporary_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """``tempfile`` finding no writable folder (``TMPDIR`` missing, ``/tmp`` read-only), as
    in a read-only container: ``gettempdir`` (which ``mkdtemp`` calls) raises."""
    def none_usable() -> str:
        raise FileNotFoundError(errno.ENOENT, "No usable temporary directory found in "
                                              "['/tmp', '/var/tmp', '/usr/tmp']")

    monkeypatch.setattr(tempfile, "gettempdir", none_usable)


def test_stdin_when_tempfile_finds_no_usable_folder(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _no_temporary_folder(monkeypatch)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"b,x\n1,2\n"), "utf-8"))
    assert cli.main(["predict", str(folder / "m.safetensors"), "-"]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line and not line.startswith("note:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in ("standard input", "No usable temporary directory", "TMPDIR", "its path"):
        assert fragment in lines[0], (fragment, lines[0])


def test_parquet_when_tempfile_finds_no_usable_folder(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A Parquet file is read through a CSV copy in a temporary folder: with none writable,
    the message about that copy (TMPDIR, writing CSV first), not a second ``tempfile``
    error raised while it was written."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"b": [0.5, 0.25], "größe": [0.1, 0.2],  # text: copied (s31)
                             "note": ["a", "b"]}), folder / "new.parquet")
    _no_temporary_folder(monkeypatch)
    assert cli.main(["predict", str(folder / "m.safetensors"), str(folder / "new.parquet")]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line and not line.startswith("note:")]
    assert len(lines) == 1 and "Traceback" not in err, err
    for fragment in ("new.parquet", "Parquet table as CSV", "No usable temporary directory",
                     "TMPDIR"):
        assert fragment in lines[0], (fragment, lines[0])


def test_predict_o_over_a_writable_file_in_a_read_only_folder_says_redirect(
        folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file mounted writable in a read-only container: ``-o`` writes atomically, through a
    temporary file beside it, which the folder refuses. The message says why the writable
    file is not enough and that ``> PATH`` writes it in place."""
    from nonlin import cli_paths

    out = folder / "mounted.csv"
    out.write_text("kept\n")

    def read_only(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(cli_paths.tempfile, "mkstemp", read_only)
    status = cli.main(["predict", str(folder / "m.safetensors"), str(folder / "d.csv"),
                       "-o", str(out)])
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line and not line.startswith("note:")]
    assert status == 2 and len(lines) == 1, err
    for fragment in ("Read-only file system", "the file itself is writable", "> PATH"):
        assert fragment in lines[0], (fragment, lines[0])
    assert out.read_text() == "kept\n"


def test_a_relative_output_path_in_a_removed_current_folder_is_named(
        folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The current folder removed since the process started in it (a CI workspace cleaned):
    ``nonlin.save`` to a relative path and ``predict -o`` gave ``[Errno 2] No such file or
    directory`` naming no file (``os.getcwd`` failing inside ``realpath``); now the path and
    why."""
    model = nonlin.Sequential([nonlin.Dense(1)]).build(2, seed=0)
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    try:
        with pytest.raises(OSError) as raised:
            nonlin.save(model, "m.safetensors")
        status = cli.main(["predict", str(folder / "m.safetensors"), str(folder / "d.csv"),
                           "-o", "out.csv"])
    finally:
        os.chdir(tmp_path)
    assert raised.value.filename == "m.safetensors", raised.value
    assert "current folder" in str(raised.value), raised.value
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line and not line.startswith("note:")]
    assert status == 2 and len(lines) == 1, err
    assert lines[0].startswith("nonlin: error: out.csv: ") and "current folder" in lines[0], err


# -- an ASCII-only standard output -----------------------------------------------------------
def test_ascii_locale_trains_and_predicts_writing_utf8_as_predict_o_does(folder: Path) -> None:
    """Under an ASCII locale a class label ``grün`` stopped ``train`` before it trained (its
    first line names the classes), and ``predict``, ``info`` and ``evaluate`` with status 2 and
    ``'ascii' codec can't encode``: standard output is now written as UTF-8, as Python's UTF-8
    mode writes it for the C locale, the same bytes that ``predict -o`` writes to a file."""
    env = _ascii_env()
    _skip_unless_ascii(env)
    model = str(folder / "m.safetensors")
    trained = _nonlin(["train", "d.csv", "--target", "farbe", "--epochs", "1", "--quiet",
                       "--out", "ascii.safetensors"], env, folder)
    assert trained.returncode == 0, trained.stderr.decode("utf-8", "replace")
    assert "grün".encode() in trained.stdout and (folder / "ascii.safetensors").exists()
    shown = _nonlin(["predict", model, "d.csv", "--proba"], env, folder)
    assert shown.returncode == 0, shown.stderr.decode("utf-8", "replace")
    written = _nonlin(["predict", model, "d.csv", "--proba", "-o", "p.csv"], env, folder)
    assert written.returncode == 0, written.stderr.decode("utf-8", "replace")
    assert shown.stdout == (folder / "p.csv").read_bytes()
    assert "proba_blau–x".encode() in shown.stdout
    for command in (["info", model], ["evaluate", model, "d.csv"]):
        done = _nonlin(command, env, folder)
        assert done.returncode == 0, (command, done.stderr.decode("utf-8", "replace"))
        assert "blau–x".encode() in done.stdout, command


def test_an_encoding_asked_for_that_lacks_a_label_is_one_line_naming_the_way_out(
        folder: Path) -> None:
    """``PYTHONIOENCODING=ascii`` (or Latin-1 for the en dash) asked for: kept, and a label
    it cannot write is one line naming the character, the encoding and the ways out."""
    for asked, encoding in (("ascii", "ascii"), ("latin-1", "iso8859-1")):
        done = _nonlin(["predict", str(folder / "m.safetensors"), "d.csv"],
                       _ascii_env(PYTHONIOENCODING=asked), folder)
        err = done.stderr.decode("ascii", "backslashreplace")
        lines = [line for line in err.splitlines() if not line.startswith("note:")]
        assert done.returncode == 2 and len(lines) == 1 and "Traceback" not in err, err
        for fragment in ("'\\u2013'", f"'{encoding}'", "PYTHONIOENCODING=utf-8", "-o"):
            assert fragment in lines[0], (fragment, lines[0])


def test_main_writes_an_ascii_stdout_as_utf8_and_puts_its_encoding_back(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``nonlin.cli.main`` run from a script whose standard output is ASCII: the command
    writes UTF-8 and the script's stream is ASCII again afterwards."""
    monkeypatch.delenv("PYTHONIOENCODING", raising=False)
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    monkeypatch.setattr(sys, "stdout", stream)
    assert cli.main(["predict", str(folder / "m.safetensors"), str(folder / "d.csv")]) == 0
    stream.flush()
    assert stream.encoding == "ascii" and stream.errors == "strict"
    text = raw.getvalue().decode("utf-8")
    assert text.splitlines()[0] == "prediction" and set(text.splitlines()[1:]) <= set(LABELS)


# -- a model of nonlin train predicting in Python (docs/cli.md's recipe) ---------------------
def test_the_documented_python_recipe_predicts_as_nonlin_predict(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``nonlin.load(path).predict`` takes standardized inputs and gives logits: docs/cli.md
    shows how to apply the file's ``preprocessing`` and ``classes``; it gives ``predict``'s
    labels and probabilities."""
    import csv
    import warnings

    assert cli.main(["predict", str(folder / "m.safetensors"), str(folder / "d.csv"),
                     "--proba"]) == 0
    table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    model = nonlin.load(folder / "m.safetensors")
    meta = model.metadata
    scaling = meta["preprocessing"]
    with open(folder / "d.csv", encoding="utf-8") as handle:
        rows = np.array([[float(v) for v in line[:2]] for line in list(csv.reader(handle))[1:]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an array for a model fitted with names
        logits = model.predict((rows - scaling["mean"]) / scaling["scale"])
    labels = np.array(meta["classes"])[logits.argmax(axis=1)]
    assert [row[0] for row in table[1:]] == labels.tolist()
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    proba = shifted / shifted.sum(axis=1, keepdims=True)
    assert np.allclose(np.array(table[1:])[:, 1:].astype(float), proba, rtol=1e-5, atol=1e-6)
    assert table[0] == ["prediction", *(f"proba_{c}" for c in meta["classes"])]


# -- memory running out while the command line's modules load -------------------------------
class _NoMemory(importlib.abc.MetaPathFinder):
    """Raises ``MemoryError`` on importing ``nonlin.cli``, as a tiny ``ulimit -v`` does."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> None:
        if name == "nonlin.cli":
            raise MemoryError
        return None


def test_memory_running_out_while_the_commands_load_is_one_line_status_2(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``ulimit -v 150000; nonlin predict ...``: numpy and nonlin import, then a
    ``MemoryError`` while the command line's modules load was a traceback and status 1,
    "a bug in nonlin"; now one line and status 2, as out of memory during a command."""
    from nonlin.__main__ import run

    monkeypatch.delitem(sys.modules, "nonlin.cli")
    monkeypatch.setattr(sys, "meta_path", [_NoMemory(), *sys.meta_path])
    with pytest.raises(SystemExit) as stopped:
        run()
    err = capsys.readouterr().err
    assert stopped.value.code == 2, err
    assert err.splitlines() == [err.strip()] and "Traceback" not in err, err
    assert err.startswith("nonlin: error: out of memory") and "limit" in err, err


# -- cold start: load + predict of a model saved with its compile record ---------------------
def test_load_of_a_fitted_model_imports_no_callbacks_nor_csv(tmp_path: Path) -> None:
    """``nonlin.load(path)`` of a model saved after ``fit`` (its compile record: loss, Adam
    and its moments, metrics) reads the optimizer through the checkpoint reader, which
    imported ``callbacks`` (and ``csv``, for ``CSVLogger``) and the partial-epoch reader with
    it: a cold start paid for modules only a checkpoint needs. The compile record is still
    restored."""
    X = np.random.default_rng(0).normal(size=(32, 3))
    model = nonlin.Sequential([nonlin.Dense(4), nonlin.ReLU(), nonlin.Dense(2), nonlin.Softmax()])
    model.fit(X, (X[:, 0] > 0).astype(int), loss="cross_entropy", optimizer="adam",
              metrics=["accuracy"], epochs=1, seed=0, verbose=0)
    path = tmp_path / "fitted.safetensors"
    model.save(path)
    code = ("import json, sys, numpy as np, nonlin\n"
            f"m = nonlin.load({str(path)!r}); m.predict(np.zeros((2, 3)))\n"
            "print(json.dumps([type(m.optimizer).__name__, m.optimizer.iterations, "
            "sorted(sys.modules)]))")
    out = subprocess.run([sys.executable, "-c", code], env=cli_env(), capture_output=True,
                         text=True, timeout=60, check=True).stdout
    name, iterations, modules = json.loads(out.splitlines()[-1])
    assert (name, iterations) == ("Adam", 1)
    unneeded = {"csv", "nonlin.callbacks", "nonlin._epoch_state", "nonlin._callback_state",
                "nonlin.progress", "nonlin.train", "nonlin.cli", "tqdm"}
    assert not unneeded & set(modules), sorted(unneeded & set(modules))
