"""Hostile model files, checkpoints and CSV cells for today's ``train --categorical``,
``--class-weight``, ``--weight``, ``--l2`` and ``--batch-norm`` (session-18 review): a
``ModelFileError`` naming the file and the field, exit status 2, one line on stderr."""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import error_line, interrupt_after
from nonlin import cli

OPTIONS = ["--target", "y", "--categorical", "colour", "--hidden", "4", "--quiet",
           "--class-weight", "balanced", "--weight", "w", "--l2", "0.01", "--batch-norm"]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``d.csv``, a model ``m.st`` and a checkpoint ``r.checkpoint.st`` (2 of 4 epochs)
    trained on it with every one of today's options."""
    from nonlin import cli_train_model

    folder = tmp_path_factory.mktemp("s18")
    rows = [f"{i % 7},{('red', 'green', 'blue')[i % 3]},{(i * 3) % 5},{1 + i % 2},"
            f"{'yes' if i % 2 else 'no'}" for i in range(40)]
    (folder / "d.csv").write_text("a,colour,b,w,y\n" + "\n".join(rows) + "\n")
    data = str(folder / "d.csv")
    assert cli.main(["train", data, *OPTIONS, "--epochs", "1", "--out",
                     str(folder / "m.st")]) == 0
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(1)])
        assert cli.main(["train", data, *OPTIONS, "--epochs", "4", "--out",
                         str(folder / "r.st")]) == 130
    return folder


def _edit(source: Path, destination: Path, change: Callable[[dict[str, Any]], Any]) -> Path:
    """A copy of ``source`` whose user metadata (a JSON string in the header) ``change``
    edits in place."""
    data = source.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    user = json.loads(header["__metadata__"]["metadata"])
    change(user)
    header["__metadata__"]["metadata"] = json.dumps(user)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    destination.write_bytes(struct.pack("<Q", len(text)) + text + data[8 + size :])
    return destination


def _entry(**changes: Any) -> Callable[[dict[str, Any]], None]:
    return lambda meta: meta["categorical"][0].update(changes)


def _record(**changes: Any) -> Callable[[dict[str, Any]], None]:
    return lambda meta: meta["training"].update(changes)


CATEGORICAL = "metadata['categorical']"
ENTRY = "metadata['categorical'][0]"


@pytest.mark.parametrize(("change", "field", "received"), [
    (lambda m: m.update(categorical=None), CATEGORICAL, "received None"),
    (_entry(extra=1), ENTRY, "unknown key(s) 'extra'"),
    (lambda m: m["categorical"][0].pop("frequencies"), ENTRY, "no 'frequencies'"),
    (_entry(column=5), ENTRY + "['column']", "received 5"),
    (_entry(categories=["blue", 2, "red"]), ENTRY + "['categories']", "received 2"),
    (_entry(categories=["blue", "blue", "red"]), ENTRY + "['categories']", "'blue' twice"),
    (_entry(categories=["blue", "", "red"]), ENTRY + "['categories']", "received ''"),
    (_entry(categories=[" blue", "green", "red"]), ENTRY + "['categories']", "received ' blue'"),
    (_entry(frequencies=[0.5, 0.5]), ENTRY + "['frequencies']", "received 2 values"),
    (_entry(frequencies=[-1.0, 1.0, 1.0]), ENTRY + "['frequencies']", "received -1.0"),
    (_entry(frequencies=[1e308, 0, 0]), ENTRY + "['frequencies']", "received 1e+308"),
    (_entry(frequencies=["a", 0.5, 0.5]), ENTRY + "['frequencies']", "received 'a'"),
    (_entry(frequencies=[True, 0, 0]), ENTRY + "['frequencies']", "received True"),
    (_entry(frequencies=[0.5, 0.5, 0.5]), ENTRY + "['frequencies']", "(sum 1.5)"),
])
@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_a_hostile_categorical_block_is_refused_naming_its_field(
    files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str,
    change: Callable[[dict[str, Any]], Any], field: str, received: str,
) -> None:
    # before: None passed as "no categorical columns" (the CSV was blamed), an extra key,
    # negative, huge (an overflow warning, inf inputs) or unnormalized frequencies passed
    # and were applied, and the other faults named only metadata['categorical']
    bad = _edit(files / "m.st", tmp_path / "bad.st", change)
    capsys.readouterr()
    assert cli.main([command, str(bad), str(files / "d.csv")]) == 2
    error_line(capsys, "Cannot load model file", f"({field})", received)


