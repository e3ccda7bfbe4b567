"""Review of parquet31 (``cli_direct``: a numeric Parquet or Arrow table read without its
CSV copy): the faults found, each pinned here.

- ``nonlin evaluate`` of a model of several targets asked for the header's names before
  any check had opened the table (``cli_targets.evaluated_targets``), so it wrote the CSV
  copy and read that, though the table reads directly (``header_names`` opens it now).
- An Arrow file's columns were taken by position: a file rewritten between its opening
  (the first check) and its reading with its columns moved gave a feature the values of
  another column, silently, and one with fewer columns an ``IndexError`` traceback; a
  batch whose columns are not those opened is read through the copy now, as a Parquet
  file's (read by name) was.
- A Parquet file was read a row group at a time and a column at a time: one of 5,000
  row groups of 10 rows (20 columns) took 34 s where its copy took 2 s (pyarrow's cost
  per read); consecutive small row groups are read together now, all their columns at
  once (a large row group still a column at a time, for its memory).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nonlin import cli, cli_stdin
from nonlin.cli_table import read_table
from nonlin.tabular import CSVError
from table_helpers import table_folder, watch_copies

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
feather = pytest.importorskip("pyarrow.feather")

TRAIN = ["--epochs", "2", "--seed", "0", "--quiet"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return table_folder(tmp_path, monkeypatch)


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose CSV copy the commands make (``as_csv`` watched)."""
    return watch_copies(monkeypatch)


def test_evaluate_of_several_targets_reads_a_numeric_table_without_its_copy(
        folder: Path, copies: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    import pyarrow.csv

    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 3))
    table = pa.table({"a": x[:, 0], "b": x[:, 1], "y1": x[:, 2], "y2": x[:, 0] - x[:, 2]})
    pq.write_table(table, folder / "t.parquet")
    pyarrow.csv.write_csv(table, folder / "t.csv")
    assert cli.main(["train", "t.parquet", "--target", "y1,y2", *TRAIN, "--out", "m.st"]) == 0
    capsys.readouterr()
    assert cli.main(["evaluate", "m.st", "t.parquet", "--target", "y1,y2"]) == 0
    out = capsys.readouterr().out
    assert copies == []  # on the merge: ['t.parquet'], for the names of its header
    assert cli.main(["evaluate", "m.st", "t.csv", "--target", "y1,y2"]) == 0
    assert capsys.readouterr().out == out
    assert list((folder / "tmp").iterdir()) == []


def _opened_then_rewritten(path: Path, kind: str, first: Any, second: Any) -> Any:
    """``read_table`` of ``path`` (``x`` -> ``y``), opened as a command's first check opens
    it while it holds ``first``, read after it was rewritten to hold ``second``."""
    write = (lambda t: pq.write_table(t, path)) if kind == "parquet" else (
        lambda t: feather.write_feather(t, path))
    write(first)
    name = path.name
    with cli_stdin.stdin_data(argparse.Namespace(data=name)):
        cli_stdin.input_file(name)
        assert cli_stdin.direct_table(name) is not None
        write(second)
        return read_table(name, target="y", columns=["x"], missing="error")


@pytest.mark.parametrize("kind", ["arrow", "parquet"])
def test_a_table_rewritten_with_its_columns_moved_is_read_by_their_names(
        folder: Path, kind: str) -> None:
    first = pa.table({"x": [1.0, 2.0, 3.0], "z": [10.0, 20.0, 30.0], "y": [0.5, 0.6, 0.7]})
    moved = first.select(["z", "x", "y"])
    table = _opened_then_rewritten(folder / f"t.{kind}", kind, first, moved)
    assert table.feature_names == ("x",)
    assert table.X.ravel().tolist() == [1.0, 2.0, 3.0]  # on the merge (Arrow): z's 10, 20, 30
    assert table.y.tolist() == [0.5, 0.6, 0.7]


@pytest.mark.parametrize("kind", ["arrow", "parquet"])
def test_a_table_rewritten_without_a_column_says_so_as_its_copy_does(
        folder: Path, kind: str) -> None:
    first = pa.table({"x": [1.0, 2.0, 3.0], "z": [10.0, 20.0, 30.0], "y": [0.5, 0.6, 0.7]})
    with pytest.raises(CSVError, match=r"no column 'x'.*the columns are 'y'"):
        _opened_then_rewritten(folder / f"t.{kind}", kind, first, first.select(["y"]))
        # on the merge (Arrow): IndexError, index out of bounds


def _counted_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times a Parquet file's row groups are read (one entry a read)."""
    reads: list[int] = []
    for method in ("read_row_group", "read_row_groups"):
        real = getattr(pq.ParquetFile, method)

        def counted(self: Any, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            reads.append(1)
            return _real(self, *args, **kwargs)

        monkeypatch.setattr(pq.ParquetFile, method, counted)
    return reads


def test_many_small_row_groups_are_read_together_as_their_copy_reads_them(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nonlin.cli_columnar import as_csv
    from nonlin.tabular import read_csv

    rng = np.random.default_rng(3)
    n = 3000
    table = pa.table({"a": rng.normal(size=n), "h": rng.normal(size=n).astype(np.float16),
                      "y": rng.integers(0, 2, n)})
    pq.write_table(table, folder / "t.parquet", row_group_size=10)  # 300 row groups
    reads = _counted_reads(monkeypatch)
    with cli_stdin.stdin_data(argparse.Namespace(data="t.parquet")):
        cli_stdin.input_file("t.parquet")
        direct = read_table("t.parquet", target="y", columns=None, missing="error")
        assert "t.parquet" not in cli_stdin._Tables.copies
    assert len(reads) <= 4  # on the merge: 1,800 (300 x 3 to open it, 300 x 3 to read it)
    copy = read_csv(as_csv(str(folder / "t.parquet"), "Parquet", "t.parquet"), target="y")
    assert direct.X.tobytes() == copy.X.tobytes() and direct.y.tobytes() == copy.y.tobytes()


def test_large_and_small_row_groups_mixed_read_as_their_copy(folder: Path) -> None:
    from nonlin.cli_columnar import as_csv
    from nonlin.cli_direct import _runs
    from nonlin.tabular import read_csv

    assert list(_runs([10] * 5, 25)) == [[0, 1], [2, 3], [4]]
    assert list(_runs([30, 1, 1, 40, 5], 25)) == [[0], [1, 2], [3], [4]]
    rng = np.random.default_rng(4)
    table = pa.table({"a": rng.normal(size=30000), "i": rng.integers(-9, 9, 30000),
                      "y": rng.normal(size=30000)})
    with pq.ParquetWriter(folder / "t.parquet", table.schema) as writer:
        start = 0
        for size in (9000, 3, 5, 12000, 1, 8191, 800):
            writer.write_table(table.slice(start, size))
            start += size
    with cli_stdin.stdin_data(argparse.Namespace(data="t.parquet")):
        cli_stdin.input_file("t.parquet")
        direct = read_table("t.parquet", target="y", columns=None, missing="error")
        assert "t.parquet" not in cli_stdin._Tables.copies
    copy = read_csv(as_csv(str(folder / "t.parquet"), "Parquet", "t.parquet"), target="y")
    assert direct.X.shape == (30000, 2)
    assert direct.X.tobytes() == copy.X.tobytes() and direct.y.tobytes() == copy.y.tobytes()
