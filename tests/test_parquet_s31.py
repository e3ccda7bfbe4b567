"""Parquet and Arrow files read without their CSV copy (session 31, ``cli_direct``).

A table of numbers and booleans without nulls is read straight into the arrays its
CSV copy gave, bit for bit (float32 and float16 columns, and integers beyond 2**53,
through the text pyarrow writes for them); every other table, and every other reading
(text cells, ``--keep``, ``--categorical``, a message naming a line), goes
through the copy, made when first needed, with the messages it gave before. Each table
here is compared with its copy read as before (``data_file`` first), and with the CSV
file pyarrow writes of it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import nonlin
from cli_helpers import cli_env
from nonlin import cli, cli_stdin
from nonlin.cli_table import read_table
from table_helpers import table_folder, watch_copies

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

TRAIN = ["--epochs", "2", "--seed", "0", "--quiet"]
KINDS = ["parquet", "ipc", "stream", "feather1"]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path`` as the working folder and as the temporary folder of the CSV copies."""
    return table_folder(tmp_path, monkeypatch)


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose CSV copy the commands make (``as_csv`` watched)."""
    return watch_copies(monkeypatch)


def _write(table: Any, path: Path, kind: str) -> Path:
    import pyarrow.csv
    import pyarrow.feather
    import pyarrow.ipc

    if kind == "parquet":
        pq.write_table(table, path, row_group_size=70)  # several row groups
    elif kind == "ipc":
        with pyarrow.ipc.new_file(path, table.schema) as writer:
            writer.write_table(table, max_chunksize=50)  # several batches
    elif kind == "stream":
        with pyarrow.ipc.new_stream(path, table.schema) as writer:
            writer.write_table(table, max_chunksize=50)
    elif kind == "feather1":  # which holds no float16
        if "half" in table.column_names:
            at = table.column_names.index("half")
            table = table.set_column(at, "half", table["half"].cast(pa.float32()))
        pyarrow.feather.write_feather(table, path, version=1)
    else:  # as the copy is written
        pyarrow.csv.write_csv(table, path)
    return path


def _mixed(n: int = 200) -> Any:
    rng = np.random.default_rng(1)
    x = rng.normal(size=n)
    bits32 = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
    f32 = np.where(np.isfinite(bits32.view(np.float32)), bits32.view(np.float32), 0.1)
    return pa.table({
        "x": x,
        "f32": pa.array(f32.astype(np.float32)),  # every float32 bit pattern: its text
        "tenth": pa.array(np.full(n, 0.1, dtype=np.float32)),  # 0.1, not 0.10000000149...
        "half": pa.array(rng.normal(size=n).astype(np.float16)),
        "i8": pa.array(rng.integers(-128, 128, n), pa.int8()),
        "u64": pa.array(rng.integers(0, 2**40, n).astype(np.uint64)),
        "big": pa.array(2**60 + rng.integers(0, 2**20, n), pa.int64()),  # beyond 2**53
        "flag": pa.array(rng.random(n) > 0.5),
        "y": pa.array((x > 0).astype(np.int64)),
        "r": pa.array(rng.normal(size=n).astype(np.float32)),  # a float32 target
    })


def _read(path: Path, copy: bool, **options: Any) -> tuple[Any, bool]:
    """``read_table`` of ``path`` as a command reads it, through the CSV copy (``copy``:
    made first, as before) or not; and whether the copy was made."""
    name = path.name
    with cli_stdin.stdin_data(argparse.Namespace(data=name)):
        (cli_stdin.data_file if copy else cli_stdin.input_file)(name)
        table = read_table(name, **{"target": None, "columns": None, "missing": "error",
                                    **options})
        return table, name in cli_stdin._Tables.copies


def _same(a: Any, b: Any) -> None:
    assert a.X.dtype == b.X.dtype and a.X.shape == b.X.shape
    assert a.X.tobytes() == b.X.tobytes()  # bit for bit (-0.0 too)
    assert (a.y is None) == (b.y is None)
    if a.y is not None:
        assert a.y.dtype == b.y.dtype and a.y.tobytes() == b.y.tobytes()
    for field in ("feature_names", "target", "n_dropped", "extra_columns", "n_missing"):
        assert getattr(a, field) == getattr(b, field), field
    assert a.kept is None and b.kept is None


@pytest.mark.filterwarnings("ignore:Feather V1 files are deprecated:DeprecationWarning")
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("options", [
    {"target": "y"}, {"target": "r", "dtype": np.float64}, {"target": "f32"},
    {"target": "y", "columns": ["tenth", "big", "flag"]}, {"target": "big", "missing": "mean",
                                                           "impute": False},
    {"target": "y", "exclude": ["r", "half"], "missing": "drop"},
    {"target": None, "columns": ["x", "u64"], "missing": "mean", "fill_values": [1.0, 2.0]},
])
def test_the_arrays_are_those_of_the_csv_copy_bit_for_bit(
        folder: Path, kind: str, options: dict[str, Any]) -> None:
    path = _write(_mixed(), folder / "t.table", kind)
    direct, made = _read(path, False, **options)
    assert not made  # read without the copy
    _same(direct, _read(path, True, **options)[0])
    assert list((folder / "tmp").iterdir()) == []


def test_float32_through_its_text_as_the_copy_reads_it(folder: Path) -> None:
    """A float32 0.1 is written ``0.1`` and read as float64 0.1: so here too (a direct
    cast gives 0.10000000149011612); float64 and integers keep their values."""
    path = _write(_mixed(), folder / "t.parquet", "parquet")
    table, made = _read(path, False, target="tenth", dtype=np.float64)
    assert not made and table.y.tolist() == [0.1] * len(table.y)
    assert table.X[:, table.feature_names.index("x")].tolist() == _mixed()["x"].to_pylist()
    big = _mixed()["big"].to_pylist()
    assert table.X[:, table.feature_names.index("big")].tolist() == [float(v) for v in big]


@pytest.mark.filterwarnings("ignore:Feather V1 files are deprecated:DeprecationWarning")
@pytest.mark.parametrize("kind", KINDS)
def test_a_table_of_float64_trains_without_a_csv_copy_as_its_csv(
        folder: Path, kind: str, copies: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """The seam: on main, the first check of DATA.csv wrote the copy (``as_csv``)."""
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 4))
    frame = pl.DataFrame({"a": x[:, 0], "b": x[:, 1], "c": x[:, 2],
                          "y": (x[:, 0] + x[:, 3] > 0).astype(np.float64)})
    frame.write_csv(folder / "d.csv")  # polars' CSV: the model docs/cli.md promises
    _write(frame.to_arrow(), folder / "d.table", kind)
    assert cli.main(["train", "d.table", "--target", "y", *TRAIN, "--out", "t.st"]) == 0
    assert copies == []
    assert cli.main(["train", "d.csv", "--target", "y", *TRAIN, "--out", "c.st"]) == 0
    a, b = nonlin.load("t.st"), nonlin.load("c.st")
    assert all(np.array_equal(p, q) for p, q in zip(a.get_weights(), b.get_weights(),
                                                     strict=True))
    capsys.readouterr()
    for args in (["predict", "t.st", "d.table", "-o", "p.csv"], ["evaluate", "t.st", "d.table"]):
        assert cli.main(args) == 0
    assert cli.main(["predict", "t.st", "d.csv", "-o", "q.csv"]) == 0
    assert (folder / "p.csv").read_bytes() == (folder / "q.csv").read_bytes()
    assert copies == [] and list((folder / "tmp").iterdir()) == []


def test_a_numeric_table_needs_no_temporary_folder(
        folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    x = np.random.default_rng(0).normal(size=40)
    pq.write_table(pa.table({"x": x, "y": (x > 0).astype(np.int64)}), folder / "d.parquet")
    monkeypatch.setattr(tempfile, "tempdir", None)
    monkeypatch.setattr(tempfile, "_candidate_tempdir_list", lambda: [str(folder / "none")])
    assert cli.main(["train", "d.parquet", "--target", "y", *TRAIN]) == 0


def _both(folder: Path, table: Any, args: list[str],
          capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``args`` on ``table`` as Parquet (``t.parquet``) and as the CSV pyarrow writes of
    it (``t.csv``), ``T`` standing for the file; the status and both outputs (the CSV
    file's name written as the Parquet file's) must match."""
    _write(table, folder / "t.parquet", "parquet")
    _write(table, folder / "t.csv", "csv")
    capsys.readouterr()
    status = cli.main([a.replace("T", "t.parquet") for a in args])
    out, err = capsys.readouterr()
    assert cli.main([a.replace("T", "t.csv") for a in args]) == status
    csv_out, csv_err = capsys.readouterr()
    assert (out, err) == (csv_out.replace("t.csv", "t.parquet"),
                          csv_err.replace("t.csv", "t.parquet"))
    return status, out, err


