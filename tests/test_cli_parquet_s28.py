"""Parquet and Arrow (Feather) files as the command line's DATA.csv: read with pyarrow (the
``parquet`` extra) as the CSV they hold, with every CSV check; refused naming the extra and a
way out without it. They were read as text and called UTF-16 ("convert it with iconv")."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import nonlin
from cli_helpers import error_line
from nonlin import cli
from nonlin.tabular import CSVError, read_csv
from table_helpers import table_folder

TRAIN = ["--target", "label", "--epochs", "3", "--seed", "0", "--quiet"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path`` as the working folder and as the temporary folder of the CSV copies."""
    return table_folder(tmp_path, monkeypatch)


def _frame():
    pl = pytest.importorskip("polars")
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(0)
    x1, n = rng.normal(size=120), rng.integers(0, 4, 120)
    return pl.DataFrame({"x1": x1, "x2": rng.normal(size=120).astype(np.float32), "n": n,
                         "flag": rng.random(120) > 0.5,
                         "label": np.where(x1 > 0, "yes", "no")})


def _write(frame, path: Path, kind: str) -> None:
    if kind == "parquet":
        frame.write_parquet(path)
    elif kind == "ipc":
        frame.write_ipc(path)  # polars' strings: string_view, which the CSV writer lacks
    elif kind == "stream":
        frame.write_ipc_stream(path)
    else:  # Feather v1, deprecated by pyarrow 25
        import pyarrow.feather

        pyarrow.feather.write_feather(frame.to_pandas(), path, version=1)


@pytest.mark.filterwarnings("ignore:Feather V1 files are deprecated:DeprecationWarning")
@pytest.mark.parametrize("kind", ["parquet", "ipc", "stream", "feather1"])
def test_a_table_file_trains_and_predicts_as_its_csv(folder: Path, kind: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    frame = _frame()
    frame.write_csv(folder / "d.csv")
    _write(frame, folder / "d.table", kind)
    assert cli.main(["train", "d.csv", *TRAIN, "--out", "csv.safetensors"]) == 0
    assert cli.main(["train", "d.table", *TRAIN, "--out", "table.safetensors"]) == 0
    capsys.readouterr()
    a, b = nonlin.load("csv.safetensors"), nonlin.load("table.safetensors")
    assert all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights(),
                                                     strict=True))
    assert b.feature_names_in_.tolist() == ["x1", "x2", "n", "flag"]
    assert cli.main(["predict", "table.safetensors", "d.table", "--keep", "label"]) == 0
    from_table = capsys.readouterr().out
    assert cli.main(["predict", "table.safetensors", "d.csv", "--keep", "label"]) == 0
    assert from_table == capsys.readouterr().out
    assert list((folder / "tmp").iterdir()) == []  # the CSV copies are removed


def test_a_null_is_a_missing_cell_named_by_line_and_column(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pl = pytest.importorskip("polars")
    frame = _frame().with_columns(pl.when(pl.col("n") == 0).then(None)
                                  .otherwise(pl.col("x2")).alias("x2"))
    frame.write_parquet(folder / "holes.parquet")
    line = int(np.argmax(frame["x2"].is_null().to_numpy())) + 2  # the header is line 1
    assert cli.main(["train", "holes.parquet", *TRAIN]) == 2
    error_line(capsys, f"holes.parquet, line {line}, column 'x2': expected a number, "
               "received ''", "--missing mean fills it")
    assert cli.main(["train", "holes.parquet", *TRAIN, "--missing", "mean"]) == 0
    assert list((folder / "tmp").iterdir()) == []


def test_pandas_unnamed_index_is_left_out_as_in_its_csv(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = _frame().to_pandas()
    kept = frame[frame["n"] != 0]  # an index that is no range: pandas writes it as a column
    kept.to_parquet(folder / "p.parquet")
    kept.to_csv(folder / "p.csv")
    assert cli.main(["train", "p.parquet", *TRAIN, "--out", "p.safetensors"]) == 0
    assert cli.main(["train", "p.csv", *TRAIN, "--out", "c.safetensors"]) == 0
    assert "4 features" in capsys.readouterr().out
    assert nonlin.load("p.safetensors").n_features_in == 4


def test_a_table_that_cannot_be_csv_or_is_cut_or_overwritten_is_one_line(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pl = pytest.importorskip("polars")
    frame = _frame()
    frame.with_columns(pl.Series("l", [[1, 2]] * len(frame))).write_parquet(folder / "l.parquet")
    assert cli.main(["train", "l.parquet", *TRAIN]) == 2
    error_line(capsys, "l.parquet: column 'l' holds large_list<", "a CSV cell cannot hold")
    frame.write_parquet(folder / "d.parquet")
    (folder / "cut.parquet").write_bytes((folder / "d.parquet").read_bytes()[:200])
    assert cli.main(["train", "cut.parquet", *TRAIN]) == 2
    error_line(capsys, "cut.parquet: cannot read this Parquet file (")
    assert cli.main(["train", "d.parquet", *TRAIN, "--out", "m.safetensors"]) == 0
    before = (folder / "d.parquet").read_bytes()
    (folder / "d.table").write_bytes(before)  # -o d.parquet is refused by its name alone
    assert cli.main(["predict", "m.safetensors", "d.table", "-o", "d.table"]) == 2
    error_line(capsys, "-o d.table is the same file as DATA d.table")
    assert (folder / "d.table").read_bytes() == before
    assert list((folder / "tmp").iterdir()) == []


@pytest.mark.parametrize("magic, kind, reader", [
    (b"PAR1", "Parquet", "pl.read_parquet(PATH)"), (b"ARROW1\0\0", "Arrow IPC", "pl.read_ipc(")])
def test_without_pyarrow_the_message_names_the_extra_and_a_csv_way_out(
        folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        magic: bytes, kind: str, reader: str) -> None:
    (folder / "d.parquet").write_bytes(magic + b"\0" * 100)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # not installed
    assert cli.main(["train", "d.parquet", "--target", "y"]) == 2
    error_line(capsys, f"reading the {kind} file d.parquet needs pyarrow",
               "pip install 'nonlin[parquet]'", reader, ".write_csv('data.csv')")


def test_read_csv_names_a_parquet_file_instead_of_utf16(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    path.write_bytes(b"PAR1\x15\x04\x15\x00" + b"\0" * 50)
    with pytest.raises(CSVError, match="expected a CSV file. Received a Parquet file; read "
                                       "it with polars, pandas or pyarrow"):
        read_csv(path, target="y")


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no named pipes")
def test_a_named_pipe_is_refused_unread_not_sniffed_for_parquet(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import os

    os.mkfifo(folder / "pipe")  # no writer: opening it to read its first bytes would hang
    assert cli.main(["train", "pipe", "--target", "y"]) == 2
    error_line(capsys, "pipe: not a regular file (a pipe or a device)")
