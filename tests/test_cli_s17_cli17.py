"""Session 17 command-line items: boolean feature cells, ``predict --keep`` of an input
column, an ``OSError``'s path shown once, ``--plot`` formats by suffix, the tutorial's data."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import assert_user_error, block_matplotlib, run_cli, write_csv
from nonlin import cli, tabular

ROOT = Path(__file__).resolve().parents[1]

# pandas' to_csv of a bool column, other spellings, and a column mixing them with numbers
BOOL_ROWS = [["1.5", "True", "true", "0.25", "yes"], ["-2", "False", "FALSE", "True", "no"],
             ["3", "True", "TRUE", "False", "yes"], ["0.5", "False", "false", "7", "no"]] * 6
BOOL_X = [[1.5, 1, 1, 0.25], [-2, 0, 0, 1], [3, 1, 1, 0], [0.5, 0, 0, 7]] * 6
HEADER = ["a", "member", "flag", "mixed", "y"]


def _strict_calls(monkeypatch) -> list[int]:
    """Count the blocks the strict parser reads (the slow path; not those where it finds
    that the target holds labels, which makes the reader start again)."""
    calls: list[int] = []
    strict = tabular._strict_block

    def counted(*args, **kwargs):
        found = strict(*args, **kwargs)
        calls.append(1)
        return found

    monkeypatch.setattr(tabular, "_strict_block", counted)
    return calls


# -- 1. booleans ----------------------------------------------------------------------------
@pytest.mark.parametrize("missing", ["error", "drop", "mean"])
@pytest.mark.parametrize("block_bytes", [40, 3 << 17])
def test_boolean_feature_cells_read_as_1_and_0_without_the_strict_parser(
    tmp_path: Path, monkeypatch, missing: str, block_bytes: int
) -> None:
    write_csv(tmp_path / "d.csv", HEADER, BOOL_ROWS)
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", block_bytes)
    calls = _strict_calls(monkeypatch)
    table = tabular.read_csv(tmp_path / "d.csv", target="y", missing=missing, dtype=np.float64)
    np.testing.assert_array_equal(table.X, BOOL_X)
    assert table.y.tolist() == [row[-1] for row in BOOL_ROWS]
    assert not calls  # the vector passes read them (the strict parser, below, agrees)


def test_the_strict_parser_reads_booleans_as_the_fast_passes_do(tmp_path: Path) -> None:
    rows = [[" True", "\tFALSE ", "0.5"], ["false", '"True"', "1"]]
    (tmp_path / "d.csv").write_text("p,q,y\n" + "\n".join(",".join(r) for r in rows) + "\n\n")
    table = tabular.read_csv(tmp_path / "d.csv", target="y", dtype=np.float64)
    assert table.X.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    with_missing = "p,q,y\nTrue,,1\n,False,2\nfalse,true,3\n"
    (tmp_path / "m.csv").write_text(with_missing)
    dropped = tabular.read_csv(tmp_path / "m.csv", target="y", missing="drop")
    assert dropped.X.tolist() == [[0.0, 1.0]] and dropped.n_dropped == 2
    filled = tabular.read_csv(tmp_path / "m.csv", target="y", missing="mean", dtype=np.float64)
    assert filled.X.tolist() == [[1.0, 0.5], [0.5, 0.0], [0.0, 1.0]]


def test_other_spellings_stay_text_and_a_boolean_target_stays_labels(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("a,t\ntRue,x\n")
    with pytest.raises(tabular.CSVError, match=r"received 'tRue' \(text: "):
        tabular.read_csv(tmp_path / "d.csv")
    write_csv(tmp_path / "b.csv", HEADER, BOOL_ROWS)
    table = tabular.read_csv(tmp_path / "b.csv", target="member", columns=["a"])
    assert table.y.tolist() == [row[1] for row in BOOL_ROWS]  # labels, as written
    table = tabular.read_csv(tmp_path / "b.csv", target="mixed", columns=["a"])
    assert table.y.dtype.kind in "US"  # numbers and True: labels, as before


def test_train_evaluate_and_predict_read_a_pandas_boolean_column_alike(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    write_csv(tmp_path / "d.csv", HEADER, BOOL_ROWS)
    numeric = [[*map(str, x), row[-1]] for x, row in zip(BOOL_X, BOOL_ROWS, strict=True)]
    write_csv(tmp_path / "n.csv", HEADER, numeric)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "d.csv", "--target", "y", "--epochs", "3", "--quiet",
                     "--out", "m.st"]) == 0, capsys.readouterr().err
    capsys.readouterr()
    outputs = []
    for data in ("d.csv", "n.csv"):
        assert cli.main(["evaluate", "m.st", data, "--json"]) == 0
        outputs.append(json.loads(capsys.readouterr().out))
        assert outputs[-1].pop("data") == data
        assert cli.main(["predict", "m.st", data, "--proba"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[:2] == outputs[2:]


def test_help_and_docs_say_booleans_are_read() -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "write booleans as 1 and 0" not in text
    assert "`True`/`False`" in text and "pandas" in text


# -- 2. predict --keep an input column ---------------------------------------------------------
def _model(folder: Path) -> None:
    meta = {"task": "regression", "feature_names": ["age", "b"], "target": "y",
            "preprocessing": {"type": "standardize", "mean": [40.0, 0.0], "scale": [10.0, 1.0]},
            "target_preprocessing": {"type": "standardize", "mean": [0.0], "scale": [1.0]}}
    layers = [nonlin.Dense(3), nonlin.Tanh(), nonlin.Dense(1)]
    nonlin.save(nonlin.Sequential(layers).build(2, seed=0), folder / "m.st", metadata=meta)


def _predict(capsys, *options: str) -> list[list[str]]:
    assert cli.main(["predict", "m.st", *options]) == 0
    return list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))


def test_keep_an_input_column_copies_its_text_and_still_feeds_the_model(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    _model(tmp_path)
    rows = [["a1", "041.0", "0.5"], ["a2", "", "1"], ["a3", "35", "True"], ["a4", "52.50", "nan"],
            ["a5", "60", "-1"]]
    write_csv(tmp_path / "d.csv", ["id", "age", "b"], rows)
    monkeypatch.chdir(tmp_path)
    plain = _predict(capsys, "d.csv", "--missing", "drop")
    kept = _predict(capsys, "d.csv", "--missing", "drop", "--keep", "id,age")
    assert kept[0] == ["id", "age", "prediction"]
    assert [row[:2] for row in kept[1:]] == [["a1", "041.0"], ["a3", "35"], ["a5", "60"]]
    assert [row[2:] for row in kept] == plain  # the model reads age as without --keep
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", 12)  # every path of the reader
    assert _predict(capsys, "d.csv", "--missing", "drop", "--keep", "id,age") == kept
    filled = _predict(capsys, "d.csv", "--missing", "mean", "--keep", " age ")
    assert [row[0] for row in filled[1:]] == [row[1] for row in rows]


def test_predict_help_allows_the_models_own_columns() -> None:
    from nonlin.cli import build_parser

    text = build_parser()._subparsers._group_actions[0].choices["predict"].format_help()
    assert "not the model's input columns" not in text
    assert "the model's own input columns too" in " ".join(text.split())


# -- 3. an OSError's path once ------------------------------------------------------------
@pytest.mark.parametrize("name", ["p\x01q.csv", "p\\q.csv", "p'q.csv"])
def test_a_failed_write_names_a_hostile_path_once(
    tmp_path: Path, monkeypatch, capsys, name: str
) -> None:
    import nonlin._atomic as atomic

    _model(tmp_path)
    write_csv(tmp_path / "d.csv", ["age", "b"], [["40", "1"]])
    monkeypatch.chdir(tmp_path)

    def refuse(path, data):
        raise atomic._for_path(PermissionError(13, "Permission denied"), path)

    monkeypatch.setattr(atomic, "write_atomic", refuse)
    assert cli.main(["predict", "m.st", "d.csv", "-o", name]) == 2
    line = capsys.readouterr().err.strip()
    shown = nonlin._quoting.shown_path(name)
    assert line == f"nonlin: error: {shown}: Permission denied", line


# -- 4. --plot formats -------------------------------------------------------------------
def test_plot_writes_the_format_its_suffix_names(tmp_path: Path, monkeypatch, capsys) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    for name, magic in (("x.eps", b"%!PS-Adobe"), ("x.webp", b"RIFF"), ("x.svg", b"<?xml")):
        assert cli.main(["xor", "--steps", "3", "--plot", name]) == 0
        assert (tmp_path / name).read_bytes().startswith(magic), name
    capsys.readouterr()


def test_an_unknown_plot_suffix_is_refused_before_any_work(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "d.csv", ["a", "y"], [[0, 0], [1, 1]] * 4)
    for command in (["xor", "--plot", "x.abc"],
                    ["train", "d.csv", "--target", "y", "--plot", "c.abc", "--out", "m.st"],
                    ["demo", "moons", "--plot", "x.ABC"]):
        assert cli.main(command) == 2
        captured = capsys.readouterr()
        assert captured.out == ""  # before training
        assert re.search(r"--plot \S+: expected a suffix naming a format matplotlib writes "
                         r"\(.*\.eps.*\.pdf.*\.png.*\.svg.*\), received '\.(abc|ABC)'",
                         captured.err), captured.err
    assert not (tmp_path / "m.st").exists()
    assert "pgf" not in captured.err  # it needs LaTeX


def test_an_unknown_suffix_without_matplotlib_still_names_the_extra(tmp_path: Path) -> None:
    blocked = block_matplotlib(tmp_path / "blocked")
    result = run_cli("xor", "--plot", "x.abc", cwd=tmp_path, extra_path=blocked)
    assert_user_error(result, "nonlin[plot]")


@pytest.mark.parametrize("command", ["xor", "train", "evaluate", "demo"])
def test_plot_help_says_any_matplotlib_format(command: str) -> None:
    from nonlin.cli import build_parser

    text = build_parser()._subparsers._group_actions[0].choices[command].format_help()
    words = " ".join(text.split())
    assert "PNG file" not in words and "this PNG" not in words
    assert "any other format matplotlib writes" in words


# -- 5. the tutorial's data ---------------------------------------------------------------
def test_the_guide_documents_the_tutorials_data() -> None:
    from nonlin import tutorial

    guide = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    assert "tutorial.X_XOR" in guide and "tutorial.Y_XOR" in guide
    assert tutorial.X_XOR.shape == (4, 3) and tutorial.Y_XOR.shape == (4, 1)
    assert "(4, 3)" in guide and "(4, 1)" in guide
