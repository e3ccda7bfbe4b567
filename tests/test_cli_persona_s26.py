"""Session 26's command-line persona review (cli26): a practitioner's CSV sessions."""

from __future__ import annotations

import io
import shlex
import sys
import unicodedata
from pathlib import Path

import pytest

from cli_helpers import error_line, interrupt_after
from nonlin import cli


def test_a_semicolon_file_suggests_no_whole_header_line_as_the_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The header 'a;b;price' reads as one column; 'did you mean 'a;b;price'?' would send
    # the user to train on the whole line of text as a target, with no feature left.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "semi.csv").write_text("a;b;price\n1;2;3\n3;4;5\n")
    assert cli.main(["train", "semi.csv", "--target", "price", "--quiet"]) == 2
    line = error_line(capsys, "no column 'price' (--target)", "separated by ';'")
    assert "did you mean" not in line
    assert cli.main(["train", "semi.csv", "--target", "a;b;price", "--exclude", "price"]) == 2
    line = error_line(capsys, "no column 'price' (--exclude)", "separated by ';'")
    assert "did you mean" not in line
    (tmp_path / "comma.csv").write_text("a,b,price\n1,2,3\n3,4,5\n")  # still suggested here
    assert cli.main(["train", "comma.csv", "--target", "Price", "--quiet"]) == 2
    error_line(capsys, "did you mean 'price'?")


def test_info_on_a_checkpoint_of_a_run_on_stdin_says_to_pipe_the_data_to_train_dash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `cat d.csv | nonlin train - ...` records its data as '<stdin>': info printed
    # `nonlin train '<stdin>' ...`, a file that does not exist; the run read '-'.
    from nonlin import cli_train_model

    data = ("a,b,y\n" + "".join(f"{i % 7},{(3 * i) % 5},{'pq'[i % 2]}\n" for i in range(40)))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(0)])
    train = ["train", "-", "--target", "y", "--epochs", "3", "--quiet"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode()), "utf-8"))
    assert cli.main([*train, "--out", "m.safetensors"]) == 130
    err = capsys.readouterr().err  # Ctrl-C's own resume line says so too, on a line after it
    assert "resume with: nonlin train - --target y" in err, err
    assert err.rstrip().endswith("(the same data on standard input as this run)"), err
    assert cli.main(["info", "m.checkpoint.safetensors"]) == 0
    out = capsys.readouterr().out
    resume = next(line for line in out.splitlines() if line.startswith("resume:"))
    assert resume.split()[1:3] == ["nonlin", "train"] and resume.split()[3] == "-", resume
    assert "<stdin>" not in resume and "the same data on standard input" in out, out
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [])
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode()), "utf-8"))
    words = shlex.split(resume.split(":", 1)[1])  # the command as info prints it, run
    assert cli.main(words[1:]) == 0
    assert (tmp_path / "m.safetensors").is_file()


def test_a_column_name_in_another_unicode_form_is_shown_by_its_code_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A header saved on macOS may spell 'é' as 'e' + U+0301 (NFD): "no column 'Température'
    # ...; did you mean 'Température'?" named two names that print the same.
    nfd = unicodedata.normalize("NFD", "Température")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text(f"a,{nfd},y\n1,2,p\n2,1,q\n3,3,p\n", encoding="utf-8")
    assert cli.main(["train", "d.csv", "--target", "y", "--columns", "a,Température"]) == 2
    line = error_line(capsys, "no column 'Température' (--columns)",
                      "'Tempe\\u0301rature' in the file", "'Temp\\xe9rature' asked for")
    assert "did you mean" not in line
    assert cli.main(["train", "d.csv", "--target", "Température"]) == 2
    error_line(capsys, "no column 'Température' (--target)", "other Unicode code points")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_a_utf16_or_utf32_file_is_named_so_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    encoding: str,
) -> None:
    # Excel's "Unicode text" and Windows PowerShell write UTF-16 with a byte order mark:
    # the message was Python's "'utf-8' codec can't decode byte 0xff in position 0".
    import codecs

    monkeypatch.chdir(tmp_path)
    text = "a,b,y\r\n1,2,p\r\n2,1,q\r\n3,3,p\r\n"
    data = (codecs.BOM_UTF16_BE + text.encode("utf-16-be") if encoding == "utf-16-be"
            else text.encode(encoding))
    (tmp_path / "d.csv").write_bytes(data)
    expected = "UTF-32" if encoding == "utf-32" else "UTF-16"
    assert cli.main(["train", "d.csv", "--target", "y", "--quiet"]) == 2
    line = error_line(capsys, "d.csv, line 1: expected UTF-8 text, received " + expected,
                      f"iconv -f {expected} -t UTF-8")
    assert "codec can't decode" not in line


def test_a_header_not_in_utf8_is_named_as_a_row_not_in_utf8_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A Latin-1 'café' in a row: "expected UTF-8 text, received the bytes b'\xe9'"; in the
    # header it was Python's "cannot read the header row ('utf-8' codec can't decode ...)".
    monkeypatch.chdir(tmp_path)
    (tmp_path / "row.csv").write_bytes(b"a,b,y\n1,2,caf\xe9\n2,1,q\n")
    (tmp_path / "head.csv").write_bytes(b"caf\xe9,b,y\n1,2,p\n2,1,q\n")
    assert cli.main(["train", "row.csv", "--target", "y", "--quiet"]) == 2
    error_line(capsys, "row.csv, line 2: expected UTF-8 text, received the bytes b'\\xe9'")
    for extra in ([], ["--exclude", "b"]):
        assert cli.main(["train", "head.csv", "--target", "y", "--quiet", *extra]) == 2
        line = error_line(capsys, "head.csv, line 1: expected UTF-8 text, received the "
                          "bytes b'\\xe9'")
        assert "codec" not in line


@pytest.mark.parametrize("encoding", ["UTF-16LE", "UTF-16BE", "UTF-32LE", "UTF-32BE"])
def test_a_utf16_file_without_its_byte_order_mark_is_named_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    encoding: str,
) -> None:
    # 'a\0,\0b\0...\r\0\n\0': the message was "expected lines ending in \n or \r\n,
    # received \r alone", about line endings the file has right.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_bytes("a,b,y\r\n1,2,p\r\n2,1,q\r\n".encode(encoding))
    assert cli.main(["train", "d.csv", "--target", "y", "--quiet"]) == 2
    error_line(capsys, "d.csv, line 1: expected UTF-8 text, received NUL bytes",
               f"seems {encoding}, without a byte order mark", f"iconv -f {encoding} -t UTF-8")
