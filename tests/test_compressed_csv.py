"""Compressed data files (gzip, bz2, xz, one-file zip) read as their text, as pandas reads
them: the same arrays, models and outputs as the plain file, from a path or standard input,
in every pass over the file (``--keep``, ``--missing drop``, the re-reads for messages)."""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from cli_helpers import error_line
from nonlin import cli, tabular
from nonlin.tabular import CSVError, read_csv

COMPRESS: dict[str, Callable[[bytes], bytes]] = {
    "gz": lambda data: gzip.compress(data, mtime=0),
    "bz2": bz2.compress,
    "xz": lzma.compress,
}
OPEN = {"gz": gzip.decompress, "bz2": bz2.decompress, "xz": lzma.decompress,
        "zip": lambda data: zipfile.ZipFile(io.BytesIO(data)).read("p.csv")}


def _text(n: int = 60) -> bytes:
    """``id,a,b,colour,y``: numbers, a category, a label; a blank cell in row 5 (line 6)."""
    rows = [f"r{i},{i % 7 * 0.25:.2f},{'' if i == 4 else (i * 37) % 11},"
            f"{('red', 'green', 'blue')[i % 3]},{'cat' if i % 2 else 'dog'}\n" for i in range(n)]
    return ("id,a,b,colour,y\n" + "".join(rows)).encode()


def _files(folder: Path, text: bytes) -> dict[str, Path]:
    """The data as ``d.csv`` and as ``d.csv.gz``, ``.bz2``, ``.xz``."""
    (folder / "d.csv").write_bytes(text)
    files = {"plain": folder / "d.csv"}
    for kind, squeeze in COMPRESS.items():
        files[kind] = folder / f"d.csv.{kind}"
        files[kind].write_bytes(squeeze(text))
    return files


def _model_parts(path: Path) -> tuple[dict, bytes]:
    """A model file's header (the training record's ``created`` and ``data`` left out:
    the time and the data file's name) and its tensors' bytes."""
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    meta = header["__metadata__"]
    meta["metadata"] = user = json.loads(meta["metadata"])  # the user metadata: JSON text
    for key in ("created", "data"):
        del user["training"][key]
    return header, raw[8 + length :]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert cli.main(list(args)) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_train_predict_evaluate_read_gzip_bz2_and_xz_as_the_plain_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    files = _files(tmp_path, _text())
    outputs = {}
    for kind, path in files.items():
        _run(capsys, "train", path.name, "--target", "y", "--exclude", "id", "--categorical",
             "colour", "--missing", "mean", "--epochs", "2", "--quiet", "-o", f"{kind}.st")
        predicted = _run(capsys, "predict", f"{kind}.st", path.name, "--proba", "--keep", "id",
                         "--missing", "drop")
        scored = _run(capsys, "evaluate", "plain.st", path.name, "--missing", "mean")
        outputs[kind] = (_model_parts(tmp_path / f"{kind}.st"), predicted, scored)
    assert outputs["plain"][1].count("\n") == 60  # the header, 59 rows: row 5 dropped
    for kind in COMPRESS:
        assert outputs[kind] == outputs["plain"], kind


def test_read_csv_returns_the_plain_files_arrays_across_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _files(tmp_path, _text(300))
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", 100)  # many blocks, cut anywhere
    tables = {kind: read_csv(path, target="y", columns=["a", "b"], missing="drop")
              for kind, path in files.items()}
    for kind in COMPRESS:
        assert np.array_equal(tables[kind].X, tables["plain"].X)
        assert np.array_equal(tables[kind].y, tables["plain"].y)
        assert np.array_equal(tables[kind].kept, tables["plain"].kept)
        assert tables[kind].n_dropped == 1


