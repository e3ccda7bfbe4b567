"""Paths in messages outside the command line's own: a path with a line break and one with
a backslash and ``n`` read apart everywhere (session 16).

1. Library messages naming a file (``ModelFileError`` of ``load``, ``load_checkpoint``,
   ``nonlin.sklearn.load``; ``CSVLogger``'s and ``ModelCheckpoint``'s; a save into a
   folder) go through ``_quoting.quoted_path``: ``repr`` as before, a backslash path with
   nothing to escape as typed.
2. ``_quoting.clipped`` never stops inside an escape sequence.
3. The ``resume with:`` command stays one line and pastes as the same arguments.
4. ``nonlin evaluate --plot``'s title shows the paths as ``shown_path`` does.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import nonlin
from nonlin import cli
from nonlin._quoting import clipped

JUNK = b"junk"  # fewer than the 8 bytes of a safetensors header length


# -- 1: library messages ------------------------------------------------------------
@pytest.mark.parametrize("name, shown", [
    ("m.st", "'m.st'"),  # an ordinary path: as before
    ("a\nb.st", "'a\\nb.st'"),  # a line break: its repr
    ("a\\nb.st", "a\\nb.st"),  # a backslash and n: as typed, not 'a\\\\nb.st'
    ("C:\\new\\m.st", "C:\\new\\m.st"),
    ("a\\b\tc.st", "'a\\\\b\\tc.st'"),  # something to escape: the repr, backslashes doubled
])
def test_quoted_path_is_a_repr_or_the_path_as_typed(name: str, shown: str) -> None:
    from nonlin._quoting import quoted_path

    assert quoted_path(name) == shown
    assert quoted_path(Path(name)) == shown
    assert quoted_path(name.encode()) == shown


@pytest.mark.parametrize("loader", ["load", "load_checkpoint", "sklearn"])
def test_a_model_file_error_names_a_path_with_a_line_break_apart_from_backslash_n(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, loader: str
) -> None:
    if loader == "sklearn":
        pytest.importorskip("sklearn")
        from nonlin.sklearn import load
    else:
        load = getattr(nonlin, loader)
    monkeypatch.chdir(tmp_path)
    messages = {}
    for name in ("a\nb.st", "a\\nb.st", "m.st"):
        Path(name).write_bytes(JUNK)
        with pytest.raises(nonlin.ModelFileError) as refused:
            load(name)
        messages[name] = str(refused.value)
        assert refused.value.path == name
    assert messages["a\nb.st"].startswith("Cannot load model file 'a\\nb.st': truncated")
    assert messages["a\\nb.st"].startswith("Cannot load model file a\\nb.st: truncated")
    assert messages["m.st"].startswith("Cannot load model file 'm.st': truncated")


def test_the_command_line_names_a_bad_model_file_as_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("a\\nb.st").write_bytes(JUNK)
    assert cli.main(["info", "a\\nb.st"]) == 2
    assert "error: Cannot load model file a\\nb.st: truncated" in capsys.readouterr().err


def _model() -> tuple[nonlin.Sequential, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 2))
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.build(2, seed=0)
    return model, X, (X[:, 0] > 0).astype(int)


def test_csv_logger_names_its_file_as_typed(tmp_path: Path) -> None:
    model, X, y = _model()
    for name in ("no\\nwhere/log.csv", "no\nwhere/log.csv"):
        path = f"{tmp_path}/{name}"
        shown = path if "\n" not in path else repr(path)  # as typed, or the repr
        with pytest.raises(FileNotFoundError) as refused:
            model.fit(X, y, loss="sparse_categorical_crossentropy", optimizer="sgd", epochs=1,
                      verbose=0, callbacks=[nonlin.CSVLogger(path)])
        assert f"CSVLogger cannot write its file {shown}:" in str(refused.value)


def test_model_checkpoint_names_its_path_as_typed() -> None:
    from nonlin._checkpoint_path import fill

    with pytest.raises(ValueError, match=r"^ModelCheckpoint path c\\n\{nope\}\.st must"):
        fill("c\\n{nope}.st", 1, {"loss": 0.5})


def test_a_save_into_a_folder_names_it_as_typed(tmp_path: Path) -> None:
    model, _, _ = _model()
    (tmp_path / "d\\n").mkdir()
    with pytest.raises(IsADirectoryError) as refused:
        nonlin.save(model, f"{tmp_path}/d\\n")
    assert str(refused.value).endswith(f"Received a folder: {tmp_path}/d\\n")


# -- 2: clipped ---------------------------------------------------------------------
@pytest.mark.parametrize("text", ["ab\\x1bcdef" * 3, "abc\\u2028def" * 3, "a\\\\nbcdef" * 3])
def test_clipped_never_stops_inside_an_escape(text: str) -> None:
    for width in range(1, len(text)):
        head = clipped(text, width).split("... (")[0]
        assert text.startswith(head) and len(head) <= width
        assert not head.endswith("\\") or head.endswith("\\\\"), (width, head)
        assert not head.endswith(("\\x", "\\x1", "\\u", "\\u20", "\\u202")), (width, head)
    assert clipped("ab\\x1bcd", 4) == "ab... (8 characters)"
    assert clipped("ab\\x1bcd", 6) == "ab\\x1b... (8 characters)"
    assert clipped("abcdef", 4) == "abcd... (6 characters)"  # no backslash: as before


# -- 3: resume with: ----------------------------------------------------------------
def _resume_line(argv: list[str], path: str) -> str:
    from nonlin.cli_train import resume_command

    return resume_command(argparse.Namespace(argv=argv), path)


def test_the_resume_command_stays_one_line_and_pastes_as_the_same_arguments() -> None:
    argv = ["train", "d\nx.csv", "--target", "y", "--out", "o\x1b[31m ü\u2028.st"]
    path = "o\x1b[31m ü\u2028.checkpoint.st"
    line = _resume_line(argv, path)
    assert line.isprintable(), line
    assert line == ("nonlin train $'d\\nx.csv' --target y --out $'o\\x1b[31m ü\\u2028.st' "
                    "--resume $'o\\x1b[31m ü\\u2028.checkpoint.st'")
    # ordinary words as shlex.join writes them
    assert _resume_line(["train", "a b.csv", "--target", "it's"], "c.st") == (
        "nonlin train 'a b.csv' --target 'it'\"'\"'s' --resume c.st")
    bash = shutil.which("bash")
    if bash is None:
        return
    words = subprocess.run([bash, "-c", f"printf '%s\\0' {line}"], capture_output=True,
                           check=True, env={"LC_ALL": "C.UTF-8"}).stdout
    assert words.decode().split("\0")[:-1] == ["nonlin", *argv, "--resume", path]


def test_the_resume_command_quotes_a_backslash_and_a_quote_inside_dollar_quotes() -> None:
    line = _resume_line(["train", "a\\'\tb.csv", "--target", "y"], "c.st")
    assert line == "nonlin train $'a\\\\\\'\\tb.csv' --target y --resume c.st"
    bash = shutil.which("bash")
    if bash is not None:
        words = subprocess.run([bash, "-c", f"printf '%s\\0' {line}"], capture_output=True,
                               check=True).stdout
        assert words.split(b"\0")[2] == b"a\\'\tb.csv"


# -- 4: evaluate --plot's title ------------------------------------------------------
def test_the_evaluate_plot_title_shows_the_paths_as_shown_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("matplotlib")  # --plot
    from nonlin import plots

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    text = "a,b,y\n" + "".join(f"{a},{b},{int(a * b > 0)}\n" for a, b in X)
    monkeypatch.chdir(tmp_path)
    Path("d\nx.csv").write_text(text)
    Path("d.csv").write_text(text)
    assert cli.main(["train", "d.csv", "--target", "y", "--quiet", "--hidden", "4",
                     "--epochs", "1", "--out", "m\\n.st"]) == 0
    titles: list[str] = []
    monkeypatch.setattr(plots, "plot_confusion_matrix",
                        lambda *args, title, **kwargs: titles.append(title))
    assert cli.main(["evaluate", "m\\n.st", "d\nx.csv", "--plot", "cm.png"]) == 0
    assert titles == ["m\\n.st on 'd\\nx.csv'"]
