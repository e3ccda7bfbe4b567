"""Review s11 of the command line's notes and messages: ``--missing mean`` counts the
cells it fills, Ctrl-C at any moment says ``nonlin: interrupted``, errors name the
sub-command and the option at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from nonlin import cli


def _write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def _train(data: str, out: Path, *options: str) -> int:
    return cli.main(["train", data, "--target", "y", "--epochs", "1", "--quiet",
                     "--out", str(out), *options])


# -- 1. --missing mean counts its cells; a single class after a drop says so -------
def test_train_missing_mean_notes_the_filled_cells_per_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write(tmp_path / "m.csv",
                  "a,b,c,y\n1,,1,p\n2,3,2,q\n,4,3,p\n5,6,4,q\n7,,5,p\n8,9,6,q\n")
    assert _train(data, tmp_path / "m.st", "--missing", "mean") == 0
    err = capsys.readouterr().err
    assert ("note: filled 3 missing cell(s) with the training mean (--missing mean): "
            "a (1), b (2)\n") in err


def test_predict_and_evaluate_missing_mean_note_the_filled_cells_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write(tmp_path / "m.csv",
                  "a,b,c,y\n1,2,1,p\n2,3,2,q\n3,4,3,p\n5,6,4,q\n7,8,5,p\n8,9,6,q\n")
    model = tmp_path / "m.st"
    assert _train(data, model) == 0
    new = _write(tmp_path / "n.csv", "a,b,c,y\n,2,1,p\n2,,,q\n3,4,3,p\n")
    capsys.readouterr()
    for command in (["predict", str(model), str(new)], ["evaluate", str(model), str(new)]):
        assert cli.main([*command, "--missing", "mean"]) == 0
        assert ("note: filled 3 missing cell(s) with the training mean (--missing mean): "
                "a (1), b (1), c (1)\n") in capsys.readouterr().err
    assert cli.main(["predict", str(model), str(data), "--missing", "mean"]) == 0
    assert "filled" not in capsys.readouterr().err


def test_train_missing_mean_without_missing_cells_has_no_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write(tmp_path / "m.csv", "a,y\n1,p\n2,q\n3,p\n4,q\n")
    assert _train(data, tmp_path / "m.st", "--missing", "mean") == 0
    assert "filled" not in capsys.readouterr().err


def test_train_single_class_after_a_drop_names_the_drop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write(tmp_path / "s.csv", "a,b,y\n1,,q\n2,3,p\n3,4,p\n5,6,p\n")
    assert _train(data, tmp_path / "s.st", "--missing", "drop") == 2
    err = capsys.readouterr().err
    assert "holds a single class (p)" in err
    assert "--missing drop dropped 1 row(s) with missing values, which may be the cause" in err


# -- 2. Ctrl-C before the sub-command runs ---------------------------------------
def test_ctrl_c_while_the_parser_is_built_exits_130_with_the_documented_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object) -> None:  # main may name the command it builds
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert cli.main(["xor"]) == 130
    assert capsys.readouterr().err == "\nnonlin: interrupted\n"


def test_ctrl_c_while_the_command_line_is_imported_exits_130_without_a_traceback() -> None:
    """``python -m nonlin`` with a Ctrl-C raised by the import of ``nonlin.cli``."""
    import subprocess
    import sys

    from cli_helpers import cli_env

    code = (
        "import runpy, sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'nonlin.cli':\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "sys.argv = ['nonlin', 'xor']\n"
        "runpy.run_module('nonlin', run_name='__main__', alter_sys=True)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=cli_env(), capture_output=True,
                          text=True, timeout=60)
    assert (done.returncode, done.stdout) == (130, "")
    assert done.stderr == "\nnonlin: interrupted\n"


def test_the_console_script_is_the_interrupt_safe_entry_point() -> None:
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[project.scripts]\n", 1)[1].split("\n\n", 1)[0]
    assert section.strip() == 'nonlin = "nonlin.__main__:run"'



# -- 3. messages name the sub-command, the option, the stream ----------------------
def test_an_unrecognized_argument_is_reported_by_the_sub_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--bogus"])
    assert stop.value.code == 2
    assert capsys.readouterr().err == (
        "nonlin: error: unrecognized arguments: --bogus (see 'nonlin train --help')\n")
    # one prefix for every user error since s34; the sub-command named by its help


@pytest.mark.parametrize("option", ["--activation", "--optimizer"])
def test_an_unknown_registry_name_names_its_option(
    option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", option, "foo"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"nonlin: error: argument {option}: Unknown ")
    assert "'foo'" in err


def test_bare_nonlin_prints_its_help_on_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("usage: nonlin")


def test_a_full_standard_output_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    import errno
    import io

    class Full(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(cli.UsageError, match=r"^cannot write to standard output \(No space"):
        cli._PipeSafe(Full()).write("x")


def test_resume_from_a_model_file_says_what_resume_takes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write(tmp_path / "d.csv", "a,y\n1,p\n2,q\n3,p\n4,q\n")
    assert _train(data, tmp_path / "m.st") == 0
    capsys.readouterr()
    assert _train(data, tmp_path / "n.st", "--resume", str(tmp_path / "m.st")) == 2
    err = capsys.readouterr().err
    assert "this is a model file, not a checkpoint; --resume takes the checkpoint" in err
    assert "Ctrl-C" in err and "ModelCheckpoint" in err


def test_one_feature_is_said_in_the_singular(tmp_path, capsys) -> None:
    rows = "".join(f"{i / 10},{'ab'[i % 2]}\n" for i in range(20))
    (tmp_path / "d.csv").write_text("x,y\n" + rows)
    model = str(tmp_path / "m.safetensors")
    assert cli.main(["train", str(tmp_path / "d.csv"), "--target", "y", "--epochs", "1",
                     "--quiet", "--out", model]) == 0
    out = capsys.readouterr().out
    assert "20 rows, 1 feature -> 'y'" in out and f"Saved {model} (inputs: 1, " in out
    assert cli.main(["info", model]) == 0
    assert "inputs:   1 column: x" in capsys.readouterr().out