def test_compressed_standard_input_serves_every_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the header, the numbers, --keep's column, the rows --missing drop kept: four reads
    monkeypatch.chdir(tmp_path)
    files = _files(tmp_path, _text())
    _run(capsys, "train", "d.csv", "--target", "y", "--columns", "a,b", "--missing", "drop",
         "--epochs", "1", "--quiet")
    plain = _run(capsys, "predict", "model.safetensors", "d.csv", "--keep", "id",
                 "--missing", "drop")
    for kind in COMPRESS:
        stdin = io.TextIOWrapper(io.BytesIO(files[kind].read_bytes()), "utf-8")
        monkeypatch.setattr(sys, "stdin", stdin)
        assert _run(capsys, "predict", "model.safetensors", "-", "--keep", "id",
                    "--missing", "drop") == plain, kind
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(COMPRESS["gz"](
        b"a,b,y\n1,2,cat\n3,x,dog\n")), "utf-8"))
    assert cli.main(["evaluate", "model.safetensors", "-"]) == 2
    error_line(capsys, "<stdin>, line 3, column 'b': expected a number, received 'x'")


def test_magic_bytes_decide_not_the_name(tmp_path: Path) -> None:
    text = _text()
    (tmp_path / "gzip.csv").write_bytes(COMPRESS["gz"](text))  # gzip, named .csv
    (tmp_path / "plain.csv.gz").write_bytes(text)  # plain text, named .gz
    (tmp_path / "BZh.csv").write_bytes(b"BZh9,y\n1,2\n")  # a header that starts like bz2
    expected = read_csv(_files(tmp_path, text)["plain"], target="y", columns=["a"])
    for name in ("gzip.csv", "plain.csv.gz"):
        table = read_csv(tmp_path / name, target="y", columns=["a"])
        assert np.array_equal(table.X, expected.X) and np.array_equal(table.y, expected.y)
    assert read_csv(tmp_path / "BZh.csv", target="y").feature_names == ("BZh9",)


def test_a_damaged_or_truncated_file_is_named_with_its_format_and_last_whole_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _text(20_000)  # about 540 KB: more than one block, more than one bz2 block
    for kind, squeeze in COMPRESS.items():
        (tmp_path / f"cut.{kind}").write_bytes(squeeze(text)[:-200])
    flipped = bytearray(COMPRESS["gz"](text))
    flipped[len(flipped) // 2] ^= 0xFF
    (tmp_path / "flipped.gz").write_bytes(bytes(flipped))
    names = {"cut.gz": "gzip", "cut.bz2": "bz2", "cut.xz": "xz", "flipped.gz": "gzip"}
    for name, kind in names.items():
        state = "damaged" if name == "flipped.gz" else "truncated"
        with pytest.raises(CSVError, match=f"{name}: expected a complete {kind} file. "
                           f"Received a {state} one") as error:
            read_csv(tmp_path / name, target="y", columns=["a"])
        if state == "truncated" and kind != "bz2":  # bz2: whole blocks of 900 kB, or nothing
            line = int(str(error.value).split("stops after line ")[1].split(" ")[0])
            assert 10_000 < line < 20_001, error.value
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "cut.gz", "--target", "y", "--columns", "a"]) == 2
    error_line(capsys, "cut.gz: expected a complete gzip file", "copy or download it again")


def test_messages_that_read_the_file_again_read_it_decompressed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv.gz").write_bytes(COMPRESS["gz"](_text()))
    assert cli.main(["train", "d.csv.gz", "--target", "y", "--columns", "a", "--task",
                     "regression"]) == 2
    error_line(capsys, "d.csv.gz: --task regression needs a numeric target",
               "holds text labels (line 2: 'dog')")  # the first text label, read again
    (tmp_path / "w.csv.xz").write_bytes(COMPRESS["xz"](b"a,w,y\n1,1,0\n2,-3,1\n3,1,0\n"))
    assert cli.main(["train", "w.csv.xz", "--target", "y", "--weight", "w"]) == 2
    error_line(capsys, "w.csv.xz, line 3, column 'w': expected a weight >= 0, received '-3'")
    (tmp_path / "n.csv.bz2").write_bytes(COMPRESS["bz2"](b"1,2,3\n4,5,6\n"))
    assert cli.main(["train", "n.csv.bz2", "--target", "y"]) == 2
    error_line(capsys, "the first line looks like data")
    (tmp_path / "t.csv.gz").write_bytes(COMPRESS["gz"](b"a,b,y\n1,x,0\n2,y,1\n"))
    with pytest.raises(CSVError, match="column 'b' holds text, not numbers "
                       r"\(line 2: 'x'\)"):
        read_csv(tmp_path / "t.csv.gz", target="y", missing="mean")


