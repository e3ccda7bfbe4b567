"""Leftovers of the session-14 bug hunt on the command line, run in-process where possible.

- messages quote user values (a 100 KB label, a header of 5000 names) capped in length;
- ``--missing mean`` or ``drop`` on a column of text says it holds text, not "every value
  is missing";
- labels and column names with control characters print escaped in tables and notes;
- ``-`` as DATA.csv reads standard input (``predict -o -`` writes to standard output).
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

import nonlin
from cli_helpers import cli_env, error_line, interrupt_after
from nonlin import cli
from nonlin.tabular import CSVError, read_csv


def _labelled(n: int = 40) -> str:
    """``a,b,y`` rows of two classes, cat and dog."""
    return "a,b,y\n" + "".join(f"{i % 7},{i % 3},{'cat' if i % 2 else 'dog'}\n" for i in range(n))


def _train(data: str, *extra: str) -> int:
    return cli.main(["train", data, "--target", "y", "--epochs", "1", "--quiet", *extra])


# -- messages: what they quote is capped ---------------------------------------
def test_an_unknown_column_of_a_wide_header_lists_ten_names_and_a_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [f"col{i}" for i in range(5000)]
    rows = "".join(",".join(["1"] * 5000) + f",{i % 2}\n" for i in range(4))
    (tmp_path / "wide.csv").write_text(",".join(names) + ",y\n" + rows)
    monkeypatch.chdir(tmp_path)
    for option in (["--target", "nope"], ["--target", "y", "--exclude", "nope"]):
        assert cli.main(["train", "wide.csv", *option, "--epochs", "1", "--quiet"]) == 2
        line = error_line(capsys, "no column 'nope'", "'col0', 'col1'",
                           "'col9', ... and 4991 more")
        assert len(line) < 400, len(line)


def test_an_unseen_label_of_100_kb_is_cut_and_its_length_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "d.csv").write_text(_labelled())
    (tmp_path / "new.csv").write_text(f"a,b,y\n1,2,{'x' * 100_000}\n3,4,dog\n")
    monkeypatch.chdir(tmp_path)
    assert _train("d.csv") == 0
    capsys.readouterr()
    assert cli.main(["evaluate", "model.safetensors", "new.csv"]) == 2
    line = error_line(capsys, "never saw: 'xxxx", "'... (100000 characters)",
                       "the model knows: 'cat', 'dog'")
    assert len(line) < 300, len(line)


def test_a_long_cell_in_an_error_is_cut_with_its_length(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "d.csv").write_text(f"a,b,y\n1,{'z' * 5000},0\n2,3,1\n")
    monkeypatch.chdir(tmp_path)
    assert _train("d.csv") == 2
    line = error_line(capsys, "line 2, column 'b': expected a number, received 'zzz",
                       "'... (5000 characters) (text: one-hot encode it (--categorical b), "
                       "leave it out")
    assert len(line) < 340, len(line)  # 300 before the advice named --categorical too


def test_resuming_with_other_columns_names_the_first_that_differs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from nonlin import cli_train_model

    names = [f"c{i}" for i in range(1000)]
    rows = "".join(",".join([str(i % 3)] * 1000) + f",{i % 2}\n" for i in range(20))
    (tmp_path / "d.csv").write_text(",".join(names) + ",y\n" + rows)
    names[700] = "renamed"
    (tmp_path / "e.csv").write_text(",".join(names) + ",y\n" + rows)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(0)])
    assert _train("d.csv", "--epochs", "3") == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [])
    capsys.readouterr()
    assert _train("e.csv", "--epochs", "3", "--resume", "model.checkpoint.safetensors") == 2
    line = error_line(capsys, "e.csv", "column 701 of 1000 is 'renamed' here, 'c700' there")
    assert len(line) < 300, len(line)


def test_quoted_keeps_short_values_as_repr_and_cuts_long_ones() -> None:
    from nonlin._quoting import quoted, quoted_list

    for value in ("", "a b", "it's", "tab\there", "é", 3.5):
        assert quoted(value) == repr(value)
    long = quoted("é\n" * 1000, width=40)
    assert long.endswith("... (2000 characters)") and len(long) < 70, long
    assert long.startswith("'é\\né\\n")
    assert quoted_list(["a", "b"]) == "'a', 'b'"
    assert quoted_list(map(str, range(25)), limit=3) == "'0', '1', '2', ... and 22 more"
    assert quoted_list(["a\nb", "c" * 50], quote=False, width=10) == "a\\nb, ccccccc..."


# -- --missing on a column of text ---------------------------------------------
def test_missing_mean_on_a_text_column_says_it_holds_text_and_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    long = "dark " * 40
    (tmp_path / "d.csv").write_text(f"a,colour,y\n1,,0\n2,NA,1\n3,{long},0\n4,red,1\n")
    monkeypatch.chdir(tmp_path)
    assert _train("d.csv", "--missing", "mean") == 2
    line = error_line(capsys, "d.csv, column 'colour' holds text, not numbers",
                       "(line 4: 'dark dark ", "'... (200 characters))",
                       "--missing mean has no mean", "--exclude", "encode its text as numbers")
    assert "every value is missing" not in line
    assert _train("d.csv", "--missing", "drop") == 2
    line = error_line(capsys, "every row has a missing value",
                       "column 'colour' holds text, not numbers (line 4: ", "--exclude")


def test_missing_drop_on_a_text_column_of_a_models_input_says_it_needs_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "d.csv").write_text(_labelled())
    (tmp_path / "new.csv").write_text("a,b,y\n1,x,dog\n2,y,cat\n")
    monkeypatch.chdir(tmp_path)
    assert _train("d.csv") == 0
    capsys.readouterr()
    assert cli.main(["evaluate", "model.safetensors", "new.csv", "--missing", "drop"]) == 2
    error_line(capsys, "new.csv: every row has a missing value", "column 'b' holds text",
                "(line 2: 'x')", "the model takes this column as numbers")


def test_a_column_of_missing_cells_only_is_still_called_missing(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a,b,y\n1,,0\n2,NA,1\n3,?,0\n4,nan,1\n")
    with pytest.raises(CSVError, match=r"column 'b': every value is missing, so missing='mean'"):
        read_csv(path, target="y", missing="mean")
    with pytest.raises(CSVError, match=r"none left after dropping$"):
        read_csv(path, target="y", missing="drop")
    path.write_text("a,b,y\n1,,0\n2,NA,1\n3,blue,0\n4,nan,1\n")
    with pytest.raises(CSVError, match=r"column 'b' holds text, not numbers \(line 4: 'blue'\): "
                       r"text counts as missing, so missing='mean' has no mean to use; leave"):
        read_csv(path, target="y", missing="mean")


# -- control characters in printed tables ----------------------------------------
_ODD = ("ca\nt", "d\x1b[31mog\tx\ry")  # a line break; ESC (red), a tab, a carriage return


def _odd_labels(path: Path) -> None:
    """``a,b,y`` rows whose labels are ``_ODD``, and a column ``"n\x1bote"`` not used."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["a", "b", "y", "n\x1bote"])
        writer.writerows([i % 7, i % 3, _ODD[i % 2], "z"] for i in range(40))


