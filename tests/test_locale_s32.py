"""Session 32's locale persona review (locale32): a user on Windows, or on a Linux box
with a non-UTF-8 locale, a legacy terminal, a CI runner whose output is cp1252 or ASCII."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import error_line
from nonlin import CSVLogger, Dense, Sequential, Softmax, cli
from nonlin.tabular import CSVError, read_csv

HINT = "iconv -f CP1252 -t UTF-8"


def _ascii_locale_env() -> dict[str, str]:
    """The environment of a C locale with Python's UTF-8 mode and locale coercion off: the
    preferred encoding is ASCII, as a Windows code page is not UTF-8 (the test's own
    ``PYTHONPATH`` is kept, so the code under test is the one this run tests)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LC_", "LANG", "PYTHONIOENCODING", "PYTHONUTF8"))}
    return {**env, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}


# -- CSVLogger: its file is UTF-8 whatever the locale ----------------------------------------
_LOGGER_RUN = """
import sys, numpy as np
from nonlin import CSVLogger, Dense, Sequential, Softmax
X = np.random.default_rng(0).normal(size=(16, 2)); y = (X[:, 0] > 0).astype(int)
def pr\u00e9cision(t, p):
    return 0.5
Sequential([Dense(2), Softmax()]).fit(
    X, y, loss="cross_entropy", optimizer="sgd", epochs=2, batch_size=8, verbose=0, seed=0,
    metrics=[pr\u00e9cision], callbacks=[CSVLogger(sys.argv[1], append=True)])
"""