@pytest.mark.parametrize("cell, why", [
    (None, "received ''"), (float("nan"), "received 'nan'"), (float("inf"), "'inf'"),
    (1e39, "expected a number within float32 range, received '1e+39'")])
def test_a_cell_the_copy_names_is_named_as_before(
        folder: Path, copies: list[str], capsys: pytest.CaptureFixture[str],
        cell: float | None, why: str) -> None:
    x = np.random.default_rng(0).normal(size=30).tolist()
    x[7] = cell  # line 9
    table = pa.table({"x": pa.array(x, pa.float64()), "y": [0, 1] * 15})
    status, _, err = _both(folder, table, ["train", "T", "--target", "y", *TRAIN], capsys)
    assert status == 2 and "t.parquet, line 9, column 'x': " in err and why in err
    assert copies == ["t.parquet"]
    _both(folder, table, ["train", "T", "--target", "y", "--missing", "mean", *TRAIN,
                          "--out", "m.st"], capsys)
    assert list((folder / "tmp").iterdir()) == []  # the copies made, removed


def test_text_and_boolean_targets_and_the_other_options_read_the_copy_as_before(
        folder: Path, copies: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(2)
    x = rng.normal(size=60)
    table = pa.table({"id": [f"r{i}" for i in range(60)], "x": x,
                      "w": rng.random(60) + 0.5, "c": ["p", "q", "r"] * 20,
                      "b": x > 0, "y": np.where(x > 0, "yes", "no")})
    _both(folder, table, ["train", "T", "--target", "y", "--exclude", "id", "--categorical",
                          "c", "--weight", "w", *TRAIN, "--out", "m.st"], capsys)
    _both(folder, table, ["predict", "m.st", "T", "--keep", "id"], capsys)
    _both(folder, table, ["evaluate", "m.st", "T"], capsys)
    numbers = table.select(["x", "w", "b"])
    copies.clear()
    _both(folder, numbers, ["train", "T", "--target", "b", *TRAIN, "--out", "b.st"], capsys)
    assert copies == ["t.parquet"]  # true and false: text labels, read from the copy
    copies.clear()
    _both(folder, numbers, ["train", "T", "--target", "x", "--weight", "w", *TRAIN,
                            "--out", "w.st"], capsys)
    _both(folder, numbers, ["predict", "w.st", "T", "--keep", "x"], capsys)
    assert copies == ["t.parquet"]  # --keep's cells, as text (--weight's are numbers)
    _both(folder, numbers, ["train", "T", "--target", "nope", *TRAIN], capsys)
    assert list((folder / "tmp").iterdir()) == []


def test_a_csv_file_imports_no_pyarrow_and_a_parquet_file_no_pandas(tmp_path: Path) -> None:
    """pyarrow only for a table; pandas (which ``Array.to_numpy`` imports: 0.3 s, 30 MB)
    not even then."""
    (tmp_path / "d.csv").write_text("x,y\n" + "".join(f"{i},{i % 2}\n" for i in range(20)))
    x = np.arange(20.0)
    pq.write_table(pa.table({"x": x, "h": x.astype(np.float32), "b": x > 5,
                             "y": np.arange(20) % 2}), tmp_path / "d.parquet")
    for data, loaded in (("d.csv", ["False", "False"]), ("d.parquet", ["True", "False"])):
        code = ("import sys; from nonlin import cli; "
                f"status = cli.main(['train', '{data}', '--target', 'y', '--epochs', '1', "
                "'--quiet', '--out', 'm.st']); "
                "print(status, 'pyarrow' in sys.modules, 'pandas' in sys.modules)")
        result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=cli_env(),
                                capture_output=True, text=True, timeout=120)
        assert result.stdout.split()[-3:] == ["0", *loaded], result.stderr