def test_control_characters_in_labels_print_escaped_one_row_a_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _odd_labels(tmp_path / "d.csv")
    monkeypatch.chdir(tmp_path)
    assert _train("d.csv", "--columns", "a,b") == 0
    out, err = capsys.readouterr()
    assert "classes (ca\\nt, d\\x1b[31mog\\tx\\ry)" in out
    assert "note: not using column(s) n\\x1bote (not in --columns)" in err
    assert cli.main(["evaluate", "model.safetensors", "d.csv"]) == 0
    out, err = capsys.readouterr()
    assert "note: ignoring column(s) the model does not use: n\\x1bote" in err
    for text in (out, err):
        assert not any(char in text for char in "\x1b\t\r"), text
    lines = out.splitlines()
    # accuracy, blank, header, 2 classes, blank, title, 3 rows; then (two classes, s32)
    # blank, ROC AUC and PR AUC naming the positive class, escaped
    assert len(lines) == 13, out
    assert lines[11].endswith("(positive class 'd\\x1b[31mog\\tx\\ry')"), lines[11]
    assert lines[3].startswith("ca\\nt ") and lines[4].startswith("d\\x1b[31mog\\tx\\ry ")
    assert lines[7].split() == ["ca\\nt", "d\\x1b[31mog\\tx\\ry"]
    assert cli.main(["info", "model.safetensors"]) == 0
    out = capsys.readouterr().out
    assert "classes:  2: ca\\nt, d\\x1b[31mog\\tx\\ry\n" in out
    assert not any(char in out for char in "\x1b\t\r"), out



