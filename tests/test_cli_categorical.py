"""``nonlin train --categorical``: feature columns of categories, one-hot encoded, stored in
the model file, and applied again by ``predict`` and ``evaluate``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import error_line
from nonlin import cli
from nonlin._feature_names import forget_names

COLOURS = ["red", " blue ", "green", "red", "blue", "red"]  # " blue " is "blue"
ZIPS = ["01", "2", "10", "2", "01", "1.0"]  # text as written: "1.0" is its own category


def _data(folder: Path, n: int = 36) -> Path:
    rows = [f"{i},{(i % 7) / 3:.3f},{COLOURS[i % 6]},{ZIPS[(i // 6) % 6]},{'yn'[i % 3 == 0]}"
            for i in range(n)]
    path = folder / "d.csv"
    path.write_text("id,a,colour,zip,y\n" + "\n".join(rows) + "\n")
    return path


def _train(folder: Path, *options: str) -> int:
    columns = [] if "--columns" in options else ["--exclude", "id"]
    return cli.main(["train", str(folder / "d.csv"), "--target", "y", *columns,
                     "--hidden", "4", "--epochs", "3", "--quiet", "-o",
                     str(folder / "m.safetensors"), *options])


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def _inputs(model: nonlin.Sequential, a: list[float], blocks: list[list[float]]) -> np.ndarray:
    """The model's inputs made by hand: ``a`` standardized with the stored scaling, then the
    one-hot blocks, each row of ``blocks`` already laid end to end."""
    meta = model.metadata
    a_scaled = (np.array(a) - meta["preprocessing"]["mean"][0]) / meta["preprocessing"]["scale"][0]
    return np.column_stack([a_scaled, np.array(blocks)]).astype(np.float32)


def _proba(model: nonlin.Sequential, X: np.ndarray) -> np.ndarray:
    forget_names(model)  # the inputs made by hand: an array without the names
    z = np.asarray(model.predict(X), dtype=np.float64)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def test_train_stores_the_categories_and_predict_and_evaluate_apply_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    assert _train(tmp_path, "--categorical", "colour, zip") == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    assert "one-hot encoding 'colour' (3), 'zip' (4): 8 inputs in all" in err
    model = nonlin.load(tmp_path / "m.safetensors")
    meta = model.metadata
    assert meta["feature_names"] == ["a", "colour=blue", "colour=green", "colour=red",
                                     "zip=01", "zip=1.0", "zip=2", "zip=10"]
    entries = meta["categorical"]
    assert [(e["column"], e["categories"]) for e in entries] == [
        ("colour", ["blue", "green", "red"]), ("zip", ["01", "1.0", "2", "10"])]
    for entry in entries:  # the training rows' shares of each category
        assert np.isclose(sum(entry["frequencies"]), 1.0)
        assert all(0 < f < 1 for f in entry["frequencies"])
    assert meta["preprocessing"]["mean"][1:] == [0.0] * 7  # 0 and 1, not scaled
    assert meta["preprocessing"]["scale"][1:] == [1.0] * 7

    (tmp_path / "new.csv").write_text(
        'zip,colour,id,a\n10,green,x,0.5\n" 2",red,y,1\n01, blue,z,0\n')
    status, out, err = _run(capsys, "predict", str(tmp_path / "m.safetensors"),
                            str(tmp_path / "new.csv"), "--proba", "--keep", "id,colour,zip")
    assert status == 0, err
    rows = _csv(out)
    assert rows[0] == ["id", "colour", "zip", "prediction", "proba_n", "proba_y"]
    assert [r[:3] for r in rows[1:]] == [["x", "green", "10"], ["y", "red", " 2"],
                                         ["z", " blue", "01"]]
    X = _inputs(model, [0.5, 1.0, 0.0], [[0, 1, 0, 0, 0, 0, 1], [0, 0, 1, 0, 0, 1, 0],
                                         [1, 0, 0, 1, 0, 0, 0]])
    expected = _proba(model, X)
    np.testing.assert_allclose([[float(p) for p in r[4:]] for r in rows[1:]], expected,
                               rtol=1e-5)

    status, out, err = _run(capsys, "evaluate", str(tmp_path / "m.safetensors"),
                            str(tmp_path / "d.csv"), "--json")
    assert status == 0, err
    assert json.loads(out)["accuracy"] >= 0
    assert "ignoring column(s) the model does not use: id" in err


def test_info_lists_the_categorical_columns_and_their_categories(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    assert _train(tmp_path, "--categorical", "zip,colour") == 0
    capsys.readouterr()
    status, out, _ = _run(capsys, "info", str(tmp_path / "m.safetensors"))
    assert status == 0
    assert "categorical: 2 columns, one-hot encoded (0 or 1, not scaled)" in out
    assert "  colour (3): blue, green, red" in out
    assert "  zip (4): 01, 1.0, 2, 10" in out


def test_a_text_column_without_categorical_suggests_it_naming_the_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    assert _train(tmp_path) == 2
    error_line(capsys, "column 'colour': expected a number, received 'red'",
               "(text: one-hot encode it (--categorical colour), leave it out (--exclude, or "
               "--columns without it) or encode its text as numbers)")
    assert _train(tmp_path, "--categorical", "zip", "--missing", "mean") == 2
    error_line(capsys, "column 'colour' holds text", "(--categorical colour)")


def test_categorical_names_a_feature_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    assert _train(tmp_path, "--categorical", "y") == 2
    error_line(capsys, "--categorical column 'y' is the target")
    assert _train(tmp_path, "--categorical", "id,colour") == 2
    error_line(capsys, "--categorical column 'id' is left out of the features")
    assert _train(tmp_path, "--categorical", "Colour") == 2
    error_line(capsys, "no column 'Colour' (--categorical)", "did you mean 'colour'?")


def test_an_unseen_category_is_an_error_or_with_unknown_ignore_all_zeros(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    assert _train(tmp_path, "--categorical", "colour,zip") == 0
    capsys.readouterr()
    (tmp_path / "new.csv").write_text("a,colour,zip,y\n0.5,red,2,y\n1,purple,2,n\n")
    model_path, new = str(tmp_path / "m.safetensors"), str(tmp_path / "new.csv")
    for command in ("predict", "evaluate"):
        argv = [command, model_path, new]
        assert cli.main(argv) == 2
        error_line(capsys, "new.csv, line 3, column 'colour': category 'purple' was not seen "
                   "in training; the model knows 'blue', 'green', 'red' (--unknown ignore")
    status, out, err = _run(capsys, "predict", model_path, new, "--proba", "--unknown", "ignore")
    assert status == 0, err
    assert "column 'colour': 1 cell(s) of categories not seen in training ('purple'), " \
           "encoded as all zeros" in err
    model = nonlin.load(model_path)
    X = _inputs(model, [0.5, 1.0], [[0, 0, 1, 0, 0, 1, 0], [0, 0, 0, 0, 0, 1, 0]])
    np.testing.assert_allclose([[float(p) for p in r[1:]] for r in _csv(out)[1:]],
                               _proba(model, X), rtol=1e-5)


def test_missing_categories_follow_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _data(tmp_path)
    text = path.read_text().replace(",green,", ",,", 2).replace(",red,", ",  ,", 1)
    path.write_text(text)
    assert _train(tmp_path, "--categorical", "colour,zip") == 2
    error_line(capsys, "d.csv, line 2, column 'colour': expected a category, received '  '")
    assert _train(tmp_path, "--categorical", "colour,zip", "--missing", "drop") == 0
    assert "dropped 3 row(s) with missing values" in capsys.readouterr().err
    assert _train(tmp_path, "--categorical", "colour,zip", "--missing", "mean") == 0
    err = capsys.readouterr().err
    assert "filled the missing cells of categorical column(s) colour (3) with the training " \
           "frequencies" in err
    model_path = str(tmp_path / "m.safetensors")
    model = nonlin.load(model_path)
    frequencies = model.metadata["categorical"][0]["frequencies"]
    assert np.isclose(sum(frequencies), 1.0)

    (tmp_path / "new.csv").write_text("id,a,colour,zip\np,,,2\nq,1,red,01\nr,0,green,\n")
    new = str(tmp_path / "new.csv")
    assert cli.main(["predict", model_path, new]) == 2
    error_line(capsys, "new.csv, line 2, column 'a': expected a number, received ''",
               "--missing drop leaves its row out")
    (tmp_path / "one.csv").write_text("a,colour,zip\n0.5,,2\n")
    assert cli.main(["predict", model_path, str(tmp_path / "one.csv")]) == 2
    error_line(capsys, "one.csv, line 2, column 'colour': expected a category, received ''")
    status, out, err = _run(capsys, "predict", model_path, new, "--keep", "id", "--proba",
                            "--missing", "drop")
    assert status == 0, err
    assert [r[0] for r in _csv(out)[1:]] == ["q"]
    status, out, err = _run(capsys, "predict", model_path, new, "--keep", "id", "--proba",
                            "--missing", "mean")
    assert status == 0, err
    assert "colour (1), zip (1)" in err
    zips = model.metadata["categorical"][1]["frequencies"]
    assert "filled 1 missing cell(s) with the training mean (--missing mean): a (1)" in err
    mean = model.metadata["preprocessing"]["mean"][0]  # a's: p's a is missing too
    X = _inputs(model, [mean, 1.0, 0.0], [[*frequencies, 0, 0, 1, 0],
                                         [0, 0, 1, 1, 0, 0, 0], [0, 1, 0, *zips]])
    np.testing.assert_allclose([[float(p) for p in r[2:]] for r in _csv(out)[1:]],
                               _proba(model, X), rtol=1e-5)


def test_a_model_without_categories_reads_its_columns_as_numbers_as_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    assert _train(tmp_path, "--columns", "a") == 0
    capsys.readouterr()
    model = nonlin.load(tmp_path / "m.safetensors")
    assert "categorical" not in model.metadata
    assert model.metadata["feature_names"] == ["a"]
    status, out, err = _run(capsys, "predict", str(tmp_path / "m.safetensors"),
                            str(tmp_path / "d.csv"), "--proba")
    assert status == 0, err
    a = [float(r[1]) for r in _csv((tmp_path / "d.csv").read_text())[1:]]
    X = ((np.array(a) - model.metadata["preprocessing"]["mean"][0])
         / model.metadata["preprocessing"]["scale"][0]).astype(np.float32).reshape(-1, 1)
    np.testing.assert_allclose([[float(p) for p in r[1:]] for r in _csv(out)[1:]],
                               _proba(model, X), rtol=1e-5)


def test_a_model_file_with_a_malformed_categorical_entry_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _data(tmp_path)
    assert _train(tmp_path, "--categorical", "colour,zip") == 0
    model = nonlin.load(tmp_path / "m.safetensors")
    meta = dict(model.metadata)
    meta["categorical"] = [{**meta["categorical"][0], "categories": ["blue", "red", "green"]},
                           meta["categorical"][1]]
    nonlin.save(model, tmp_path / "bad.safetensors", metadata=meta)
    capsys.readouterr()
    assert cli.main(["predict", str(tmp_path / "bad.safetensors"), str(tmp_path / "d.csv")]) == 2
    error_line(capsys, "(metadata['categorical'])", "not found together")


def test_the_categorical_section_of_cli_md_runs_as_it_shows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import re
    import shlex

    text = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text[text.index("## Categorical columns"):text.index("## Exit codes")]
    code = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    commands = [line for block in re.findall(r"```bash\n(.*?)```", section, re.S)
                for line in block.splitlines() if line.startswith("nonlin ")]
    shown = [block.splitlines() for block in re.findall(r"```text\n(.*?)```", section, re.S)]
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "docs/cli.md categorical python block", "exec"), {})  # noqa: S102
    status, out, err = _run(capsys, *shlex.split(commands[0])[1:])
    assert status == 0, err
    loose = [line for line in shown[0] if not line.startswith(("note:", "final"))]
    assert [line for line in out.splitlines() if not line.startswith("final")] == loose
    assert [line for line in err.splitlines() if line.startswith("note:")] == [
        line for line in shown[0] if line.startswith("note:")]
    status, out, err = _run(capsys, "info", "churn.safetensors")
    assert all(line in out.splitlines() for line in shown[1]), out
    status, out, err = _run(capsys, *shlex.split(commands[1])[1:])
    assert status == 2
    assert " ".join(section.split()).count(err.strip().removeprefix("nonlin: error: ")) == 1
    status, out, err = _run(capsys, *shlex.split(commands[2])[1:])
    assert status == 0, err
    assert [row[0] for row in _csv(out)] == ["customer", "c900", "c901", "c902"]
    assert "1 cell(s) of categories not seen in training ('student')" in err
    status, out, err = _run(capsys, "train", "churn.csv", "--target", "churned", "--exclude",
                            "customer", "--epochs", "1", "--quiet", "--out", "x.safetensors")
    assert status == 2
    message = err.strip().removeprefix("nonlin: error: ").split("\n")[-1]
    assert message in " ".join(section.split()), message


def test_info_on_a_checkpoint_of_a_categorical_run_resumes_without_categorical(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = nonlin.Sequential([nonlin.Dense(2), nonlin.Softmax()])
    model.fit(np.eye(4, 3), np.array([0, 1, 0, 1]), loss="cross_entropy", optimizer="adam",
              epochs=1, seed=0, verbose=0)
    model.metadata = {"task": "classification", "target": "y", "feature_names": [
        "a", "c=x", "c=y"], "categorical": [{"column": "c", "categories": ["x", "y"],
                                               "frequencies": [0.5, 0.5]}],
        "training": {"data": "d.csv", "hidden": [], "epochs": 5}}
    path = tmp_path / "run.checkpoint.safetensors"
    from nonlin.checkpoint import save_checkpoint

    save_checkpoint(model, path, epoch=1)
    status, out, _ = _run(capsys, "info", str(path))
    assert status == 0
    # --categorical is taken from the checkpoint on resume (s18-cliresume): not repeated
    assert f"resume:     nonlin train d.csv --target y --epochs 5 --out " \
           f"{tmp_path}/run.safetensors --resume {path}" in out
    assert "  c (2): x, y" in out


def test_standard_input_and_evaluate_dropping_rows_with_labels_read_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """DATA.csv ``-`` is encoded from its copy; ``evaluate --missing drop`` of a model with text
    classes on a file whose labels are all numbers reads them again as written, and leaves out
    the rows the reader dropped, found in the encoded copy."""
    import sys

    rows = "".join(f"{i % 5},{COLOURS[i % 6]},{'x' if i % 3 else '007'}\n" for i in range(30))
    text = "a,colour,y\n" + rows
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode()), "utf-8"))
    model = str(tmp_path / "m.safetensors")
    status, _, err = _run(capsys, "train", "-", "--target", "y", "--categorical", "colour",
                          "--epochs", "2", "--hidden", "3", "--quiet", "-o", model)
    assert status == 0, err
    assert nonlin.load(model).metadata["classes"] == ["007", "x"]
    (tmp_path / "t.csv").write_text("a,colour,y\n1,red,007\n2,,007\n3,green,7\n4,blue,007\n")
    status, out, err = _run(capsys, "evaluate", model, str(tmp_path / "t.csv"))
    assert status == 2  # line 3: a missing category
    status, out, err = _run(capsys, "evaluate", model, str(tmp_path / "t.csv"), "--missing",
                            "drop", "--json")
    assert status == 2 and "label(s) the model never saw: '7'" in err  # "7" is not "007"
    (tmp_path / "t.csv").write_text("a,colour,y\n1,red,007\n2,,007\n3,green,007\n")
    status, out, err = _run(capsys, "evaluate", model, str(tmp_path / "t.csv"), "--missing",
                            "drop", "--json")
    assert status == 0, err
    report = json.loads(out)
    assert report["n_samples"] == 2
    assert [(c["label"], c["support"]) for c in report["classes"]] == [("007", 2), ("x", 0)]
