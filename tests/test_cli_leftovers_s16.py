"""Leftovers of session 15 on the command line, run in-process.

- ``predict`` and ``evaluate --missing mean`` refuse a column of text, as ``train`` does;
- ``info`` caps a long list of input names;
- escaped values are unambiguous: a line break and a backslash followed by ``n`` differ;
- library messages mark a value they cut.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_helpers import error_line
from nonlin import cli
from nonlin.tabular import CSVError, read_csv


def _model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``m.safetensors``: a classifier of columns a, b trained on ``train.csv`` in tmp_path."""
    rows = "".join(f"{i % 7},{i % 3},{'cat' if i % 2 else 'dog'}\n" for i in range(40))
    (tmp_path / "train.csv").write_text("a,b,y\n" + rows)
    assert cli.main(["train", "train.csv", "--target", "y", "--epochs", "1", "--quiet",
                     "--hidden", "4", "--out", "m.safetensors"]) == 0
    capsys.readouterr()


# -- a: predict and evaluate --missing mean on a column of text -------------------
@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_missing_mean_refuses_a_column_of_text_in_new_data(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    _model(tmp_path, capsys)
    (tmp_path / "new.csv").write_text("a,b,y\n1,red,cat\n2,blue,dog\n")
    assert cli.main([command, "m.safetensors", "new.csv", "--missing", "mean"]) == 2
    line = error_line(capsys, "new.csv, column 'b' holds text, not numbers (line 2: 'red')",
                       "--missing mean", "training mean", "as numbers")
    assert "fill_values" not in line and "missing='mean'" not in line


def test_missing_mean_still_fills_a_column_of_empty_cells(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    _model(tmp_path, capsys)
    (tmp_path / "new.csv").write_text("a,b\n1,\n2,NA\n")
    assert cli.main(["predict", "m.safetensors", "new.csv", "--missing", "mean"]) == 0
    out, err = capsys.readouterr()
    assert out.count("\n") == 3 and "b (2)" in err


def test_read_csv_fill_values_refuses_a_column_of_text(tmp_path: Path) -> None:
    path = tmp_path / "new.csv"
    path.write_text("a,b\n1,red\n2,blue\n")
    with pytest.raises(CSVError, match=r"column 'b' holds text.*line 2: 'red'.*fill_values"):
        read_csv(path, missing="mean", fill_values=[0.0, 0.0])
    path.write_text("a,b\n1,\n2,\n")
    assert read_csv(path, missing="mean", fill_values=[0.0, 5.0]).X[:, 1].tolist() == [5.0, 5.0]


# -- b: info on a model of many inputs ---------------------------------------------
def test_info_wraps_a_long_list_of_input_names_and_caps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    names = [f"feature_{i}" for i in range(500)]
    rows = "".join(",".join(str((r * i) % 5) for i in range(500)) + f",{'ab'[r % 2]}\n"
                   for r in range(6))
    (tmp_path / "wide.csv").write_text(",".join(names) + ",y\n" + rows)
    assert cli.main(["train", "wide.csv", "--target", "y", "--epochs", "1", "--quiet",
                     "--hidden", "2", "--val-split", "0", "--out", "w.safetensors"]) == 0
    capsys.readouterr()
    assert cli.main(["info", "w.safetensors"]) == 0
    out = capsys.readouterr().out
    assert max(map(len, out.splitlines())) <= 100
    start = out.index("inputs:   500 columns: feature_0, feature_1,")
    block = out[start:out.index("dtype:")]
    assert "feature_19," in block and "feature_20," not in block and "feature_494" not in block
    assert "... (475 more) ..., feature_495," in block and block.rstrip().endswith("feature_499")
    assert all(line.startswith(" " * 10) for line in block.splitlines()[1:])


# -- c: escaping that tells a line break from a backslash and n ----------------------
def test_printable_tells_a_line_break_from_a_backslash_and_n() -> None:
    from nonlin._quoting import one_line, printable, quoted

    assert printable("a\nb") == "a\\nb" and printable("a\\nb") == "a\\\\nb"
    assert printable("a\\nb\n") == "a\\\\nb\\n"  # escaped as repr does, without quotes
    assert printable("C:\\data") == "C:\\data" and printable("plain") == "plain"
    message = f"no column {quoted('a' + chr(10) + 'b')}, nor {printable('c' + chr(9))}"
    assert one_line(message) == message and one_line("x\ty\\n") == "x\\ty\\n"


def test_a_label_with_a_line_break_and_one_with_backslash_n_show_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import csv

    monkeypatch.chdir(tmp_path)
    with open("d.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["a", "b\\nc", "y"])
        writer.writerows([i % 5, i % 3, "x\ny" if i % 2 else "x\\ny"] for i in range(40))
    assert cli.main(["train", "d.csv", "--target", "y", "--epochs", "1", "--quiet",
                     "--hidden", "4", "--out", "m.safetensors"]) == 0
    capsys.readouterr()
    assert cli.main(["evaluate", "m.safetensors", "d.csv"]) == 0
    rows = [line.split()[0] for line in capsys.readouterr().out.splitlines()[3:5]]
    assert rows == ["x\\ny", "x\\\\ny"], rows
    assert cli.main(["info", "m.safetensors"]) == 0
    out = capsys.readouterr().out
    assert "inputs:   2 columns: a, b\\\\nc\n" in out and "classes:  2: x\\ny, x\\\\ny\n" in out
    (tmp_path / "new.csv").write_text("a,b\\nc,t\\n\n1,2,3\n")
    assert cli.main(["predict", "m.safetensors", "new.csv"]) == 0
    assert "does not use: t\\\\n\n" in capsys.readouterr().err


# -- d: library messages mark a value they cut ---------------------------------------
def test_library_messages_mark_a_cut_value_with_its_length() -> None:
    import numpy as np

    import nonlin
    from nonlin import datasets, optimizers

    with pytest.raises(ValueError, match=r"name='xxxx*'\.\.\. \(5000 characters\)$"):
        datasets.load("x" * 5000)
    with pytest.raises(ValueError) as info:
        optimizers.Adam(lr=[float("nan")] * 1000)
    message = str(info.value)
    assert message.endswith(f"... ({len(repr([float('nan')] * 1000))} characters)"), message
    assert len(message) < 250
    short = pytest.raises(ValueError, match=r"Received: lr=-1\.0$")  # short: as it was
    with short:
        optimizers.Adam(lr=-1.0)
    model = nonlin.Sequential([nonlin.normalization.BatchNorm()])
    model.build(3)
    with pytest.raises(ValueError, match=r"Received unknown keys 'k0', .*, \.\.\. and 190 more$"):
        model.set_state({f"k{i}": np.zeros(1) for i in range(200)})


def test_a_cut_exception_message_quoted_in_another_says_its_length() -> None:
    from nonlin._header import _finite_float

    with pytest.raises(ValueError, match=r"number 9{40}\.\.\. \(400 characters\) overflows"):
        _finite_float("9" * 400)


# -- docs/cli.md against the command ---------------------------------------------------
def test_cli_md_lists_every_activation_and_optimizer_train_takes() -> None:
    from nonlin import registry

    text = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    row = {kind: next(line for line in text.splitlines() if line.startswith(f"| `--{kind} NAME`"))
           for kind in ("activation", "optimizer")}
    for name in registry.ACTIVATIONS:
        assert f"`{name}`" in row["activation"], name
    for name in registry.OPTIMIZERS:
        assert f"`{name}`" in row["optimizer"], name


def test_help_shows_each_default_the_docs_give(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["xor", "--help"])
    assert "steps between Error lines (10000)" in " ".join(capsys.readouterr().out.split())


def test_a_bare_nonlin_prints_its_help_on_stderr_with_status_2(
    capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("usage: nonlin") and "commands:" in err


def test_a_header_of_one_column_with_semicolons_says_the_file_is_not_comma_separated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "semi.csv").write_text("a;b;y\n1;2;3\n3;4;5\n")
    assert cli.main(["train", "semi.csv", "--target", "y", "--quiet"]) == 2
    error_line(capsys, "no column 'y' (--target)", "separated by ';'", "only commas")
    assert cli.main(["train", "semi.csv", "--target", "a;b;y", "--exclude", "b"]) == 2
    error_line(capsys, "no column 'b' (--exclude)", "separated by ';'")
