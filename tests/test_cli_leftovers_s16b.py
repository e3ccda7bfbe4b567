"""Leftovers of session 16 on the command line (an audit's second round), run in-process.

- ``train --resume`` says "resuming ..." and "the checkpoint ... is no longer needed" as
  notes on standard error: standard output carries only results;
- ``train`` checks the files it reads (DATA.csv, ``--resume``) before proving the paths it
  writes, as docs/cli.md says;
- an ``--out`` name that fits while its checkpoint's name does not is refused naming the
  checkpoint's name, its length and how much shorter ``--out`` must be;
- a path in a message is shown as it is, unless it holds a control character: then as its
  ``repr``, so a line break and a backslash followed by ``n`` show apart;
- ``_quoting.cut`` never stops inside an escape sequence.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import error_line, interrupt_after
from nonlin import cli
from nonlin._quoting import cut, printable


def _data(tmp_path: Path, name: str = "d.csv") -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    lines = [f"{a},{b},{int(a * b > 0)}\n" for a, b in X]
    (tmp_path / name).write_text("a,b,y\n" + "".join(lines))


TRAIN = ["--target", "y", "--quiet", "--hidden", "4", "--batch-size", "16"]


# -- 1: resuming notes go to stderr -------------------------------------------------
def test_resume_notes_go_to_stderr_and_stdout_holds_only_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from nonlin import cli_train_model

    _data(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(0)])
    assert cli.main(["train", "d.csv", *TRAIN, "--epochs", "3", "--out", "r.safetensors"]) == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [])
    capsys.readouterr()
    assert cli.main(["train", "d.csv", *TRAIN, "--epochs", "3", "--out", "r.safetensors",
                     "--resume", "r.checkpoint.safetensors"]) == 0
    out, err = capsys.readouterr()
    assert "esuming" not in out and "no longer needed" not in out, out
    assert [line[:6] for line in out.splitlines()] == ["d.csv:", "final ", "final ", "Saved "]
    assert "note: resuming r.checkpoint.safetensors from epoch 2 of 3" in err, err
    assert "note: the checkpoint r.checkpoint.safetensors is no longer needed" in err, err


# -- 2: inputs are checked first, then the outputs ------------------------------------
def test_a_missing_checkpoint_is_named_before_a_bad_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "d.csv", *TRAIN, "--out", "nowhere/m.safetensors",
                     "--resume", "gone.checkpoint.safetensors"]) == 2
    error_line(capsys, "gone.checkpoint.safetensors: no such checkpoint")


def test_a_missing_data_file_is_named_before_a_bad_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "gone.csv", *TRAIN, "--out", "nowhere/m.safetensors"]) == 2
    error_line(capsys, "gone.csv: no such data file")
    assert not list(tmp_path.iterdir())  # the output folder was not touched either


# -- 3: a checkpoint name over the limit ----------------------------------------------
@pytest.mark.parametrize("extension, added", [(".safetensors", ".checkpoint"),
                                              ("", ".checkpoint.safetensors")])
def test_a_checkpoint_name_too_long_says_so_and_how_much_to_shorten_out(
    extension: str, added: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _data(tmp_path)
    monkeypatch.chdir(tmp_path)
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    out = "m" * (limit - 3 - len(extension)) + extension  # fits, 3 bytes to spare
    size, over = limit - 3 + len(added), len(added) - 3
    assert cli.main(["train", "d.csv", *TRAIN, "--out", out]) == 2
    line = error_line(
        capsys, f"--out {out}: the name of the checkpoint that Ctrl-C saves next to it",
        f"with {added!r} added) would be too long: {size} bytes, where a name may have {limit}",
        f"shorten the --out name by at least {over} bytes (to {limit - 3 - over} or fewer)")
    assert "use a shorter name for the checkpoint" not in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.csv"]


# -- 5: cut backs off to the start of an escape ---------------------------------------
@pytest.mark.parametrize("value", ["abcdef\x1bghij", "abc\u200bdefghijkl", "ab\\cd\nefgh\tij",
                                   "a\U0001f600\x00" * 4, "\\x1b\\x1b\\x1b\\x1b"])
def test_cut_never_stops_inside_an_escape(value: str) -> None:
    shown = printable(value)
    for width in range(4, len(shown) + 1):
        kept = cut(shown, width)
        assert len(kept) <= width
        if kept != shown:
            start = kept[:-3]
            assert shown.startswith(start)
            read = start.encode("ascii", "backslashreplace").decode("unicode_escape")
            assert value.startswith(read), (width, kept)  # whole escapes only


def test_cut_backs_off_to_the_backslash() -> None:
    shown = printable("abcdef\x1bghij")  # abcdef\x1bghij
    assert cut(shown, 12) == "abcdef..." and cut(shown, 13) == "abcdef\\x1b..."
    assert cut(printable("ab\\\nxyzw"), 6) == "ab..."  # 'ab\\\\\\n': a doubled backslash kept whole
    assert cut(printable("ab\\\nxyzw"), 7) == "ab\\\\..."
    assert cut("abcdefghij", 8) == "abcde..."  # no backslash: as it always was


# -- 4: a path is escaped only when it holds a control character ----------------------
def test_shown_path_escapes_only_a_path_with_a_control_character() -> None:
    from nonlin._quoting import shown_path

    assert shown_path("C:\\new\\data.csv") == "C:\\new\\data.csv"  # Windows: as it is
    assert shown_path("données/é.csv") == "données/é.csv"
    assert shown_path("a\nb.csv") == "'a\\nb.csv'"
    assert shown_path("a\\b\tc.csv") == "'a\\\\b\\tc.csv'"  # then every backslash doubled
    assert shown_path("'a\\nb.csv'") == '"\'a\\\\nb.csv\'"'  # a quote first: never mistaken
    assert shown_path("a\x1b[31m.csv") == "'a\\x1b[31m.csv'"


@pytest.mark.parametrize("name, shown", [
    ("a\nb.csv", "'a\\nb.csv': no such data file"),
    ("a\\nb.csv", "a\\nb.csv: no such data file"),
    ("C:\\new\\data.csv", "C:\\new\\data.csv: no such data file"),
    ("a\tb\\c.csv", "'a\\tb\\\\c.csv': no such data file"),
])
def test_a_path_with_a_line_break_and_one_with_backslash_n_show_apart(
    name: str, shown: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", name, *TRAIN]) == 2
    assert error_line(capsys).endswith(f"error: {shown}")


def test_an_output_folder_with_a_line_break_is_shown_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "d.csv", *TRAIN, "--out", "no\nwhere/m.safetensors"]) == 2
    line = error_line(capsys, "error: 'no\\nwhere/m.safetensors': folder '")
    assert line.endswith("no\\nwhere' does not exist")


def test_a_csv_error_names_a_data_file_with_a_line_break_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ho\nles.csv").write_text("a,b,y\n1,2,0\n3,,1\n")
    (tmp_path / "ho\\nles.csv").write_text("a,b,y\n1,2,0\n3,,1\n")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "ho\nles.csv", *TRAIN]) == 2
    error_line(capsys, "error: 'ho\\nles.csv', line 3, column 'b': expected a number")
    assert cli.main(["train", "ho\\nles.csv", *TRAIN]) == 2
    error_line(capsys, "error: ho\\nles.csv, line 3, column 'b': expected a number")