def test_csv_logger_writes_a_non_ascii_metric_name_as_utf8_under_an_ascii_locale(
        tmp_path: Path) -> None:
    """A metric named ``précision`` under a locale whose preferred encoding is not UTF-8:
    ``CSVLogger`` opened its file in the locale's encoding, and the header raised
    ``UnicodeEncodeError`` out of ``fit`` after the first epoch (under Windows' cp1252 it
    wrote a cp1252 file, which a UTF-8 reader cannot read). The file is UTF-8 now."""
    env = _ascii_locale_env()
    probe = subprocess.run([sys.executable, "-c",
                            "import locale; print(locale.getpreferredencoding(False))"],
                           env=env, capture_output=True, text=True, timeout=60, check=True)
    if "utf" in probe.stdout.lower().replace("-", ""):
        pytest.skip(f"this Python's C locale prefers {probe.stdout.strip()!r}")
    log, script = tmp_path / "log.csv", tmp_path / "run.py"  # a command line is ASCII there
    script.write_text(_LOGGER_RUN, encoding="utf-8")
    for _ in range(2):  # a new file, then one appended to under its header
        done = subprocess.run([sys.executable, str(script), str(log)], env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
    lines = log.read_bytes().decode("utf-8").splitlines()
    assert lines[0] == "epoch,loss,lr,pr\u00e9cision" and len(lines) == 5, lines


def test_csv_logger_keeps_the_header_of_a_file_that_starts_with_a_byte_order_mark(
        tmp_path: Path) -> None:
    """A log opened and saved by Excel on Windows starts with a UTF-8 byte order mark: its
    header read as ``\\ufeffepoch``, not taken as the logger's, so the resumed run's rows
    followed its own columns (loss, lr) under the file's (lr, loss)."""
    log = tmp_path / "log.csv"
    log.write_bytes(b"\xef\xbb\xbfepoch,lr,loss\r\n0,0.01,1.5\r\n")
    X = np.random.default_rng(0).normal(size=(16, 2))
    y = (X[:, 0] > 0).astype(int)
    Sequential([Dense(2), Softmax()]).fit(
        X, y, loss="cross_entropy", optimizer="sgd", epochs=1, batch_size=8, verbose=0,
        seed=0, callbacks=[CSVLogger(log, append=True)])
    row = log.read_bytes().decode("utf-8-sig").splitlines()[-1].split(",")
    assert row[0] == "0" and row[1] == "0.01" and float(row[2]) > 0.1, row


# -- a CSV file Excel saved as "CSV (Comma delimited)": Windows-1252 -------------------------
def _excel(path: Path, text: str) -> Path:
    path.write_bytes(text.replace("\n", "\r\n").encode("cp1252"))
    return path


def test_a_windows_1252_header_says_how_to_convert_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """``Température`` in cp1252: 'expected UTF-8 text, received the bytes b'\\xe9'' said
    what was wrong but not what to do; it now names Windows-1252 and the conversion."""
    monkeypatch.chdir(tmp_path)
    _excel(tmp_path / "t.csv", "Temp\u00e9rature,y\n1.5,0\n2.5,1\n")
    assert cli.main(["train", "t.csv", "--target", "y", "--quiet"]) == 2
    error_line(capsys, "t.csv, line 1: expected UTF-8 text, received the bytes b'\\xe9'",
               "Windows-1252", "CSV UTF-8", HINT)


def test_a_windows_1252_row_says_how_to_convert_the_file(tmp_path: Path) -> None:
    """A label ``café`` on line 3 of a cp1252 file, read by ``read_csv``: the same hint."""
    path = _excel(tmp_path / "r.csv", "a,y\n1.5,tea\n2.5,caf\u00e9\n")
    with pytest.raises(CSVError, match="line 3: expected UTF-8 text") as caught:
        read_csv(path, target="y")
    assert "Windows-1252" in str(caught.value) and HINT in str(caught.value)


def test_bytes_that_are_not_windows_1252_text_get_no_guess(tmp_path: Path) -> None:
    """Guard (passes before and after): a byte Windows-1252 leaves undefined (0x81), or a
    line with control characters (binary data), is named without the Excel hint."""
    for raw in (b"a,y\n1.5,\x81\n", b"a,y\n1.5,\x01\x02\xe9\n"):
        (tmp_path / "b.csv").write_bytes(raw)
        with pytest.raises(CSVError, match="expected UTF-8 text") as caught:
            read_csv(tmp_path / "b.csv", target="y")
        assert "Windows-1252" not in str(caught.value)


# -- train's "Saved PATH" line on a standard output that cannot encode the path ---------------
def test_train_saved_line_is_escaped_on_an_ascii_stdout_and_the_status_is_0(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``PYTHONIOENCODING=ascii`` (a CI runner) and ``--out mé→.safetensors``: the model was
    written, then printing ``Saved mé→...`` failed: 'nonlin: error: cannot write ... (predict
    -o PATH writes UTF-8)' and status 2, a failed run to the script, with its model saved.
    The status line now escapes what the stream cannot encode, as standard error does."""
    monkeypatch.setenv("PYTHONIOENCODING", "ascii")  # asked for: kept, not made UTF-8
    monkeypatch.chdir(tmp_path)
    rows = "".join(f"{i / 10:.1f},{i % 2}\n" for i in range(20))
    (tmp_path / "d.csv").write_text("a,y\n" + rows, encoding="utf-8")
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii", errors="strict")
    monkeypatch.setattr(sys, "stdout", out)
    status = cli.main(["train", "d.csv", "--target", "y", "--epochs", "1", "--quiet",
                       "--out", "m\u00e9\u2192.safetensors"])
    out.flush()
    assert status == 0 and (tmp_path / "m\u00e9\u2192.safetensors").exists()
    assert "Saved m\\xe9\\u2192.safetensors (inputs: 1" in raw.getvalue().decode("ascii")


# -- Windows: os.replace refuses a file another handle holds open -----------------------------
def _flaky_replace(monkeypatch: pytest.MonkeyPatch, failures: int) -> list[float]:
    """``os.replace`` failing ``failures`` times as Windows' does while an antivirus scanner
    holds the target open (WinError 5, a ``PermissionError``), as on Windows (``_WINDOWS``);
    the sleeps asked for are recorded, not slept."""
    import time

    from nonlin import _atomic

    real, slept = os.replace, []
    left = [failures]

    def replace(src: str, dst: str) -> None:
        if left[0]:
            left[0] -= 1
            raise PermissionError(13, "Access is denied", src, None, dst)
        real(src, dst)

    monkeypatch.setattr(_atomic, "_WINDOWS", True, raising=False)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(time, "sleep", slept.append)
    return slept


def test_a_save_on_windows_tries_again_while_a_scanner_holds_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows' ``os.replace`` fails (Access is denied) while another handle has the target
    open, as Defender or the search indexer do for milliseconds: the finished training's
    save failed at once ('nothing was saved'). It is tried again, a bounded number of times."""
    from nonlin._atomic import write_atomic

    path = tmp_path / "m.safetensors"
    path.write_bytes(b"old")
    slept = _flaky_replace(monkeypatch, 2)
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new" and slept == [0.05, 0.1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]


def test_a_save_on_windows_held_open_for_good_fails_naming_the_file_old_file_intact(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Guard (passes before and after): a handle that stays open (the model loaded by another
    program) still fails, after the bounded tries, naming the file; the old file is intact
    and no temporary file is left."""
    from nonlin._atomic import write_atomic

    path = tmp_path / "m.safetensors"
    path.write_bytes(b"old")
    _flaky_replace(monkeypatch, 99)
    with pytest.raises(PermissionError) as caught:
        write_atomic(path, b"new")
    assert caught.value.filename == str(path) and path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.safetensors"]
