"""User errors: exit status 2, one line on stderr naming file, line, column and value.

Internal errors exit 1; a failed train never writes or damages a model file.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import nonlin
from cli_helpers import assert_user_error, run_cli, write_csv
from nonlin import cli

GOOD = "a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n"
MALFORMED = {
    "empty cell": ("a,b,y\n1,,0\n3,4,1\n", ["line 2", "'b'", "''"]),
    "not a number": ("a,b,y\n1,x1,0\n3,4,1\n", ["line 2", "'b'", "'x1'"]),
    "nan": ("a,b,y\n1,2,0\n3,nan,1\n", ["line 3", "'b'", "'nan'"]),
    "inf": ("a,b,y\n1,2,0\n-inf,4,1\n", ["line 3", "'a'", "'-inf'"]),
    "ragged row": ("a,b,y\n1,2,0\n3,4\n", ["line 3", "3 cells", "2"]),
    "long row": ("a,b,y\n1,2,0\n3,4,1,9\n", ["line 3", "3 cells", "4"]),
    "bad quoting": ('a,b,y\n1,"2,0\n3,4,1\n', ["line 2", "malformed"]),
    "stray quote": ('a,b,y\n1,2"x",0\n3,4,1\n', ["line 2", "'b'", '2"x"']),
    "not UTF-8": (b"a,b,y\n1,\xff,0\n3,4,1\n", ["line 2", "UTF-8", "\\xff"]),
    "no header": ("", ["line 1", "header"]),
    "data where the header should be": ("1,2,0\n3,4,1\n", ["line 1", "'y'", "header row"]),
    "repeated column": ("a,a,y\n1,2,0\n", ["line 1", "'a'", "twice"]),
    "missing target cell": ("a,b,y\n1,2,\n3,4,1\n", ["line 2", "'y'", "''", "--missing drop"]),
    "NBSP before a number": ("a,b,y\n1,\u00a05,0\n3,4,1\n", ["line 2", "'b'", "'\\xa05'"]),
    "em-space after a number": ("a,b,y\n1,5\u2003,0\n3,4,1\n", ["line 2", "'b'", "'5\\u2003'"]),
    "file separator before a number": ("a,b,y\n1,2,0\n\x1c3,4,1\n", ["line 3", "'a'", "\\x1c3"]),
    "line break in a quoted number": ('a,b,y\n1,"2\n",0\n3,4,1\n', ["line 2", "'b'", "'2\\n'"]),
}


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_csv_is_one_line_naming_file_line_column_value(tmp_path: Path, case: str) -> None:
    content, fragments = MALFORMED[case]
    _write(tmp_path / "bad.csv", content)
    result = run_cli("train", "bad.csv", "--target", "y", "--epochs", "1", cwd=tmp_path)
    assert_user_error(result, "bad.csv", *fragments)
    assert not (tmp_path / "model.safetensors").exists()


def test_target_that_does_not_exist_lists_the_columns(tmp_path: Path) -> None:
    _write(tmp_path / "d.csv", GOOD)
    result = run_cli("train", "d.csv", "--target", "label", cwd=tmp_path)
    assert_user_error(result, "d.csv", "'label'", "'a', 'b', 'y'")


def test_utf8_bom_and_string_labels_train(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i % 3},{'cat' if i % 2 else 'dog'}\n" for i in range(20))
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + f"a,b,animal\n{rows}".encode())
    result = run_cli(
        "train", "bom.csv", "--target", "animal", "--epochs", "2", "--quiet", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    meta = nonlin.load(tmp_path / "model.safetensors").metadata
    assert meta["feature_names"] == ["a", "b"] and meta["classes"] == ["cat", "dog"]


@pytest.mark.parametrize("missing", ["drop", "mean"])
def test_missing_cells_with_drop_or_mean(tmp_path: Path, missing: str) -> None:
    _write(tmp_path / "d.csv", "a,b,y\n1,,0\n3,4,1\n5,nan,0\n7,8,1\n9,10,0\n11,12,1\n")
    result = run_cli(
        "train",
        "d.csv",
        "--target",
        "y",
        "--missing",
        missing,
        "--epochs",
        "2",
        "--quiet",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    meta = nonlin.load(tmp_path / "model.safetensors").metadata
    assert meta["training"]["rows"] == (4 if missing == "drop" else 6)
    assert meta["training"]["dropped_rows"] == (2 if missing == "drop" else 0)
    assert ("dropped 2 row(s)" in result.stderr) == (missing == "drop")


@pytest.mark.parametrize(
    ("options", "fragments"),
    [
        (["--activation", "relux"], ["activation", "'relux'", "relu"]),
        (["--optimizer", "adamm"], ["optimizer", "'adamm'", "sgd"]),
        (["--epochs", "0"], ["--epochs", "'0'"]),
        (["--lr", "-1"], ["--lr", "'-1'"]),
        (["--dropout", "1.5"], ["--dropout", "[0, 1)"]),
        (["--hidden", "64,x"], ["--hidden", "'x'"]),
        (["--task", "clustering"], ["--task", "clustering"]),
        (["--columns", "a,y"], ["--columns", "'y'"]),
        (["--columns", "a,zz"], ["d.csv", "'zz'"]),
        (["--out", "no/such/folder/m.safetensors"], ["no/such/folder", "does not exist"]),
        (["--early-stopping", "3", "--val-split", "0"], ["--early-stopping", "--val-split"]),
        (["--task", "regression", "--target", "animal"], ["d.csv", "'animal'", "text"]),
    ],
)
def test_bad_options_are_user_errors(tmp_path: Path, options: list, fragments: list) -> None:
    _write(tmp_path / "d.csv", "a,b,y,animal\n1,2,0,cat\n3,4,1,dog\n")
    args = ["train", "d.csv", "--target", "y", "--epochs", "1", *options]
    if "--target" in options:
        args[2:4] = []
    assert_user_error(run_cli(*args, cwd=tmp_path), *fragments)
    assert not (tmp_path / "model.safetensors").exists()


def test_missing_files_and_files_that_are_not_models(tmp_path: Path) -> None:
    _write(tmp_path / "d.csv", GOOD)
    assert_user_error(run_cli("train", "nope.csv", "--target", "y", cwd=tmp_path), "nope.csv")
    for command in (["info"], ["predict"], ["evaluate"]):
        extra = [] if command == ["info"] else ["d.csv"]
        assert_user_error(
            run_cli(*command, "nope.safetensors", *extra, cwd=tmp_path), "nope.safetensors"
        )
        assert_user_error(run_cli(*command, "d.csv", *extra, cwd=tmp_path), "d.csv")


def test_predict_names_a_column_the_file_lacks(tmp_path: Path) -> None:
    _write(tmp_path / "d.csv", GOOD)
    train = run_cli("train", "d.csv", "--target", "y", "--epochs", "1", "--quiet", cwd=tmp_path)
    assert train.returncode == 0, train.stderr
    _write(tmp_path / "new.csv", "b,c\n1,2\n")
    assert_user_error(
        run_cli("predict", "model.safetensors", "new.csv", cwd=tmp_path), "new.csv", "'a'"
    )


def test_unknown_command_and_no_command(tmp_path: Path) -> None:
    result = run_cli("fly", cwd=tmp_path)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert run_cli(cwd=tmp_path).returncode == 2


def test_an_internal_error_exits_1(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    def broken(args: argparse.Namespace) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "run_xor", broken)
    monkeypatch.setattr(cli, "COMMANDS", [_add_broken_xor(broken), *cli.COMMANDS[1:]])
    assert cli.main(["xor"]) == 1
    err = capsys.readouterr().err
    assert "internal error" in err and "boom" in err


def _add_broken_xor(run):
    def add(subparsers: argparse._SubParsersAction) -> None:
        subparsers.add_parser("xor").set_defaults(run=run)

    return add


def test_a_diverging_train_leaves_the_existing_model_alone(tmp_path: Path) -> None:
    rows = [[i / 10, (i % 7) / 7, 3000.0 * i] for i in range(100)]
    write_csv(tmp_path / "r.csv", ["a", "b", "y"], rows)
    (tmp_path / "keep.safetensors").write_bytes(b"the user's previous model")
    result = run_cli(
        "train",
        "r.csv",
        "--target",
        "y",
        "--optimizer",
        "sgd",
        "--lr",
        "1e4",
        "--out",
        "keep.safetensors",
        "--quiet",
        cwd=tmp_path,
    )
    assert_user_error(result, "diverged", "--lr")
    assert (tmp_path / "keep.safetensors").read_bytes() == b"the user's previous model"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files


def test_a_single_class_is_a_user_error(tmp_path: Path) -> None:
    _write(tmp_path / "d.csv", "a,b,y\n1,2,3\n2,3,3\n4,5,3\n")
    assert_user_error(
        run_cli("train", "d.csv", "--target", "y", cwd=tmp_path), "d.csv", "'y'", "single class"
    )


def test_numeric_labels_the_model_never_saw(tmp_path: Path) -> None:
    _write(tmp_path / "d.csv", GOOD)
    train = run_cli("train", "d.csv", "--target", "y", "--epochs", "1", "--quiet", cwd=tmp_path)
    assert train.returncode == 0, train.stderr
    _write(tmp_path / "test.csv", "y,b,a\n1,2,3\n7,4,5\n2.5,1,1\n0,0,0\n")
    result = run_cli("evaluate", "model.safetensors", "test.csv", cwd=tmp_path)
    assert_user_error(result, "test.csv", "'y'", "2 label(s)", "'2.5'", "'7'", "'0', '1'")