def _resume(files: Path, tmp_path: Path, change: Callable[[dict[str, Any]], Any]) -> int:
    checkpoint = _edit(files / "r.checkpoint.st", tmp_path / "bad.checkpoint.st", change)
    return cli.main(["train", str(files / "d.csv"), "--target", "y", "--categorical",
                     "colour", "--epochs", "3", "--quiet", "--out", str(tmp_path / "out.st"),
                     "--resume", str(checkpoint)])


TRAINING = "metadata['training']"


@pytest.mark.parametrize(("change", "field", "received"), [
    (_record(class_weights={"no": 1.0}), "['class_weights']", "received {'no': 1.0}"),
    (_record(class_weights={"no": "x", "yes": 1.0}), "['class_weights']", "'x'"),
    (_record(class_weights={"no": -1.0, "yes": 1.0}), "['class_weights']", "-1.0"),
    (_record(class_weights={"no": True, "yes": 1.0}), "['class_weights']", "True"),
    (_record(class_weights={"no": 0, "yes": 0}), "['class_weights']", "not all 0"),
    (_record(class_weights=None), "['class_weights']", "received None"),
    (_record(class_weights=[1, 2]), "['class_weights']", "received [1, 2]"),
    (_record(class_weights={"no": 1e308, "yes": 1.0}), "['class_weights']", "1e+308"),
    (_record(class_weight="yes=5,no=1"), "['class_weights']", "{'no': 1.0, 'yes': 5.0}"),
    (_record(class_weight="maybe=5"), "['class_weight']", "no class 'maybe'"),
    (lambda m: m["training"].pop("class_weight"), "['class_weights']", "no class_weight"),
    (_record(class_weight=["balanced"]), "['class_weight']", "received ['balanced']"),
    (_record(weight=["w"]), "['weight']", "received ['w']"),
    (_record(weight=""), "['weight']", "received ''"),
    (_record(l2=1e308), "['l2']", "Dense layers (0.01), received 1e+308"),
    (_record(l2=0), "['l2']", "Dense layers (0.01), received 0"),
    (_record(batch_norm=False), "['batch_norm']", "expected true"),
])
def test_a_resume_refuses_a_training_record_at_odds_with_its_checkpoint(
    files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    change: Callable[[dict[str, Any]], Any], field: str, received: str,
) -> None:
    # before: a class missing from class_weights was a KeyError traceback, a string or
    # negative weight an error naming no file, None or a list resumed unweighted, a spec
    # at odds with the weights resumed with the weights, and an l2 or batch_norm other than
    # the network's was written to the resumed model file as its training record
    capsys.readouterr()
    assert _resume(files, tmp_path, change) == 2
    error_line(capsys, "Cannot load model file", "bad.checkpoint.st", f"({TRAINING}{field})",
               received)
    assert not (tmp_path / "out.st").exists()


@pytest.mark.parametrize(("change", "received"), [
    (_entry(frequencies=[-1.0, 1.0, 1.0]), "received -1.0"),
])
def test_a_resume_refuses_a_categorical_block_at_odds_with_the_data(
    files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    change: Callable[[dict[str, Any]], Any], received: str,
) -> None:
    # before: the checkpoint's block went unchecked into the resumed model file (without
    # it, that file's one-hot inputs could not be read from the column by predict)
    capsys.readouterr()
    assert _resume(files, tmp_path, change) == 2
    error_line(capsys, "Cannot load model file", CATEGORICAL, received)
    assert not (tmp_path / "out.st").exists()


def test_a_resume_refuses_categorical_for_a_checkpoint_without_its_block(
    files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    # the block removed: the checkpoint has no categorical column, so --categorical colour
    # (given by _resume) is refused naming both (s18-cliresume; before, as a model file)
    capsys.readouterr()
    assert _resume(files, tmp_path, lambda m: m.pop("categorical")) == 2
    error_line(capsys, "--categorical colour differs from the checkpoint's none")
    assert not (tmp_path / "out.st").exists()


def test_the_genuine_checkpoint_resumes(files: Path, tmp_path: Path) -> None:
    assert _resume(files, tmp_path, lambda meta: None) == 0
    assert (tmp_path / "out.st").exists()


def test_a_nan_weight_gets_the_weight_advice(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    # before: "(a missing value: --missing drop leaves its row out, --missing mean fills
    # it)", but --missing mean never fills a weight
    rows = [f"{i},{'nan' if i == 3 else 1},{i % 2}" for i in range(12)]
    (tmp_path / "d.csv").write_text("a,w,y\n" + "\n".join(rows) + "\n")
    capsys.readouterr()
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--weight", "w",
                     "--quiet", "--out", str(tmp_path / "m.st")]) == 2
    line = error_line(capsys, "line 5, column 'w'", "received 'nan'", "--weight needs a number")
    assert "--missing mean fills" not in line