def test_a_zip_of_one_file_is_read_and_other_archives_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _text()
    expected = read_csv(_files(tmp_path, text)["plain"], target="y", columns=["a"])
    with zipfile.ZipFile(tmp_path / "one.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("folder/", b"")
        archive.writestr("folder/d.csv", text)
        archive.writestr("__MACOSX/folder/._d.csv", b"\0\5\26\7")
    table = read_csv(tmp_path / "one.zip", target="y", columns=["a"])
    assert np.array_equal(table.X, expected.X) and np.array_equal(table.y, expected.y)
    with zipfile.ZipFile(tmp_path / "two.zip", "w") as archive:
        archive.writestr("train.csv", text)
        archive.writestr("test.csv", text)
    with pytest.raises(CSVError, match=r"two.zip: expected a zip archive of one CSV file. "
                       r"Received one of 2 files \('train.csv', 'test.csv'\)"):
        read_csv(tmp_path / "two.zip", target="y")
    (tmp_path / "d.csv.zst").write_bytes(b"(\xb5/\xfd" + bytes(20))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["train", "d.csv.zst", "--target", "y"]) == 2
    error_line(capsys, "d.csv.zst: expected a CSV file, or one compressed with gzip, bz2, xz "
               "or zip. Received a zstd file", "zstd -dc FILE | nonlin ... -")


def test_predict_writes_a_compressed_file_when_its_name_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_bytes(_text())
    _run(capsys, "train", "d.csv", "--target", "y", "--columns", "a,b", "--missing", "mean",
         "--epochs", "1", "--quiet")
    predict = ["predict", "model.safetensors", "d.csv", "--proba", "--missing", "mean"]
    plain = _run(capsys, *predict).encode()
    for kind, unpack in OPEN.items():
        _run(capsys, *predict, "-o", f"p.csv.{kind.upper() if kind == 'xz' else kind}")
        written = (tmp_path / f"p.csv.{kind.upper() if kind == 'xz' else kind}").read_bytes()
        assert written != plain and unpack(written) == plain, kind
        if kind == "zip":  # the member as unzip makes it: rw-r--r--
            assert zipfile.ZipFile(io.BytesIO(written)).infolist()[0].external_attr >> 16 == 0o644
        _run(capsys, *predict, "-o", f"again.{kind}")
        if kind != "zip":  # the member's name differs
            assert (tmp_path / f"again.{kind}").read_bytes() == written  # no time stamp
    assert list(csv.reader(io.StringIO(plain.decode())))[0] == [
        "prediction", "proba_cat", "proba_dog"]
    (tmp_path / "p.csv.zst").write_bytes(b"kept")
    assert cli.main([*predict, "-o", "p.csv.zst"]) == 2  # refused before any work
    error_line(capsys, "-o p.csv.zst: nonlin does not write zstd")
    assert (tmp_path / "p.csv.zst").read_bytes() == b"kept"


def test_the_reader_sizes_its_arrays_by_the_text_not_the_compressed_file(
    tmp_path: Path,
) -> None:
    # sized by the compressed file, the arrays would grow, zero-filling pages: memory
    from nonlin._compressed import open_data, text_size

    text = _text(30_000)  # about 700 kB
    files = {"plain": text, "gz": gzip.compress(text, 1), "bz2": bz2.compress(text, 1),
             "xz": lzma.compress(text, preset=0),
             "padded": gzip.compress(text, 1) + bytes(512)}  # its last 4 bytes: not the size
    for kind, data in files.items():
        (tmp_path / kind).write_bytes(data)
        with open_data(tmp_path / kind) as handle:
            handle.read(tabular._BLOCK_BYTES)
            size = text_size(handle)
            assert handle.read() == text[tabular._BLOCK_BYTES :], kind
        if kind in ("plain", "gz"):  # recorded: exact
            assert size == len(text), kind
        else:  # a guess from the bytes so far (bz2: a block of 100 kB of text at level 1)
            assert 0.8 * len(text) <= size <= 1.5 * len(text), (kind, size, len(text))