def test_an_error_naming_a_path_with_control_characters_prints_them_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert _train("no\x1b[2Jsuch\tfile.csv") == 2
    error_line(capsys, "'no\\x1b[2Jsuch\\tfile.csv': no such data file")  # as repr (s16b)


def test_predictions_written_keep_the_labels_as_they_are(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _odd_labels(tmp_path / "d.csv")
    monkeypatch.chdir(tmp_path)
    assert _train("d.csv", "--columns", "a,b") == 0
    assert cli.main(["predict", "model.safetensors", "d.csv", "-o", "p.csv", "--keep",
                     "y"]) == 0
    with open("p.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 40 and {row["y"] for row in rows} == set(_ODD)  # one record a row
    assert {row["prediction"] for row in rows} <= set(_ODD)
    text = Path("p.csv").read_bytes().decode("utf-8")
    assert text.startswith("y,prediction\n") and text.count("\r") == text.count("\ry")


# -- '-': standard input -------------------------------------------------------
def _piped(args: list[str], data: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``nonlin ARGS < data`` in a subprocess whose temporary files go to ``cwd/tmp``."""
    env = cli_env()
    (cwd / "tmp").mkdir(exist_ok=True)
    env["TMPDIR"] = str(cwd / "tmp")
    return subprocess.run([sys.executable, "-m", "nonlin", *args], input=data, cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_dash_reads_the_data_from_standard_input_for_train_evaluate_predict(
    tmp_path: Path,
) -> None:
    (tmp_path / "d.csv").write_text(_labelled())
    train = _piped(["train", "-", "--target", "y", "--epochs", "1", "--quiet"], _labelled(),
                   tmp_path)
    assert train.returncode == 0, train.stderr
    assert train.stdout.startswith("<stdin>: 40 rows, 2 features -> 'y'")
    assert nonlin.load(tmp_path / "model.safetensors").metadata["training"]["data"] == "<stdin>"
    piped = _piped(["predict", "model.safetensors", "-", "--proba", "-o", "-"], _labelled(),
                   tmp_path)
    from_file = _piped(["predict", "model.safetensors", "d.csv", "--proba"], "", tmp_path)
    assert piped.returncode == 0 and piped.stdout == from_file.stdout, piped.stderr
    assert piped.stdout.startswith("prediction,proba_cat,proba_dog\n")
    scored = _piped(["evaluate", "model.safetensors", "-"], "a,b,y\n1,2,cat\n3,x,dog\n", tmp_path)
    assert scored.returncode == 2
    assert scored.stderr.endswith("<stdin>, line 3, column 'b': expected a number, received 'x' "
                                  "(text: the model takes this column as numbers, as in the "
                                  "data it was trained on)\n")
    assert not list((tmp_path / "tmp").iterdir())  # the copy of standard input is removed
    assert not (tmp_path / "-").exists()


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode()), "utf-8"))


def test_standard_input_serves_every_read_of_a_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the header, the numbers, --keep's column, the rows --missing drop kept: four reads
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text(_labelled())
    assert _train("d.csv") == 0
    _stdin(monkeypatch, "id,a,b\nfirst,1,2\nsecond,,3\nthird,4,0\n")
    capsys.readouterr()
    assert cli.main(["predict", "model.safetensors", "-", "--keep", "id", "--missing", "drop",
                     "-o", "p.csv"]) == 0
    assert [row["id"] for row in csv.DictReader(open("p.csv", newline=""))] == ["first", "third"]
    _stdin(monkeypatch, _labelled())
    assert _train("-", "--task", "regression") == 2  # the first text label, read again
    error_line(capsys, "<stdin>: --task regression needs a numeric target",
                "holds text labels (line 2: 'dog')")
    _stdin(monkeypatch, "a,b,y\n1,2,cat\n")
    assert cli.main(["predict", "-", "d.csv"]) == 2  # a model file is read by path only
    error_line(capsys, "-: no such model file (standard input, -, is read for DATA.csv only)")


def test_the_help_says_that_a_dash_is_standard_input(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("train", "evaluate", "predict"):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        assert "; - reads " in " ".join(capsys.readouterr().out.split())
