"""Review of the command line's Parquet and Arrow files (session 28): a CSV whose first
column is named like a table's mark is a CSV, two columns of one name beside pandas'
index are named (not an internal error), a damaged file and a full disk for the CSV copy
are one line naming the file (and the temporary folder), ``predict -o out.parquet`` is
refused (it would write CSV under that name), and a gzipped Parquet file is named as one
(not "UTF-16")."""

from __future__ import annotations

import gzip
import signal
import sys
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import error_line
from nonlin import cli
from nonlin.tabular import CSVError, read_csv
from table_helpers import table_folder

TRAIN = ["--target", "y", "--epochs", "1", "--seed", "0", "--quiet"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path`` as the working folder and as the temporary folder of the CSV copies."""
    return table_folder(tmp_path, monkeypatch)


def _table(n: int = 40):
    pa = pytest.importorskip("pyarrow")
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    return pa.table({"x1": x, "x2": rng.normal(size=n), "y": (x > 0).astype(np.int64)})


@pytest.mark.parametrize("header", ["FEA1,FEA2,y", "PAR1,x,y", "ARROW1,x,y"])
def test_a_csv_whose_first_name_is_a_table_mark_is_read_as_csv(
        folder: Path, capsys: pytest.CaptureFixture[str], header: str) -> None:
    rows = "".join(f"{i % 3},{i % 5},{i % 2}\n" for i in range(12))
    (folder / "d.csv").write_text(f"{header}\n{rows}")
    assert read_csv(folder / "d.csv", target="y").X.shape == (12, 2)
    assert cli.main(["train", "d.csv", *TRAIN, "--out", "m.safetensors"]) == 0, \
        capsys.readouterr().err
    assert list((folder / "tmp").iterdir()) == []


def test_two_columns_of_one_name_beside_pandas_index_are_named(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    table = _table()
    index = pa.array(np.arange(len(table)) * 2)  # the column to_parquet writes for an index
    pq.write_table(pa.Table.from_arrays([table["x1"], table["x2"], table["y"], index],
                                        names=["x", "x", "y", "__index_level_0__"]),
                   folder / "dup.parquet")
    assert cli.main(["train", "dup.parquet", *TRAIN]) == 2
    error_line(capsys, "dup.parquet, line 1: column name 'x' appears twice")
    assert list((folder / "tmp").iterdir()) == []


def test_a_damaged_parquet_file_is_named(folder: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(_table(), folder / "d.parquet")
    data = bytearray((folder / "d.parquet").read_bytes())
    data[4:40] = bytes(36)  # the first page's header, footer intact
    (folder / "bad.parquet").write_bytes(bytes(data))
    assert cli.main(["train", "bad.parquet", *TRAIN]) == 2
    error_line(capsys, "bad.parquet: cannot read this Parquet file (")
    assert list((folder / "tmp").iterdir()) == []


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE as Linux has it")
def test_no_room_for_the_csv_copy_names_the_folder_and_a_way_out(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pyarrow")
    import resource

    import pyarrow.parquet as pq

    table = _table(200_000)  # ~13 MB as CSV; a text column: read through the copy (s31)
    pq.write_table(table.append_column("note", table["y"].cast("string")),
                   folder / "big.parquet")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it: EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, hard))  # files up to 1 MiB
    try:
        status = cli.main(["train", "big.parquet", *TRAIN])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    assert status == 2
    error_line(capsys, "big.parquet: cannot write the Parquet table as CSV to a temporary "
               f"file in {folder / 'tmp'} (", "File too large", "set TMPDIR to a folder",
               "pl.read_parquet(PATH).write_csv('data.csv')")
    assert list((folder / "tmp").iterdir()) == []


@pytest.mark.parametrize("name, kind, writer", [
    ("out.parquet", "Parquet", "write_parquet"), ("out.feather", "Feather", "write_ipc"),
    ("p.Arrow", "Arrow IPC", "write_ipc")])
def test_predict_refuses_a_table_name_for_its_csv_output(
        folder: Path, capsys: pytest.CaptureFixture[str], name: str, kind: str,
        writer: str) -> None:
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(_table(), folder / "d.parquet")
    assert cli.main(["train", "d.parquet", *TRAIN, "--out", "m.safetensors"]) == 0
    capsys.readouterr()
    (folder / name).write_bytes(b"kept")
    assert cli.main(["predict", "m.safetensors", "d.parquet", "-o", name]) == 2
    stem = name.split(".")[0]
    error_line(capsys, f"-o {name}: predictions are written as CSV, not as {kind}; name it "
               f"{stem}.csv", f"pl.read_csv('{stem}.csv').{writer}('{name}')")
    assert (folder / name).read_bytes() == b"kept"
    assert list((folder / "tmp").iterdir()) == []


def test_a_gzipped_parquet_file_is_named_not_called_utf16(
        folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(_table(), folder / "d.parquet")
    (folder / "d.parquet.gz").write_bytes(gzip.compress((folder / "d.parquet").read_bytes()))
    assert cli.main(["train", "d.parquet.gz", *TRAIN]) == 2
    error_line(capsys, "d.parquet.gz: expected CSV text, received a Parquet file "
               "(compressed: decompress it first")
    with pytest.raises(CSVError, match="received a Parquet file"):
        read_csv(folder / "d.parquet.gz", target="y")


@pytest.mark.parametrize("version", ["15.0.2", "17.0.0"])
def test_a_pyarrow_older_than_18_is_refused_naming_its_version(
        folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        version: str) -> None:
    """pyarrow 15 lacks ``string_view`` (every file was an internal error: AttributeError),
    and 16 and 17 cannot cast it (polars' Arrow files with text were refused as damaged);
    both seen with those versions installed. Here the version alone is changed."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(_table(), folder / "d.parquet")
    monkeypatch.setattr(pa, "__version__", version)
    assert cli.main(["train", "d.parquet", *TRAIN]) == 2
    error_line(capsys, f"d.parquet needs pyarrow 18.0 or later; {version} is installed",
               "pip install -U 'nonlin[parquet]'")
    assert list((folder / "tmp").iterdir()) == []


def test_a_parquet_file_on_standard_input_trains_as_by_its_path(
        folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A guard (it held on the merge): both copies (standard input's, then its CSV) are
    removed, and the model is the one the file gives by its path."""
    pytest.importorskip("pyarrow")
    import io

    import pyarrow.parquet as pq

    import nonlin

    pq.write_table(_table(), folder / "d.parquet")
    assert cli.main(["train", "d.parquet", *TRAIN, "--out", "path.safetensors"]) == 0
    data = (folder / "d.parquet").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), "utf-8"))
    assert cli.main(["train", "-", *TRAIN, "--out", "stdin.safetensors"]) == 0
    assert "<stdin>: 40 rows" in capsys.readouterr().out
    a, b = nonlin.load("path.safetensors"), nonlin.load("stdin.safetensors")
    assert all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights(),
                                                     strict=True))
    assert list((folder / "tmp").iterdir()) == []


def test_ctrl_c_while_the_copy_is_written_removes_it(
        folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A guard (it held on the merge): the part written is removed, status 130."""
    pytest.importorskip("pyarrow")
    import pyarrow.csv
    import pyarrow.parquet as pq

    class Interrupted(pyarrow.csv.CSVWriter):
        def write_table(self, table, max_chunksize=None):  # type: ignore[no-untyped-def]
            super().write_table(table)
            raise KeyboardInterrupt

    table = _table()  # a text column: read through the copy (s31)
    pq.write_table(table.append_column("note", table["y"].cast("string")), folder / "d.parquet")
    monkeypatch.setattr(pyarrow.csv, "CSVWriter", Interrupted)
    assert cli.main(["train", "d.parquet", *TRAIN]) == 130
    assert "interrupted" in capsys.readouterr().err
    assert list((folder / "tmp").iterdir()) == []
