"""``nonlin predict --keep COL,...``: input columns copied, as written, before the predictions,
so that the output joins back to the input rows (also with ``--missing drop``)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import write_csv
from nonlin import cli, tabular

NOTES = ['he said "hi", then left', "a,b", "  spaced  ", "", "line one\nline two", "plain"]


def _model(folder: Path, task: str = "classification") -> np.ndarray:
    """A model of inputs ``a`` and ``b`` saved with the command line's metadata, in
    ``folder / "m.st"``; returns its standardizing mean and scale stacked, (2, 2)."""
    scaling = np.array([[1.0, -2.0], [2.0, 0.5]])
    meta = {"task": task, "feature_names": ["a", "b"], "target": "y",
            "preprocessing": {"type": "standardize", "mean": scaling[0].tolist(),
                              "scale": scaling[1].tolist()}}
    if task == "classification":
        meta["classes"] = ["no", "yes"]
    else:
        meta["target_preprocessing"] = {"type": "standardize", "mean": [10.0], "scale": [3.0]}
    layers = [nonlin.Dense(3), nonlin.Tanh(), nonlin.Dense(2 if task == "classification" else 1)]
    model = nonlin.Sequential(layers).build(2, seed=0)
    nonlin.save(model, folder / "m.st", metadata=meta)
    return scaling


def _rows(n: int) -> list[list[str]]:
    """``id, a, note, b`` rows: ids with leading zeros, numbers, awkward text."""
    rng = np.random.default_rng(1)
    return [[f"{i:04d}", repr(float(rng.normal())), NOTES[i % len(NOTES)],
             repr(float(rng.normal()))] for i in range(n)]


def _predict(capsys, *options: str) -> tuple[int, list[list[str]], str]:
    status = cli.main(["predict", *options])
    captured = capsys.readouterr()
    return status, list(csv.reader(io.StringIO(captured.out, newline=""))), captured.err


def test_keep_one_column_copies_it_as_written_before_the_predictions(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    _model(tmp_path)
    rows = _rows(8)
    write_csv(tmp_path / "d.csv", ["id", "a", "note", "b"], rows)
    monkeypatch.chdir(tmp_path)
    status, plain, _ = _predict(capsys, "m.st", "d.csv")
    assert status == 0
    status, kept, err = _predict(capsys, "m.st", "d.csv", "--keep", "id")
    assert status == 0, err
    assert kept[0] == ["id", "prediction"]
    assert [row[0] for row in kept[1:]] == [row[0] for row in rows]  # "0007", not 7
    assert [row[1:] for row in kept] == plain
    assert "ignoring column(s) the model does not use: note" in err  # not id: it is kept


def test_keep_two_columns_writes_text_with_commas_quotes_and_newlines_back_as_valid_csv(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    _model(tmp_path)
    rows = _rows(12)
    write_csv(tmp_path / "d.csv", ["id", "a", "note", "b"], rows)
    monkeypatch.chdir(tmp_path)
    status, plain, _ = _predict(capsys, "m.st", "d.csv", "--proba")
    status, kept, err = _predict(capsys, "m.st", "d.csv", "--keep", "note,id", "--proba")
    assert status == 0, err
    assert kept[0] == ["note", "id", "prediction", "proba_no", "proba_yes"]
    assert [row[:2] for row in kept[1:]] == [[row[2], row[0]] for row in rows]
    assert [row[2:] for row in kept] == plain
    assert "ignoring column(s)" not in err


def test_keep_with_missing_drop_drops_the_kept_values_of_dropped_rows(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    """Rows dropped by any of the reader's paths (fast, missing-aware, strict: small blocks,
    a blank line, a quoted newline) take their kept values with them."""
    _model(tmp_path, "regression")
    rows = _rows(60)
    dropped = {3, 4, 17, 30, 59}
    for i in dropped:
        rows[i][1 + 2 * (i % 2)] = ["", "?", "nan", "inf", "1e999"][i % 5]
    complete = [row for i, row in enumerate(rows) if i not in dropped]
    data = write_csv(tmp_path / "d.csv", ["id", "a", "note", "b"], rows).read_bytes()
    assert b"\r\n0010," in data
    (tmp_path / "d.csv").write_bytes(data.replace(b"\r\n0010,", b"\r\n\r\n0010,"))
    write_csv(tmp_path / "complete.csv", ["id", "a", "note", "b"], complete)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", 100)
    status, expected, _ = _predict(capsys, "m.st", "complete.csv")
    status, kept, err = _predict(capsys, "m.st", "d.csv", "--missing", "drop", "--keep", "id,note")
    assert status == 0, err
    assert kept[0] == ["id", "note", "prediction"]
    assert [row[:2] for row in kept[1:]] == [[row[0], row[2]] for row in complete]
    assert [row[2:] for row in kept] == expected
    assert "dropped 5 row(s) with missing values" in err


def test_missing_drop_says_how_many_rows_it_dropped_and_how_to_join_them_back(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    _model(tmp_path)
    write_csv(tmp_path / "d.csv", ["id", "a", "b"], [["x", "1", ""], ["y", "2", "3"]])
    monkeypatch.chdir(tmp_path)
    status, output, err = _predict(capsys, "m.st", "d.csv", "--missing", "drop")
    assert status == 0 and len(output) == 2
    assert "dropped 1 row(s) with missing values" in err and "--keep" in err


@pytest.mark.parametrize(
    ("keep", "message"),
    [
        ("id,idd", "d.csv: no column 'idd' (--keep); the columns are 'id', 'a', 'note', 'b'"),
        ("id, id", "--keep names the column 'id' twice"),
    ],
)
def test_keep_refuses_unknown_names_and_repeats(
    tmp_path: Path, monkeypatch, capsys, keep: str, message: str
) -> None:
    _model(tmp_path)
    write_csv(tmp_path / "d.csv", ["id", "a", "note", "b"], _rows(3))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["predict", "m.st", "d.csv", "--keep", keep, "-o", "p.csv"]) == 2
    line = capsys.readouterr().err.strip()
    assert line.startswith(f"nonlin: error: {message}"), line
    assert not (tmp_path / "p.csv").exists()


def test_keep_matches_names_like_exclude_and_writes_the_files_spelling(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    _model(tmp_path)
    write_csv(tmp_path / "d.csv", [" id ", "a", "b"], [["x", "1", "2"]])
    monkeypatch.chdir(tmp_path)
    status, output, err = _predict(capsys, "m.st", "d.csv", "--keep", "id")
    assert status == 0, err
    assert output[0] == [" id ", "prediction"] and output[1][0] == "x"


def test_keep_refuses_a_column_named_like_an_output_column(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    _model(tmp_path)
    write_csv(tmp_path / "d.csv", ["proba_yes", "a", "b"], [["x", "1", "2"]])
    monkeypatch.chdir(tmp_path)
    assert cli.main(["predict", "m.st", "d.csv", "--keep", "proba_yes"]) == 0
    capsys.readouterr()
    assert cli.main(["predict", "m.st", "d.csv", "--keep", "proba_yes", "--proba"]) == 2
    line = capsys.readouterr().err.strip()
    assert "--keep column 'proba_yes'" in line and "output" in line, line


def test_keep_writes_to_the_output_file(tmp_path: Path, monkeypatch, capsys) -> None:
    _model(tmp_path)
    rows = _rows(7)
    write_csv(tmp_path / "d.csv", ["id", "a", "note", "b"], rows)
    monkeypatch.chdir(tmp_path)
    status = cli.main(["predict", "m.st", "d.csv", "--keep", "note", "-o", "p.csv", "--proba"])
    err = capsys.readouterr().err
    assert status == 0, err
    assert "wrote 7 predictions to p.csv" in err
    with open(tmp_path / "p.csv", newline="", encoding="utf-8") as handle:
        written = list(csv.reader(handle))
    assert written[0] == ["note", "prediction", "proba_no", "proba_yes"]
    assert [row[0] for row in written[1:]] == [row[2] for row in rows]


def test_keep_works_with_a_scikit_learn_estimators_file(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("sklearn")
    import warnings

    from nonlin.sklearn import MLPRegressor

    rows = _rows(10)
    frame = pd.DataFrame({"a": [float(r[1]) for r in rows], "b": [float(r[3]) for r in rows]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning
        est = MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
        est.fit(frame, frame["a"] - frame["b"])
    est.save(tmp_path / "est.st")
    rows[2][3] = "NA"
    write_csv(tmp_path / "d.csv", ["id", "a", "note", "b"], rows)
    monkeypatch.chdir(tmp_path)
    status, output, err = _predict(capsys, "est.st", "d.csv", "--keep", "id", "--missing", "drop")
    assert status == 0, err
    assert output[0] == ["id", "prediction"]
    assert [row[0] for row in output[1:]] == [r[0] for i, r in enumerate(rows) if i != 2]
    expected = est.predict(frame.drop(index=2))
    np.testing.assert_allclose([float(row[1]) for row in output[1:]], expected, rtol=1e-6)
    status, output, err = _predict(capsys, "est.st", "d.csv", "--keep", "a", "--missing", "drop")
    assert status == 0, err  # an input column of the model, as written
    assert [row[0] for row in output[1:]] == [r[1] for i, r in enumerate(rows) if i != 2]
