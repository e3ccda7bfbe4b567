"""Review of s32-locale32 (session 32): CSVLogger appending to a file holding only a byte
order mark or to a log an earlier nonlin wrote in the locale's encoding; the Windows-1252
hint of a CSV that is not UTF-8 kept off UTF-8 text with a corrupt byte and off a CJK code
page's; BackupAndRestore's fallback to its previous backup tried again on Windows as a save
is; train's ``Saved`` line written with standard output's own error handler."""

from __future__ import annotations

import io
import locale
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import CSVLogger, Dense, Sequential, Softmax, cli
from nonlin.callbacks import BackupAndRestore
from nonlin.tabular import CSVError, read_csv

X = np.random.default_rng(0).normal(size=(16, 2))
Y = (X[:, 0] > 0).astype(int)


def _fit(log: Path, epochs: int = 1) -> None:
    Sequential([Dense(2), Softmax()]).fit(
        X, Y, loss="cross_entropy", optimizer="sgd", epochs=epochs, batch_size=8, verbose=0,
        seed=0, callbacks=[CSVLogger(log, append=True)])


# -- CSVLogger(append=True) -------------------------------------------------------------------
def test_csv_logger_writes_the_header_into_a_file_holding_only_a_byte_order_mark(
        tmp_path: Path) -> None:
    """An empty UTF-8 file Notepad or Excel saved is its byte order mark alone: the logger
    took it for a file with a header (3 bytes long) and wrote rows without one."""
    log = tmp_path / "log.csv"
    log.write_bytes(b"\xef\xbb\xbf")
    _fit(log, epochs=2)
    raw = log.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfepoch,loss,lr\r\n") and raw.count(b"\xef\xbb\xbf") == 1
    assert len(raw.splitlines()) == 3, raw


def test_csv_logger_appends_under_a_header_in_the_locale_encoding(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A log an earlier nonlin wrote under Windows' code page (``écart`` as ``\\xe9cart``):
    its header, not UTF-8, was taken as no header, and the rows followed the first epoch's
    keys (loss, lr) under the file's columns (écart, loss, lr): the loss under ``écart``."""
    monkeypatch.setattr(locale, "getpreferredencoding", lambda do_setlocale=True: "cp1252")
    log = tmp_path / "log.csv"
    log.write_bytes("epoch,\u00e9cart,loss,lr\r\n0,0.5,1.5,0.01\r\n".encode("cp1252"))
    _fit(log)
    row = log.read_bytes().splitlines()[-1].split(b",")
    assert row[0] == b"0" and row[1] == b"NA" and float(row[2]) > 0.1, row
    assert float(row[3]) == 0.01, row


# -- the Windows-1252 hint of a CSV that is not UTF-8 -----------------------------------------
def test_utf8_text_with_a_corrupt_byte_gets_no_windows_1252_guess(tmp_path: Path) -> None:
    """A UTF-8 file (``café`` in UTF-8 on line 2) with one corrupt byte on line 3: the
    message said the file 'seems Windows-1252' and to convert it with iconv, which would
    turn its ``café`` into ``cafÃ©``."""
    path = tmp_path / "u.csv"
    path.write_bytes(b"a,y\n1.5,caf\xc3\xa9\n2.5,t\xe9\n")
    with pytest.raises(CSVError, match="line 3: expected UTF-8 text") as caught:
        read_csv(path, target="y")
    assert "b'\\xe9'" in str(caught.value) and "Windows-1252" not in str(caught.value)


def test_a_cjk_code_page_header_gets_no_windows_1252_guess(tmp_path: Path) -> None:
    """``温度`` in GBK (Excel's CSV on a Chinese Windows) decodes as Windows-1252 to
    ``ÎÂ¶È``: the message said the file seems Windows-1252, and ``iconv -f CP1252`` would
    make that text of it."""
    path = tmp_path / "g.csv"
    path.write_bytes("\u6e29\u5ea6,y\r\n1.5,0\r\n".encode("gbk"))
    with pytest.raises(CSVError, match="line 1: expected UTF-8 text") as caught:
        read_csv(path, target="y")
    assert "Windows-1252" not in str(caught.value)


def test_a_windows_1252_header_with_two_accented_letters_in_a_row_keeps_the_hint(
        tmp_path: Path) -> None:
    """Guard (passes before and after): ``Größe`` (``ö`` then ``ß``) is still taken as
    Windows-1252: two bytes above ASCII in a row are a Western word's, not a CJK one's."""
    path = tmp_path / "w.csv"
    path.write_bytes("Gr\u00f6\u00dfe,y\r\n1.5,0\r\n".encode("cp1252"))
    with pytest.raises(CSVError, match="Windows-1252"):
        read_csv(path, target="y")


# -- BackupAndRestore's fallback to its previous backup on Windows -----------------------------
def test_backup_fallback_is_tried_again_while_a_scanner_holds_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``double_checkpoint``: a damaged latest backup is replaced by the previous one with
    ``os.replace``, which on Windows fails while an antivirus scanner holds the file;
    ``write_atomic`` tries it again (s32-locale32), this one raised ``PermissionError`` out
    of ``fit`` at once."""
    from nonlin import _atomic

    folder = tmp_path / "b"
    folder.mkdir()
    model = Sequential([Dense(2), Softmax()])
    model.fit(X, Y, loss="cross_entropy", optimizer="sgd", epochs=1, batch_size=8,
              verbose=0, seed=0)
    nonlin.save_checkpoint(model, folder / "_latest.safetensors", epoch=1)
    (folder / "latest.safetensors").write_bytes(b"\x00" * 40)  # damaged on disk
    real, left, slept = os.replace, [1], []

    def replace(src: str, dst: str) -> None:
        if left[0]:
            left[0] -= 1
            raise PermissionError(13, "Access is denied", src, None, dst)
        real(src, dst)

    monkeypatch.setattr(_atomic, "_WINDOWS", True)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(time, "sleep", slept.append)
    backup = BackupAndRestore(str(folder), double_checkpoint=True)
    backup._bind_folder(str(folder))
    with pytest.warns(UserWarning, match="resuming from the previous one"):
        assert backup.backup_path() == str(folder / "latest.safetensors")
    assert slept == [0.05] and nonlin.load_checkpoint(folder / "latest.safetensors").epoch == 1


# -- train's Saved line under PYTHONIOENCODING=ascii:replace ----------------------------------
def test_train_saved_line_keeps_the_replace_handler_standard_output_was_given(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``PYTHONIOENCODING=ascii:replace`` asks for ``?``: before s32-locale32 the line was
    ``Saved m?.safetensors``; ``print_status`` escaped it as ``m\\xe9`` whatever the stream's
    handler, although this stream could not fail."""
    monkeypatch.setenv("PYTHONIOENCODING", "ascii:replace")
    monkeypatch.chdir(tmp_path)
    rows = "".join(f"{i / 10:.1f},{i % 2}\n" for i in range(20))
    (tmp_path / "d.csv").write_text("a,y\n" + rows, encoding="utf-8")
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="ascii", errors="replace")
    monkeypatch.setattr(sys, "stdout", out)
    status = cli.main(["train", "d.csv", "--target", "y", "--epochs", "1", "--quiet",
                       "--out", "m\u00e9.safetensors"])
    out.flush()
    assert status == 0 and (tmp_path / "m\u00e9.safetensors").exists()
    assert "Saved m?.safetensors (inputs: 1" in raw.getvalue().decode("ascii")