def test_info_s_resume_line_runs_for_columns_named_like_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # before: "--target -y --categorical -c --weight -w", which argparse refuses
    # ("argument --target: expected one argument"); now "--target=-y ..."
    import shlex

    from nonlin import cli_train_model

    rows = [f"{('r', 'g')[i % 2]},{1 + i % 3},{i},{i % 2}" for i in range(20)]
    (tmp_path / "-d.csv").write_text("-c,-w,a,-y\n" + "\n".join(rows) + "\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [interrupt_after(0)])
    assert cli.main(["train", "./-d.csv", "--target=-y", "--categorical=-c", "--weight=-w",
                     "--hidden", "3", "--epochs", "2", "--quiet", "--out", "m.st"]) == 130
    monkeypatch.setattr(cli_train_model, "_callbacks", lambda args: [])
    capsys.readouterr()
    assert cli.main(["info", "m.checkpoint.st"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("resume:"))
    words = shlex.split(line.partition(":")[2])
    assert words[:3] == ["nonlin", "train", "./-d.csv"] and "--weight=-w" in words, words
    assert cli.main(words[1:]) == 0
    assert (tmp_path / "m.st").exists()


@pytest.mark.parametrize(("header", "categorical", "repeated"), [
    ("colour,colour=r,y", "colour", "'colour=r'"),  # a one-hot name is another column's
    ("a,a=b,y", "a,a=b", "'a=b=c'"),  # a=(b=c) and (a=b)=c
])
def test_a_one_hot_name_clash_names_the_data_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], header: str, categorical: str,
    repeated: str,
) -> None:
    # before: "the one-hot input 'colour=r' has the name of another input column; rename
    # that column in the file", naming no file
    first = "b=c" if categorical == "a,a=b" else "r"
    rows = [f"{(first, 'g')[i % 2]},{('c', 'd')[i % 2] if ',' in categorical else i},{i % 2}"
            for i in range(12)]
    (tmp_path / "c.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    capsys.readouterr()
    assert cli.main(["train", str(tmp_path / "c.csv"), "--target", "y", "--categorical",
                     categorical, "--quiet", "--out", str(tmp_path / "m.st")]) == 2
    error_line(capsys, "c.csv: expected distinct input names", f"one-hot input {repeated}")


def _weighted_data(folder: Path) -> Path:
    rows = [f"{i % 5},{(i * 3) % 7},{1 + i % 2},{i % 2}" for i in range(16)]
    (folder / "d.csv").write_text("a,b,w,y\n" + "\n".join(rows) + "\n")
    return folder / "d.csv"


def test_an_empty_weight_column_name_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # before: --weight '' trained without weights, silently
    data = _weighted_data(tmp_path)
    capsys.readouterr()
    with pytest.raises(SystemExit) as stop:
        cli.main(["train", str(data), "--target", "y", "--weight", "", "--quiet",
                  "--out", str(tmp_path / "m.st")])
    assert stop.value.code == 2
    error_line(capsys, "argument --weight: expected a column name, received ''")
    assert not (tmp_path / "m.st").exists()


def test_weight_with_exclude_leaves_the_weight_out_of_the_features(tmp_path: Path) -> None:
    # before: "--weight column 'w' is a feature column (--columns)", though --columns was
    # not given: --exclude's columns were taken for --columns'
    import nonlin

    data = _weighted_data(tmp_path)
    assert cli.main(["train", str(data), "--target", "y", "--weight", "w", "--exclude", "b",
                     "--hidden", "3", "--epochs", "1", "--quiet",
                     "--out", str(tmp_path / "m.st")]) == 0
    meta = nonlin.load(tmp_path / "m.st").metadata
    assert meta["feature_names"] == ["a"] and meta["training"]["weight"] == "w"


def test_info_shows_a_long_dict_of_the_training_record_in_part(
    files: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # before: one line per entry, 1000 lines for the class weights of 1000 classes
    weights = {f"class{i}": 1.0 for i in range(1000)}
    big = _edit(files / "m.st", tmp_path / "big.st", _record(class_weights=weights))
    capsys.readouterr()
    assert cli.main(["info", str(big)]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) < 150
    assert "    class49: 1.0\n    ... and 950 more (info --json shows them all)\n" in out
    assert cli.main(["info", "--json", str(big)]) == 0
    assert json.loads(capsys.readouterr().out)["training"]["class_weights"] == weights
