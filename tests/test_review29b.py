"""Review of session 29's minimal-container changes (``cli_pipes._utf8_for_ascii``,
``_checkpoint_reader``'s deferred imports, docs/cli.md's Python recipe): the faults found,
each pinned by a test that failed before its fix."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from nonlin import cli
from nonlin.cli_pipes import _pipe_safe_output


def _ascii(errors: str) -> tuple[io.BytesIO, io.TextIOWrapper]:
    raw = io.BytesIO()
    return raw, io.TextIOWrapper(raw, encoding="ascii", errors=errors)


# -- an ASCII stream written as UTF-8 keeps its error handler --------------------------------
def test_main_puts_back_an_ascii_streams_error_handler_too(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``reconfigure(encoding=...)`` alone resets the error handler to ``strict``: after
    ``cli.main`` a script's standard error (``backslashreplace``, as Python gives it) raised
    ``UnicodeEncodeError`` on the next non-ASCII character instead of escaping it."""
    monkeypatch.delenv("PYTHONIOENCODING", raising=False)
    out_raw, out = _ascii("surrogateescape")
    err_raw, err = _ascii("backslashreplace")
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    assert cli.main(["info", str(tmp_path / "missing.safetensors")]) == 2
    assert (out.encoding, out.errors) == ("ascii", "surrogateescape")
    assert (err.encoding, err.errors) == ("ascii", "backslashreplace")
    print("grün", file=err)
    err.flush()
    assert err_raw.getvalue().endswith(b"gr\\xfcn\n")


def test_while_a_command_runs_the_error_handlers_are_utf8_modes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """While a command runs an ASCII stream is UTF-8 "as Python's UTF-8 mode writes it":
    that mode keeps standard output's ``surrogateescape`` (a file name's undecodable byte
    written back as that byte) and standard error's ``backslashreplace``; both were
    ``strict``, so such a character in a message stopped the command with a codec error."""
    monkeypatch.delenv("PYTHONIOENCODING", raising=False)
    out_raw, out = _ascii("surrogateescape")
    err_raw, err = _ascii("backslashreplace")
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    with _pipe_safe_output():
        assert (out.encoding, out.errors) == ("utf-8", "surrogateescape")
        assert (err.encoding, err.errors) == ("utf-8", "backslashreplace")
        print("gr\udcfcn ü", file=sys.stdout)
        print("gr\udcfcn ü", file=sys.stderr)
    out.flush()
    err.flush()
    assert out_raw.getvalue() == b"gr\xfcn \xc3\xbc\n"
    assert err_raw.getvalue() == b"gr\\udcfcn \xc3\xbc\n"


# -- nonlin.checkpoint.Checkpoint's annotations resolve again -----------------------------------
def test_checkpoint_annotations_resolve_and_load_still_imports_no_callbacks() -> None:
    """Deferring ``_checkpoint_reader``'s import of ``History`` (so that ``nonlin.load`` of a
    fitted model imports no ``callbacks``) left the public ``Checkpoint``'s field
    ``history: History`` naming nothing: ``typing.get_type_hints`` (dataclass tools,
    documentation generators) raised ``NameError``. The optimizer reader ``nonlin.load`` needs
    is now a module of its own, and the checkpoint reader imports ``History`` again."""
    import json
    import subprocess
    import typing

    from cli_helpers import cli_env
    from nonlin.callbacks import History
    from nonlin.checkpoint import Checkpoint, load_checkpoint

    assert typing.get_type_hints(Checkpoint)["history"] is History
    assert typing.get_type_hints(load_checkpoint)["return"] is Checkpoint
    code = ("import json, sys, nonlin._compile_record, nonlin._optimizer_reader\n"
            "print(json.dumps(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], env=cli_env(), capture_output=True,
                         text=True, timeout=60, check=True).stdout
    modules = set(json.loads(out.splitlines()[-1]))
    assert not {"csv", "nonlin.callbacks", "nonlin._checkpoint_reader"} & modules


# -- a strict standard error a script gave: a message it cannot encode is escaped ------------
def test_a_message_a_strict_stderr_cannot_encode_is_escaped_and_main_returns_2(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A script's standard error in Latin-1, strict: the error message naming a file
    ``a–b.safetensors`` raised ``UsageError("cannot write '–' to standard output ...")`` out
    of ``cli.main`` (no status, and the wrong stream named). Standard error carries messages:
    the character is escaped, as Python's own standard error (``backslashreplace``) does."""
    monkeypatch.delenv("PYTHONIOENCODING", raising=False)
    raw = io.BytesIO()
    err = io.TextIOWrapper(raw, encoding="latin-1", errors="strict")
    monkeypatch.setattr(sys, "stderr", err)
    assert cli.main(["info", str(tmp_path / "a–b.safetensors")]) == 2
    err.flush()
    text = raw.getvalue().decode("latin-1")
    assert text.startswith("nonlin: error: ") and "a\\u2013b.safetensors" in text, text
    assert text.count("\n") == 1, text


# -- PYTHONIOENCODING that names an error handler only asks for no encoding ------------------
def test_pythonioencoding_with_only_an_error_handler_still_writes_utf8(tmp_path: Path) -> None:
    """``PYTHONIOENCODING=:replace`` names no encoding: standard output's is still the
    locale's, ASCII, which docs/cli.md says the commands write as UTF-8. It was taken as an
    encoding asked for and kept: ``predict`` wrote the label ``grün`` as ``gr?n``, no error."""
    import subprocess

    from cli_helpers import cli_env

    rows = "".join(f"{i % 7 / 7:.3f},{(3 * i) % 5 / 5:.3f},{('grün', 'rot')[i % 2]}\n"
                   for i in range(20))
    (tmp_path / "d.csv").write_text("a,b,farbe\n" + rows, encoding="utf-8")
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "farbe", "--epochs", "1",
                     "--quiet", "--out", str(tmp_path / "m.safetensors")]) == 0
    env = {k: v for k, v in cli_env().items()
           if not k.startswith(("LC_", "LANG", "PYTHONIOENCODING", "PYTHONUTF8"))}
    env = {**env, "LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0",
           "PYTHONIOENCODING": ":replace"}
    probe = subprocess.run([sys.executable, "-c", "import sys; print(sys.stdout.encoding)"],
                           env=env, capture_output=True, text=True, timeout=60)
    if probe.stdout.strip().lower() not in ("ascii", "ansi_x3.4-1968", "us-ascii"):
        pytest.skip(f"this Python's C locale gives standard output {probe.stdout.strip()!r}")
    done = subprocess.run([sys.executable, "-m", "nonlin", "info", "m.safetensors"], env=env,
                          cwd=tmp_path, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "grün".encode() in done.stdout and b"gr?n" not in done.stdout, done.stdout
