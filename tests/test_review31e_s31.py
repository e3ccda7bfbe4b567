"""Review of parquet31 (``cli_direct``: a numeric Parquet or Arrow table read without its
CSV copy): the faults found, each pinned here.

- ``nonlin evaluate`` of a model of several targets asked for the header's names before
  any check had opened the table (``cli_targets.evaluated_targets``), so it wrote the CSV
  copy and read that, though the table reads directly (``header_names`` opens it now).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nonlin import cli, cli_stdin
from table_helpers import table_folder

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

TRAIN = ["--epochs", "2", "--seed", "0", "--quiet"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return table_folder(tmp_path, monkeypatch)


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose CSV copy the commands make (``as_csv`` watched)."""
    made: list[str] = []
    real = cli_stdin.as_csv

    def watched(path: str, kind: str, shown: str) -> str:
        made.append(shown)
        return real(path, kind, shown)

    monkeypatch.setattr(cli_stdin, "as_csv", watched)
    return made


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

