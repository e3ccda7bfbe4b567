"""A damaged compressed DATA.csv read by the command line's header read (``header_names``:
``--weight``, ``--target y,b``, ``evaluate --weight``): the damage is the error, one line
naming the file and its format as the main reader says it (``checked_data``), whenever the
damage is within what the header read reads (a truncated or corrupt start) or changed the
header's text (a flipped bit only the checksum at the end shows); a file damaged after
its header is read past the header and gets the main reader's error."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile
from pathlib import Path

import pytest

from nonlin import cli, tabular
from nonlin.tabular import CSVError

HEADER = b"a,b,w,y\n"


def _text(rows: int) -> bytes:
    return HEADER + "".join(f"{i % 7},{(3 * i) % 5},{1 + i % 3},{'pq'[i % 2]}\n"
                            for i in range(rows)).encode()


def _zip(text: bytes, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        archive.writestr("d.csv", text)
    return buffer.getvalue()


COMPRESS = {"gzip": lambda t: gzip.compress(t, mtime=0), "bz2": bz2.compress,
            "xz": lzma.compress, "zip": _zip}
SUFFIX = {"gzip": ".gz", "bz2": ".bz2", "xz": ".xz", "zip": ".zip"}


def _commands(data: str, tmp_path: Path) -> list[list[str]]:
    """Commands whose first read of ``data`` is the header read."""
    out = ["--epochs", "1", "--quiet", "--out", str(tmp_path / "m.safetensors")]
    return [["train", data, "--target", "y", "--weight", "w", *out],
            ["train", data, "--target", "y,b", *out],
            ["train", data, "--target", "y", "--exclude", "w", *out]]


def _errors(capsys: pytest.CaptureFixture[str], data: Path, tmp_path: Path) -> list[str]:
    found = []
    for argv in _commands(str(data), tmp_path):
        assert cli.main(argv) == 2
        found.append(capsys.readouterr().err.strip())
    return found


def _expect(errors: list[str], data: Path, kind: str, state: str) -> None:
    for err in errors:
        assert err.startswith(f"nonlin: error: {data}: expected a complete {kind} file. "
                              f"Received {state}"), err
        assert "\n" not in err and err.endswith("copy or download it again"), err


@pytest.mark.parametrize("kind", sorted(COMPRESS))
def test_a_file_truncated_within_the_header_read_is_reported_truncated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    whole = COMPRESS[kind](_text(60))
    data = tmp_path / f"d.csv{SUFFIX[kind]}"
    data.write_bytes(whole[: len(whole) - 12])  # the header intact
    state = "a damaged one" if kind == "zip" else "a truncated one"  # zip: its directory lost
    _expect(_errors(capsys, data, tmp_path), data, kind, state)


@pytest.mark.parametrize("kind", sorted(COMPRESS))
def test_a_file_corrupt_within_the_header_read_is_reported_damaged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    whole = bytearray(COMPRESS[kind](_text(60)))
    whole[len(whole) // 2] ^= 0x5A
    data = tmp_path / f"d.csv{SUFFIX[kind]}"
    data.write_bytes(bytes(whole))
    _expect(_errors(capsys, data, tmp_path), data, kind, "a damaged one")


def _bz2_header_flip(text: bytes) -> bytes:
    """``text`` bz2-compressed with one bit flipped that changes the header's text while the
    stream decompresses on (to the first block's checksum)."""
    packed = bz2.compress(text)
    for position in range(10, 200):
        for bit in range(8):
            flipped = bytearray(packed)
            flipped[position] ^= 1 << bit
            try:
                start = bz2.BZ2Decompressor().decompress(bytes(flipped), 1 << 12)
            except (OSError, EOFError):
                continue
            if len(start) == 1 << 12 and not start.startswith(HEADER):
                return bytes(flipped)
    raise AssertionError("no such bit")


def _stored_header_flip(kind: str, text: bytes, to: str = "a") -> bytes:
    """``text`` stored uncompressed in a gzip file or zip archive, its header's ``w``
    turned into ``to`` (``a``: a name twice; ``v``: ``--weight w`` not found), which only
    the checksum at the end shows as damage."""
    if kind == "gzip":
        packed = bytearray(gzip.compress(text, compresslevel=0, mtime=0))
    else:
        packed = bytearray(_zip(text, zipfile.ZIP_STORED))
    at = packed.index(HEADER)
    packed[at + 4] = ord(to)
    return bytes(packed)


@pytest.mark.parametrize("kind", ["gzip", "zip", "bz2"])
def test_damage_that_changed_the_header_is_the_damage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    kind: str,
) -> None:
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", 1 << 10)  # the header read: its first block
    text = _text(40_000) if kind == "bz2" else _text(30_000)  # more than a read's 64 KiB
    data = tmp_path / f"d.csv{SUFFIX[kind]}"
    data.write_bytes(_bz2_header_flip(text) if kind == "bz2" else _stored_header_flip(kind, text))
    with pytest.raises(CSVError) as reader:  # the main reader: the damage
        tabular.read_csv(data, target="y")
    errors = _errors(capsys, data, tmp_path)
    assert errors == [f"nonlin: error: {reader.value}"] * len(errors)
    _expect(errors, data, kind, "a damaged one")


@pytest.mark.parametrize("kind", ["gzip", "zip"])
def test_damage_that_renamed_a_column_is_the_damage(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    kind: str,
) -> None:
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", 1 << 10)
    data = tmp_path / f"d.csv{SUFFIX[kind]}"
    data.write_bytes(_stored_header_flip(kind, _text(30_000), to="v"))
    errors = _errors(capsys, data, tmp_path)  # was: no column 'w' (--weight, --exclude)
    _expect(errors, data, kind, "a damaged one")


@pytest.mark.parametrize("kind", sorted(COMPRESS))
def test_a_file_damaged_after_its_header_gets_the_main_readers_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    kind: str,
) -> None:
    monkeypatch.setattr(tabular, "_BLOCK_BYTES", 1 << 10)
    text = _text(30_000)
    whole = COMPRESS[kind](text)
    data = tmp_path / f"d.csv{SUFFIX[kind]}"
    data.write_bytes(whole[:-30] if kind != "zip" else _cut_zip(whole))
    with pytest.raises(CSVError) as reader:
        tabular.read_csv(data, target="y")
    errors = _errors(capsys, data, tmp_path)
    assert errors == [f"nonlin: error: {reader.value}"] * len(errors)
    if kind in ("gzip", "xz"):  # where the text stops: far past the header (bz2: a block)
        assert int(str(reader.value).split("stops after line ")[1].split()[0]) > 1000


def _cut_zip(whole: bytes) -> bytes:
    """The zip archive ``whole`` with a byte of its member's data changed near its end."""
    damaged = bytearray(whole)
    damaged[len(whole) - 200] ^= 0x5A
    return bytes(damaged)


def test_damage_that_changed_the_header_on_stdin_names_stdin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    monkeypatch.setattr(tabular, "_BLOCK_BYTES", 1 << 10)
    packed = _stored_header_flip("gzip", _text(30_000))
    for argv in _commands("-", tmp_path):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(packed), "utf-8"))
        assert cli.main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith("nonlin: error: <stdin>: expected a complete gzip file. "
                              "Received a damaged one (CRC check failed"), err
