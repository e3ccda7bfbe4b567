"""User errors in the command line's own terms: options, files, labels; never the Python API's.

Each is exit status 2 and one line on stderr (``assert_user_error``).
"""

from __future__ import annotations

from pathlib import Path

import nonlin
from cli_helpers import assert_user_error, run_cli


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_training_split_with_one_class_names_the_label_and_the_split(tmp_path: Path) -> None:
    _write(tmp_path / "d.csv", "a,b,y\n1,2,cat\n2,3,cat\n3,4,cat\n4,5,dog\n")
    result = run_cli("train", "d.csv", "--target", "y", "--epochs", "1", "--seed", "0",
                     cwd=tmp_path)
    assert_user_error(result, "d.csv", "'cat'", "'y'", "--val-split", "more rows")
    assert not (tmp_path / "model.safetensors").exists()


def test_missing_mean_uses_the_models_training_means(tmp_path: Path) -> None:
    rows = "".join(f"{i},{10 + i % 3},{i % 2}\n" for i in range(20))
    _write(tmp_path / "d.csv", "a,b,y\n" + rows)
    train = run_cli("train", "d.csv", "--target", "y", "--epochs", "1", "--quiet", cwd=tmp_path)
    assert train.returncode == 0, train.stderr
    mean_b = nonlin.load(tmp_path / "model.safetensors").metadata["preprocessing"]["mean"][1]
    _write(tmp_path / "one.csv", "a,b,y\n1,,0\n")  # no mean of its own for column b
    _write(tmp_path / "filled.csv", f"a,b,y\n1,{mean_b!r},0\n")  # b's training mean
    for command in ("predict", "evaluate"):
        outputs = []
        for name in ("one.csv", "filled.csv"):
            extra = ["--proba"] if command == "predict" else ["--json"]
            result = run_cli(command, "model.safetensors", name, "--missing", "mean", *extra,
                             cwd=tmp_path)
            assert result.returncode == 0, result.stderr
            outputs.append(result.stdout.replace(name, "DATA"))
        assert outputs[0] == outputs[1]
    help_text = run_cli("predict", "--help", cwd=tmp_path).stdout
    assert "stored in the model" in " ".join(help_text.split())


def test_messages_speak_of_options_and_files_not_python_arguments(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i % 3},{i % 2}\n" for i in range(20))
    _write(tmp_path / "d.csv", "a,b,y\n" + rows)
    train = run_cli("train", "d.csv", "--target", "y", "--epochs", "1", "--quiet", cwd=tmp_path)
    assert train.returncode == 0, train.stderr
    _write(tmp_path / "new.csv", "b,y\n1,0\n")
    _write(tmp_path / "gap.csv", "a,b,y\n1,,0\n")
    cases = [
        (["evaluate", "model.safetensors", "d.csv", "--target", "a"],
         ["--target 'a'", "input columns"]),
        (["predict", "model.safetensors", "new.csv"], ["new.csv", "'a'", "column of the model"]),
        (["train", "gap.csv", "--target", "a", "--missing", "mean"],
         ["gap.csv", "'b'", "--missing mean"]),
        (["xor", "--seed", "99999999999"], ["--seed", "'99999999999'", "2**32 - 1"]),
        (["train", "d.csv", "--target", "y", "--resume", "d.csv"],
         ["d.csv", "not a nonlin checkpoint"]),
        (["info", "d.csv"], ["d.csv", "not a nonlin model file"]),
    ]
    for args, fragments in cases:
        line = assert_user_error(run_cli(*args, cwd=tmp_path), *fragments)
        assert "Expected" not in line and "missing=" not in line and "Seed" not in line, line
        assert "(in columns)" not in line and "header length" not in line, line


def test_column_names_match_exactly_else_without_surrounding_spaces(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i % 3},{i % 5},{i % 2}\n" for i in range(20))
    _write(tmp_path / "d.csv", "x, a ,b,y\n" + rows)  # the header name " a " has spaces
    for columns, target in ((" a ,b", "y"), ("a, b", " y ")):
        result = run_cli("train", "d.csv", "--target", target, "--columns", columns,
                         "--epochs", "1", "--quiet", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        meta = nonlin.load(tmp_path / "model.safetensors").metadata
        assert meta["feature_names"] == [" a ", "b"] and meta["target"] == "y"
    result = run_cli("train", "d.csv", "--target", "y", "--columns", "b, y", cwd=tmp_path)
    assert_user_error(result, "d.csv", "'y'", "--columns")
    help_text = " ".join(run_cli("train", "--help", cwd=tmp_path).stdout.split())
    assert "ignoring spaces" in help_text


def test_two_model_columns_matching_one_header_name_name_the_model(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    from nonlin import cli

    rows = "".join(f"{i},{i % 3},{i % 5},{i % 2}\n" for i in range(20))
    _write(tmp_path / "t.csv", "a,b, a,y\n" + rows)  # the model's inputs: 'a', 'b', ' a'
    _write(tmp_path / "d.csv", "a,b,c\n1,2,0\n")  # both 'a' and ' a' find 'a' here
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "t.csv", "--target", "y", "--epochs", "1", "--quiet",
                     "--out", "m.st"]) == 0
    capsys.readouterr()
    for command in (["predict", "m.st", "d.csv"], ["evaluate", "m.st", "d.csv", "--target", "c"]):
        assert cli.main(command) == 2
        line = capsys.readouterr().err.strip()
        assert line == ("nonlin: error: m.st: the model's input columns 'a' and ' a' both match "
                        "column 'a' of d.csv"), line


def test_train_exclude_leaves_columns_out_of_the_features(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """An id column was a feature unless --columns listed every other column."""
    from nonlin import cli

    rows = "".join(f"{i},{i % 3},{i % 5},{i % 2}\n" for i in range(20))
    _write(tmp_path / "t.csv", "id,a, b,y\n" + rows)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "t.csv", "--target", "y", "--exclude", "id,b", "--epochs", "1",
                     "--out", "m.st"]) == 0
    assert "not using column(s) id,  b (--exclude)" in capsys.readouterr().err
    assert nonlin.load(tmp_path / "m.st").metadata["feature_names"] == ["a"]
    for options, message in [
        (["--exclude", "idd"], "t.csv: no column 'idd' (--exclude); the columns are 'id', 'a', "
                               "' b', 'y'; did you mean 'id'?"),
        (["--exclude", "y"], "--exclude lists the target 'y'; leave it out"),
        (["--exclude", "id,a, b"], "t.csv: --exclude leaves no feature column"),
        (["--exclude", "b, b"], "--exclude names the column ' b' twice"),
    ]:
        assert cli.main(["train", "t.csv", "--target", "y", *options, "--out", "n.st"]) == 2
        assert capsys.readouterr().err.strip() == f"nonlin: error: {message}"
    assert not (tmp_path / "n.st").exists()
    result = run_cli("train", "t.csv", "--target", "y", "--exclude", "id", "--columns", "a",
                     cwd=tmp_path)
    assert_user_error(result, "--columns: not allowed with argument --exclude")
